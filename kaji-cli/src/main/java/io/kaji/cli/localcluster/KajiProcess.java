package io.kaji.cli.localcluster;

import io.kaji.cli.KajiCommand;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code kaji} process (server or agent) started with this JVM's java binary and Kaji's class path, its
 * output appended to a log file. The class path is kaji-cli's packaged {@code kaji-cli.jar} and {@code lib/} when
 * this code runs from that jar (the {@code ./kaji} launcher), else {@code ../kaji-cli/target} when run from another
 * module's tests (the reactor packages kaji-cli first), else this JVM's own class path.
 *
 * <p>{@link #stop()} sends SIGTERM and waits (SIGKILL after 30 s); {@link #kill()} is SIGKILL, as when a machine
 * dies. Not thread-safe.
 */
public final class KajiProcess implements AutoCloseable {

    /** JVM options of the server role (docs/footprint.md; the {@code ./kaji} launcher uses the same). */
    public static final List<String> SERVER_JVM_OPTIONS = List.of("-XX:+UseSerialGC", "-Xms32m", "-Xmx384m",
            "-Xss512k");
    /**
     * JVM options of the agent role (docs/footprint.md; the {@code ./kaji} launcher uses the same), for the JDK this
     * process runs on (child processes use the same java): native heap trimming from JDK 22 on, compact object
     * headers from JDK 25 on.
     */
    public static final List<String> AGENT_JVM_OPTIONS = agentJvmOptions(Runtime.version().feature());

    /** The agent role's JVM options on a JDK of this feature release. */
    static List<String> agentJvmOptions(int jdk) {
        List<String> o = new ArrayList<>(List.of("-XX:+UseSerialGC", "-Xms16m", "-Xmx128m", "-Xmn4m",
                "-XX:MinHeapFreeRatio=10", "-XX:MaxHeapFreeRatio=10", "-XX:-ShrinkHeapInSteps", "-Xss512k", "-XX:TieredStopAtLevel=1",
                "-XX:CompileThresholdScaling=4"));
        if (jdk >= 22) {
            o.add("-XX:TrimNativeHeapInterval=5000");
        }
        if (jdk >= 25) {
            o.add("-XX:+UseCompactObjectHeaders");
        }
        return List.copyOf(o);
    }
    /**
     * glibc's malloc arenas per process ({@code MALLOC_ARENA_MAX}, as the launcher exports it): the default of 8 per
     * core lets a JVM's many threads each grow an arena of native memory.
     */
    public static final String MALLOC_ARENA_MAX = "2";

    private final String name;
    private final Process process;
    private final Path log;

    private KajiProcess(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    /** The kaji-cli module's target directory, for tests of other modules; fails with what to build if absent. */
    public static Path cliTarget() {
        Path here = Path.of("").toAbsolutePath();
        Path target = here.resolveSibling("kaji-cli").resolve("target");
        if (!Files.isDirectory(target.resolve("lib"))) {
            throw new IllegalStateException("kaji-cli is not packaged (" + target + "/lib missing): run mvn verify "
                    + "from the repository root, or mvn -pl kaji-cli -am package first");
        }
        return target;
    }

    /**
     * The class path of a child {@code kaji} process (see the class comment for the order); for an agent
     * ({@code agent} true) the narrower list in {@code kaji-cli/target/agent.classpath} when the build wrote it, as
     * the {@code ./kaji} launcher uses it (docs/footprint.md: every jar on the class path costs its central
     * directory in the heap).
     */
    public static String classPath(boolean agent) {
        Optional<Path> target = ownJar().map(Path::getParent);
        if (target.isEmpty()) {
            Path sibling = Path.of("").toAbsolutePath().resolveSibling("kaji-cli").resolve("target");
            if (Files.isDirectory(sibling.resolve("lib")) && Files.exists(sibling.resolve("kaji-cli.jar"))) {
                target = Optional.of(sibling);
            }
        }
        if (target.isPresent()) {
            Path dir = target.get();
            Path agentList = dir.resolve(AGENT_CLASSPATH_FILE);
            if (agent && Files.isRegularFile(agentList)) {
                try {
                    return dir.resolve("kaji-cli.jar") + File.pathSeparator
                            + agentClassPath(Files.readString(agentList), dir);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot read " + agentList, e);
                }
            }
            return dir.resolve("kaji-cli.jar") + File.pathSeparator + dir.resolve("lib") + "/*";
        }
        String own = System.getProperty("java.class.path", "");
        if (own.contains("surefirebooter")) {
            cliTarget(); // throws with what to build
        }
        return own;
    }

    /** The file the build writes beside kaji-cli.jar: the agent role's jars, {@code lib/a.jar:lib/b.jar:…}. */
    static final String AGENT_CLASSPATH_FILE = "agent.classpath";

    /** {@code list} (entries relative to {@code targetDir}, ':'-separated) as absolute paths. */
    static String agentClassPath(String list, Path targetDir) {
        List<String> out = new ArrayList<>();
        for (String entry : list.strip().split(":")) {
            if (!entry.isBlank()) {
                out.add(targetDir.resolve(entry.strip()).toString());
            }
        }
        return String.join(File.pathSeparator, out);
    }

    /** Whether {@code kaji <args>} runs the agent role (its JVM options and class path). */
    private static boolean agentRole(String... args) {
        return args.length > 0 && args[0].equals("agent");
    }

    /** kaji-cli.jar if this class was loaded from it and its lib/ is beside it. */
    private static Optional<Path> ownJar() {
        try {
            var source = KajiCommand.class.getProtectionDomain().getCodeSource();
            if (source == null) {
                return Optional.empty();
            }
            Path p = Path.of(source.getLocation().toURI());
            return Files.isRegularFile(p) && Files.isDirectory(p.resolveSibling("lib")) ? Optional.of(p)
                    : Optional.empty();
        } catch (URISyntaxException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * Starts {@code kaji <args>} with the JVM options of its role ({@code args[0]}: server or agent).
     *
     * @param name a short name for messages (node name, "server")
     * @param log  the file its stdout and stderr are appended to (parent directories are created)
     */
    public static KajiProcess start(String name, Path log, String... args) {
        List<String> jvm = agentRole(args) ? AGENT_JVM_OPTIONS : SERVER_JVM_OPTIONS;
        return start(name, log, jvm, args);
    }

    /** Starts {@code kaji <args>} with the given JVM options (besides native access and log time stamps). */
    public static KajiProcess start(String name, Path log, List<String> jvmOptions, String... args) {
        String java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> cmd = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED"));
        if (Runtime.version().feature() >= 23) {
            cmd.add("--sun-misc-unsafe-memory-access=allow");
        }
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-Dorg.slf4j.simpleLogger.showDateTime=true",
                "-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS",
                "-cp", classPath(agentRole(args)), KajiCommand.class.getName()));
        cmd.addAll(List.of(args));
        try {
            Files.createDirectories(log.toAbsolutePath().getParent());
            ProcessBuilder pb = new ProcessBuilder(cmd);
            pb.environment().putIfAbsent("MALLOC_ARENA_MAX", MALLOC_ARENA_MAX);
            Process p = pb.redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            return new KajiProcess(name, p, log);
        } catch (IOException e) {
            throw new UncheckedIOException("start kaji " + name + ": " + e.getMessage(), e);
        }
    }

    public String name() {
        return name;
    }

    public boolean alive() {
        return process.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    public Path log() {
        return log;
    }

    /** The last {@code n} lines of the log, for failure messages. */
    public String tail(int n) {
        try {
            List<String> lines = Files.readAllLines(log);
            return name + " log (" + log + "):\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - n),
                    lines.size()));
        } catch (IOException | UncheckedIOException e) {
            return name + " log unreadable: " + e.getMessage();
        }
    }

    /** SIGTERM, then SIGKILL if the process has not ended within 30 s. Returns once it has ended. */
    public void stop() {
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

    /** SIGKILL, as when the machine dies; waits up to 10 s for the process to be gone. */
    public void kill() {
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
