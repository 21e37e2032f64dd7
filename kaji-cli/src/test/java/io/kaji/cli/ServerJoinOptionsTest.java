package io.kaji.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code kaji server --token}: joining a cluster is for a shared store only; the leader identity names the server. */
class ServerJoinOptionsTest {

    @TempDir
    Path dir;

    @Test
    void aTokenWithTheSqliteStoreIsAUsageErrorBeforeAnythingStarts() {
        KajiCommandTest.Run r = KajiCommandTest.run("server", "--data-dir", dir.toString(), "--https-port", "0",
                "--token", "K10" + "0".repeat(64) + "::server:x");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("--token joins a cluster in a shared store: it needs --store etcd");
        assertThat(dir.resolve("db")).doesNotExist();
    }

    @Test
    void theLeaderIdentityIsTheHostAndPort() {
        assertThat(ServerCommand.leaderIdentity(6443)).endsWith("-6443").doesNotContain("_");
        assertThat(ServerCommand.leaderIdentity(6444)).isNotEqualTo(ServerCommand.leaderIdentity(6443));
    }
}
