package io.kaji.node.host;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** The mount points of this process's mount namespace, from {@code /proc/self/mountinfo}. */
public final class Mounts {

    private Mounts() {
    }

    /**
     * Mount points at or below any of {@code dirs}, deepest first (the order to unmount them in).
     *
     * @throws UncheckedIOException if mountinfo cannot be read
     */
    public static List<String> under(List<Path> dirs) {
        List<String> prefixes = dirs.stream().map(d -> d.toAbsolutePath().toString()).toList();
        List<String> out = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                String[] f = line.split(" ");
                String point = f.length > 4 ? f[4].replace("\\040", " ") : "";
                if (prefixes.stream().anyMatch(p -> point.equals(p) || point.startsWith(p + "/"))) {
                    out.add(point);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read /proc/self/mountinfo", e);
        }
        out.sort(Comparator.comparingInt(String::length).reversed());
        return out;
    }
}
