package io.kaji.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaji.store.KeyValue;
import io.kaji.store.WriteResult;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 in the middle of a write load: every write the store acknowledged must be there after a restart, with
 * the revision it was acknowledged at, and the revision must go on increasing from there.
 */
class SqliteDurabilityTest {

    @TempDir
    Path dir;

    @Test
    void everyAcknowledgedWriteSurvivesKillDashNine() throws Exception {
        for (int round = 0; round < 2; round++) {
            Map<String, Long> acked = runAndKill(2_000 + round * 1_000);
            long maxAcked = acked.values().stream().mapToLong(Long::longValue).max().orElseThrow();

            try (SqliteStore store = SqliteStore.open(dir)) {
                for (Map.Entry<String, Long> e : acked.entrySet()) {
                    KeyValue kv = store.get(e.getKey()).orElse(null);
                    assertThat(kv).as("acknowledged key %s", e.getKey()).isNotNull();
                    assertThat(kv.modRevision()).as("revision of %s", e.getKey()).isEqualTo(e.getValue());
                    assertThat(kv.valueAsString()).isEqualTo(e.getKey());
                }
                assertThat(store.currentRevision()).isGreaterThanOrEqualTo(maxAcked);
                WriteResult next = store.create("/registry/after-restart/round" + round, new byte[] {1});
                assertThat(next.succeeded()).isTrue();
                assertThat(next.revision()).isEqualTo(store.currentRevision()).isGreaterThan(maxAcked);
            }
        }
    }

    /** Starts a writer process, reads its acknowledgements until {@code atLeast}, then SIGKILLs it. */
    private Map<String, Long> runAndKill(int atLeast) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
                DurabilityWriter.class.getName(), dir.toString(), "8"))
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        Map<String, Long> acked = new LinkedHashMap<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.startsWith("ACK ")) {
                    String[] f = line.split(" ");
                    if (Boolean.parseBoolean(f[3])) {
                        acked.put(f[1], Long.parseLong(f[2]));
                    }
                    if (acked.size() >= atLeast) {
                        p.destroyForcibly(); // SIGKILL: no shutdown hook, no close, writes in flight are cut
                        break;
                    }
                }
            }
        } finally {
            p.destroyForcibly();
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(acked).as("writer produced acknowledgements").hasSizeGreaterThanOrEqualTo(atLeast);
        return acked;
    }
}
