package io.kaji.proxy;

import io.kaji.node.host.HostCommand;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The host side: runs iptables, iptables-save and iptables-restore. Blocking; thread-safe (no state).
 * Failures are {@link UncheckedIOException}s naming the command and its stderr.
 */
final class Iptables {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    static final List<String> TABLES = List.of("nat", "filter");

    private Iptables() {
    }

    /** Applies {@code input} atomically with {@code iptables-restore --noflush --wait} (input on stdin). */
    static void restore(String input) {
        Path file;
        try {
            file = Files.createTempFile("kaji-proxy-", ".rules");
            Files.writeString(file, input, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("iptables-restore: cannot write its input to a temporary file", e);
        }
        try {
            // The input goes on stdin: "--wait FILE" would read FILE as --wait's optional seconds argument.
            Process process = new ProcessBuilder("iptables-restore", "--noflush", "--wait")
                    .redirectInput(file.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!process.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new UncheckedIOException(new IOException("iptables-restore: timed out after " + TIMEOUT));
            }
            if (process.exitValue() != 0) {
                String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();
                throw new UncheckedIOException(new IOException("iptables-restore --noflush: exit code " + process.exitValue()
                        + ": " + err + "\n--- input ---\n" + excerpt(input, err)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("iptables-restore: cannot run it (is iptables installed?): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UncheckedIOException(new IOException("iptables-restore: interrupted"));
        } finally {
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // a leftover temporary file is harmless
            }
        }
    }

    /** The lines of {@code iptables-save -t table}. */
    static List<String> save(String table) {
        return HostCommand.run(List.of("iptables-save", "-t", table), TIMEOUT).orThrow().stdout().lines().toList();
    }

    /** Chains of {@code table} whose names pass {@code filter}. */
    static Set<String> chains(List<String> saved, Predicate<String> filter) {
        Set<String> chains = new LinkedHashSet<>();
        for (String line : saved) {
            if (line.startsWith(":")) {
                String name = line.substring(1, line.indexOf(' ') > 0 ? line.indexOf(' ') : line.length());
                if (filter.test(name)) {
                    chains.add(name);
                }
            }
        }
        return chains;
    }

    /** Rules ({@code -A CHAIN …} lines) of built-in chains that jump to a chain passing {@code target}. */
    static List<String> jumpsInto(List<String> saved, Predicate<String> target) {
        List<String> rules = new ArrayList<>();
        for (String line : saved) {
            if (!line.startsWith("-A ")) {
                continue;
            }
            String chain = line.split(" ", 3)[1];
            int j = line.lastIndexOf(" -j ");
            if (isBuiltin(chain) && j > 0) {
                String to = line.substring(j + 4).split(" ")[0];
                if (target.test(to)) {
                    rules.add(line);
                }
            }
        }
        return rules;
    }

    static boolean isBuiltin(String chain) {
        return List.of("PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING").contains(chain);
    }

    /** True if {@code iptables -C} finds the rule. */
    static boolean exists(Jump jump) {
        return HostCommand.run(command(jump, "-C"), TIMEOUT).ok();
    }

    /** Inserts the rule at the top of its built-in chain. */
    static void insert(Jump jump) {
        List<String> cmd = command(jump, "-I");
        cmd.add(6, "1");
        HostCommand.run(cmd, TIMEOUT).orThrow();
    }

    private static List<String> command(Jump jump, String op) {
        List<String> cmd = new ArrayList<>(List.of("iptables", "-w", "-t", jump.table(), op, jump.chain()));
        cmd.addAll(jump.args());
        return cmd;
    }

    private static String excerpt(String input, String err) {
        // iptables-restore names the failing line ("line 12 failed"): show around it.
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("line (\\d+)").matcher(err);
        List<String> lines = input.lines().toList();
        if (m.find()) {
            int n = Integer.parseInt(m.group(1));
            return String.join("\n", lines.subList(Math.max(0, n - 3), Math.min(lines.size(), n + 2)));
        }
        return String.join("\n", lines.subList(0, Math.min(lines.size(), 20)));
    }
}
