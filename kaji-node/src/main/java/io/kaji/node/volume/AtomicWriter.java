package io.kaji.node.volume;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Clock;
import java.time.format.DateTimeFormatter;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Writes a set of files into a volume directory so that a reader never sees a mix of old and new contents, with
 * the kubelet's layout (pkg/volume/util/atomic_writer.go): the files live in a timestamped directory
 * {@code ..2026_01_01_00_00_00.123456789}; the symlink {@code ..data} points at it; each top-level name is a
 * symlink {@code name -> ..data/name}. An update writes a new timestamped directory, points {@code ..data_tmp} at
 * it and renames that over {@code ..data} (one atomic rename), then fixes the top-level links and removes the old
 * directory. Nothing is written when the contents and modes are unchanged.
 */
public final class AtomicWriter {

    /** One file: its contents and permission bits (e.g. 0644). */
    public record File(byte[] data, int mode) {
        @Override
        public boolean equals(Object o) {
            return o instanceof File f && f.mode == mode && Arrays.equals(f.data, data);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(data) * 31 + mode;
        }
    }

    private static final String DATA = "..data";
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyy_MM_dd_HH_mm_ss.nnnnnnnnn")
            .withZone(ZoneOffset.UTC);

    private final Path dir;
    private final Clock clock;
    private final Long gid;

    public AtomicWriter(Path dir, Clock clock) {
        this(dir, clock, null);
    }

    /** A writer whose directories and files belong to group {@code gid} (a pod's fsGroup), or null to leave them. */
    public AtomicWriter(Path dir, Clock clock, Long gid) {
        this.dir = dir;
        this.clock = clock;
        this.gid = gid;
    }

    /**
     * Makes the directory hold exactly {@code files} (relative paths, may contain '/'); returns whether anything
     * changed.
     */
    public boolean write(Map<String, File> files) {
        try {
            Files.createDirectories(dir);
            Map<String, File> wanted = new TreeMap<>(files);
            if (wanted.equals(current())) {
                return false;
            }
            Path stamp = dir.resolve(".." + STAMP.format(clock.instant()));
            Files.createDirectories(stamp);
            own(dir);
            own(stamp);
            for (var e : wanted.entrySet()) {
                Path target = stamp.resolve(e.getKey()).normalize();
                if (!target.startsWith(stamp)) {
                    throw new IllegalArgumentException("path " + e.getKey() + " leaves the volume");
                }
                for (Path d = Files.createDirectories(target.getParent()); !d.equals(stamp); d = d.getParent()) {
                    own(d);
                }
                Files.write(target, e.getValue().data());
                own(target);
                Files.setPosixFilePermissions(target, permissions(e.getValue().mode()));
            }
            Path old = Files.isSymbolicLink(dir.resolve(DATA)) ? dir.resolve(DATA).toRealPath() : null;
            Path tmp = dir.resolve("..data_tmp");
            Files.deleteIfExists(tmp);
            Files.createSymbolicLink(tmp, stamp.getFileName());
            Files.move(tmp, dir.resolve(DATA), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            Set<String> top = new HashSet<>();
            for (String name : wanted.keySet()) {
                top.add(name.split("/", 2)[0]);
            }
            for (String name : top) {
                Path link = dir.resolve(name);
                if (!Files.isSymbolicLink(link)) {
                    Files.createSymbolicLink(link, Path.of(DATA, name));
                }
            }
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
                for (Path p : entries) {
                    String n = p.getFileName().toString();
                    if (!n.startsWith("..") && !top.contains(n)) {
                        Files.delete(p);
                    }
                }
            }
            if (old != null && !old.equals(stamp.toRealPath())) {
                deleteTree(old);
            }
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException("write volume files into " + dir + ": " + e.getMessage(), e);
        }
    }

    private void own(Path p) throws IOException {
        if (gid != null) {
            Files.setAttribute(p, "unix:gid", gid.intValue(), LinkOption.NOFOLLOW_LINKS);
        }
    }

    /** What {@code ..data} holds now (empty if nothing was written yet). */
    private Map<String, File> current() throws IOException {
        Map<String, File> out = new TreeMap<>();
        Path data = dir.resolve(DATA);
        if (!Files.isSymbolicLink(data)) {
            return out;
        }
        Path real = data.toRealPath();
        try (var walk = Files.walk(real)) {
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
                int mode = mode(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
                out.put(real.relativize(p).toString(), new File(Files.readAllBytes(p), mode));
            }
        }
        return out;
    }

    static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> s = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] bits = {PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE,
            PosixFilePermission.GROUP_READ, PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE,
            PosixFilePermission.OWNER_READ};
        for (int i = 0; i < bits.length; i++) {
            if ((mode & (1 << i)) != 0) {
                s.add(bits[i]);
            }
        }
        return s;
    }

    static int mode(Set<PosixFilePermission> perms) {
        int mode = 0;
        for (int i = 0; i < 9; i++) {
            if (perms.contains(permissions(1 << i).iterator().next())) {
                mode |= 1 << i;
            }
        }
        return mode;
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (var walk = Files.walk(p)) {
            for (Path x : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(x);
            }
        }
    }
}
