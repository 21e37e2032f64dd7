package io.kaji.apiserver.audit;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditLogTest {

    @Test
    void rotatesBySizeAndKeepsMaxBackups(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("audit.log");
        AuditLog log = new AuditLog(file, 1000, 3, Duration.ZERO, Clock.systemUTC());
        for (int i = 0; i < 100; i++) {
            assertThat(log.offer(String.format("{\"n\":%03d,\"pad\":\"%080d\"}", i, 0).getBytes(UTF_8))).isTrue();
        }
        log.close();
        List<Path> backups = log.backups();
        assertThat(backups).hasSize(3);
        assertThat(backups.getFirst().getFileName().toString()).matches("audit-\\d{4}-\\d\\d-\\d\\dT\\d\\d-\\d\\d-\\d\\d"
                + "\\.\\d{3}\\.log");
        List<String> lines = new ArrayList<>();
        for (Path b : backups.reversed()) {
            assertThat(Files.size(b)).isLessThanOrEqualTo(1000);
            lines.addAll(Files.readAllLines(b));
        }
        lines.addAll(Files.readAllLines(file));
        assertThat(Files.size(file)).isLessThanOrEqualTo(1000);
        // The newest lines survive, in order, none cut.
        assertThat(lines.getLast()).startsWith("{\"n\":099,");
        for (int i = 1; i < lines.size(); i++) {
            assertThat(lines.get(i).substring(5, 8)).isEqualTo(String.format("%03d",
                    Integer.parseInt(lines.get(i - 1).substring(5, 8)) + 1));
        }
        assertThat(log.written()).isEqualTo(100);
        assertThat(log.dropped()).isZero();
    }
}
