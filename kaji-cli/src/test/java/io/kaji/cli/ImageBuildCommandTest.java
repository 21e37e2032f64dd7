package io.kaji.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code kaji image build} with jib-core, read back from the OCI tarball it writes. */
class ImageBuildCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private record Run(int exit, String out, String err) {}

    private Run build(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new ImageBuildCommand());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    /** Every file of a tarball by name. */
    private static Map<String, byte[]> entries(InputStream in) throws IOException {
        Map<String, byte[]> out = new HashMap<>();
        try (TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                if (e.isFile()) {
                    out.put(e.getName(), tar.readAllBytes());
                }
            }
        }
        return out;
    }

    private static byte[] blob(Map<String, byte[]> files, String digest) {
        return files.get("blobs/sha256/" + digest.substring("sha256:".length()));
    }

    private Path site() throws IOException {
        Path site = dir.resolve("site");
        Files.createDirectories(site.resolve("css"));
        Files.writeString(site.resolve("index.html"), "<h1>hi</h1>\n");
        Files.writeString(site.resolve("css/app.css"), "h1 {}\n");
        return site;
    }

    @Test
    void aDirectoryBecomesALayerOnTheBusyboxBaseWithTheGivenConfig() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(Path.of("/bin/busybox")),
                "the busybox base needs the host's busybox-static");
        Path tarball = dir.resolve("web.tar");
        Run r = build("--from", site().toString(), "--dest", "/www", "--tag", "example.test/web:1",
                "--cmd=httpd,-f,-p,8080,-h,/www", "--port", "8080", "--env", "GREETING=hi", "--output",
                tarball.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("built example.test/web:1").contains("wrote " + tarball);

        Map<String, byte[]> files = entries(Files.newInputStream(tarball));
        JsonNode index = JSON.readTree(files.get("index.json"));
        JsonNode manifest = JSON.readTree(blob(files, index.at("/manifests/0/digest").asText()));
        JsonNode config = JSON.readTree(blob(files, manifest.at("/config/digest").asText()));
        assertThat(config.at("/config/Cmd")).extracting(JsonNode::asText)
                .containsExactly("httpd", "-f", "-p", "8080", "-h", "/www");
        assertThat(config.at("/config/ExposedPorts").has("8080/tcp")).isTrue();
        assertThat(config.at("/config/Env").toString()).contains("GREETING=hi").contains("PATH=");
        assertThat(manifest.get("layers")).hasSize(2);

        JsonNode appLayer = manifest.get("layers").get(1);
        Map<String, byte[]> app = entries(new GZIPInputStream(new ByteArrayInputStream(
                blob(files, appLayer.get("digest").asText()))));
        assertThat(new String(app.get("www/index.html"))).isEqualTo("<h1>hi</h1>\n");
        assertThat(app).containsKey("www/css/app.css");
        Map<String, byte[]> baseLayer = entries(new GZIPInputStream(new ByteArrayInputStream(
                blob(files, manifest.get("layers").get(0).get("digest").asText()))));
        assertThat(baseLayer).containsKey("bin/busybox");
    }

    @Test
    void scratchHasOnlyTheDirectory() throws Exception {
        Path tarball = dir.resolve("scratch.tar");
        Run r = build("--from", site().toString(), "--base", "scratch", "--tag", "example.test/static:1",
                "--entrypoint=/index.html", "--output", tarball.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        Map<String, byte[]> files = entries(Files.newInputStream(tarball));
        JsonNode index = JSON.readTree(files.get("index.json"));
        JsonNode manifest = JSON.readTree(blob(files, index.at("/manifests/0/digest").asText()));
        assertThat(manifest.get("layers")).hasSize(1);
        JsonNode config = JSON.readTree(blob(files, manifest.at("/config/digest").asText()));
        assertThat(config.at("/config/Entrypoint")).extracting(JsonNode::asText).containsExactly("/index.html");
    }

    @Test
    void badInputIsOneActionableLine() throws Exception {
        Run missing = build("--from", dir.resolve("nope").toString(), "--tag", "x:1", "--output", "x.tar");
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err()).contains("--from " + dir.resolve("nope") + " is not a directory");
        Run badTag = build("--from", site().toString(), "--tag", "UPPER CASE", "--output", "x.tar");
        assertThat(badTag.exit()).isEqualTo(2);
        assertThat(badTag.err()).contains("--tag UPPER CASE is not an image name");
        Run badEnv = build("--from", site().toString(), "--tag", "x:1", "--env", "novalue", "--base", "scratch",
                "--output", dir.resolve("y.tar").toString());
        assertThat(badEnv.exit()).isEqualTo(2);
        assertThat(badEnv.err()).contains("--env novalue is not KEY=VALUE");
        assertThat(List.of(missing, badTag, badEnv)).allMatch(run -> !run.err().contains("Exception"));
    }

    @Test
    void registryFailuresAreOneLineSayingWhatToDo() {
        java.util.concurrent.ExecutionException refused = new java.util.concurrent.ExecutionException(
                new java.net.ConnectException("Connection refused"));
        assertThat(ImageBuildCommand.registryProblem(refused, "registry.test:5000")).isEqualTo("the registry "
                + "registry.test:5000 is unreachable (connection refused); start it or fix the registry part of --tag");
        assertThat(ImageBuildCommand.registryProblem(new java.io.IOException("x", new java.net.UnknownHostException(
                "nowhere.test")), "nowhere.test")).isEqualTo("the registry host nowhere.test is unknown; fix the "
                + "registry part of --tag");
        assertThat(ImageBuildCommand.registryProblem(new java.io.IOException(new javax.net.ssl.SSLHandshakeException(
                "Unsupported or unrecognized SSL message")), "registry.test")).isEqualTo("the registry registry.test "
                + "does not speak HTTPS with a trusted certificate; pass --insecure for a plain-HTTP or self-signed "
                + "registry");
        assertThat(ImageBuildCommand.registryProblem(refused, null)).isEqualTo("the registry of the base image is "
                + "unreachable (connection refused); start it or fix the registry part of --base");
        assertThat(ImageBuildCommand.registryProblem(new java.io.IOException("disk full"), "r.test")).isNull();
    }

    @Test
    void loopbackRegistriesAreAllowedPlainHttp() {
        assertThat(List.of("localhost:5000", "127.0.0.1:5000", "127.1.2.3", "[::1]:5000", "localhost"))
                .allMatch(ImageBuildCommand::loopback);
        assertThat(List.of("registry.test:5000", "10.0.0.1:5000", "localhost.example:5000", "docker.io"))
                .noneMatch(ImageBuildCommand::loopback);
    }

    @Test
    void registryLoginsComeFromDockerConfigOrTheHomeDirectory() {
        assertThat(ImageBuildCommand.defaultDockerConfig(java.util.Map.of("DOCKER_CONFIG", "/etc/ci-docker")))
                .isEqualTo(java.nio.file.Path.of("/etc/ci-docker/config.json"));
        assertThat(ImageBuildCommand.defaultDockerConfig(java.util.Map.of()))
                .isEqualTo(java.nio.file.Path.of(System.getProperty("user.home"), ".docker", "config.json"));
    }
}
