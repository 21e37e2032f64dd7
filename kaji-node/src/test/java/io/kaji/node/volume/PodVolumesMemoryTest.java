package io.kaji.node.volume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kaji.apiserver.server.TestServer;
import io.kaji.node.host.HostCommand;
import io.kaji.node.host.Mounts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Secret and projected volumes live on one tmpfs for the node ({@code <root>/.memory}), mounted once; a pod's
 * removal deletes its directories there without unmounting anything, and a volume that still has a tmpfs of its own
 * (from an earlier agent) is used where it is and unmounted with its pod. Needs root (mount).
 */
class PodVolumesMemoryTest {

    @TempDir
    Path dir;

    private TestServer api;
    private KubernetesClient client;
    private Path root;

    @BeforeEach
    void start() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "mounting a tmpfs needs root");
        api = TestServer.start(dir.resolve("api"));
        client = api.newKubernetesClient();
        client.secrets().inNamespace("default").resource(new SecretBuilder().withNewMetadata().withName("db")
                .endMetadata().addToStringData("password", "s3cret").build()).create();
        root = dir.resolve("volumes");
    }

    @AfterEach
    void stop() throws Exception {
        if (root != null) {
            for (String mount : Mounts.under(List.of(root))) {
                HostCommand.run(List.of("umount", "-l", mount), Duration.ofSeconds(10));
            }
        }
        if (client != null) {
            client.close();
        }
        if (api != null) {
            api.close();
        }
    }

    @Test
    void podsShareOneTmpfsMountedOnceAndTheirRemovalUnmountsNothing() throws Exception {
        PodVolumes volumes = new PodVolumes(client, root, Clock.systemUTC());
        Pod a = pod();
        Pod b = pod();

        Path secretA = volumes.setUp(a).get("db").path();
        Path secretB = volumes.setUp(b).get("db").path();

        Path memory = root.resolve(PodVolumes.MEMORY_DIR);
        assertThat(secretA).isEqualTo(memory.resolve(uid(a)).resolve("kubernetes.io~secret/db"));
        assertThat(Files.readString(secretA.resolve("password"))).isEqualTo("s3cret");
        assertThat(Files.readString(secretB.resolve("password"))).isEqualTo("s3cret");
        assertThat(Mounts.under(List.of(root))).as("one tmpfs for both pods").containsExactly(memory.toString());
        assertThat(fsType(memory)).isEqualTo("tmpfs");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(memory))).isEqualTo("rwx------");

        volumes.tearDown(uid(a));
        assertThat(memory.resolve(uid(a))).doesNotExist();
        assertThat(root.resolve(uid(a))).doesNotExist();
        assertThat(Files.readString(secretB.resolve("password"))).isEqualTo("s3cret");
        assertThat(Mounts.under(List.of(root))).containsExactly(memory.toString());

        // A new agent (after a restart) finds the tmpfs mounted and mounts no second one.
        PodVolumes restarted = new PodVolumes(client, root, Clock.systemUTC());
        Pod c = pod();
        assertThat(Files.readString(restarted.setUp(c).get("db").path().resolve("password"))).isEqualTo("s3cret");
        assertThat(Mounts.under(List.of(root))).containsExactly(memory.toString());
    }

    @Test
    void aVolumeWithATmpfsOfItsOwnIsKeptAndUnmountedWithItsPod() throws Exception {
        Pod pod = pod();
        Path own = root.resolve(uid(pod)).resolve("kubernetes.io~secret/db");
        Files.createDirectories(own);
        HostCommand.run(List.of("mount", "-t", "tmpfs", "-o", "mode=0755", "tmpfs", own.toString()),
                Duration.ofSeconds(10)).orThrow();
        PodVolumes volumes = new PodVolumes(client, root, Clock.systemUTC());

        Path secret = volumes.setUp(pod).get("db").path();

        assertThat(secret).isEqualTo(own);
        assertThat(Files.readString(own.resolve("password"))).isEqualTo("s3cret");
        volumes.tearDown(uid(pod));
        assertThat(Mounts.under(List.of(root))).doesNotContain(own.toString());
        assertThat(root.resolve(uid(pod))).doesNotExist();
    }

    @Test
    void orphansAreFoundOnTheTmpfsToo() throws Exception {
        PodVolumes volumes = new PodVolumes(client, root, Clock.systemUTC());
        Pod live = pod();
        Pod gone = pod();
        volumes.setUp(live);
        volumes.setUp(gone);
        // Only its credentials are left of the gone pod (its directory on disk was removed by hand).
        AtomicWriter.deleteTree(root.resolve(uid(gone)));

        assertThat(volumes.removeOrphans(Set.of(uid(live)))).isEqualTo(1);

        Path memory = root.resolve(PodVolumes.MEMORY_DIR);
        assertThat(memory.resolve(uid(gone))).doesNotExist();
        assertThat(memory.resolve(uid(live)).resolve("kubernetes.io~secret/db/password")).exists();
    }

    private static String fsType(Path path) throws Exception {
        HostCommand.Result r = HostCommand.run(List.of("stat", "-f", "-c", "%T", path.toString()),
                Duration.ofSeconds(10)).orThrow();
        return r.stdout().strip();
    }

    private static String uid(Pod pod) {
        return pod.getMetadata().getUid();
    }

    private static Pod pod() {
        return new PodBuilder().withNewMetadata().withName("p").withNamespace("default")
                .withUid(UUID.randomUUID().toString()).endMetadata()
                .withNewSpec().addNewVolume().withName("db").withNewSecret().withSecretName("db").endSecret()
                .endVolume()
                .addNewContainer().withName("c").withImage("busybox").endContainer().endSpec().build();
    }
}
