package io.kaji.support.logs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MinerStateCodecTest {

    private static List<String> corpus(int n, long seed) {
        Random r = new Random(seed);
        String[] users = {"root", "alice", "bob", "carol"};
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            lines.add(switch (r.nextInt(6)) {
                case 0 -> "Accepted password for " + users[r.nextInt(4)] + " from 10.0.0." + r.nextInt(255) + " port " + r.nextInt(65535);
                case 1 -> "Pod default/web-7d4b9c6f5-" + "x2x9k".substring(0, 5) + " scheduled to node-" + r.nextInt(9);
                case 2 -> "GC pause " + r.nextInt(300) + "ms heap " + r.nextInt(4096) + "MB";
                case 3 -> "Removed " + (r.nextInt(3) + 1) + " files: " + "a ".repeat(r.nextInt(3) + 1).trim();
                case 4 -> "request " + java.util.UUID.randomUUID() + " finished status=" + (200 + r.nextInt(3));
                default -> "cache " + users[r.nextInt(4)] + " warmed in " + r.nextInt(9) + "." + r.nextInt(9) + "s";
            });
        }
        return lines;
    }

    @Test
    void restoredMinerContinuesExactlyLikeTheOriginal(@TempDir Path dir) throws IOException {
        List<String> lines = corpus(4000, 7);
        MinerConfig config = MinerConfig.defaults().withMaxClusters(5);
        LogMiner original = new LogMiner(config);
        lines.subList(0, 2000).forEach(original::add);

        Path file = dir.resolve("state/miner.json");
        MinerStateCodec.save(original, file);
        LogMiner restored = MinerStateCodec.restore(file);

        assertThat(restored.config()).isEqualTo(config);
        assertThat(restored.templates()).isEqualTo(original.templates());
        for (String line : lines.subList(2000, 4000)) {
            assertThat(restored.add(line)).isEqualTo(original.add(line));
        }
        assertThat(MinerStateCodec.toJson(restored)).isEqualTo(MinerStateCodec.toJson(original));
    }

    @Test
    void streamRoundTripKeepsMergedIds() throws IOException {
        LogMiner miner = new LogMiner();
        long a = miner.add("Removing files 1 2 from cache store").clusterId();
        miner.add("Removing files 3 4 from cache store");
        long b = miner.add("Removing files 5 from cache store").clusterId();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        MinerStateCodec.save(miner, out);
        LogMiner restored = MinerStateCodec.restore(new ByteArrayInputStream(out.toByteArray()));
        assertThat(restored.resolve(a)).isEqualTo(miner.resolve(a)).isEqualTo(miner.resolve(b));
        assertThat(restored.template(b)).isEqualTo(miner.template(b));
    }

    @Test
    void rejectsGarbageWithAReadableMessage() {
        assertThatThrownBy(() -> MinerStateCodec.restore(new ByteArrayInputStream("{}".getBytes(StandardCharsets.UTF_8))))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("not a Kaji log miner state");
        assertThatThrownBy(() -> MinerStateCodec.fromJson("{\"formatVersion\":99,\"config\":"
                + "{\"prefixDepth\":2,\"similarityThreshold\":0.7,\"maxChildren\":100,\"maxClusters\":10,"
                + "\"mergeVariableLength\":true,\"maskRules\":[]},\"nextId\":1,\"clusters\":[]}"))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("format 99");
        assertThatThrownBy(() -> MinerStateCodec.fromJson("not json")).isInstanceOf(IOException.class);
    }
}
