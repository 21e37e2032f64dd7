package io.kaji.apiserver.table;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaji.apiserver.serialization.Json;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

/** The pod columns for pods with sidecars, as kubectl 1.29+ prints them. */
class PodColumnsTest {

    private static ObjectNode pod(String initStatus, String conditions) {
        return Json.parseTrusted("""
                {"metadata":{"name":"p"},"spec":{
                  "initContainers":[{"name":"setup","image":"i"},{"name":"proxy","image":"i","restartPolicy":"Always"}],
                  "containers":[{"name":"app","image":"i"}]},
                 "status":{"phase":"%s","conditions":%s,
                  "initContainerStatuses":[
                    {"name":"setup","restartCount":2,"ready":false,"state":{"terminated":{"exitCode":0}}},
                    %s],
                  "containerStatuses":[{"name":"app","restartCount":1,"ready":true,"state":{"running":{}}}]}}
                """.formatted(conditions.contains("Initialized") ? "Running" : "Pending", conditions, initStatus));
    }

    @Test
    void aStartedReadySidecarCountsAsAReadyContainer() {
        ObjectNode p = pod("{\"name\":\"proxy\",\"restartCount\":3,\"ready\":true,\"started\":true,"
                + "\"state\":{\"running\":{}}}", "[{\"type\":\"Initialized\",\"status\":\"True\"},"
                + "{\"type\":\"Ready\",\"status\":\"True\"}]");
        assertThat(PodColumns.ready(p)).isEqualTo("2/2");
        assertThat(PodColumns.status(p)).isEqualTo("Running");
        // The finished init container's 2 retries are no longer counted: the sidecar's 3 and the app's 1 are.
        assertThat(PodColumns.restarts(p, Instant.parse("2026-01-01T00:00:00Z"))).isEqualTo("4");
    }

    @Test
    void aGatedPodShowsSchedulingGated() {
        ObjectNode p = io.kaji.apiserver.serialization.Json.parseTrusted("""
                {"spec":{"schedulingGates":[{"name":"g"}],"containers":[{"name":"app"}]},
                 "status":{"phase":"Pending","conditions":[{"type":"PodScheduled","status":"False",
                  "reason":"SchedulingGated"}]}}""");
        assertThat(PodColumns.status(p)).isEqualTo("SchedulingGated");
    }

    @Test
    void aSidecarThatHasNotStartedKeepsThePodInitializing() {
        ObjectNode p = pod("{\"name\":\"proxy\",\"restartCount\":0,\"ready\":false,\"started\":false,"
                + "\"state\":{\"running\":{}}}", "[{\"type\":\"Initialized\",\"status\":\"False\"}]");
        assertThat(PodColumns.ready(p)).isEqualTo("1/2");
        assertThat(PodColumns.status(p)).isEqualTo("Init:1/2");
    }
}
