package io.kaji.apiserver.admission;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaji.apiserver.serialization.Json;
import io.kaji.apiserver.server.TestServer;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** LimitRanger and ResourceQuota admission in a real API server, with Kubernetes' messages and quota status. */
class LimitsAndQuotaIntegrationTest {

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

    static JsonNode json(HttpResponse<String> r) {
        return Json.MAPPER.readTree(r.body());
    }

    static String pod(String name, String resources) {
        return "{\"metadata\":{\"name\":\"" + name + "\"},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"nginx\""
                + (resources.isEmpty() ? "" : ",\"resources\":" + resources) + "}]}}";
    }

    static void namespace(String name) {
        assertThat(server.post("/api/v1/namespaces", "{\"metadata\":{\"name\":\"" + name + "\"}}").statusCode())
                .isEqualTo(201);
    }

    @Test
    void limitRangeDefaultsAndBoundsContainers() {
        namespace("limits");
        assertThat(server.post("/api/v1/namespaces/limits/limitranges", """
                {"metadata":{"name":"lr"},"spec":{"limits":[{"type":"Container",
                 "default":{"cpu":"500m","memory":"256Mi"},"defaultRequest":{"cpu":"200m"},
                 "max":{"cpu":"1"},"min":{"cpu":"50m"},"maxLimitRequestRatio":{"cpu":"4"}}]}}""").statusCode())
                .isEqualTo(201);
        HttpResponse<String> defaulted = server.post("/api/v1/namespaces/limits/pods", pod("plain", ""));
        assertThat(defaulted.statusCode()).isEqualTo(201);
        JsonNode resources = json(defaulted).at("/spec/containers/0/resources");
        assertThat(resources.at("/limits/cpu").asString()).isEqualTo("500m");
        assertThat(resources.at("/limits/memory").asString()).isEqualTo("256Mi");
        assertThat(resources.at("/requests/cpu").asString()).isEqualTo("200m");
        assertThat(resources.at("/requests/memory").asString()).isEqualTo("256Mi");
        assertThat(json(defaulted).at("/metadata/annotations/kubernetes.io~1limit-ranger").asString())
                .isEqualTo("LimitRanger plugin set: cpu, memory request for container c; cpu, memory limit for "
                        + "container c");

        HttpResponse<String> tooBig = server.post("/api/v1/namespaces/limits/pods",
                pod("big", "{\"limits\":{\"cpu\":\"2\"},\"requests\":{\"cpu\":\"100m\"}}"));
        assertThat(tooBig.statusCode()).isEqualTo(403);
        assertThat(json(tooBig).get("message").asString()).isEqualTo("pods \"big\" is forbidden: [maximum cpu usage "
                + "per Container is 1, but limit is 2., cpu max limit to request ratio per Container is 4, but "
                + "provided ratio is 20.000000.]");
        HttpResponse<String> tooSmall = server.post("/api/v1/namespaces/limits/pods",
                pod("small", "{\"limits\":{\"cpu\":\"100m\"},\"requests\":{\"cpu\":\"10m\"}}"));
        assertThat(json(tooSmall).get("message").asString()).isEqualTo("pods \"small\" is forbidden: [minimum cpu "
                + "usage per Container is 50m, but request is 10m., cpu max limit to request ratio per Container is 4, "
                + "but provided ratio is 10.000000.]");
    }

    @Test
    void aScopedQuotaCountsAndLimitsOnlyThePodsItsScopesSelect() {
        namespace("scoped");
        HttpResponse<String> q = server.post("/api/v1/namespaces/scoped/resourcequotas",
                "{\"metadata\":{\"name\":\"best-effort\"},\"spec\":{\"hard\":{\"pods\":\"1\"},"
                        + "\"scopes\":[\"BestEffort\"]}}");
        assertThat(q.statusCode()).as(q.body()).isEqualTo(201);
        String cpu = "{\"requests\":{\"cpu\":\"100m\"}}";
        // A burstable pod before and after: not selected, so neither counted nor limited.
        assertThat(server.post("/api/v1/namespaces/scoped/pods", pod("burstable-1", cpu)).statusCode()).isEqualTo(201);
        assertThat(server.post("/api/v1/namespaces/scoped/pods", pod("bare-1", "")).statusCode()).isEqualTo(201);
        HttpResponse<String> second = server.post("/api/v1/namespaces/scoped/pods", pod("bare-2", ""));
        assertThat(second.statusCode()).isEqualTo(403);
        assertThat(json(second).get("message").asString()).isEqualTo("pods \"bare-2\" is forbidden: exceeded quota: "
                + "best-effort, requested: pods=1, used: pods=1, limited: pods=1");
        assertThat(server.post("/api/v1/namespaces/scoped/pods", pod("burstable-2", cpu)).statusCode()).isEqualTo(201);
        assertThat(json(server.get("/api/v1/namespaces/scoped/resourcequotas/best-effort")).at("/status/used/pods")
                .asString()).isEqualTo("1");
    }

    @Test
    void quotaCountsUsageRejectsOverflowAndFollowsDeletions() {
        namespace("quota");
        HttpResponse<String> q = server.post("/api/v1/namespaces/quota/resourcequotas",
                "{\"metadata\":{\"name\":\"compute\"},\"spec\":{\"hard\":{\"pods\":\"2\",\"requests.cpu\":\"1\"}}}");
        assertThat(q.statusCode()).isEqualTo(201);
        assertThat(json(q).at("/status/used/pods").asString()).isEqualTo("0");
        assertThat(json(q).at("/status/hard/requests.cpu").asString()).isEqualTo("1");

        HttpResponse<String> noRequest = server.post("/api/v1/namespaces/quota/pods", pod("bare", ""));
        assertThat(noRequest.statusCode()).isEqualTo(403);
        assertThat(json(noRequest).get("message").asString())
                .isEqualTo("pods \"bare\" is forbidden: failed quota: compute: must specify requests.cpu");

        String cpu = "{\"requests\":{\"cpu\":\"300m\"}}";
        assertThat(server.post("/api/v1/namespaces/quota/pods", pod("a", cpu)).statusCode()).isEqualTo(201);
        assertThat(server.post("/api/v1/namespaces/quota/pods", pod("b", cpu)).statusCode()).isEqualTo(201);
        HttpResponse<String> third = server.post("/api/v1/namespaces/quota/pods", pod("c", cpu));
        assertThat(third.statusCode()).isEqualTo(403);
        assertThat(json(third).get("message").asString()).isEqualTo("pods \"c\" is forbidden: exceeded quota: "
                + "compute, requested: pods=1, used: pods=2, limited: pods=2");
        JsonNode status = json(server.get("/api/v1/namespaces/quota/resourcequotas/compute")).path("status");
        assertThat(status.at("/used/pods").asString()).isEqualTo("2");
        assertThat(new BigDecimal(status.at("/used/requests.cpu").asString().replace("m", "")))
                .isEqualByComparingTo("600");

        assertThat(server.delete("/api/v1/namespaces/quota/pods/a").statusCode()).isEqualTo(200);
        assertThat(server.post("/api/v1/namespaces/quota/pods", pod("c", cpu)).statusCode()).isEqualTo(201);
        HttpResponse<String> cpuBound = server.post("/api/v1/namespaces/quota/pods",
                pod("d", "{\"requests\":{\"cpu\":\"500m\"}}"));
        assertThat(json(cpuBound).get("message").asString()).isEqualTo("pods \"d\" is forbidden: exceeded quota: "
                + "compute, requested: pods=1,requests.cpu=500m, used: pods=2,requests.cpu=600m, limited: "
                + "pods=2,requests.cpu=1");
    }

    @Test
    void quantitiesPrintAsKubernetesDoes() {
        assertThat(Quantities.format(new BigDecimal("0.6"))).isEqualTo("600m");
        assertThat(Quantities.format(new BigDecimal("2.000"))).isEqualTo("2");
        assertThat(Quantities.format(Quantities.amount("1Gi"))).isEqualTo("1073741824");
        assertThat(Quantities.amount("250m")).isEqualByComparingTo("0.25");
    }
}
