package io.kaji.apiserver.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaji.apiserver.serialization.Json;
import java.nio.file.Path;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** Cluster IPs and node ports from a configured service CIDR, the system Services and kube-system/kaji-cluster. */
class ServiceNetworkingTest {

    @TempDir
    static Path dir;
    static TestServer api;

    @BeforeAll
    static void start() {
        api = TestServer.start(dir, ApiServerConfig.defaults(dir).withPort(0).withVersion("test")
                .withServiceCidr("100.64.48.0/24").withClusterCidr("100.64.40.0/22"));
    }

    @AfterAll
    static void stop() {
        api.close();
    }

    private static JsonNode json(HttpResponse<String> r) {
        return Json.MAPPER.readTree(r.body());
    }

    private static String service(String name, String type, String clusterIp, Integer nodePort) {
        return "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"" + name + "\"},\"spec\":{"
                + (type != null ? "\"type\":\"" + type + "\"," : "")
                + (clusterIp != null ? "\"clusterIP\":\"" + clusterIp + "\"," : "")
                + "\"selector\":{\"app\":\"" + name + "\"},\"ports\":[{\"port\":80"
                + (nodePort != null ? ",\"nodePort\":" + nodePort : "") + "}]}}";
    }

    @Test
    void systemServicesTakeTheFirstAndTenthAddressAndAgentsFindTheSettings() {
        assertThat(Json.text(json(api.get("/api/v1/namespaces/default/services/kubernetes")), "spec.clusterIP"))
                .isEqualTo("100.64.48.1");
        JsonNode dns = json(api.get("/api/v1/namespaces/kube-system/services/kube-dns"));
        assertThat(Json.text(dns, "spec.clusterIP")).isEqualTo("100.64.48.10");
        assertThat(dns.at("/spec/ports/0/protocol").asText()).isEqualTo("UDP");
        assertThat(dns.at("/spec/ports/0/port").asInt()).isEqualTo(53);
        JsonNode cm = json(api.get("/api/v1/namespaces/kube-system/configmaps/kaji-cluster"));
        assertThat(cm.at("/data/serviceCIDR").asText()).isEqualTo("100.64.48.0/24");
        assertThat(cm.at("/data/clusterCIDR").asText()).isEqualTo("100.64.40.0/22");
        assertThat(cm.at("/data/clusterDNS").asText()).isEqualTo("100.64.48.10");
        assertThat(cm.at("/data/clusterDomain").asText()).isEqualTo("cluster.local");
    }

    @Test
    void allocatedAddressesComeFromTheServiceCidr() {
        HttpResponse<String> r = api.post("/api/v1/namespaces/default/services", service("auto", null, null, null));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        String ip = Json.text(json(r), "spec.clusterIP");
        assertThat(ServiceCidr.parse("100.64.48.0/24").assignable(ip)).as(ip).isTrue();
        assertThat(ip).isNotIn("100.64.48.1", "100.64.48.10");
    }

    @Test
    void aTakenClusterIpOrNodePortIsRejectedWithTheOwnerNamed() {
        // Other tests of this class allocate at random from the same ranges: take an address and port still free.
        java.util.Set<String> ips = new java.util.HashSet<>();
        java.util.Set<Integer> ports = new java.util.HashSet<>();
        for (JsonNode svc : json(api.get("/api/v1/services")).path("items")) {
            ips.add(svc.at("/spec/clusterIP").asString(""));
            svc.at("/spec/ports").forEach(p -> ports.add(p.path("nodePort").asInt(0)));
        }
        String freeIp = java.util.stream.IntStream.rangeClosed(20, 250).mapToObj(i -> "100.64.48." + i)
                .filter(a -> !ips.contains(a)).findFirst().orElseThrow();
        int freePort = java.util.stream.IntStream.rangeClosed(30300, 30400).filter(p -> !ports.contains(p))
                .findFirst().orElseThrow();
        HttpResponse<String> first = api.post("/api/v1/namespaces/default/services",
                service("first", "NodePort", freeIp, freePort));
        assertThat(first.statusCode()).as(first.body()).isEqualTo(201);
        HttpResponse<String> ip = api.post("/api/v1/namespaces/default/services",
                service("second", null, freeIp, null));
        assertThat(ip.statusCode()).isEqualTo(422);
        assertThat(ip.body()).contains("spec.clusterIP").contains("already allocated").contains("default/first");
        HttpResponse<String> port = api.post("/api/v1/namespaces/default/services",
                service("third", "NodePort", null, freePort));
        assertThat(port.statusCode()).isEqualTo(422);
        assertThat(port.body()).contains("spec.ports[0].nodePort").contains("already allocated");
        HttpResponse<String> outside = api.post("/api/v1/namespaces/default/services",
                service("fourth", null, "10.43.0.44", null));
        assertThat(outside.statusCode()).isEqualTo(422);
        assertThat(outside.body()).contains("100.64.48.0/24");
        HttpResponse<String> dnsIp = api.post("/api/v1/namespaces/default/services",
                service("fifth", null, "100.64.48.10", null));
        assertThat(dnsIp.statusCode()).isEqualTo(422);
    }

    @Test
    void anUpdateWithoutNodePortKeepsTheAllocatedOne() {
        HttpResponse<String> created = api.post("/api/v1/namespaces/default/services",
                service("np", "NodePort", null, null));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        int nodePort = json(created).at("/spec/ports/0/nodePort").asInt();
        assertThat(nodePort).isBetween(30000, 32767);
        HttpResponse<String> updated = api.put("/api/v1/namespaces/default/services/np",
                service("np", "NodePort", null, null));
        assertThat(updated.statusCode()).as(updated.body()).isEqualTo(200);
        assertThat(json(updated).at("/spec/ports/0/nodePort").asInt()).isEqualTo(nodePort);
        assertThat(Json.text(json(updated), "spec.clusterIP")).isEqualTo(Json.text(json(created), "spec.clusterIP"));
    }
}
