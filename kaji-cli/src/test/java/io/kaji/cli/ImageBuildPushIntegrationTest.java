package io.kaji.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kaji.node.containerd.ContainerdFixture;
import io.kaji.node.containerd.ContainerdResidue;
import io.kaji.node.image.LoopbackRegistry;
import io.kaji.node.runtime.ImageInfo;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code kaji image build --push} against Debian's {@code docker-registry} on loopback: the registry serves the
 * pushed manifest with the digest the build printed, and a real containerd pulls the image from it. An unreachable
 * registry is one line saying what to do.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ImageBuildPushIntegrationTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";

    @TempDir
    Path dir;

    private LoopbackRegistry registry;

    private record Run(int exit, String out, String err) {}

    @BeforeAll
    void startRegistry() throws Exception {
        registry = LoopbackRegistry.start();
    }

    @AfterAll
    void stopRegistry() {
        if (registry != null) {
            registry.close();
        }
    }

    private static Run kaji(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = KajiCommand.commandLine(args[0]);
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    private Path site() throws Exception {
        Path site = dir.resolve("site");
        Files.createDirectories(site);
        Files.writeString(site.resolve("index.html"), "<h1>pushed</h1>\n");
        return site;
    }

    @Test
    void pushedImageIsServedByTheRegistryAndPulledByContainerd() throws Exception {
        String image = registry.host() + "/kaji/web:1";
        long began = System.nanoTime();
        Run r = kaji("image", "build", "--from", site().toString(), "--dest", "/www", "--tag", image,
                "--cmd=httpd,-f,-p,8080,-h,/www", "--push", "--insecure");
        long buildMs = (System.nanoTime() - began) / 1_000_000;
        System.out.printf("timing: kaji image build --push (busybox base, one file): %d ms%n", buildMs);
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("pushed to " + registry.host());
        Matcher m = Pattern.compile("digest (sha256:[0-9a-f]{64})").matcher(r.out());
        assertThat(m.find()).as(r.out()).isTrue();
        String digest = m.group(1);

        HttpResponse<String> manifest = registry.get("kaji/web/manifests/1", OCI_MANIFEST);
        assertThat(manifest.statusCode()).as(manifest.body()).isEqualTo(200);
        assertThat(manifest.headers().firstValue("Docker-Content-Digest")).contains(digest);
        JsonNode body = JSON.readTree(manifest.body());
        assertThat(body.path("mediaType").asText(OCI_MANIFEST)).isEqualTo(OCI_MANIFEST);
        // The busybox base's layer and the directory's layer.
        assertThat(body.path("layers")).hasSize(2);
        String config = body.path("config").path("digest").asText();
        HttpResponse<String> configBlob = registry.get("kaji/web/blobs/" + config, "*/*");
        assertThat(configBlob.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(configBlob.body()).path("config").path("Cmd").toString())
                .isEqualTo("[\"httpd\",\"-f\",\"-p\",\"8080\",\"-h\",\"/www\"]");

        // A real containerd pulls it from the loopback registry (plain HTTP, no registry configuration).
        ContainerdResidue residue;
        try (ContainerdFixture node = ContainerdFixture.start("kajit13", "100.64.13.0/24")) {
            residue = new ContainerdResidue(node.config);
            long pullBegan = System.nanoTime();
            String ref = node.runtime.pullImage(image);
            System.out.printf("timing: containerd pull from the loopback registry: %d ms%n",
                    (System.nanoTime() - pullBegan) / 1_000_000);
            ImageInfo pulled = node.runtime.imageStatus(image).orElseThrow();
            assertThat(pulled.id()).isEqualTo(ref);
            assertThat(pulled.digests()).contains(registry.host() + "/kaji/web@" + digest);
        }
        assertThat(residue.shimPids()).as("shims left").isEmpty();
        assertThat(residue.mounts()).as("mounts left").isEmpty();
    }

    @Test
    void anUnreachableRegistryIsOneLineSayingWhatToDo() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        String image = "127.0.0.1:" + port + "/kaji/web:1";
        Run r = kaji("image", "build", "--from", site().toString(), "--base", "scratch", "--tag", image, "--push",
                "--insecure");
        assertThat(r.exit()).isEqualTo(1);
        String[] lines = r.err().strip().split("\n");
        assertThat(lines).as(r.err()).hasSize(1);
        assertThat(lines[0]).isEqualTo("kaji image build: cannot push " + image + ": the registry 127.0.0.1:" + port
                + " is unreachable (connection refused); start it or fix the registry part of --tag");
    }

    @Test
    void aLoopbackRegistryNeedsNoInsecureFlag() throws Exception {
        String image = "localhost:" + registry.host().substring(registry.host().indexOf(':') + 1) + "/kaji/web:2";
        Run r = kaji("image", "build", "--from", site().toString(), "--base", "scratch", "--tag", image, "--push");
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        HttpResponse<String> manifest = registry.get("kaji/web/manifests/2", OCI_MANIFEST);
        assertThat(manifest.statusCode()).isEqualTo(200);
        // scratch: the directory's layer only.
        assertThat(JSON.readTree(manifest.body()).path("layers")).hasSize(1);
    }

    @Test
    void aRegistryWithLoginsTakesTheCommandLinesOrTheDockerConfigs() throws Exception {
        try (LoopbackRegistry locked = LoopbackRegistry.start("kaji", "s3cret")) {
            String image = locked.host() + "/team/web:1";
            Run anonymous = kaji("image", "build", "--from", site().toString(), "--base", "scratch", "--tag", image,
                    "--push", "--docker-config", dockerConfig(locked.host(), "nobody", "x").toString());
            assertThat(anonymous.exit()).isEqualTo(1);
            assertThat(anonymous.err().strip()).isEqualTo("kaji image build: cannot push " + image + ": the registry "
                    + locked.host() + " refused access (no login, or a wrong one); log in with docker login (kaji "
                    + "reads ~/.docker/config.json, or --docker-config FILE), or pass --registry-user USER "
                    + "--registry-password-stdin");

            java.io.InputStream stdin = System.in;
            Run withFlags;
            try {
                System.setIn(new java.io.ByteArrayInputStream("s3cret\n".getBytes(StandardCharsets.UTF_8)));
                withFlags = kaji("image", "build", "--from", site().toString(), "--base", "scratch", "--tag", image,
                        "--push", "--registry-user", "kaji", "--registry-password-stdin");
            } finally {
                System.setIn(stdin);
            }
            assertThat(withFlags.exit()).as(withFlags.out() + withFlags.err()).isZero();
            assertThat(locked.get("team/web/manifests/1", OCI_MANIFEST).statusCode()).isEqualTo(200);

            String second = locked.host() + "/team/web:2";
            Run withConfig = kaji("image", "build", "--from", site().toString(), "--base", "scratch", "--tag", second,
                    "--push", "--docker-config", dockerConfig(locked.host(), "kaji", "s3cret").toString());
            assertThat(withConfig.exit()).as(withConfig.out() + withConfig.err()).isZero();
            assertThat(locked.get("team/web/manifests/2", OCI_MANIFEST).statusCode()).isEqualTo(200);

            // The base image comes from the locked registry too, with the same login.
            Path login = dockerConfig(locked.host(), "kaji", "s3cret");
            Run fromLocked = kaji("image", "build", "--from", site().toString(), "--base", image, "--tag",
                    locked.host() + "/team/web:3", "--push", "--docker-config", login.toString());
            assertThat(fromLocked.exit()).as(fromLocked.out() + fromLocked.err()).isZero();
            assertThat(JSON.readTree(locked.get("team/web/manifests/3", OCI_MANIFEST).body()).path("layers"))
                    .as("the base's layer and the new one").hasSize(2);
        }
    }

    @Test
    void aUserWithoutThePasswordFlagIsAUsageError() throws Exception {
        Run r = kaji("image", "build", "--from", site().toString(), "--tag", "127.0.0.1:1/x:1", "--push",
                "--registry-user", "kaji");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("--registry-user and --registry-password-stdin go together");
    }

    /** A Docker client config.json, as docker login writes it, logging {@code user} in to {@code registry}. */
    private Path dockerConfig(String registry, String user, String password) throws Exception {
        Path config = dir.resolve("docker-" + user + ".json");
        String auth = java.util.Base64.getEncoder().encodeToString((user + ":" + password)
                .getBytes(StandardCharsets.UTF_8));
        Files.writeString(config, "{\"auths\":{\"" + registry + "\":{\"auth\":\"" + auth + "\"}}}");
        return config;
    }
}
