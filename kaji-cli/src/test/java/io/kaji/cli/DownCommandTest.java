package io.kaji.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** kaji down's argument checks (purge safety) and its iptables removal script. */
class DownCommandTest {

    static final Path HOME = Path.of("/home/alice");

    @Test
    void purgeRefusesRootTopLevelSystemAndHomeDirectories() {
        for (String p : List.of("/", "/tmp", "/var", "/home", "/home/alice", "/home/alice/..", "/var/lib", "/etc/kaji",
                "/usr/local/kaji", "/var/lib/../lib")) {
            assertThat(DownCommand.purgeRefusal(Path.of(p), HOME)).as(p).isNotNull().startsWith("refusing to delete");
        }
        assertThat(DownCommand.purgeRefusal(Path.of("/home/alice"), HOME)).contains("home directory");
        assertThat(DownCommand.purgeRefusal(Path.of("/"), HOME)).contains("never / or a top-level directory");
    }

    @Test
    void purgeAcceptsAKajiDataDirOrAMissingOne(@TempDir Path tmp) throws Exception {
        Path data = tmp.resolve("kaji");
        assertThat(DownCommand.purgeRefusal(data, HOME)).as("absent: nothing to refuse").isNull();
        Files.createDirectories(data.resolve("pki"));
        assertThat(DownCommand.purgeRefusal(data, HOME)).isNull();
        assertThat(DownCommand.purgeRefusal(Path.of("/var/lib/kaji-nonexistent-test"), HOME)).isNull();
    }

    @Test
    void purgeRefusesADirectoryWithNothingOfKajiInItAndSymlinks(@TempDir Path tmp) throws Exception {
        Path other = Files.createDirectories(tmp.resolve("photos"));
        Files.writeString(other.resolve("cat.jpg"), "meow");
        assertThat(DownCommand.purgeRefusal(other, HOME)).contains("does not look like a Kaji data dir");
        Path kaji = Files.createDirectories(tmp.resolve("kaji"));
        Files.writeString(kaji.resolve("kubeconfig"), "");
        Path link = Files.createSymbolicLink(tmp.resolve("link"), kaji);
        assertThat(DownCommand.purgeRefusal(link, HOME)).contains("symbolic link");
    }

    @Test
    void downPurgeWithABadDirIsAUsageErrorBeforeAnythingIsStopped(@TempDir Path tmp) throws Exception {
        Path other = Files.createDirectories(tmp.resolve("photos"));
        Files.writeString(other.resolve("cat.jpg"), "meow");
        KajiCommandTest.Run r = KajiCommandTest.run("down", "--purge", "--data-dir", other.toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("--purge: refusing to delete " + other);
        assertThat(r.out()).as("nothing stopped or cleaned").isEmpty();
        assertThat(other.resolve("cat.jpg")).exists();
    }

    @Test
    void deleteTreeDoesNotFollowSymlinks(@TempDir Path tmp) throws Exception {
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Files.writeString(outside.resolve("keep"), "x");
        Path data = Files.createDirectories(tmp.resolve("data/sub"));
        Files.createSymbolicLink(data.resolve("link"), outside);
        DownCommand.deleteTree(tmp.resolve("data"));
        assertThat(tmp.resolve("data")).doesNotExist();
        assertThat(outside.resolve("keep")).exists();
    }

    @Test
    void hostStateRoundTripsAndNamesTheNodesChainPrefix(@org.junit.jupiter.api.io.TempDir Path tmp) {
        assertThat(HostState.read(tmp)).isEmpty();
        HostState.write(tmp, new HostState("vm", "10.42.0.0/16", "kaji0"));
        HostState h = HostState.read(tmp).orElseThrow();
        assertThat(h).isEqualTo(new HostState("vm", "10.42.0.0/16", "kaji0"));
        // An agent named a1 logged "network policy enforcer started: node=a1 tag=02CW chains=KAJI-02CW-NP*".
        assertThat(new HostState("a1", "10.42.0.0/16", "kaji1").chainPrefix()).isEqualTo("KAJI-02CW-");
        assertThat(h.chainPrefix()).matches("KAJI-[0-9A-Z]{4}-");
    }
}
