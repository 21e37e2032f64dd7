package io.kaji.apiserver.handler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kaji.apiserver.serialization.Json;
import io.kaji.apiserver.server.TestServer;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** Lists (selectors, pagination, Table) and watches (history, initial events, bookmarks, timeouts) end to end. */
class ListWatchTest {

    @TempDir
    static Path dir;
    static TestServer server;

    static final String PODS = "/api/v1/namespaces/default/pods";

    @BeforeAll
    static void start() {
        server = TestServer.start(dir, io.kaji.apiserver.server.ApiServerConfig.defaults(dir).withPort(0)
                .withBookmarkInterval(Duration.ofMillis(300)));
        server.post("/api/v1/namespaces", "{\"metadata\":{\"name\":\"lw\"}}");
        for (int i = 0; i < 5; i++) {
            String phase = i % 2 == 0 ? "Running" : "Pending";
            server.post("/api/v1/namespaces/lw/pods", ("{\"metadata\":{\"name\":\"p%d\",\"labels\":{\"app\":\"a%d\","
                    + "\"tier\":\"%s\"}},\"spec\":{\"nodeName\":\"n%d\",\"containers\":[{\"name\":\"c\",\"image\":\"x\"}]}}")
                    .formatted(i, i % 2, i < 3 ? "fe" : "be", i % 2));
            server.patch("/api/v1/namespaces/lw/pods/p" + i + "/status", "application/merge-patch+json",
                    "{\"status\":{\"phase\":\"" + phase + "\"}}");
        }
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static JsonNode json(HttpResponse<String> r) {
        return Json.MAPPER.readTree(r.body());
    }

    static List<String> names(JsonNode list) {
        return list.get("items").valueStream().map(n -> n.at("/metadata/name").asString()).toList();
    }

    @Test
    void labelAndFieldSelectors() {
        String base = "/api/v1/namespaces/lw/pods";
        assertThat(names(json(server.get(base + "?labelSelector=app%3Da0")))).containsExactly("p0", "p2", "p4");
        assertThat(names(json(server.get(base + "?labelSelector=app!%3Da0,tier")))).containsExactly("p1", "p3");
        assertThat(names(json(server.get(base + "?labelSelector=tier%20in%20(be),app%20notin%20(a1)"))))
                .containsExactly("p4");
        assertThat(names(json(server.get(base + "?labelSelector=!tier")))).isEmpty();
        assertThat(names(json(server.get(base + "?fieldSelector=status.phase%3DRunning,spec.nodeName%3Dn0"))))
                .containsExactly("p0", "p2", "p4");
        assertThat(names(json(server.get(base + "?fieldSelector=metadata.name!%3Dp0,status.phase!%3DRunning"))))
                .containsExactly("p1", "p3");
        HttpResponse<String> bad = server.get(base + "?fieldSelector=spec.bogus%3D1");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(json(bad).get("message").asString()).isEqualTo("field label not supported: spec.bogus");
    }

    @Test
    void allNamespacesAndListResourceVersion() {
        JsonNode all = json(server.get("/api/v1/pods"));
        assertThat(names(all)).contains("p0", "p4");
        assertThat(Long.parseLong(all.at("/metadata/resourceVersion").asString()))
                .isGreaterThanOrEqualTo(server.store().currentRevision() - 100);
    }

    @Test
    void limitAndContinuePageThroughEverythingOnce() {
        JsonNode first = json(server.get("/api/v1/namespaces/lw/pods?limit=2"));
        assertThat(names(first)).containsExactly("p0", "p1");
        String token = first.at("/metadata/continue").asString();
        JsonNode second = json(server.get("/api/v1/namespaces/lw/pods?limit=2&continue=" + token));
        assertThat(names(second)).containsExactly("p2", "p3");
        // A write between pages: the continued list still shows the first list's snapshot.
        server.post("/api/v1/namespaces/lw/configmaps", "{\"metadata\":{\"name\":\"between\"}}");
        JsonNode third = json(server.get("/api/v1/namespaces/lw/pods?limit=2&continue="
                + second.at("/metadata/continue").asString()));
        assertThat(names(third)).containsExactly("p4");
        assertThat(third.at("/metadata/continue").isMissingNode()).isTrue();
    }

    @Test
    void tablesCarryColumnsAndPartialObjectMetadata() {
        JsonNode t = json(server.send(server.request("/api/v1/namespaces/lw/pods?limit=500").header("Accept",
                "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,"
                        + "application/json").build()));
        assertThat(t.get("kind").asString()).isEqualTo("Table");
        assertThat(t.get("columnDefinitions").valueStream().map(c -> c.get("name").asString()).toList())
                .containsExactly("Name", "Ready", "Status", "Restarts", "Age", "IP", "Node", "Nominated Node",
                        "Readiness Gates");
        JsonNode row = t.at("/rows/0");
        assertThat(row.at("/cells/0").asString()).isEqualTo("p0");
        assertThat(row.at("/cells/1").asString()).isEqualTo("0/1");
        assertThat(row.at("/cells/2").asString()).isEqualTo("Running");
        assertThat(row.at("/cells/6").asString()).isEqualTo("n0");
        assertThat(row.at("/object/kind").asString()).isEqualTo("PartialObjectMetadata");
        assertThat(row.at("/object/metadata/namespace").asString()).isEqualTo("lw");
    }

    /** Reads watch lines on a background thread until the stream ends. */
    static List<JsonNode> watch(String pathAndQuery) throws Exception {
        return watch(server.request(pathAndQuery));
    }

    /** The events of a watch as they arrive, read on a thread of their own. */
    static List<JsonNode> watch(java.net.http.HttpRequest.Builder request) throws Exception {
        HttpResponse<InputStream> r = server.client().send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.statusCode()).isEqualTo(200);
        List<JsonNode> events = new CopyOnWriteArrayList<>();
        Thread.ofVirtual().start(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    events.add(Json.MAPPER.readTree(line));
                }
            } catch (Exception e) {
                // the stream was cut; the test asserts on what arrived
            }
        });
        return events;
    }

    @Test
    void watchFromZeroStartsWithAddedThenFollowsChangesWithSelectorTransitions() throws Exception {
        server.post("/api/v1/namespaces", "{\"metadata\":{\"name\":\"w1\"}}");
        server.post("/api/v1/namespaces/w1/configmaps", "{\"metadata\":{\"name\":\"old\",\"labels\":{\"k\":\"v\"}}}");
        List<JsonNode> events = watch("/api/v1/namespaces/w1/configmaps?watch=true&labelSelector=k%3Dv"
                + "&timeoutSeconds=20");
        await().atMost(Duration.ofSeconds(10)).until(() -> events.size() >= 1);
        assertThat(events.get(0).get("type").asString()).isEqualTo("ADDED");
        server.post("/api/v1/namespaces/w1/configmaps", "{\"metadata\":{\"name\":\"new\",\"labels\":{\"k\":\"v\"}}}");
        server.patch("/api/v1/namespaces/w1/configmaps/new", "application/merge-patch+json",
                "{\"data\":{\"a\":\"1\"}}");
        server.patch("/api/v1/namespaces/w1/configmaps/new", "application/merge-patch+json",
                "{\"metadata\":{\"labels\":{\"k\":\"other\"}}}");
        server.delete("/api/v1/namespaces/w1/configmaps/old");
        await().atMost(Duration.ofSeconds(10)).until(() -> events.size() >= 5);
        assertThat(events.stream().map(e -> e.get("type").asString() + " " + e.at("/object/metadata/name").asString())
                .toList()).containsExactly("ADDED old", "ADDED new", "MODIFIED new", "DELETED new", "DELETED old");
    }

    @Test
    void watchFromAResourceVersionReplaysHistoryAndBookmarks() throws Exception {
        server.post("/api/v1/namespaces", "{\"metadata\":{\"name\":\"w2\"}}");
        JsonNode list = json(server.get("/api/v1/namespaces/w2/configmaps"));
        String rv = list.at("/metadata/resourceVersion").asString();
        server.post("/api/v1/namespaces/w2/configmaps", "{\"metadata\":{\"name\":\"h1\"}}");
        List<JsonNode> events = watch("/api/v1/namespaces/w2/configmaps?watch=true&resourceVersion=" + rv
                + "&allowWatchBookmarks=true&timeoutSeconds=20");
        await().atMost(Duration.ofSeconds(10)).until(() -> events.stream()
                .anyMatch(e -> e.get("type").asString().equals("BOOKMARK")));
        assertThat(events.get(0).get("type").asString()).isEqualTo("ADDED");
        assertThat(events.get(0).at("/object/metadata/name").asString()).isEqualTo("h1");
        JsonNode bookmark = events.stream().filter(e -> e.get("type").asString().equals("BOOKMARK")).findFirst()
                .orElseThrow();
        assertThat(bookmark.at("/object/kind").asString()).isEqualTo("ConfigMap");
        assertThat(Long.parseLong(bookmark.at("/object/metadata/resourceVersion").asString()))
                .isGreaterThan(Long.parseLong(rv));
    }

    @Test
    void resourceVersionMatchExactListsTheObjectsAsTheyWereAndNotOlderThanAsTheyAre() {
        server.post("/api/v1/namespaces", "{\"metadata\":{\"name\":\"w4\"}}");
        String base = "/api/v1/namespaces/w4/configmaps";
        String mine = "&labelSelector=t%3D1"; // not the namespace's kube-root-ca.crt
        server.post(base, "{\"metadata\":{\"name\":\"a\",\"labels\":{\"t\":\"1\"}},\"data\":{\"v\":\"1\"}}");
        String then = json(server.get(base)).at("/metadata/resourceVersion").asString();
        server.patch(base + "/a", "application/merge-patch+json", "{\"data\":{\"v\":\"2\"}}");
        server.post(base, "{\"metadata\":{\"name\":\"b\",\"labels\":{\"t\":\"1\"}}}");

        JsonNode exact = json(server.get(base + "?resourceVersion=" + then + "&resourceVersionMatch=Exact" + mine));
        assertThat(names(exact)).containsExactly("a");
        assertThat(exact.at("/items/0/data/v").asString()).isEqualTo("1");
        assertThat(exact.at("/metadata/resourceVersion").asString()).isEqualTo(then);
        JsonNode paged = json(server.get(base + "?resourceVersion=" + then + "&resourceVersionMatch=Exact&limit=1"
                + mine));
        assertThat(names(paged)).containsExactly("a");

        JsonNode notOlder = json(server.get(base + "?resourceVersion=" + then + "&resourceVersionMatch=NotOlderThan"
                + mine));
        assertThat(names(notOlder)).containsExactly("a", "b");
        assertThat(notOlder.at("/items/0/data/v").asString()).isEqualTo("2");

        long future = server.store().currentRevision() + 1000;
        HttpResponse<String> tooLarge = server.get(base + "?resourceVersion=" + future + "&resourceVersionMatch=Exact");
        assertThat(tooLarge.statusCode()).isEqualTo(504);
        assertThat(json(tooLarge).get("message").asString()).startsWith("Too large resource version: " + future);
    }

    @Test
    void listOptionsKubernetesRejectsAre422OnListOptions() {
        String base = "/api/v1/namespaces/lw/pods";
        String[][] cases = {
            {"?resourceVersionMatch=Exact", "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden "
                    + "unless resourceVersion is provided"},
            {"?resourceVersion=0&resourceVersionMatch=Exact", "resourceVersionMatch: Forbidden: "
                    + "resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\""},
            {"?resourceVersion=1&resourceVersionMatch=Newest", "resourceVersionMatch: Unsupported value: \"Newest\": "
                    + "supported values: \"Exact\", \"NotOlderThan\", \"\""},
            {"?sendInitialEvents=true", "sendInitialEvents: Forbidden: sendInitialEvents is forbidden for list"},
            {"?watch=true&sendInitialEvents=true", "resourceVersionMatch: Forbidden: sendInitialEvents requires "
                    + "setting resourceVersionMatch to NotOlderThan"},
            {"?watch=true&resourceVersionMatch=NotOlderThan", "resourceVersionMatch: Forbidden: "
                    + "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided"},
        };
        for (String[] c : cases) {
            HttpResponse<String> r = server.get(base + c[0]);
            assertThat(r.statusCode()).as(c[0]).isEqualTo(422);
            assertThat(json(r).get("reason").asString()).isEqualTo("Invalid");
            assertThat(json(r).get("message").asString()).as(c[0])
                    .isEqualTo("ListOptions.meta.k8s.io \"\" is invalid: " + c[1]);
        }
    }

    @Test
    void watchListSendsTheObjectsThenTheInitialEventsEndBookmarkThenChanges() throws Exception {
        server.post("/api/v1/namespaces", "{\"metadata\":{\"name\":\"w5\"}}");
        String base = "/api/v1/namespaces/w5/configmaps";
        server.post(base, "{\"metadata\":{\"name\":\"x\",\"labels\":{\"t\":\"1\"}}}");
        server.post(base, "{\"metadata\":{\"name\":\"y\",\"labels\":{\"t\":\"1\"}}}");
        long written = server.store().currentRevision();
        List<JsonNode> events = watch(base + "?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan"
                + "&allowWatchBookmarks=true&timeoutSeconds=20&labelSelector=t%3D1");
        List<JsonNode> changesOnly = watch(base + "?watch=true&sendInitialEvents=false"
                + "&resourceVersionMatch=NotOlderThan&timeoutSeconds=20&labelSelector=t%3D1");
        await().atMost(Duration.ofSeconds(10)).until(() -> events.size() >= 3);
        assertThat(events.subList(0, 2)).extracting(e -> e.get("type").asString() + " "
                + e.at("/object/metadata/name").asString()).containsExactlyInAnyOrder("ADDED x", "ADDED y");
        JsonNode end = events.get(2);
        assertThat(end.get("type").asString()).isEqualTo("BOOKMARK");
        assertThat(end.at("/object/kind").asString()).isEqualTo("ConfigMap");
        assertThat(end.at("/object/metadata/annotations/k8s.io~1initial-events-end").asString()).isEqualTo("true");
        assertThat(Long.parseLong(end.at("/object/metadata/resourceVersion").asString()))
                .isGreaterThanOrEqualTo(written);

        server.post(base, "{\"metadata\":{\"name\":\"z\",\"labels\":{\"t\":\"1\"}}}");
        await().atMost(Duration.ofSeconds(10)).until(() -> events.stream().anyMatch(
                e -> e.at("/object/metadata/name").asString("").equals("z")));
        await().atMost(Duration.ofSeconds(10)).until(() -> !changesOnly.isEmpty());
        assertThat(changesOnly).extracting(e -> e.get("type").asString() + " "
                + e.at("/object/metadata/name").asString()).containsExactly("ADDED z");
    }

    @Test
    void metadataOnlyClientsGetPartialObjectMetadataFromGetListAndWatch() throws Exception {
        String meta = "application/vnd.kubernetes.protobuf;as=PartialObjectMetadata%s;g=meta.k8s.io;v=v1,"
                + "application/json;as=PartialObjectMetadata%s;g=meta.k8s.io;v=v1,application/json";
        String base = "/api/v1/namespaces/lw/pods";
        JsonNode list = json(server.send(server.request(base + "?labelSelector=app%3Da1")
                .header("Accept", meta.formatted("List", "List")).GET().build()));
        assertThat(list.get("kind").asString()).isEqualTo("PartialObjectMetadataList");
        assertThat(list.get("apiVersion").asString()).isEqualTo("meta.k8s.io/v1");
        assertThat(list.at("/metadata/resourceVersion").asString()).isNotEmpty();
        assertThat(list.get("items").valueStream().map(i -> i.get("kind").asString() + " "
                + i.at("/metadata/name").asString() + " " + i.at("/metadata/labels/app").asString() + " "
                + i.has("spec")))
                .containsExactly("PartialObjectMetadata p1 a1 false", "PartialObjectMetadata p3 a1 false");
        assertThat(list.at("/items/0/metadata/resourceVersion").asString()).isNotEmpty();

        JsonNode one = json(server.send(server.request(base + "/p0").header("Accept", meta.formatted("", ""))
                .GET().build()));
        assertThat(one.get("kind").asString()).isEqualTo("PartialObjectMetadata");
        assertThat(one.at("/metadata/uid").asString()).hasSize(36);
        assertThat(one.has("spec")).isFalse();

        List<JsonNode> events = watch(server.request(base + "?watch=true&labelSelector=app%3Da0"
                + "&allowWatchBookmarks=true&timeoutSeconds=20").header("Accept", meta.formatted("", "")));
        await().atMost(Duration.ofSeconds(10)).until(() -> events.stream()
                .anyMatch(e -> e.get("type").asString().equals("BOOKMARK")));
        assertThat(events).allSatisfy(e -> {
            assertThat(e.at("/object/kind").asString()).isEqualTo("PartialObjectMetadata");
            assertThat(e.at("/object/apiVersion").asString()).isEqualTo("meta.k8s.io/v1");
            assertThat(e.at("/object").has("spec")).isFalse();
        });
        assertThat(events).filteredOn(e -> e.get("type").asString().equals("ADDED"))
                .extracting(e -> e.at("/object/metadata/name").asString()).containsExactlyInAnyOrder("p0", "p2", "p4");
    }

    @Test
    void watchTimeoutEndsTheStream() throws Exception {
        long t0 = System.nanoTime();
        HttpResponse<String> r = server.get("/api/v1/namespaces/lw/pods?watch=true&resourceVersion="
                + server.store().currentRevision() + "&timeoutSeconds=1");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isBetween(Duration.ofMillis(900), Duration.ofSeconds(10));
    }

    @Test
    void tooOldResourceVersionIsExpired() {
        // The test server keeps 1000 events per resource; write more than that to one resource.
        server.post("/api/v1/namespaces", "{\"metadata\":{\"name\":\"w3\"}}");
        long start = server.store().currentRevision();
        server.post("/api/v1/namespaces/w3/configmaps", "{\"metadata\":{\"name\":\"churn\"}}");
        for (int i = 0; i < 1001; i++) {
            server.patch("/api/v1/namespaces/w3/configmaps/churn", "application/merge-patch+json",
                    "{\"data\":{\"i\":\"" + i + "\"}}");
        }
        HttpResponse<String> r = server.get("/api/v1/namespaces/w3/configmaps?watch=true&resourceVersion=" + start);
        JsonNode error = Json.MAPPER.readTree(r.body().lines().findFirst().orElseThrow());
        assertThat(error.get("type").asString()).isEqualTo("ERROR");
        assertThat(error.at("/object/code").asInt()).isEqualTo(410);
        assertThat(error.at("/object/reason").asString()).isEqualTo("Expired");
        assertThat(error.at("/object/message").asString()).startsWith("too old resource version: " + start);
    }
}
