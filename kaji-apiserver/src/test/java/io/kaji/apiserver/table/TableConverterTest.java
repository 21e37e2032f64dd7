package io.kaji.apiserver.table;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaji.apiserver.serialization.Json;
import io.kaji.apiserver.serialization.StoredObjects;
import io.kaji.apiserver.watchcache.CachedObject;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import tools.jackson.databind.node.ObjectNode;

class TableConverterTest {

    private final TableConverter tables =
            new TableConverter(Clock.fixed(Instant.parse("2026-11-26T11:00:00Z"), ZoneOffset.UTC));

    private static ObjectNode pod(String name, String phase) {
        return Json.parseTrusted("{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"" + name
                + "\",\"namespace\":\"ns\",\"uid\":\"u-" + name + "\",\"creationTimestamp\":\"2026-11-26T10:00:00Z\","
                + "\"labels\":{\"app\":\"we\\\"b}\"},\"managedFields\":[{\"manager\":\"kubectl\",\"fieldsV1\":"
                + "{\"f:metadata\":{\"f:labels\":{}}}}],\"resourceVersion\":\"7\"},\"spec\":{\"nodeName\":\"n1\","
                + "\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]},\"status\":{\"phase\":\"" + phase
                + "\",\"podIP\":\"100.64.0.5\",\"containerStatuses\":[{\"name\":\"c\",\"ready\":true,"
                + "\"restartCount\":2}]}}");
    }

    @ParameterizedTest
    @EnumSource(TableConverter.IncludeObject.class)
    void tableBytesAreTheTablesJsonWithObjectsCopiedFromTheCache(TableConverter.IncludeObject include) {
        ObjectNode a = pod("a", "Running");
        ObjectNode b = pod("b", "Pending");
        // one cached as a tree, one from its served JSON (as a create announces it)
        byte[] bJson = StoredObjects.encodeWithRevisionSlot(b).served(7);
        List<CachedObject> cached = List.of(new CachedObject("/registry/pods/ns/a", a, 7),
                CachedObject.served("/registry/pods/ns/b", 7, bJson, Map.of("app", "we\"b}"), "ns"));

        byte[] fast = tables.tableBytes(PodColumns.columns(), cached, "9", "token", include, "v1");
        byte[] slow = Json.bytes(tables.table(PodColumns.columns(), List.of(a, Json.parseTrusted(bJson)), "9",
                "token", include, "v1", true));

        assertThat(new String(fast, StandardCharsets.UTF_8)).isEqualTo(new String(slow, StandardCharsets.UTF_8));
        assertThat(Json.parseTrusted(fast).path("rows")).hasSize(2);
    }

    @ParameterizedTest
    @EnumSource(TableConverter.IncludeObject.class)
    void anEmptyTableHasItsColumns(TableConverter.IncludeObject include) {
        byte[] fast = tables.tableBytes(PodColumns.columns(), List.of(), "9", null, include, "v1beta1");
        assertThat(fast).isEqualTo(Json.bytes(tables.table(PodColumns.columns(), List.of(), "9", null, include,
                "v1beta1", true)));
    }
}
