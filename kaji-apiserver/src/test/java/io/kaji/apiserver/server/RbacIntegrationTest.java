package io.kaji.apiserver.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kaji.apiserver.pki.ClusterPki;
import io.kaji.apiserver.serialization.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Authentication and RBAC through the real HTTPS server: anonymous requests, static-file tokens, client
 * certificates (from the cluster CA and a foreign one), a view-bound user, escalation attempts, rules reviews and
 * impersonation, asserting the Status bodies Kubernetes sends.
 */
class RbacIntegrationTest {

    @TempDir
    static Path dir;
    @TempDir
    static Path other;
    static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        Path tokens = dir.resolve("tokens.csv");
        Files.writeString(tokens, """
                jane-token,jane,uid-jane,"devs"
                nsadmin-token,nsadmin,uid-nsadmin
                bob-token,bob,uid-bob
                """);
        server = TestServer.start(dir.resolve("data"), ApiServerConfig.defaults(dir.resolve("data")).withPort(0)
                .withVersion("test").withTokenAuthFile(tokens));
        created(server.post("/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings", """
                {"metadata":{"name":"jane-view"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole",
                 "name":"view"},"subjects":[{"kind":"User","name":"jane","apiGroup":"rbac.authorization.k8s.io"}]}"""));
        created(server.post("/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings", """
                {"metadata":{"name":"nsadmin-admin"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io",
                 "kind":"ClusterRole","name":"admin"},"subjects":[{"kind":"User","name":"nsadmin"}]}"""));
        // Bindings reach the authorizer through the watch cache, like an informer: wait until they apply.
        await().atMost(Duration.ofSeconds(10)).until(() -> as("jane-token", "GET",
                "/api/v1/namespaces/default/pods", null).statusCode() == 200);
        await().atMost(Duration.ofSeconds(10)).until(() -> as("nsadmin-token", "GET",
                "/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles", null).statusCode() == 200);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static void created(HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    }

    static HttpResponse<String> as(String token, String method, String path, String json, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.url() + path)).timeout(Duration.ofSeconds(20))
                .header("Content-Type", "application/json")
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(json));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return server.send(b.build());
    }

    static JsonNode json(HttpResponse<String> r) {
        return Json.MAPPER.readTree(r.body());
    }

    static final String DEPLOYMENT = """
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"spec":{"replicas":1,
             "selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},
             "spec":{"containers":[{"name":"c","image":"nginx"}]}}}}""";

    @Test
    void anonymousRequestsGet401ExceptHealthVersionAndCacerts() {
        HttpResponse<String> api = as(null, "GET", "/api", null);
        assertThat(api.statusCode()).isEqualTo(401);
        assertThat(json(api).get("kind").asString()).isEqualTo("Status");
        assertThat(json(api).get("reason").asString()).isEqualTo("Unauthorized");
        assertThat(as(null, "GET", "/api/v1/namespaces", null).statusCode()).isEqualTo(401);
        assertThat(as("wrong-token", "GET", "/api/v1/namespaces", null).statusCode()).isEqualTo(401);
        for (String p : List.of("/healthz", "/livez", "/readyz", "/version", "/cacerts")) {
            assertThat(as(null, "GET", p, null).statusCode()).as(p).isEqualTo(200);
        }
    }

    @Test
    void aViewUserListsPodsButCannotCreateADeployment() {
        assertThat(as("jane-token", "GET", "/apis/apps/v1/namespaces/default/deployments", null).statusCode())
                .isEqualTo(200);
        HttpResponse<String> create = as("jane-token", "POST", "/apis/apps/v1/namespaces/default/deployments",
                DEPLOYMENT);
        assertThat(create.statusCode()).isEqualTo(403);
        JsonNode status = json(create);
        assertThat(status.get("message").asString()).isEqualTo("deployments.apps is forbidden: User \"jane\" cannot "
                + "create resource \"deployments\" in API group \"apps\" in the namespace \"default\"");
        assertThat(status.get("reason").asString()).isEqualTo("Forbidden");
        assertThat(status.at("/details/group").asString()).isEqualTo("apps");
        assertThat(status.at("/details/kind").asString()).isEqualTo("deployments");
        HttpResponse<String> secrets = as("jane-token", "GET", "/api/v1/namespaces/default/secrets/x", null);
        assertThat(json(secrets).get("message").asString()).isEqualTo("secrets \"x\" is forbidden: User \"jane\" "
                + "cannot get resource \"secrets\" in API group \"\" in the namespace \"default\"");
        HttpResponse<String> nodes = as("jane-token", "GET", "/api/v1/nodes", null);
        assertThat(json(nodes).get("message").asString()).isEqualTo("nodes is forbidden: User \"jane\" cannot list "
                + "resource \"nodes\" in API group \"\" at the cluster scope");
        assertThat(as("jane-token", "GET", "/api/v1/namespaces/other/pods", null).statusCode()).isEqualTo(403);
    }

    @Test
    void escalationAttemptsAreRejected() {
        String allowed = """
                {"metadata":{"name":"pod-manager"},"rules":[{"apiGroups":[""],"resources":["pods"],
                 "verbs":["get","list","create","delete"]}]}""";
        created(as("nsadmin-token", "POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles", allowed));
        String escalating = """
                {"metadata":{"name":"node-reader"},"rules":[{"apiGroups":[""],"resources":["nodes"],"verbs":["get"]}]}""";
        HttpResponse<String> r = as("nsadmin-token", "POST",
                "/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles", escalating);
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(json(r).get("message").asString()).isEqualTo("roles.rbac.authorization.k8s.io \"node-reader\" is "
                + "forbidden: user \"nsadmin\" (groups=[\"system:authenticated\"]) is attempting to grant RBAC "
                + "permissions not currently held:\n{APIGroups:[\"\"], Resources:[\"nodes\"], Verbs:[\"get\"]}");
        HttpResponse<String> bind = as("nsadmin-token", "POST",
                "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings", """
                {"metadata":{"name":"bob-root"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole",
                 "name":"cluster-admin"},"subjects":[{"kind":"User","name":"bob"}]}""");
        assertThat(bind.statusCode()).isEqualTo(403);
        assertThat(json(bind).get("message").asString())
                .startsWith("rolebindings.rbac.authorization.k8s.io \"bob-root\" is forbidden: user \"nsadmin\"")
                .contains("is attempting to grant RBAC permissions not currently held");
        // Binding a role whose rules the admin holds is fine.
        created(as("nsadmin-token", "POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings", """
                {"metadata":{"name":"bob-pods"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role",
                 "name":"pod-manager"},"subjects":[{"kind":"User","name":"bob"}]}"""));
    }

    @Test
    void selfSubjectRulesReviewListsTheViewRules() {
        HttpResponse<String> r = as("jane-token", "POST",
                "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews",
                "{\"apiVersion\":\"authorization.k8s.io/v1\",\"kind\":\"SelfSubjectRulesReview\","
                        + "\"spec\":{\"namespace\":\"default\"}}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        JsonNode status = json(r).get("status");
        List<String> podRules = new ArrayList<>();
        for (JsonNode rule : status.get("resourceRules")) {
            if (rule.get("resources").toString().contains("\"pods\"")) {
                podRules.add(rule.get("verbs").toString());
            }
        }
        assertThat(podRules).containsExactly("[\"get\",\"list\",\"watch\"]");
        assertThat(status.get("resourceRules").toString()).contains("selfsubjectaccessreviews")
                .doesNotContain("\"secrets\"");
        assertThat(status.get("nonResourceRules").toString()).contains("/api/*");
        assertThat(status.get("incomplete").asBoolean()).isFalse();
    }

    @Test
    void accessReviewsAnswerForTheRequesterAndForAnotherUser() {
        HttpResponse<String> self = as("jane-token", "POST",
                "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", "{\"spec\":{\"resourceAttributes\":"
                        + "{\"namespace\":\"default\",\"verb\":\"list\",\"resource\":\"pods\"}}}");
        assertThat(json(self).at("/status/allowed").asBoolean()).isTrue();
        HttpResponse<String> sar = server.post("/apis/authorization.k8s.io/v1/subjectaccessreviews",
                "{\"spec\":{\"user\":\"jane\",\"resourceAttributes\":{\"namespace\":\"default\",\"verb\":\"create\","
                        + "\"group\":\"apps\",\"resource\":\"deployments\"}}}");
        assertThat(sar.statusCode()).as(sar.body()).isEqualTo(201);
        assertThat(json(sar).at("/status/allowed").asBoolean()).isFalse();
        // jane may not ask about others: SubjectAccessReview is not in view.
        assertThat(as("jane-token", "POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews",
                "{\"spec\":{\"user\":\"x\",\"nonResourceAttributes\":{\"path\":\"/\",\"verb\":\"get\"}}}").statusCode())
                .isEqualTo(403);
    }

    @Test
    void impersonationIsAuthorizedByTheImpersonateVerb() {
        HttpResponse<String> asJane = server.send(server.request("/apis/apps/v1/namespaces/default/deployments")
                .header("Content-Type", "application/json").header("Impersonate-User", "jane")
                .POST(HttpRequest.BodyPublishers.ofString(DEPLOYMENT)).build());
        assertThat(asJane.statusCode()).isEqualTo(403);
        assertThat(json(asJane).get("message").asString()).contains("User \"jane\" cannot create");
        HttpResponse<String> bobAsJane = as("bob-token", "GET", "/api/v1/namespaces/default/pods", null,
                "Impersonate-User", "jane");
        assertThat(bobAsJane.statusCode()).isEqualTo(403);
        assertThat(json(bobAsJane).get("message").asString()).isEqualTo("users \"jane\" is forbidden: User \"bob\" "
                + "cannot impersonate resource \"users\" in API group \"\" at the cluster scope");
        HttpResponse<String> groups = server.send(server.request("/apis/authorization.k8s.io/v1/"
                        + "selfsubjectaccessreviews").header("Content-Type", "application/json")
                .header("Impersonate-User", "someone").header("Impersonate-Group", "devs")
                .header("Impersonate-Group", "system:masters")
                .POST(HttpRequest.BodyPublishers.ofString("{\"spec\":{\"resourceAttributes\":{\"verb\":\"delete\","
                        + "\"resource\":\"nodes\"}}}")).build());
        assertThat(json(groups).at("/status/allowed").asBoolean()).as(groups.body()).isTrue();
    }

    @Test
    void clientCertificatesFromTheClusterCaAuthenticateAndForeignOnesDoNot() throws Exception {
        ClusterPki pki = server.server().pki();
        HttpClient admin = clientWith(pki.issueClient("carol", List.of("kaji:cluster-admins"), Duration.ofHours(1)));
        assertThat(admin.send(get("/api/v1/namespaces/kube-system/secrets"), HttpResponse.BodyHandlers.ofString())
                .statusCode()).isEqualTo(200);
        HttpClient plain = clientWith(pki.issueClient("dave", List.of(), Duration.ofHours(1)));
        HttpResponse<String> forbidden = plain.send(get("/api/v1/namespaces/kube-system/secrets"),
                HttpResponse.BodyHandlers.ofString());
        assertThat(forbidden.statusCode()).isEqualTo(403);
        assertThat(forbidden.body()).contains("User \\\"dave\\\" cannot list resource \\\"secrets\\\"");
        ClusterPki foreign = ClusterPki.loadOrCreate(other.resolve("pki"), List.of());
        HttpClient stranger = clientWith(foreign.issueClient("carol", List.of("system:masters"),
                Duration.ofHours(1)));
        HttpResponse<String> denied = stranger.send(get("/api/v1/namespaces"), HttpResponse.BodyHandlers.ofString());
        assertThat(denied.statusCode()).isEqualTo(401);
        HttpClient superAdmin = clientWith(pki.issueClient("root", List.of("system:masters"), Duration.ofHours(1)));
        assertThat(superAdmin.send(get("/api/v1/nodes"), HttpResponse.BodyHandlers.ofString()).statusCode())
                .isEqualTo(200);
    }

    @Test
    void serviceAccountTokensFromTokenRequestAuthenticateUntilTheAccountIsGone() {
        created(server.post("/api/v1/namespaces/default/serviceaccounts", "{\"metadata\":{\"name\":\"robot\"}}"));
        HttpResponse<String> tooShort = server.post("/api/v1/namespaces/default/serviceaccounts/robot/token",
                "{\"spec\":{\"expirationSeconds\":60}}");
        assertThat(tooShort.statusCode()).isEqualTo(422);
        assertThat(json(tooShort).get("message").asString()).isEqualTo("TokenRequest.authentication.k8s.io \"robot\" "
                + "is invalid: spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes");
        HttpResponse<String> issued = server.post("/api/v1/namespaces/default/serviceaccounts/robot/token",
                "{\"spec\":{}}");
        assertThat(issued.statusCode()).as(issued.body()).isEqualTo(201);
        String token = json(issued).at("/status/token").asString();
        assertThat(json(issued).at("/spec/expirationSeconds").asLong()).isEqualTo(3600);

        HttpResponse<String> denied = as(token, "GET", "/api/v1/namespaces/default/pods", null);
        assertThat(denied.statusCode()).isEqualTo(403);
        assertThat(json(denied).get("message").asString()).isEqualTo("pods is forbidden: User "
                + "\"system:serviceaccount:default:robot\" cannot list resource \"pods\" in API group \"\" in the "
                + "namespace \"default\"");
        created(server.post("/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings", """
                {"metadata":{"name":"robot-view"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole",
                 "name":"view"},"subjects":[{"kind":"ServiceAccount","name":"robot"}]}"""));
        await().atMost(Duration.ofSeconds(10)).until(() -> as(token, "GET", "/api/v1/namespaces/default/pods", null)
                .statusCode() == 200);

        HttpResponse<String> review = server.post("/apis/authentication.k8s.io/v1/tokenreviews",
                "{\"spec\":{\"token\":\"" + token + "\"}}");
        assertThat(json(review).at("/status/authenticated").asBoolean()).as(review.body()).isTrue();
        assertThat(json(review).at("/status/user/username").asString()).isEqualTo("system:serviceaccount:default:robot");
        assertThat(json(review).at("/status/user/groups").toString()).contains("system:serviceaccounts:default");
        HttpResponse<String> wrongAudience = server.post("/apis/authentication.k8s.io/v1/tokenreviews",
                "{\"spec\":{\"token\":\"" + token + "\",\"audiences\":[\"https://vault.example\"]}}");
        assertThat(json(wrongAudience).at("/status/authenticated").asBoolean()).isFalse();
        HttpResponse<String> forVault = server.post("/api/v1/namespaces/default/serviceaccounts/robot/token",
                "{\"spec\":{\"audiences\":[\"https://vault.example\"]}}");
        assertThat(as(json(forVault).at("/status/token").asString(), "GET", "/api/v1/namespaces/default/pods", null)
                .statusCode()).as("a token for another audience").isEqualTo(401);

        assertThat(server.delete("/api/v1/namespaces/default/serviceaccounts/robot").statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> as(token, "GET", "/api/v1/namespaces/default/pods", null)
                .statusCode() == 401);
    }

    @Test
    void nodeCertificateRequestsAreApprovedOnlyForTheNodeShape() throws Exception {
        String bootstrap = Files.readString(dir.resolve("data").resolve("node-token")).trim();
        String good = csr("bootstrap-good", "system:node:n7", "system:nodes");
        created(as(bootstrap, "POST", "/apis/certificates.k8s.io/v1/certificatesigningrequests", good));
        String bad = csr("bootstrap-bad", "kaji-admin", "system:masters");
        created(as(bootstrap, "POST", "/apis/certificates.k8s.io/v1/certificatesigningrequests", bad));
        await().atMost(Duration.ofSeconds(10)).until(() -> json(server.get(
                "/apis/certificates.k8s.io/v1/certificatesigningrequests/bootstrap-good")).at("/status/certificate")
                .isString());
        JsonNode signed = json(server.get("/apis/certificates.k8s.io/v1/certificatesigningrequests/bootstrap-good"));
        assertThat(signed.at("/spec/username").asString()).isEqualTo("system:bootstrap:kaji-node-token");
        assertThat(signed.at("/status/conditions/0/type").asString()).isEqualTo("Approved");
        String pem = utf8(java.util.Base64.getDecoder().decode(signed.at("/status/certificate").asString()));
        var cert = (java.security.cert.X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509")
                .generateCertificate(new java.io.ByteArrayInputStream(pem.getBytes(StandardCharsets.UTF_8)));
        assertThat(cert.getSubjectX500Principal().getName()).isEqualTo("CN=system:node:n7,O=system:nodes");
        cert.verify(server.server().pki().caCertificate().getPublicKey());
        await().atMost(Duration.ofSeconds(10)).until(() -> json(server.get(
                "/apis/certificates.k8s.io/v1/certificatesigningrequests/bootstrap-bad")).at("/status/conditions/0/type")
                .asString("").equals("Denied"));
        JsonNode denied = json(server.get("/apis/certificates.k8s.io/v1/certificatesigningrequests/bootstrap-bad"));
        assertThat(denied.at("/status/conditions/0/message").asString())
                .isEqualTo("the subject's common name must be system:node:<node name>, not \"kaji-admin\"");
        assertThat(denied.at("/status/certificate").isMissingNode()).isTrue();
        // The bootstrap token can do nothing else.
        assertThat(as(bootstrap, "GET", "/api/v1/namespaces/default/secrets", null).statusCode()).isEqualTo(403);
    }

    static String csr(String name, String cn, String organization) throws Exception {
        var g = java.security.KeyPairGenerator.getInstance("EC");
        g.initialize(new java.security.spec.ECGenParameterSpec("secp256r1"));
        var kp = g.generateKeyPair();
        var subject = new org.bouncycastle.asn1.x500.X500NameBuilder(org.bouncycastle.asn1.x500.style.BCStyle.INSTANCE)
                .addRDN(org.bouncycastle.asn1.x500.style.BCStyle.O, organization)
                .addRDN(org.bouncycastle.asn1.x500.style.BCStyle.CN, cn).build();
        var request = new org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder(subject, kp.getPublic())
                .build(new org.bouncycastle.operator.jcajce.JcaContentSignerBuilder("SHA256withECDSA")
                        .build(kp.getPrivate()));
        java.io.StringWriter w = new java.io.StringWriter();
        try (var pw = new org.bouncycastle.openssl.jcajce.JcaPEMWriter(w)) {
            pw.writeObject(request);
        }
        String b64 = java.util.Base64.getEncoder().encodeToString(w.toString().getBytes(StandardCharsets.UTF_8));
        return "{\"metadata\":{\"name\":\"" + name + "\"},\"spec\":{\"request\":\"" + b64 + "\",\"signerName\":"
                + "\"kubernetes.io/kube-apiserver-client-kubelet\",\"usages\":[\"digital signature\",\"client auth\"],"
                + "\"username\":\"kaji-admin\",\"groups\":[\"system:masters\"]}}";
    }

    static HttpRequest get(String path) {
        return HttpRequest.newBuilder(URI.create(server.url() + path)).timeout(Duration.ofSeconds(20)).build();
    }

    static HttpClient clientWith(ClusterPki.ClientCredentials creds) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("client", creds.key(), new char[0], new Certificate[] {creds.certificate()});
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

    static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
