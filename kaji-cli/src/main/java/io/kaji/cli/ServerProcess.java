package io.kaji.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The background {@code kaji server} that {@code kaji up} starts and {@code kaji down} stops: started with the same
 * JVM, JVM options and class path as this process, in its own session ({@code setsid}), stdin from /dev/null,
 * output appended to {@code <data-dir>/server.log}, its pid in {@code <data-dir>/server.pid}.
 */
final class ServerProcess {

    private final DataDir dir;

    ServerProcess(DataDir dir) {
        this.dir = dir;
    }

    /** The running server of this data dir, if the pid file names a live {@code kaji server} process. */
    Optional<ProcessHandle> running() {
        Path pidFile = dir.pidFile();
        if (!Files.exists(pidFile)) {
            return Optional.empty();
        }
        long pid;
        try {
            pid = Long.parseLong(Files.readString(pidFile).strip());
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
        // A pid is reused once its process is gone: only a JVM running "kaji server" counts.
        return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).filter(ServerProcess::isKajiServer);
    }

    static boolean isKajiServer(ProcessHandle h) {
        List<String> args = arguments(h);
        return args.contains(KajiCommand.class.getName()) && args.contains("server");
    }

    /**
     * The process' command line. {@code ProcessHandle.Info.arguments()} is empty for long command lines (a class
     * path of a hundred jars), so /proc is read first.
     */
    static List<String> arguments(ProcessHandle h) {
        try {
            byte[] raw = Files.readAllBytes(Path.of("/proc", String.valueOf(h.pid()), "cmdline"));
            return List.of(new String(raw, java.nio.charset.StandardCharsets.UTF_8).split("\0"));
        } catch (IOException e) {
            return h.info().arguments().map(List::of).orElse(List.of());
        }
    }

    /** The command line of the background server: this JVM, its options and class path, then {@code kaji server}. */
    static List<String> command(List<String> serverArgs) {
        String java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> cmd = new ArrayList<>();
        cmd.add("setsid");
        cmd.add(java);
        for (String option : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            // Debug agents would clash on their port; the server gets none.
            if (!option.startsWith("-agentlib:jdwp")) {
                cmd.add(option);
            }
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(KajiCommand.class.getName());
        cmd.add("server");
        cmd.addAll(serverArgs);
        return cmd;
    }

    /** Starts the server detached from this process and writes its pid file. */
    ProcessHandle start(List<String> serverArgs) {
        try {
            Files.createDirectories(dir.path());
            ProcessBuilder pb = new ProcessBuilder(command(serverArgs))
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.log().toFile()))
                    .redirectErrorStream(true);
            Process p = pb.start();
            // setsid execs in place (the child is no process-group leader), so the pid is the server's.
            Files.writeString(dir.pidFile(), p.pid() + "\n");
            return p.toHandle();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start kaji server in the background: " + e.getMessage(), e);
        }
    }

    /** "<log>:" and its last 20 lines, for an error message. */
    String logTailText() {
        return dir.log() + ":\n" + String.join("\n", logTail(20));
    }

    /** The last {@code n} lines of the server log (empty if there is none). */
    List<String> logTail(int n) {
        try {
            List<String> lines = Files.readAllLines(dir.log());
            return lines.subList(Math.max(0, lines.size() - n), lines.size());
        } catch (IOException e) {
            return List.of();
        }
    }
}
