package io.kaji.node.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

/**
 * Debian's {@code docker-registry} (the CNCF distribution registry) on a free loopback port, plain HTTP, storing
 * into a temporary directory, for tests that push and pull without ever contacting a public registry. Optionally
 * with one htpasswd user. {@link #close()} stops the process and removes its directory.
 *
 * <p>{@link #start} skips the test (JUnit assumption) when the registry is not installed ({@code ./setup
 * --test-deps} installs it).
 */
public final class LoopbackRegistry implements AutoCloseable {

    public static final Path BINARY = Path.of("/usr/bin/docker-registry");

    private final Path dir;
    private final String host;
    private final Process process;
    private final String authorization;

    private LoopbackRegistry(Path dir, String host, Process process, String authorization) {
        this.dir = dir;
        this.host = host;
        this.process = process;
        this.authorization = authorization;
    }

    /** An open registry (no authentication). */
    public static LoopbackRegistry start() throws IOException {
        return start(null, null);
    }

    /**
     * Starts the registry and waits until it answers {@code /v2/}.
     *
     * @param user     the one htpasswd user, or null for an open registry
     * @param password that user's password
     */
    public static LoopbackRegistry start(String user, String password) throws IOException {
        assumeTrue(Files.isExecutable(BINARY), "docker-registry is not installed (./setup --test-deps)");
        Path dir = Files.createTempDirectory("kaji-registry-");
        String host = "127.0.0.1:" + freePort();
        String auth = "";
        if (user != null) {
            String hash = OpenBSDBCrypt.generate("2y", password.toCharArray(), salt(), 5);
            Files.writeString(dir.resolve("htpasswd"), user + ":" + hash + "\n");
            auth = """
                    auth:
                      htpasswd:
                        realm: kaji-test
                        path: %s
                    """.formatted(dir.resolve("htpasswd"));
        }
        Files.writeString(dir.resolve("registry.yml"), """
                version: 0.1
                log:
                  level: warn
                storage:
                  filesystem:
                    rootdirectory: %s
                http:
                  addr: %s
                """.formatted(dir.resolve("blobs"), host) + auth);
        Process process = new ProcessBuilder(BINARY.toString(), "serve", dir.resolve("registry.yml").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("registry.log").toFile()).start();
        LoopbackRegistry registry = new LoopbackRegistry(dir, host, process, user == null ? null
                : "Basic " + Base64.getEncoder().encodeToString((user + ":" + password)
                        .getBytes(StandardCharsets.UTF_8)));
        try {
            int expected = user == null ? 200 : 401;
            HttpClient http = HttpClient.newHttpClient();
            await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> http.send(
                    HttpRequest.newBuilder(URI.create("http://" + host + "/v2/")).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode() == expected);
        } catch (RuntimeException | Error e) {
            registry.close();
            throw e;
        }
        return registry;
    }

    /** {@code 127.0.0.1:PORT}, the registry part of image names pushed here. */
    public String host() {
        return host;
    }

    /** A GET of {@code /v2/<path>} as the registry's user (if any), e.g. {@code web/manifests/1}. */
    public HttpResponse<String> get(String path, String accept) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://" + host + "/v2/" + path))
                .header("Accept", accept);
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Pushes {@code image} as {@code repository:tag} over the registry API: blobs, then the manifest. */
    public void push(OciImage image, String repository, String tag) throws Exception {
        ByteArrayOutputStream layout = new ByteArrayOutputStream();
        OciImageLayout.Written written = OciImageLayout.write(image, layout);
        Map<String, byte[]> files = untar(layout.toByteArray());
        HttpClient http = HttpClient.newHttpClient();
        for (String digest : List.of(written.configDigest(), written.layerDigest())) {
            HttpResponse<Void> start = http.send(authorized(HttpRequest.newBuilder(URI.create("http://" + host
                            + "/v2/" + repository + "/blobs/uploads/")))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
            assertThat(start.statusCode()).as("blob upload start").isEqualTo(202);
            String location = start.headers().firstValue("Location").orElseThrow();
            URI upload = URI.create("http://" + host).resolve(location);
            String sep = upload.getQuery() == null ? "?" : "&";
            HttpResponse<String> put = http.send(authorized(HttpRequest.newBuilder(
                            URI.create(upload + sep + "digest=" + digest)))
                            .header("Content-Type", "application/octet-stream")
                            .PUT(HttpRequest.BodyPublishers.ofByteArray(blob(files, digest))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(put.statusCode()).as("blob upload %s: %s", digest, put.body()).isEqualTo(201);
        }
        HttpResponse<String> manifest = http.send(authorized(HttpRequest.newBuilder(URI.create("http://" + host
                        + "/v2/" + repository + "/manifests/" + tag)))
                        .header("Content-Type", "application/vnd.oci.image.manifest.v1+json")
                        .PUT(HttpRequest.BodyPublishers.ofByteArray(blob(files, written.manifestDigest()))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(manifest.statusCode()).as("manifest upload: %s", manifest.body()).isEqualTo(201);
    }

    private HttpRequest.Builder authorized(HttpRequest.Builder b) {
        return authorization == null ? b : b.header("Authorization", authorization);
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary directory left behind does not fail a test
        }
    }

    private static byte[] blob(Map<String, byte[]> files, String digest) {
        byte[] b = files.get("blobs/sha256/" + digest.substring("sha256:".length()));
        assertThat(b).as("blob %s in the image layout", digest).isNotNull();
        return b;
    }

    /** The regular files of a ustar archive. */
    private static Map<String, byte[]> untar(byte[] tar) {
        Map<String, byte[]> out = new LinkedHashMap<>();
        int pos = 0;
        while (pos + 512 <= tar.length && tar[pos] != 0) {
            String name = field(tar, pos, 100);
            String prefix = field(tar, pos + 345, 155);
            long size = Long.parseLong(field(tar, pos + 124, 12).trim(), 8);
            char type = (char) tar[pos + 156];
            String path = prefix.isEmpty() ? name : prefix + "/" + name;
            if (type == '0' || type == 0) {
                byte[] data = new byte[(int) size];
                System.arraycopy(tar, pos + 512, data, 0, (int) size);
                out.put(path.startsWith("./") ? path.substring(2) : path, data);
            }
            pos += 512 + (int) ((size + 511) / 512 * 512);
        }
        return out;
    }

    private static String field(byte[] b, int off, int len) {
        int end = off;
        while (end < off + len && b[end] != 0) {
            end++;
        }
        return new String(b, off, end - off, StandardCharsets.US_ASCII);
    }

    private static byte[] salt() {
        byte[] s = new byte[16];
        new SecureRandom().nextBytes(s);
        return s;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
