package io.kaji.node.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import io.kaji.node.host.HostCommand;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

class OciImageLayoutTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String LONG_DIR = "/" + "d".repeat(60) + "/" + "e".repeat(60);

    private final OciImage image = new OciImage("docker.io/kaji/test:2", List.of("/bin/app"), List.of("--serve"),
            List.of(OciImage.DEFAULT_PATH, "A=b"), "/work", List.of(
                    new ImageFile.Directory("/bin", 0755),
                    new ImageFile.Regular("/bin/app", 0755, "#!/bin/sh\necho hi\n".getBytes(StandardCharsets.UTF_8)),
                    new ImageFile.Symlink("/bin/sh", "/bin/app"),
                    new ImageFile.Directory("/tmp", 01777),
                    new ImageFile.Directory("/" + "d".repeat(60), 0755),
                    new ImageFile.Directory(LONG_DIR, 0755),
                    new ImageFile.Regular(LONG_DIR + "/file.txt", 0644, new byte[1000])));

    @Test
    void writesAnOciLayoutWhoseDigestsMatchTheBlobs() throws IOException {
        Map<String, TarEntries.Entry> outer = TarEntries.read(bytes(image));
        assertThat(outer.get("oci-layout").text()).isEqualTo("{\"imageLayoutVersion\":\"1.0.0\"}");

        JsonNode index = JSON.readTree(outer.get("index.json").content());
        JsonNode descriptor = index.at("/manifests/0");
        assertThat(descriptor.at("/mediaType").asString()).isEqualTo("application/vnd.oci.image.manifest.v1+json");
        assertThat(descriptor.at("/annotations/io.containerd.image.name").asString()).isEqualTo("docker.io/kaji/test:2");
        assertThat(descriptor.at("/annotations/org.opencontainers.image.ref.name").asString()).isEqualTo("2");

        byte[] manifestBytes = blob(outer, descriptor.at("/digest").asString(), descriptor.at("/size").asLong());
        JsonNode manifest = JSON.readTree(manifestBytes);
        assertThat(manifest.at("/schemaVersion").asInt()).isEqualTo(2);
        JsonNode config = JSON.readTree(blob(outer, manifest.at("/config/digest").asString(),
                manifest.at("/config/size").asLong()));
        assertThat(config.at("/os").asString()).isEqualTo("linux");
        assertThat(config.at("/architecture").asString()).isEqualTo("amd64");
        assertThat(config.at("/config/Entrypoint/0").asString()).isEqualTo("/bin/app");
        assertThat(config.at("/config/Cmd/0").asString()).isEqualTo("--serve");
        assertThat(config.at("/config/Env/1").asString()).isEqualTo("A=b");
        assertThat(config.at("/config/WorkingDir").asString()).isEqualTo("/work");

        JsonNode layer = manifest.at("/layers/0");
        assertThat(layer.at("/mediaType").asString()).isEqualTo("application/vnd.oci.image.layer.v1.tar+gzip");
        byte[] layerGz = blob(outer, layer.at("/digest").asString(), layer.at("/size").asLong());
        byte[] layerTar = new GZIPInputStream(new java.io.ByteArrayInputStream(layerGz)).readAllBytes();
        assertThat(OciImageLayout.sha256(layerTar)).isEqualTo(config.at("/rootfs/diff_ids/0").asString());

        Map<String, TarEntries.Entry> layerEntries = TarEntries.read(layerTar);
        assertThat(layerEntries.keySet()).startsWith("bin/", "bin/app", "bin/sh", "tmp/");
        assertThat(layerEntries.get("bin/app").mode()).isEqualTo(0755);
        assertThat(layerEntries.get("bin/app").text()).isEqualTo("#!/bin/sh\necho hi\n");
        assertThat(layerEntries.get("bin/sh").type()).isEqualTo('2');
        assertThat(layerEntries.get("bin/sh").linkName()).isEqualTo("/bin/app");
        assertThat(layerEntries.get("tmp/").mode()).isEqualTo(01777);
        assertThat(layerEntries.get(LONG_DIR.substring(1) + "/file.txt").content()).hasSize(1000);
    }

    @Test
    void sameImageGivesSameBytes() throws IOException {
        assertThat(bytes(image)).isEqualTo(bytes(image));
    }

    @Test
    void hostTarReadsTheArchive(@TempDir Path dir) {
        Path file = dir.resolve("image.tar");
        OciImageLayout.Written written = OciImageLayout.write(image, file);
        String listing = HostCommand.run(List.of("tar", "-tf", file.toString()), Duration.ofSeconds(10)).orThrow()
                .stdout();
        assertThat(listing.lines()).contains("oci-layout", "index.json",
                OciImageLayout.blobPath(written.manifestDigest()), OciImageLayout.blobPath(written.layerDigest()));
        assertThat(Files.exists(file)).isTrue();
    }

    @Test
    void rejectsNamesWithoutRegistryAndTag() {
        assertThatThrownBy(() -> new OciImage("busybox", List.of(), List.of(), List.of(), "/", List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("busybox");
        assertThatThrownBy(() -> new ImageFile.Directory("relative/dir", 0755))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("relative/dir");
    }

    @Test
    void busyboxImageHasAppletLinksPasswdAndWebRoot() {
        List<ImageFile> files = BusyboxImage.files(new byte[] {1, 2}, List.of("/bin/busybox", "/bin/sh",
                "/usr/sbin/httpd"));
        assertThat(files).contains(new ImageFile.Symlink("/bin/sh", "/bin/busybox"),
                new ImageFile.Symlink("/usr/sbin/httpd", "/bin/busybox"));
        assertThat(files).extracting(ImageFile::path).contains("/usr", "/usr/sbin", "/etc/passwd", "/www/index.html")
                .doesNotHaveDuplicates();
        assertThat(files).filteredOn(f -> f.path().equals("/bin/busybox")).singleElement()
                .isInstanceOf(ImageFile.Regular.class);
        int usr = files.indexOf(new ImageFile.Directory("/usr", 0755));
        int httpd = files.indexOf(new ImageFile.Symlink("/usr/sbin/httpd", "/bin/busybox"));
        assertThat(usr).isNotNegative().isLessThan(httpd);
    }

    @Test
    void pauseSourceIsShipped() {
        assertThat(new String(PauseImage.source(), StandardCharsets.UTF_8)).contains("SIGTERM").contains("waitpid");
    }

    private static byte[] bytes(OciImage image) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        OciImageLayout.write(image, out);
        return out.toByteArray();
    }

    private static byte[] blob(Map<String, TarEntries.Entry> outer, String digest, long size) {
        TarEntries.Entry entry = outer.get(OciImageLayout.blobPath(digest));
        assertThat(entry).as("blob " + digest).isNotNull();
        assertThat(entry.content()).hasSize((int) size);
        assertThat(OciImageLayout.sha256(entry.content())).isEqualTo(digest);
        return entry.content();
    }
}
