package io.kaji.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code kaji} process (server or agent) started from kaji-cli's packaged jar and lib/ with this JVM's
 * java, its output in a log file. {@link #stop()} sends SIGTERM and waits (SIGKILL after 30 s); {@link #kill()}
 * is SIGKILL, as when a machine dies.
 */
final class KajiProcess implements AutoCloseable {

    private final String name;
    private final Process process;
    private final Path log;

    private KajiProcess(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    /** The kaji-cli module's target directory (the reactor packages it before this module's tests run). */
    static Path cliTarget() {
        Path here = Path.of("").toAbsolutePath();
        Path target = here.resolveSibling("kaji-cli").resolve("target");
        if (!Files.isDirectory(target.resolve("lib"))) {
            throw new IllegalStateException("kaji-cli is not packaged (" + target + "/lib missing): run mvn verify "
                    + "from the repository root, or mvn -pl kaji-cli -am package first");
        }
        return target;
    }

    static KajiProcess start(String name, Path log, String... args) {
        Path target = cliTarget();
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx512m", "--enable-native-access=ALL-UNNAMED",
                "-Dorg.slf4j.simpleLogger.showDateTime=true",
                "-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS",
                "-cp", target.resolve("kaji-cli.jar") + ":" + target.resolve("lib") + "/*",
                "io.kaji.cli.KajiCommand"));
        cmd.addAll(List.of(args));
        try {
            Files.createDirectories(log.getParent());
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            return new KajiProcess(name, p, log);
        } catch (IOException e) {
            throw new UncheckedIOException("start kaji " + name + ": " + e.getMessage(), e);
        }
    }

    boolean alive() {
        return process.isAlive();
    }

    Path log() {
        return log;
    }

    /** The last {@code n} lines of the log, for failure messages. */
    String tail(int n) {
        try {
            List<String> lines = Files.readAllLines(log);
            return name + " log (" + log + "):\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - n),
                    lines.size()));
        } catch (IOException e) {
            return name + " log unreadable: " + e.getMessage();
        }
    }

    void stop() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        stop();
    }
}
