package io.kaji.support.logs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Saves a {@link LogMiner}'s state as JSON and restores a miner from it, so that a daemon keeps its
 * templates across restarts: a restored miner continues exactly as the saved one would have. Files are
 * written atomically (temporary file, then rename). Stateless and thread-safe.
 */
public final class MinerStateCodec {

    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private MinerStateCodec() {
    }

    /** Writes the miner's state as JSON to the stream (which is left open). */
    public static void save(LogMiner miner, OutputStream out) throws IOException {
        JSON.writeValue(new NonClosingOutputStream(out), miner.exportState());
    }

    /** Writes the miner's state to a file, replacing it atomically. */
    public static void save(LogMiner miner, Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
        try {
            try (OutputStream out = Files.newOutputStream(tmp)) {
                save(miner, out);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The state as a JSON string. */
    public static String toJson(LogMiner miner) {
        try {
            return JSON.writeValueAsString(miner.exportState());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize the miner state", e);
        }
    }

    /** A miner restored from JSON; IOException names what is wrong with malformed input. */
    public static LogMiner restore(InputStream in) throws IOException {
        return fromState(JSON.readValue(in, MinerState.class));
    }

    /** A miner restored from a file written by {@link #save(LogMiner, Path)}. */
    public static LogMiner restore(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return restore(in);
        }
    }

    /** A miner restored from a JSON string. */
    public static LogMiner fromJson(String json) throws IOException {
        return fromState(JSON.readValue(json, MinerState.class));
    }

    private static LogMiner fromState(MinerState state) throws IOException {
        if (state == null || state.config() == null || state.clusters() == null) {
            throw new IOException("not a Kaji log miner state (config or clusters missing)");
        }
        try {
            return LogMiner.fromState(state);
        } catch (IllegalArgumentException e) {
            throw new IOException("invalid log miner state: " + e.getMessage(), e);
        }
    }

    private static final class NonClosingOutputStream extends java.io.FilterOutputStream {
        NonClosingOutputStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }
}
