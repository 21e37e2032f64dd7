package io.kaji.apiserver.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kaji.apiserver.pki.BootstrapToken;
import io.kaji.apiserver.pki.ClusterPki;
import io.kaji.apiserver.serialization.Json;
import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Node and bootstrap security against a real API server: bootstrap token Secrets (accepted, then 401 once deleted),
 * NodeRestriction and the Node authorizer for a node's client certificate, LocalSubjectAccessReview, and the audit
 * events of rejected credentials.
 */
class NodeSecurityIntegrationTest {

    @TempDir
    static Path dir;
    static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start(dir.resolve("data"));
        created(server.post("/api/v1/nodes", "{\"metadata\":{\"name\":\"n1\"}}"));
        created(server.post("/api/v1/nodes", "{\"metadata\":{\"name\":\"n2\"}}"));
        created(server.post("/api/v1/namespaces/default/pods", pod("on-n1", "n1")));
        created(server.post("/api/v1/namespaces/default/pods", pod("on-n2", "n2")));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static String pod(String name, String node) {
        return "{\"metadata\":{\"name\":\"" + name + "\"},\"spec\":{\"nodeName\":\"" + node
                + "\",\"containers\":[{\"name\":\"c\",\"image\":\"nginx\"}]}}";
    }

    static void created(HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    }

    static HttpResponse<String> send(HttpClient client, String bearer, String method, String path, String type,
            String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.url() + path)).timeout(Duration.ofSeconds(20))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (type != null) {
            b.header("Content-Type", type);
        }
        if (bearer != null) {
            b.header("Authorization", "Bearer " + bearer);
        }
        try {
            return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static HttpClient clientWith(X509Certificate cert, java.security.PrivateKey key) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("client", key, new char[0], new Certificate[] {cert});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, new char[0]);
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", server.server().pki().caCertificate());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        return HttpClient.newBuilder().sslContext(ctx).version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    static HttpClient node(String name) throws Exception {
        ClusterPki.ClientCredentials c = server.server().pki().issueClient("system:node:" + name,
                List.of("system:nodes"), Duration.ofHours(1));
        return clientWith(c.certificate(), c.key());
    }

    static String tokenSecret(BootstrapToken t, String expiration) {
        Base64.Encoder b = Base64.getEncoder();
        StringBuilder data = new StringBuilder();
        Map<String, String> values = new java.util.LinkedHashMap<>(Map.of("token-id", t.id(), "token-secret",
                t.secret(), "usage-bootstrap-authentication", "true"));
        if (expiration != null) {
            values.put("expiration", expiration);
        }
        values.forEach((k, v) -> data.append(data.isEmpty() ? "" : ",").append('"').append(k).append("\":\"")
                .append(b.encodeToString(v.getBytes(StandardCharsets.UTF_8))).append('"'));
        return "{\"metadata\":{\"name\":\"" + t.secretName() + "\"},\"type\":\"bootstrap.kubernetes.io/token\","
                + "\"data\":{" + data + "}}";
    }

    @Test
    void aBootstrapTokenWorksUntilItsSecretIsDeletedAndTheReplayIsAudited() {
        BootstrapToken t = BootstrapToken.generate();
        String csrs = "/apis/certificates.k8s.io/v1/certificatesigningrequests";
        assertThat(send(server.client(), t.value(), "GET", csrs, null, null).statusCode()).isEqualTo(401);
        created(server.post("/api/v1/namespaces/kube-system/secrets", tokenSecret(t, null)));
        await().atMost(Duration.ofSeconds(10)).until(() ->
                send(server.client(), t.value(), "GET", csrs, null, null).statusCode() == 200);
        HttpResponse<String> forbidden = send(server.client(), t.value(), "GET", "/api/v1/secrets", null, null);
        assertThat(forbidden.statusCode()).isEqualTo(403);
        assertThat(forbidden.body()).contains("User \\\"system:bootstrap:" + t.id() + "\\\" cannot list");

        assertThat(server.delete("/api/v1/namespaces/kube-system/secrets/" + t.secretName()).statusCode())
                .isEqualTo(200);
        String replay = "/apis/certificates.k8s.io/v1/certificatesigningrequests?replay=" + t.id();
        await().atMost(Duration.ofSeconds(10)).until(() ->
                send(server.client(), t.value(), "GET", replay, null, null).statusCode() == 401);
        assertUnauthorizedAudited(replay);
    }

    @Test
    void expiredBootstrapTokenSecretsAreRefusedAndCleanedUp() {
        BootstrapToken t = BootstrapToken.generate();
        created(server.post("/api/v1/namespaces/kube-system/secrets",
                tokenSecret(t, Instant.now().minusSeconds(5).toString())));
        assertThat(send(server.client(), t.value(), "GET", "/apis/certificates.k8s.io/v1/certificatesigningrequests",
                null, null).statusCode()).isEqualTo(401);
        // The cleaner runs every 10 s.
        await().atMost(Duration.ofSeconds(25)).until(() ->
                server.get("/api/v1/namespaces/kube-system/secrets/" + t.secretName()).statusCode() == 404);
    }

    @Test
    void aNodeMayChangeOnlyItselfAndItsOwnPods() throws Exception {
        HttpClient n1 = node("n1");
        String merge = "application/merge-patch+json";
        HttpResponse<String> other = send(n1, null, "PATCH", "/api/v1/nodes/n2/status", merge,
                "{\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":\"False\"}]}}");
        assertThat(other.statusCode()).as(other.body()).isEqualTo(403);
        HttpResponse<String> own = send(n1, null, "PATCH", "/api/v1/nodes/n1/status", merge,
                "{\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}]}}");
        assertThat(own.statusCode()).as(own.body()).isEqualTo(200);

        HttpResponse<String> label = send(n1, null, "PATCH", "/api/v1/nodes/n1", merge,
                "{\"metadata\":{\"labels\":{\"node-restriction.kubernetes.io/pci\":\"true\"}}}");
        assertThat(label.statusCode()).as(label.body()).isEqualTo(403);
        assertThat(Json.MAPPER.readTree(label.body()).path("message").asString()).isEqualTo(
                "nodes \"n1\" is forbidden: is not allowed to modify labels: node-restriction.kubernetes.io/pci");
        HttpResponse<String> taint = send(n1, null, "PATCH", "/api/v1/nodes/n1", merge,
                "{\"spec\":{\"taints\":[{\"key\":\"k\",\"effect\":\"NoSchedule\"}]}}");
        assertThat(Json.MAPPER.readTree(taint.body()).path("message").asString())
                .isEqualTo("nodes \"n1\" is forbidden: node \"n1\" is not allowed to modify taints");

        HttpResponse<String> theirs = send(n1, null, "PATCH", "/api/v1/namespaces/default/pods/on-n2/status", merge,
                "{\"status\":{\"phase\":\"Failed\"}}");
        assertThat(theirs.statusCode()).as(theirs.body()).isEqualTo(403);
        HttpResponse<String> mine = send(n1, null, "PATCH", "/api/v1/namespaces/default/pods/on-n1/status", merge,
                "{\"status\":{\"phase\":\"Running\"}}");
        assertThat(mine.statusCode()).as(mine.body()).isEqualTo(200);
        HttpResponse<String> relabel = send(n1, null, "PATCH", "/api/v1/namespaces/default/pods/on-n1/status", merge,
                "{\"metadata\":{\"labels\":{\"app\":\"stolen\"}}}");
        // This server keeps metadata out of status writes, so NodeRestriction's label check (unit-tested) never
        // sees a change here: either way the node cannot relabel its pod.
        assertThat(relabel.statusCode()).as(relabel.body()).isIn(200, 403);
        assertThat(server.get("/api/v1/namespaces/default/pods/on-n1").body()).doesNotContain("stolen");

        HttpResponse<String> evict = send(n1, null, "POST", "/api/v1/namespaces/default/pods/on-n2/eviction",
                "application/json", "{\"apiVersion\":\"policy/v1\",\"kind\":\"Eviction\","
                        + "\"metadata\":{\"name\":\"on-n2\"}}");
        assertThat(evict.statusCode()).as(evict.body()).isEqualTo(403);
        assertThat(send(n1, null, "DELETE", "/api/v1/namespaces/default/pods/on-n2", null, null).statusCode())
                .isEqualTo(403);
        assertThat(server.get("/api/v1/namespaces/default/pods/on-n2").statusCode()).isEqualTo(200);
    }

    @Test
    void aNodeGetsTokensOnlyBoundToItsOwnPods() throws Exception {
        HttpClient n1 = node("n1");
        String path = "/api/v1/namespaces/default/serviceaccounts/default/token";
        String mineUid = Json.MAPPER.readTree(server.get("/api/v1/namespaces/default/pods/on-n1").body())
                .path("metadata").path("uid").asString();
        String theirsUid = Json.MAPPER.readTree(server.get("/api/v1/namespaces/default/pods/on-n2").body())
                .path("metadata").path("uid").asString();
        HttpResponse<String> unbound = send(n1, null, "POST", path, "application/json", "{\"spec\":{}}");
        assertThat(unbound.statusCode()).as(unbound.body()).isEqualTo(403);
        assertThat(Json.MAPPER.readTree(unbound.body()).path("message").asString())
                .isEqualTo("serviceaccounts \"default\" is forbidden: node requested token not bound to a pod");
        HttpResponse<String> theirs = send(n1, null, "POST", path, "application/json", bound("on-n2", theirsUid));
        assertThat(Json.MAPPER.readTree(theirs.body()).path("message").asString()).isEqualTo("serviceaccounts "
                + "\"default\" is forbidden: node requested token bound to a pod scheduled on a different node");
        HttpResponse<String> noUid = send(n1, null, "POST", path, "application/json", bound("on-n1", ""));
        assertThat(noUid.body()).contains("node requested token with a pod binding without a uid");
        HttpResponse<String> mine = send(n1, null, "POST", path, "application/json", bound("on-n1", mineUid));
        assertThat(mine.statusCode()).as(mine.body()).isEqualTo(201);
    }

    @Test
    void aNodeWatchesOnlyTheOneConfigMapItsPodUses() throws Exception {
        created(server.post("/api/v1/namespaces/default/configmaps", "{\"metadata\":{\"name\":\"used\"},"
                + "\"data\":{\"k\":\"v\"}}"));
        created(server.post("/api/v1/namespaces/default/configmaps", "{\"metadata\":{\"name\":\"other\"}}"));
        created(server.post("/api/v1/namespaces/default/pods", "{\"metadata\":{\"name\":\"cm-on-n1\"},\"spec\":{"
                + "\"nodeName\":\"n1\",\"containers\":[{\"name\":\"c\",\"image\":\"nginx\"}],\"volumes\":[{"
                + "\"name\":\"v\",\"configMap\":{\"name\":\"used\"}}]}}"));
        HttpClient n1 = node("n1");
        String list = "/api/v1/namespaces/default/configmaps?fieldSelector=metadata.name%3D";
        HttpResponse<String> used = send(n1, null, "GET", list + "used", null, null);
        assertThat(used.statusCode()).as(used.body()).isEqualTo(200);
        assertThat(Json.MAPPER.readTree(used.body()).path("items").get(0).path("data").path("k").asString())
                .isEqualTo("v");
        HttpResponse<String> watch = send(n1, null, "GET", list + "used&watch=true&timeoutSeconds=1", null, null);
        assertThat(watch.statusCode()).as(watch.body()).isEqualTo(200);
        assertThat(watch.body()).contains("\"type\":\"ADDED\"").contains("\"name\":\"used\"");
        assertThat(send(n1, null, "GET", list + "other&watch=true&timeoutSeconds=1", null, null).statusCode())
                .as("a config map no pod of the node uses").isEqualTo(403);
        assertThat(send(n1, null, "GET", "/api/v1/namespaces/default/configmaps?watch=true&timeoutSeconds=1", null,
                null).statusCode()).as("every config map").isEqualTo(403);
    }

    static String bound(String pod, String uid) {
        return "{\"spec\":{\"boundObjectRef\":{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"name\":\"" + pod
                + "\",\"uid\":\"" + uid + "\"}}}";
    }

    @Test
    void localSubjectAccessReviewAnswersInTheNamespaceOfTheRequest() throws Exception {
        String path = "/apis/authorization.k8s.io/v1/namespaces/default/localsubjectaccessreviews";
        HttpResponse<String> r = server.post(path, """
                {"apiVersion":"authorization.k8s.io/v1","kind":"LocalSubjectAccessReview",
                 "spec":{"user":"kaji-admin","groups":["kaji:cluster-admins"],
                 "resourceAttributes":{"namespace":"default","verb":"list","resource":"pods"}}}""");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        JsonNode review = Json.MAPPER.readTree(r.body());
        assertThat(review.path("status").path("allowed").asBoolean()).isTrue();
        assertThat(review.path("metadata").path("namespace").asString()).isEqualTo("default");

        HttpResponse<String> nobody = server.post(path, """
                {"spec":{"user":"nobody","resourceAttributes":{"namespace":"default","verb":"list","resource":"pods"}}}""");
        assertThat(Json.MAPPER.readTree(nobody.body()).path("status").path("allowed").asBoolean()).isFalse();

        HttpResponse<String> elsewhere = server.post(path, """
                {"spec":{"user":"nobody","resourceAttributes":{"namespace":"kube-system","verb":"list",
                 "resource":"pods"}}}""");
        assertThat(elsewhere.statusCode()).isEqualTo(422);
        assertThat(elsewhere.body()).contains("must match metadata.namespace");
        HttpResponse<String> nonResource = server.post(path, """
                {"spec":{"user":"nobody","nonResourceAttributes":{"path":"/healthz","verb":"get"}}}""");
        assertThat(nonResource.statusCode()).isEqualTo(422);
        assertThat(nonResource.body()).contains("disallowed on this kind of request");
        HttpResponse<String> mismatch = server.post(path, """
                {"metadata":{"namespace":"other"},"spec":{"user":"nobody",
                 "resourceAttributes":{"namespace":"other","verb":"list","resource":"pods"}}}""");
        assertThat(mismatch.statusCode()).isEqualTo(400);
    }

    @Test
    void rejectedCredentialsAreAnsweredWith401AndAudited() throws Exception {
        ClusterPki pki = server.server().pki();
        // An expired certificate from the cluster CA.
        KeyPair kp = ecKeyPair();
        X509Certificate expired = new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(
                pki.caCertificate(), BigInteger.valueOf(System.nanoTime()), Date.from(Instant.now().minusSeconds(7200)),
                Date.from(Instant.now().minusSeconds(3600)), new X500Name("O=system:nodes,CN=system:node:n1"),
                kp.getPublic()).build(new JcaContentSignerBuilder("SHA256withECDSA").build(pki.caKey())));
        String p1 = "/api/v1/namespaces/audit-expired-cert/pods";
        assertThat(send(clientWith(expired, kp.getPrivate()), null, "GET", p1, null, null).statusCode())
                .isEqualTo(401);
        // A certificate from another CA, for the same user.
        ClusterPki foreign = ClusterPki.loadOrCreate(dir.resolve("foreign-pki"), List.of());
        ClusterPki.ClientCredentials f = foreign.issueClient("kaji-admin", List.of("kaji:cluster-admins"),
                Duration.ofHours(1));
        String p2 = "/api/v1/namespaces/audit-foreign-ca/pods";
        assertThat(send(clientWith(f.certificate(), f.key()), null, "GET", p2, null, null).statusCode())
                .isEqualTo(401);
        // Service-account tokens: one for another audience, one tampered with.
        created(server.post("/api/v1/namespaces/default/serviceaccounts", "{\"metadata\":{\"name\":\"robot\"}}"));
        String otherAudience = token("{\"spec\":{\"audiences\":[\"https://vault.example\"]}}");
        String p3 = "/api/v1/namespaces/audit-wrong-audience/pods";
        assertThat(send(server.client(), otherAudience, "GET", p3, null, null).statusCode()).isEqualTo(401);
        String good = token("{\"spec\":{}}");
        assertThat(send(server.client(), good, "GET", "/api", null, null).statusCode()).isEqualTo(200);
        String[] parts = good.split("\\.");
        String claims = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
                .replace("system:serviceaccount:default:robot", "system:serviceaccount:kube-system:admin");
        String tampered = parts[0] + "." + Base64.getUrlEncoder().withoutPadding()
                .encodeToString(claims.getBytes(StandardCharsets.UTF_8)) + "." + parts[2];
        String p4 = "/api/v1/namespaces/audit-tampered-jwt/pods";
        assertThat(send(server.client(), tampered, "GET", p4, null, null).statusCode()).isEqualTo(401);

        for (String p : List.of(p1, p2, p3, p4)) {
            assertUnauthorizedAudited(p);
        }
    }

    static String token(String request) throws Exception {
        HttpResponse<String> r = server.post("/api/v1/namespaces/default/serviceaccounts/robot/token", request);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return Json.MAPPER.readTree(r.body()).path("status").path("token").asString();
    }

    static KeyPair ecKeyPair() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    /** The audit log has a ResponseComplete event of {@code uri} answered 401, as an anonymous request. */
    static void assertUnauthorizedAudited(String uri) {
        Path log = dir.resolve("data/logs/audit.log");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            List<JsonNode> matching = new ArrayList<>();
            for (String line : Files.readAllLines(log)) {
                JsonNode e = Json.MAPPER.readTree(line);
                if (e.path("requestURI").asString("").equals(uri)
                        && e.path("stage").asString("").equals("ResponseComplete")) {
                    matching.add(e);
                }
            }
            assertThat(matching).as("audit events of " + uri).isNotEmpty();
            JsonNode last = matching.get(matching.size() - 1);
            assertThat(last.path("responseStatus").path("code").asInt()).isEqualTo(401);
            assertThat(last.path("user").path("username").asString()).isEqualTo("system:anonymous");
        });
    }
}
