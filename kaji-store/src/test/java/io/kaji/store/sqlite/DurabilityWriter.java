package io.kaji.store.sqlite;

import io.kaji.store.WriteResult;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Child process of {@link SqliteDurabilityTest}: writes as fast as it can from several threads and prints
 * {@code ACK <key> <revision>} after each write the store acknowledged, until it is killed.
 */
public final class DurabilityWriter {

    public static void main(String[] args) {
        Path dir = Path.of(args[0]);
        int threads = Integer.parseInt(args[1]);
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        SqliteStore store = SqliteStore.open(dir);
        out.println("READY " + store.currentRevision());
        out.flush();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            Thread.ofPlatform().start(() -> {
                for (int i = 0; ; i++) {
                    String key = "/registry/durability/t" + thread + "/k" + i;
                    WriteResult r = store.create(key, key.getBytes(StandardCharsets.UTF_8));
                    synchronized (out) {
                        out.println("ACK " + key + " " + r.revision() + " " + r.succeeded());
                        out.flush();
                    }
                }
            });
        }
    }
}
