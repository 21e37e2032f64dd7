package io.kaji.node.host;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs a host program (gcc, ctr, runc, ip, iptables) to completion and captures its output.
 *
 * <p>Blocking; thread-safe (no shared state). Failure to start, a timeout or an interrupt is an
 * {@link UncheckedIOException} naming the command; a non-zero exit is a value ({@link Result#exitCode()}),
 * which {@link Result#orThrow()} turns into an exception when the caller needs success.
 */
public final class HostCommand {

    private HostCommand() {
    }

    /** The outcome of one command. */
    public record Result(List<String> command, int exitCode, String stdout, String stderr) {
        public boolean ok() {
            return exitCode == 0;
        }

        /** Returns this result if the command succeeded, else throws naming the command and its stderr. */
        public Result orThrow() {
            if (!ok()) {
                throw new UncheckedIOException(new IOException(String.join(" ", command) + ": exit code " + exitCode
                        + (stderr.isBlank() ? "" : ": " + stderr.strip())));
            }
            return this;
        }
    }

    /** Runs {@code command} with no standard input and waits at most {@code timeout}. */
    public static Result run(List<String> command, Duration timeout) {
        String name = String.join(" ", command);
        Process process;
        try {
            process = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        } catch (IOException e) {
            throw new UncheckedIOException(name + ": cannot start: " + e.getMessage(), e);
        }
        CompletableFuture<String> out = drain(process.getInputStream());
        CompletableFuture<String> err = drain(process.getErrorStream());
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new UncheckedIOException(new IOException(name + ": timed out after " + timeout));
            }
            return new Result(List.copyOf(command), process.exitValue(), out.join(), err.join());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new UncheckedIOException(new IOException(name + ": interrupted"));
        }
    }

    private static CompletableFuture<String> drain(InputStream in) {
        return CompletableFuture.supplyAsync(() -> {
            try (in) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        }, r -> Thread.ofVirtual().start(r));
    }
}
