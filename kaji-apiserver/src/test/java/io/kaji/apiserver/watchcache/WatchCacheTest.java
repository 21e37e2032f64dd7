package io.kaji.apiserver.watchcache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kaji.apiserver.registry.BuiltinResources;
import io.kaji.apiserver.registry.ResourceDefinition;
import io.kaji.apiserver.registry.ResourceRegistry;
import io.kaji.apiserver.serialization.Json;
import io.kaji.apiserver.serialization.StoredObjects;
import io.kaji.store.WriteResult;
import io.kaji.store.sqlite.SqliteStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.node.ObjectNode;

/** The watch cache over a real SQLite store: writes announced by the server are cached from their served JSON. */
class WatchCacheTest {

    private static final ResourceRegistry REGISTRY = BuiltinResources.registry(null);
    private static final ResourceDefinition PODS = REGISTRY.find("", "v1", "pods").orElseThrow();

    @TempDir
    Path dir;
    private SqliteStore store;
    private ScheduledExecutorService timer;
    private WatchCache cache;

    @BeforeEach
    void start() {
        store = SqliteStore.open(dir.resolve("db"));
        timer = Executors.newSingleThreadScheduledExecutor();
        cache = new WatchCache(store, REGISTRY, timer, 100, Duration.ofSeconds(10));
        cache.start();
    }

    @AfterEach
    void stop() {
        cache.close();
        timer.shutdownNow();
        store.close();
    }

    private static ObjectNode pod(String name, String image) {
        return Json.parseTrusted("{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"" + name
                + "\",\"namespace\":\"ns\",\"labels\":{\"app\":\"web\"}},\"spec\":{\"containers\":[{\"name\":\"c\","
                + "\"image\":\"" + image + "\"}]}}");
    }

    private long write(String key, byte[] value) {
        WriteResult r = store.create(key, value);
        assertThat(r).isInstanceOf(WriteResult.Written.class);
        return ((WriteResult.Written) r).kv().modRevision();
    }

    @Test
    void anAnnouncedCreateIsCachedFromItsServedJsonAndParsedOnlyWhenAsked() {
        ObjectNode pod = pod("web-1", "busybox");
        String key = PODS.key("ns", "web-1");
        StoredObjects.Encoded encoded = StoredObjects.encodeWithRevisionSlot(pod);
        WatchCache.Expected expected = cache.expect(PODS, key, encoded, pod);
        long rev = write(key, encoded.stored());
        expected.written(rev);
        cache.awaitRevision(rev, Duration.ofSeconds(5));

        CachedObject cached = cache.cache(PODS).get(key);
        assertThat(cached.revision()).isEqualTo(rev);
        assertThat(cached.hasTree()).isFalse();
        assertThat(cached.json()).isEqualTo(encoded.served(rev));
        assertThat(cached.labels()).isEqualTo(Map.of("app", "web"));
        assertThat(cached.namespace()).isEqualTo("ns");
        assertThat(cached.object()).isEqualTo(Json.parseTrusted(encoded.served(rev)));
        assertThat(cached.object().at("/metadata/resourceVersion").asString()).isEqualTo(Long.toString(rev));
        assertThat(cached.hasTree()).isTrue();
        assertThat(cache.announcements()).isZero();
    }

    @Test
    void aWriteOfOtherBytesThanAnnouncedIsParsedFromTheStore() {
        String key = PODS.key("ns", "web-2");
        ObjectNode announced = pod("web-2", "busybox");
        WatchCache.Expected expected = cache.expect(PODS, key, StoredObjects.encodeWithRevisionSlot(announced),
                announced);
        // Another writer got there first with a different object under the same key.
        long rev = write(key, StoredObjects.encode(pod("web-2", "nginx")));
        expected.written(rev);
        cache.awaitRevision(rev, Duration.ofSeconds(5));

        CachedObject cached = cache.cache(PODS).get(key);
        assertThat(cached.hasTree()).isTrue();
        assertThat(cached.object().at("/spec/containers/0/image").asString()).isEqualTo("nginx");
        assertThat(new String(cached.json(), StandardCharsets.UTF_8)).contains("\"image\":\"nginx\"");
        assertThat(cache.announcements()).as("nothing is left behind").isZero();
    }

    @Test
    void anAbandonedAnnouncementIsDropped() {
        ObjectNode pod = pod("web-3", "busybox");
        WatchCache.Expected expected = cache.expect(PODS, PODS.key("ns", "web-3"),
                StoredObjects.encodeWithRevisionSlot(pod), pod);
        assertThat(cache.announcements()).isEqualTo(1);
        expected.abandon();
        assertThat(cache.announcements()).isZero();
    }

    @Test
    void computedResourcesHaveNoCacheOfTheObjectsTheyAreComputedFrom() {
        ResourceDefinition podMetrics = REGISTRY.find("metrics.k8s.io", "v1beta1", "pods").orElseThrow();
        assertThat(podMetrics.keyPrefix()).isEqualTo(PODS.keyPrefix());
        assertThat(WatchCache.cacheable(podMetrics)).isFalse();
        assertThat(WatchCache.cacheable(PODS)).isTrue();
        assertThatThrownBy(() -> cache.cache(podMetrics)).isInstanceOf(IllegalArgumentException.class);
    }
}
