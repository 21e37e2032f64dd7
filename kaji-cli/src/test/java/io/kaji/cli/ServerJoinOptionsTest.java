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
    void leaderElectionTimesFollowClientGosRules() {
        KajiCommandTest.Run r = KajiCommandTest.run("server", "--data-dir", dir.toString(), "--https-port", "0",
                "--leader-elect-lease-duration", "5s", "--leader-elect-renew-deadline", "5s");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("--leader-elect-*: the lease duration (5000 ms) must be longer than the renew "
                + "deadline (5000 ms)");
        KajiCommandTest.Run jitter = KajiCommandTest.run("server", "--data-dir", dir.toString(), "--https-port", "0",
                "--leader-elect-renew-deadline", "2s", "--leader-elect-retry-period", "2s");
        assertThat(jitter.err()).contains("the renew deadline (2000 ms) must be longer than 1.2 x the retry period");
        assertThat(dir.resolve("db")).doesNotExist();
        new EmbeddedControlPlane.ElectionTimes(java.time.Duration.ofSeconds(6), java.time.Duration.ofSeconds(4),
                java.time.Duration.ofSeconds(1));
    }

    @Test
    void theNodeMonitorGracePeriodReachesTheNodeLifecycleControllerAndABadOneIsRefused() {
        KajiCommandTest.Run r = KajiCommandTest.run("server", "--data-dir", dir.toString(), "--https-port", "0",
                "--node-monitor-grace-period", "0s");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("--node-monitor-grace-period must be longer than 0");
        KajiCommandTest.Run word = KajiCommandTest.run("server", "--data-dir", dir.toString(), "--https-port", "0",
                "--node-monitor-grace-period", "soon");
        assertThat(word.exitCode()).isEqualTo(2);
        assertThat(word.err()).contains("--node-monitor-grace-period: ");
        assertThat(dir.resolve("db")).doesNotExist();

        java.nio.file.Path none = java.nio.file.Path.of("unused");
        var given = EmbeddedControlPlane.controllerManagerOptions(new EmbeddedControlPlane.Options(none, none,
                "100.64.0.0/16", true, true, "x", null, java.time.Duration.ofSeconds(60)), "x");
        assertThat(given.nodeLifecycle().gracePeriod()).isEqualTo(java.time.Duration.ofSeconds(60));
        assertThat(given.nodeLifecycle().monitorPeriod()).isEqualTo(
                io.kaji.controllers.nodelifecycle.NodeLifecycleController.Options.defaults().monitorPeriod());
        var unset = EmbeddedControlPlane.controllerManagerOptions(new EmbeddedControlPlane.Options(none, none,
                "100.64.0.0/16", true, true, "x", null), "x");
        assertThat(unset.nodeLifecycle()).isEqualTo(
                io.kaji.controllers.nodelifecycle.NodeLifecycleController.Options.defaults());
    }

    @Test
    void theLeaderIdentityIsTheHostAndPort() {
        assertThat(ServerCommand.leaderIdentity(6443)).endsWith("-6443").doesNotContain("_");
        assertThat(ServerCommand.leaderIdentity(6444)).isNotEqualTo(ServerCommand.leaderIdentity(6443));
    }
}
