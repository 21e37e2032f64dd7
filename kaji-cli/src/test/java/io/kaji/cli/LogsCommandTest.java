package io.kaji.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.kaji.support.logs.eval.Csv;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogsCommandTest {

    @Test
    void mineCsvWritesOneQuotedRowPerLine(@TempDir Path dir) throws IOException {
        Path log = dir.resolve("app.log");
        Files.writeString(log, String.join("\n",
                "Connected to 10.0.0.1 port 80",
                "Connected to 10.0.0.2 port 443",
                "Request \"GET /a, b\" failed",
                "Connected to 10.0.0.3 port 8080") + "\n", UTF_8);
        KajiCommandTest.Run r = KajiCommandTest.run("logs", "mine", "--format", "csv", log.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        List<List<String>> rows = Csv.read(new BufferedReader(new StringReader(r.out())));
        assertThat(rows).hasSize(5);
        assertThat(rows.get(0)).containsExactly("LineId", "EventId", "EventTemplate");
        assertThat(rows.get(1)).containsExactly("1", rows.get(2).get(1), "Connected to <*> port <*>");
        assertThat(rows.get(4).get(1)).isEqualTo(rows.get(1).get(1));
        assertThat(rows.get(3).get(1)).isNotEqualTo(rows.get(1).get(1));
        assertThat(rows.get(3).get(2)).isEqualTo("Request \"GET <*>, b\" failed");
    }

    @Test
    void mineTextRanksTemplatesAndStripsHeaders(@TempDir Path dir) throws IOException {
        Path log = dir.resolve("pod.log");
        Files.writeString(log, String.join("\n",
                "2024-01-15T10:20:30.1Z stderr F I0115 10:20:30.100000       1 sync.go:42] Synced pod web-7d4b9c6f5-x2x9k",
                "2024-01-15T10:20:31.1Z stderr F I0115 10:20:31.100000       1 sync.go:42] Synced pod web-7d4b9c6f5-bq8wz",
                "2024-01-15T10:20:32.1Z stdout F listening on :8080") + "\n", UTF_8);
        KajiCommandTest.Run r = KajiCommandTest.run("logs", "mine", log.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        String[] lines = r.out().split("\n");
        assertThat(lines[0]).isEqualTo("3 lines, 2 templates");
        assertThat(lines[2]).matches("\\s+2\\s+E\\d+\\s+Synced pod <\\*>");
        assertThat(lines[3]).matches("\\s+1\\s+E\\d+\\s+listening on <\\*>");
    }

    @Test
    void stateIsKeptAcrossRuns(@TempDir Path dir) throws IOException {
        Path a = dir.resolve("a.log");
        Path b = dir.resolve("b.log");
        Path state = dir.resolve("miner.json");
        Files.writeString(a, "finished job alpha in 3s\n", UTF_8);
        Files.writeString(b, "finished job beta in 5s\n", UTF_8);
        assertThat(KajiCommandTest.run("logs", "mine", "--state", state.toString(), a.toString()).exitCode()).isZero();
        KajiCommandTest.Run r = KajiCommandTest.run("logs", "mine", "--state", state.toString(), b.toString());
        assertThat(r.out()).contains("1 lines, 1 templates").containsPattern("\\s+2\\s+E1\\s+finished job <\\*> in <\\*>");
    }

    @Test
    void missingFileIsOneActionableLine(@TempDir Path dir) {
        KajiCommandTest.Run r = KajiCommandTest.run("logs", "mine", dir.resolve("nope.log").toString());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err().strip()).doesNotContain("\n").contains("no such file", "nope.log", "standard input");
    }

    @Test
    void badFormatIsAUsageError() {
        KajiCommandTest.Run r = KajiCommandTest.run("logs", "mine", "--format", "xml", "x.log");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("--format");
    }

    @Test
    void analyzeRanksThePatternsOfSeveralFiles(@TempDir Path dir) throws IOException {
        Path a = dir.resolve("a.log");
        Path b = dir.resolve("b.log");
        Files.writeString(a, String.join("\n",
                "2026-11-26T10:00:00Z INFO request 1 served in 3 ms",
                "2026-11-26T10:01:00Z INFO request 2 served in 4 ms",
                "2026-11-26T10:02:00Z ERROR upstream 10.0.0.7:8080 refused the connection") + "\n", UTF_8);
        Files.writeString(b, "2026-11-26T10:03:00Z INFO request 3 served in 9 ms\n", UTF_8);
        KajiCommandTest.Run r = KajiCommandTest.run("logs", "analyze", a.toString(), b.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("4 lines, 2 patterns, 2026-11-26T10:00:00Z .. 2026-11-26T10:03:00Z")
                .containsPattern("\\s+3\\s+info\\s+request <\\*> served in <\\*> ms")
                .contains("from " + a + ", " + b);
        KajiCommandTest.Run json = KajiCommandTest.run("logs", "analyze", "--format", "json", a.toString());
        assertThat(json.out()).contains("\"level\" : \"error\"", "\"sources\" : [ \"" + a + "\" ]");
        KajiCommandTest.Run bad = KajiCommandTest.run("logs", "analyze", "--window", "ten", a.toString());
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.err()).contains("--window: \"ten\" is not a duration such as 500ms, 30s, 5m, 1h30m or 1d");
    }
}
