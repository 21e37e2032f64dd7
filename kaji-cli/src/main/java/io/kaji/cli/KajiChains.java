package io.kaji.cli;

import io.kaji.node.host.HostCommand;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Removes Kaji's iptables state for {@code kaji down}: the chains whose name starts with a prefix (one node's
 * {@code KAJI-<tag>-}, or {@code KAJI-} for all of Kaji's) in a table and the rules in the built-in chains that
 * jump to one, in one {@code iptables-restore --noflush} transaction per table. Nothing else is touched. Blocking.
 */
final class KajiChains {

    static final List<String> TABLES = List.of("nat", "filter");
    static final String PREFIX = "KAJI-";
    private static final Set<String> BUILT_IN = Set.of("PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING");
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    private KajiChains() {
    }

    /**
     * Removes the chains of {@code table} starting with {@code prefix} (which starts with {@code KAJI-}) and the
     * jumps to them; returns how many chains there were.
     *
     * @throws IllegalStateException naming the command and its error if iptables fails
     */
    static int removeAll(String table, String prefix) {
        HostCommand.Result saved = HostCommand.run(List.of("iptables-save", "-t", table), TIMEOUT);
        if (!saved.ok()) {
            throw new IllegalStateException("iptables-save -t " + table + ": " + saved.stderr().strip());
        }
        String script = removalScript(table, prefix, saved.stdout().lines().toList());
        if (script == null) {
            return 0;
        }
        HostCommand.Result r;
        Path file = null;
        try {
            file = Files.createTempFile("kaji-down-", ".rules");
            Files.writeString(file, script);
            r = HostCommand.run(List.of("iptables-restore", "--noflush", file.toString()), TIMEOUT);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the iptables-restore input: " + e.getMessage(), e);
        } finally {
            if (file != null) {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException ignored) {
                    // a temporary file; nothing depends on it
                }
            }
        }
        if (!r.ok()) {
            throw new IllegalStateException("iptables-restore --noflush (" + table + "): " + r.stderr().strip());
        }
        return (int) script.lines().filter(l -> l.startsWith("-X ")).count();
    }

    /** The iptables-restore input that removes the {@code prefix} chains in {@code saved}, or null if none. */
    static String removalScript(String table, String prefix, List<String> saved) {
        if (!prefix.startsWith(PREFIX)) {
            throw new IllegalArgumentException("only Kaji's chains (" + PREFIX + "*) are removed, not " + prefix);
        }
        Set<String> chains = new LinkedHashSet<>();
        List<String> jumps = new ArrayList<>();
        for (String line : saved) {
            if (line.startsWith(":" + prefix)) {
                chains.add(line.substring(1, line.indexOf(' ') > 0 ? line.indexOf(' ') : line.length()));
            } else if (line.startsWith("-A ")) {
                String[] f = line.split(" ");
                if (BUILT_IN.contains(f[1]) && jumpsTo(f, prefix)) {
                    jumps.add("-D" + line.substring(2));
                }
            }
        }
        if (chains.isEmpty() && jumps.isEmpty()) {
            return null;
        }
        StringBuilder b = new StringBuilder("*" + table + "\n");
        jumps.forEach(j -> b.append(j).append('\n'));
        chains.forEach(c -> b.append("-F ").append(c).append('\n'));
        chains.forEach(c -> b.append("-X ").append(c).append('\n'));
        return b.append("COMMIT\n").toString();
    }

    private static boolean jumpsTo(String[] fields, String prefix) {
        for (int i = 0; i < fields.length - 1; i++) {
            if ((fields[i].equals("-j") || fields[i].equals("-g")) && fields[i + 1].startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }
}
