package io.kaji.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a real kubectl binary against a kubeconfig, with a private HOME and discovery cache so that the user's
 * ~/.kube is never read or written. Every run has a timeout and its process is always ended.
 */
final class Kubectl {

    /** The outcome of one kubectl run. */
    record Result(int exitCode, String stdout, String stderr) {
        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout\n" + stdout + "--- stderr\n" + stderr;
        }
    }

    static final Path DEFAULT_BINARY = Path.of("/usr/bin/kubectl");

    private final Path binary;
    private final Path kubeconfig;
    private final Path home;

    Kubectl(Path binary, Path kubeconfig, Path home) {
        this.binary = binary;
        this.kubeconfig = kubeconfig;
        this.home = home;
    }

    /** The kubectl of version {@code 1.N} from the Google Cloud SDK, or /usr/bin/kubectl for 1.32. */
    static Path binary(String version) {
        Path p = Path.of("/usr/lib/google-cloud-sdk/bin/kubectl." + version);
        return Files.isExecutable(p) ? p : DEFAULT_BINARY;
    }

    Path home() {
        return home;
    }

    Result run(String... args) {
        return run(Map.of(), null, args);
    }

    /** Runs kubectl with extra environment variables and optional standard input. */
    Result run(Map<String, String> env, String stdin, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(binary.toString());
        cmd.add("--kubeconfig");
        cmd.add(kubeconfig.toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().remove("KUBECONFIG");
        pb.environment().put("HOME", home.toString());
        pb.environment().put("KUBECACHEDIR", home.resolve("cache").toString());
        pb.environment().putAll(env);
        try {
            Path out = Files.createTempFile(home, "out", ".txt");
            Path err = Files.createTempFile(home, "err", ".txt");
            pb.redirectOutput(out.toFile()).redirectError(err.toFile());
            Process p = pb.start();
            if (stdin != null) {
                p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
            }
            p.getOutputStream().close();
            if (!p.waitFor(90, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                throw new AssertionError("kubectl " + String.join(" ", args) + " did not finish in 90 s:\n"
                        + Files.readString(err));
            }
            return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Where a kubectl started with {@link #start} writes its stderr. */
    Path startedStderr() {
        return home.resolve("watch-stderr.txt");
    }

    /** Starts a long-running kubectl (e.g. {@code get -w}) writing stdout to {@code out}; the caller ends it. */
    Process start(Path out, String... args) throws IOException {
        return start(Map.of(), out, args);
    }

    /** As {@link #start(Path, String...)}, with extra environment variables. */
    Process start(Map<String, String> env, Path out, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(binary.toString());
        cmd.add("--kubeconfig");
        cmd.add(kubeconfig.toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().remove("KUBECONFIG");
        pb.environment().put("HOME", home.toString());
        pb.environment().put("KUBECACHEDIR", home.resolve("cache").toString());
        pb.environment().putAll(env);
        pb.redirectOutput(out.toFile()).redirectError(home.resolve("watch-stderr.txt").toFile());
        return pb.start();
    }
}
