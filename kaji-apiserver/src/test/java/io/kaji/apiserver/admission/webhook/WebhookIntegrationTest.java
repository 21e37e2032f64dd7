package io.kaji.apiserver.admission.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.kaji.apiserver.pki.ClusterPki;
import io.kaji.apiserver.serialization.Json;
import io.kaji.apiserver.server.TestServer;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Validating and mutating admission webhooks in a real API server, calling a real HTTPS webhook server (its own CA,
 * given as caBundle) on loopback: denial with the webhook's status, mutation by JSONPatch, namespace and object
 * selectors, failure policies, dry run, and what the AdmissionReview carries.
 */
class WebhookIntegrationTest {

    @TempDir
    static Path dir;
    @TempDir
    static Path webhookPki;
    static TestServer server;
    static HttpsServer webhook;
    static String caBundle;
    static final List<JsonNode> reviews = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start(dir);
        ClusterPki pki = ClusterPki.loadOrCreate(webhookPki, List.of());
        caBundle = Base64.getEncoder().encodeToString(pki.caPem().getBytes(StandardCharsets.UTF_8));
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("webhook", pki.servingKey(), new char[0], new Certificate[] {pki.servingCertificate()});
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, new char[0]);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(kmf.getKeyManagers(), null, null);
        webhook = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        webhook.setHttpsConfigurator(new HttpsConfigurator(tls));
        webhook.createContext("/", ex -> {
            JsonNode review = Json.MAPPER.readTree(ex.getRequestBody().readAllBytes());
            reviews.add(review);
            JsonNode request = review.path("request");
            ObjectNode answer = Json.object();
            answer.put("apiVersion", "admission.k8s.io/v1");
            answer.put("kind", "AdmissionReview");
            ObjectNode response = answer.putObject("response");
            response.put("uid", request.path("uid").asString());
            boolean deny = request.path("object").path("metadata").path("labels").has("deny");
            response.put("allowed", !deny);
            if (deny) {
                response.putObject("status").put("code", 403).put("message", "pods with deny labels are refused");
            } else if (ex.getRequestURI().getPath().equals("/mutate")) {
                String patch = "[{\"op\":\"add\",\"path\":\"/metadata/annotations\",\"value\":{\"mutated-by\":\"hook\"}}]";
                response.put("patchType", "JSONPatch");
                response.put("patch", Base64.getEncoder().encodeToString(patch.getBytes(StandardCharsets.UTF_8)));
                response.putArray("warnings").add("mutated by the test webhook");
            }
            byte[] body = Json.bytes(answer);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        webhook.start();
        namespace("hooked", true);
        namespace("plain", false);
    }

    @AfterAll
    static void stop() {
        webhook.stop(0);
        server.close();
    }

    @AfterEach
    void removeConfigurations() {
        for (String kind : List.of("validatingwebhookconfigurations", "mutatingwebhookconfigurations")) {
            for (JsonNode c : json(server.get("/apis/admissionregistration.k8s.io/v1/" + kind)).path("items")) {
                server.delete("/apis/admissionregistration.k8s.io/v1/" + kind + "/"
                        + c.path("metadata").path("name").asString());
            }
        }
        reviews.clear();
    }

    private static JsonNode json(HttpResponse<String> r) {
        return Json.MAPPER.readTree(r.body());
    }

    private static void namespace(String name, boolean hooked) {
        String labels = hooked ? ",\"labels\":{\"webhooks\":\"on\"}" : "";
        assertThat(server.post("/api/v1/namespaces", "{\"metadata\":{\"name\":\"" + name + "\"" + labels + "}}")
                .statusCode()).isEqualTo(201);
    }

    private static String pod(String name, boolean deny) {
        return "{\"metadata\":{\"name\":\"" + name + "\"" + (deny ? ",\"labels\":{\"deny\":\"yes\"}" : "")
                + "},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"nginx\"}]}}";
    }

    private static String configuration(String kind, String name, String url, String failurePolicy,
                                        String sideEffects) {
        return "{\"apiVersion\":\"admissionregistration.k8s.io/v1\",\"kind\":\"" + kind + "\",\"metadata\":{\"name\":\""
                + name + "\"},\"webhooks\":[{\"name\":\"" + name + ".example.com\",\"admissionReviewVersions\":[\"v1\"],"
                + "\"sideEffects\":\"" + sideEffects + "\",\"failurePolicy\":\"" + failurePolicy + "\",\"timeoutSeconds\":5,"
                + "\"clientConfig\":{\"url\":\"" + url + "\",\"caBundle\":\"" + caBundle + "\"},"
                + "\"namespaceSelector\":{\"matchLabels\":{\"webhooks\":\"on\"}},"
                + "\"rules\":[{\"operations\":[\"CREATE\"],\"apiGroups\":[\"\"],\"apiVersions\":[\"v1\"],"
                + "\"resources\":[\"pods\"]}]}]}";
    }

    private static void register(String kind, String body) {
        String plural = kind.toLowerCase() + "s";
        HttpResponse<String> r = server.post("/apis/admissionregistration.k8s.io/v1/" + plural, body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        // Webhooks are read from the watch cache, as Kubernetes reads them from an informer: a list (a consistent
        // read) returns once the cache holds the new configuration.
        assertThat(server.get("/apis/admissionregistration.k8s.io/v1/" + plural).body())
                .contains(json(r).at("/metadata/name").asString());
    }

    private static String url(String path) {
        return "https://127.0.0.1:" + webhook.getAddress().getPort() + path;
    }

    @Test
    void aValidatingWebhookDeniesWithItsStatusOnlyInSelectedNamespaces() {
        register("ValidatingWebhookConfiguration", configuration("ValidatingWebhookConfiguration", "deny",
                url("/validate"), "Fail", "None"));
        HttpResponse<String> denied = server.post("/api/v1/namespaces/hooked/pods", pod("bad", true));
        assertThat(denied.statusCode()).isEqualTo(403);
        assertThat(json(denied).get("message").asString()).isEqualTo("admission webhook \"deny.example.com\" "
                + "denied the request: pods with deny labels are refused");
        assertThat(server.post("/api/v1/namespaces/hooked/pods", pod("good", false)).statusCode()).isEqualTo(201);
        assertThat(server.post("/api/v1/namespaces/plain/pods", pod("elsewhere", true)).statusCode())
                .as("namespace not selected").isEqualTo(201);

        JsonNode request = reviews.get(reviews.size() - 1).path("request");
        assertThat(request.path("operation").asString()).isEqualTo("CREATE");
        assertThat(request.path("namespace").asString()).isEqualTo("hooked");
        assertThat(request.at("/kind/kind").asString()).isEqualTo("Pod");
        assertThat(request.at("/resource/resource").asString()).isEqualTo("pods");
        assertThat(request.at("/userInfo/username").asString()).isNotEmpty();
        assertThat(request.at("/object/metadata/name").asString()).isEqualTo("good");
        assertThat(reviews).hasSize(2);
    }

    @Test
    void aMutatingWebhookPatchesTheObjectAndItsWarningsReachTheClient() {
        register("MutatingWebhookConfiguration", configuration("MutatingWebhookConfiguration", "mutate",
                url("/mutate"), "Fail", "None"));
        HttpResponse<String> r = server.post("/api/v1/namespaces/hooked/pods", pod("patched", false));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        assertThat(json(r).at("/metadata/annotations/mutated-by").asString()).isEqualTo("hook");
        assertThat(r.headers().allValues("Warning")).anyMatch(w -> w.contains("mutated by the test webhook"));
    }

    @Test
    void failurePoliciesDecideWhatAnUnreachableWebhookMeans() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        String dead = "https://127.0.0.1:" + closed + "/validate";
        register("ValidatingWebhookConfiguration", configuration("ValidatingWebhookConfiguration", "strict", dead,
                "Fail", "None"));
        HttpResponse<String> refused = server.post("/api/v1/namespaces/hooked/pods", pod("blocked", false));
        assertThat(refused.statusCode()).isEqualTo(500);
        assertThat(json(refused).get("message").asString()).startsWith("Internal error occurred: failed calling "
                + "webhook \"strict.example.com\": failed to call webhook: Post \"" + dead + "?timeout=5s\": ");
        removeConfigurations();
        register("ValidatingWebhookConfiguration", configuration("ValidatingWebhookConfiguration", "lenient", dead,
                "Ignore", "None"));
        assertThat(server.post("/api/v1/namespaces/hooked/pods", pod("through", false)).statusCode()).isEqualTo(201);
    }

    @Test
    void dryRunReachesOnlyWebhooksWithoutSideEffects() {
        register("ValidatingWebhookConfiguration", configuration("ValidatingWebhookConfiguration", "effects",
                url("/validate"), "Fail", "Some"));
        HttpResponse<String> r = server.post("/api/v1/namespaces/hooked/pods?dryRun=All", pod("dry", false));
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(json(r).get("message").asString())
                .isEqualTo("admission webhook \"effects.example.com\" does not support dry run");
    }

    private static byte[] readCa() {
        try {
            return java.nio.file.Files.readAllBytes(dir.resolve("pki/ca.crt"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void theCertificateMustChainToTheCaBundle() {
        String otherCa = Base64.getEncoder().encodeToString(readCa());
        register("ValidatingWebhookConfiguration", configuration("ValidatingWebhookConfiguration", "untrusted",
                url("/validate"), "Fail", "None").replace(caBundle, otherCa));
        HttpResponse<String> r = server.post("/api/v1/namespaces/hooked/pods", pod("mitm", false));
        assertThat(r.statusCode()).isEqualTo(500);
        assertThat(json(r).get("message").asString()).contains("failed calling webhook \"untrusted.example.com\"");
    }
}
