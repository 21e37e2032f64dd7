package io.kaji.store.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BackupManifestTest {

    @TempDir
    Path tmp;

    @Test
    void roundTripsThroughItsSidecarFile() {
        BackupManifest m = new BackupManifest(BackupManifest.Kind.ETCD, 41, false, 45, -1, 123_456,
                "ab".repeat(32), Instant.parse("2026-11-25T23:00:00.123Z"), "0.1.0-SNAPSHOT",
                "http://127.0.0.1:2379,\"quoted\" \\ path\n");
        Path file = tmp.resolve("etcd.snap");
        m.writeFor(file);
        assertThat(tmp.resolve("etcd.snap.json")).isRegularFile();
        assertThat(BackupManifest.readFor(file)).contains(m);
        assertThat(BackupManifest.readFor(tmp.resolve("other"))).isEmpty();
    }

    @Test
    void refusesSomethingElse() throws Exception {
        Path file = tmp.resolve("x.db");
        Files.writeString(tmp.resolve("x.db.json"), "{\"format\": \"velero/v1\", \"revision\": 3}");
        assertThatThrownBy(() -> BackupManifest.readFor(file))
                .hasMessage(tmp.resolve("x.db.json") + " is not a Kaji backup manifest (format \"velero/v1\","
                        + " expected \"kaji-store-backup/v1\")");
        Files.writeString(tmp.resolve("x.db.json"), "{\"format\": \"kaji-store-backup/v1\", \"kind\": \"mysql\"}");
        assertThatThrownBy(() -> BackupManifest.readFor(file))
                .hasMessageStartingWith(tmp.resolve("x.db.json") + " is a damaged Kaji backup manifest");
    }
}
