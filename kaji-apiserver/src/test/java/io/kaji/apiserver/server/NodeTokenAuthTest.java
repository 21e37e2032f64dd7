package io.kaji.apiserver.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaji.apiserver.pki.NodeToken;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The node join token over HTTPS: the file, /cacerts without credentials, the token as a bearer credential. */
class NodeTokenAuthTest {

    @TempDir
    static Path dir;
    static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start(dir);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static HttpResponse<String> get(String path, String bearer) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.url() + path));
        if (bearer != null) {
            b.header("Authorization", "Bearer " + bearer);
        }
        return server.send(b.GET().build());
    }

    @Test
    void writesTheTokenOwnerOnlyWithTheHashOfTheServedCa() throws Exception {
        Path file = dir.resolve("node-token");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        NodeToken token = NodeToken.parse(Files.readString(file));
        assertThat(token).isEqualTo(server.server().nodeToken());

        HttpResponse<String> ca = get("/cacerts", null);
        assertThat(ca.statusCode()).isEqualTo(200);
        assertThat(ca.headers().firstValue("Content-Type")).hasValue("application/x-pem-file");
        assertThat(ca.body()).isEqualTo(Files.readString(dir.resolve("pki/ca.crt")));
        assertThat(token.matchesCa(ca.body())).isTrue();
    }

    @Test
    void theNodeTokenAuthenticatesAsABootstrapperAndAWrongSecretDoesNot() throws Exception {
        NodeToken token = NodeToken.parse(Files.readString(dir.resolve("node-token")));
        assertThat(get("/apis/certificates.k8s.io/v1/certificatesigningrequests", token.value()).statusCode())
                .isEqualTo(200);
        HttpResponse<String> forbidden = get("/api/v1/namespaces", token.value());
        assertThat(forbidden.statusCode()).isEqualTo(403);
        assertThat(forbidden.body()).contains("User \\\"system:bootstrap:kaji-node-token\\\" cannot list");
        NodeToken wrong = new NodeToken(token.caHash(), token.user(), token.secret() + "x");
        assertThat(get("/api/v1/namespaces", wrong.value()).statusCode()).isEqualTo(401);
        assertThat(get("/api/v1/namespaces", token.secret()).statusCode()).isEqualTo(401);
        assertThat(get("/api/v1/namespaces", null).statusCode()).isEqualTo(401);
    }
}
