package io.kaji.netpol;

import io.kaji.node.host.HostCommand;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An in-memory filter table answering the commands {@link Iptables} runs: iptables-save, iptables-restore
 * (declare/flush, -A, -X), and iptables -S/-C/-I/-D on FORWARD. Can be told to fail the next restores.
 */
final class FakeIptables implements Iptables.Runner {

    final Map<String, List<String>> chains = new LinkedHashMap<>();
    final List<String> forward = new ArrayList<>();
    final AtomicInteger restores = new AtomicInteger();
    final AtomicInteger failedRestores = new AtomicInteger();
    final AtomicInteger failNextRestores = new AtomicInteger();

    @Override
    public synchronized HostCommand.Result run(List<String> command, Duration timeout) {
        String program = command.getFirst();
        if (program.equals("iptables-save")) {
            StringBuilder sb = new StringBuilder("*filter\n:FORWARD ACCEPT [0:0]\n");
            chains.keySet().forEach(c -> sb.append(':').append(c).append(" - [0:0]\n"));
            forward.forEach(l -> sb.append(l).append('\n'));
            return ok(command, sb.append("COMMIT\n").toString());
        }
        if (program.equals("iptables-restore")) {
            if (failNextRestores.get() > 0) {
                failNextRestores.decrementAndGet();
                failedRestores.incrementAndGet();
                return new HostCommand.Result(command, 1, "", "iptables-restore: line 2 failed");
            }
            restores.incrementAndGet();
            apply(read(Path.of(command.getLast())));
            return ok(command, "");
        }
        String op = command.get(2);
        String line = command.size() > 4 ? "-A FORWARD -m comment --comment \"" + command.get(command.size() - 3)
                + "\" -j " + command.getLast() : "";
        return switch (op) {
            case "-S" -> ok(command, "-P FORWARD ACCEPT\n" + String.join("\n", forward) + "\n");
            case "-C" -> new HostCommand.Result(command, forward.contains(line) ? 0 : 1, "", "");
            case "-I" -> {
                forward.addFirst(line);
                yield ok(command, "");
            }
            case "-D" -> {
                forward.remove(line);
                yield ok(command, "");
            }
            default -> throw new AssertionError("unexpected command " + command);
        };
    }

    synchronized List<String> chainNames() {
        return List.copyOf(chains.keySet());
    }

    private void apply(String script) {
        for (String l : script.split("\n")) {
            if (l.startsWith(":")) {
                chains.put(l.substring(1, l.indexOf(' ')), new ArrayList<>());
            } else if (l.startsWith("-A ")) {
                String chain = l.split(" ")[1];
                if (!chains.containsKey(chain)) {
                    throw new AssertionError("rule for an undeclared chain: " + l);
                }
                chains.get(chain).add(l);
            } else if (l.startsWith("-X ")) {
                chains.remove(l.substring(3));
            }
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static HostCommand.Result ok(List<String> command, String out) {
        return new HostCommand.Result(command, 0, out, "");
    }
}
