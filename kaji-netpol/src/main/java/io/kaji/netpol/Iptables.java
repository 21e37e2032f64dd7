package io.kaji.netpol;

import io.kaji.node.host.HostCommand;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * The iptables filter table through the host's programs: {@code iptables-save} to list chains,
 * {@code iptables-restore --noflush --wait} to replace chains atomically, {@code iptables -C/-I/-D} for the jump
 * rules in built-in chains. Blocking; failures are {@link UncheckedIOException}s naming the command and its
 * stderr. Thread-safe (no state).
 */
final class Iptables {

    /** Runs one host command; {@link HostCommand#run} except in tests. */
    interface Runner {
        HostCommand.Result run(List<String> command, Duration timeout);
    }

    private final Runner runner;

    Iptables() {
        this(HostCommand::run);
    }

    Iptables(Runner runner) {
        this.runner = runner;
    }

    // generous: with the nf_tables backend every listing dumps the whole ruleset, seconds on a loaded machine
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    /** Names of the filter table's chains that start with {@code prefix}. */
    List<String> chains(String prefix) {
        HostCommand.Result r = runner.run(List.of("iptables-save", "-t", "filter"), TIMEOUT).orThrow();
        List<String> out = new ArrayList<>();
        for (String line : r.stdout().split("\n")) {
            if (line.startsWith(":" + prefix)) {
                out.add(line.substring(1, line.indexOf(' ') > 0 ? line.indexOf(' ') : line.length()));
            }
        }
        return out;
    }

    /** Feeds {@code script} to {@code iptables-restore --noflush --wait}: all of it is applied, or none. */
    void restore(String script) {
        Path file = null;
        try {
            file = Files.createTempFile("kaji-netpol-", ".rules");
            Files.writeString(file, script);
            // "--wait" takes an optional number: without one, the file name would be read as it (and the rules
            // from an empty standard input, exit code 0)
            runner.run(List.of("iptables-restore", "--noflush", "--wait", "30", file.toString()), TIMEOUT)
                    .orThrow();
        } catch (IOException e) {
            throw new UncheckedIOException("iptables-restore: cannot write its input file: " + e.getMessage(), e);
        } finally {
            if (file != null) {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException ignored) {
                    // a temporary file left behind is harmless
                }
            }
        }
    }

    /** True when {@code builtin} has the rule {@code -m comment --comment <comment> -j <target>}. */
    boolean hasJump(String builtin, String target, String comment) {
        HostCommand.Result r = runner.run(jump("-C", builtin, target, comment), TIMEOUT);
        if (r.exitCode() > 1) {
            r.orThrow(); // 1 means "no such rule"; anything else is a real failure (e.g. no permission)
        }
        return r.ok();
    }

    /**
     * Makes the jump the first rule of {@code builtin}, or at least preceded only by rules that {@code mayPrecede}
     * (the jumps of other enforcers on this machine, which never accept a packet). A rule that came first later
     * (the CNI firewall plugin inserts its ACCEPTing CNI-FORWARD jump at position 1) would let pod traffic bypass
     * the policy, so the jump is moved back to the top.
     *
     * @return true when the jump was inserted or moved
     */
    boolean ensureFirstJump(String builtin, String target, String comment, Predicate<String> mayPrecede) {
        List<String> rules = new ArrayList<>();
        for (String line : runner.run(List.of("iptables", "-w", "-S", builtin), TIMEOUT).orThrow().stdout()
                .split("\n")) {
            if (line.startsWith("-A " + builtin + " ")) {
                rules.add(line);
            }
        }
        int mine = -1;
        for (int i = 0; i < rules.size(); i++) {
            if (rules.get(i).endsWith("-j " + target)) {
                mine = i;
                break;
            }
        }
        if (mine >= 0 && rules.subList(0, mine).stream().allMatch(mayPrecede)) {
            return false;
        }
        if (mine >= 0) {
            deleteJump(builtin, target, comment);
        }
        List<String> insert = new ArrayList<>(jump("-I", builtin, target, comment));
        insert.add(4, "1");
        runner.run(insert, TIMEOUT).orThrow();
        return true;
    }

    /** Removes every copy of the jump from {@code builtin}. */
    void deleteJump(String builtin, String target, String comment) {
        for (int i = 0; i < 100 && hasJump(builtin, target, comment); i++) {
            runner.run(jump("-D", builtin, target, comment), TIMEOUT).orThrow();
        }
    }

    private static List<String> jump(String op, String builtin, String target, String comment) {
        return List.of("iptables", "-w", op, builtin, "-m", "comment", "--comment", comment, "-j", target);
    }
}
