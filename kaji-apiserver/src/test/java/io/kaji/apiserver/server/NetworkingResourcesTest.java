package io.kaji.apiserver.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** networking.k8s.io/v1 and policy/v1 resources are served: discovery, CRUD, kubectl's table. */
class NetworkingResourcesTest {

    @TempDir
    static Path dir;
    static TestServer api;

    @BeforeAll
    static void start() {
        api = TestServer.start(dir);
    }

    @AfterAll
    static void stop() {
        api.close();
    }

    @Test
    void networkPoliciesAreServedWithThePodSelectorColumn() {
        assertThat(api.get("/apis/networking.k8s.io/v1").body()).contains("\"networkpolicies\"")
                .contains("\"netpol\"").contains("\"ingresses\"");
        HttpResponse<String> created = api.post("/apis/networking.k8s.io/v1/namespaces/default/networkpolicies",
                "{\"apiVersion\":\"networking.k8s.io/v1\",\"kind\":\"NetworkPolicy\",\"metadata\":{\"name\":\"deny\"},"
                        + "\"spec\":{\"podSelector\":{\"matchLabels\":{\"app\":\"web\"}},\"policyTypes\":[\"Ingress\"]}}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        HttpResponse<String> table = api.send(api.request("/apis/networking.k8s.io/v1/namespaces/default/networkpolicies")
                .header("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io").GET().build());
        assertThat(table.body()).contains("Pod-Selector").contains("app=web");
    }

    @Test
    void podDisruptionBudgetsAreServed() {
        HttpResponse<String> created = api.post("/apis/policy/v1/namespaces/default/poddisruptionbudgets",
                "{\"apiVersion\":\"policy/v1\",\"kind\":\"PodDisruptionBudget\",\"metadata\":{\"name\":\"web\"},"
                        + "\"spec\":{\"minAvailable\":2,\"selector\":{\"matchLabels\":{\"app\":\"web\"}}}}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        assertThat(api.get("/apis/policy/v1/namespaces/default/poddisruptionbudgets/web").statusCode()).isEqualTo(200);
    }
}
