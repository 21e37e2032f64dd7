package io.kaji.store;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link RevisionedStore} must show: etcd v3's semantics as the API server relies on them.
 * Each implementation runs this suite through a subclass.
 *
 * <p>Revisions are compared relative to the store's revision at the start of a test, because an etcd shared by
 * several tests has a revision of its own.
 */
public abstract class RevisionedStoreConformanceTest {

    protected RevisionedStore store;

    /** A fresh, empty store (empty under the keys the tests use). */
    protected abstract RevisionedStore open() throws Exception;

    /** Closes {@code old} and opens the same data again, as after a process restart. */
    protected abstract RevisionedStore reopen(RevisionedStore old) throws Exception;

    @BeforeEach
    void openStore() throws Exception {
        store = open();
    }

    @AfterEach
    void closeStore() {
        if (store != null) {
            store.close();
        }
    }

    private static byte[] b(String s) {
        return s.getBytes(UTF_8);
    }

    private KeyValue written(WriteResult r) {
        assertThat(r).isInstanceOf(WriteResult.Written.class);
        return ((WriteResult.Written) r).kv();
    }

    private KeyValue conflictCurrent(WriteResult r) {
        assertThat(r).isInstanceOf(WriteResult.Conflict.class);
        return ((WriteResult.Conflict) r).current();
    }

    @Test
    void createThenGetReportsRevisionsAndVersion() {
        long before = store.currentRevision();
        KeyValue kv = written(store.create("/registry/pods/default/web", b("v1")));

        assertThat(kv.modRevision()).isEqualTo(before + 1);
        assertThat(kv.createRevision()).isEqualTo(kv.modRevision());
        assertThat(kv.version()).isEqualTo(1);
        assertThat(store.currentRevision()).isEqualTo(before + 1);
        assertThat(store.get("/registry/pods/default/web")).contains(kv);
        assertThat(store.get("/registry/pods/default/missing")).isEmpty();
    }

    @Test
    void createOfExistingKeyConflictsWithCurrentValue() {
        KeyValue first = written(store.create("/registry/a/x", b("one")));
        long rev = store.currentRevision();

        KeyValue current = conflictCurrent(store.create("/registry/a/x", b("two")));

        assertThat(current).isEqualTo(first);
        assertThat(store.currentRevision()).isEqualTo(rev);
        assertThat(store.get("/registry/a/x").orElseThrow().valueAsString()).isEqualTo("one");
    }

    @Test
    void everyWriteIncrementsTheRevisionByOne() {
        long rev = store.currentRevision();
        for (int i = 0; i < 20; i++) {
            KeyValue kv = written(store.create("/registry/seq/k" + i, b("v")));
            assertThat(kv.modRevision()).isEqualTo(++rev);
        }
        KeyValue k0 = store.get("/registry/seq/k0").orElseThrow();
        assertThat(written(store.update("/registry/seq/k0", b("w"), k0.modRevision())).modRevision()).isEqualTo(++rev);
        KeyValue k1 = store.get("/registry/seq/k1").orElseThrow();
        assertThat(((WriteResult.Written) store.delete("/registry/seq/k1", k1.modRevision())).revision()).isEqualTo(++rev);
    }

    @Test
    void updateIsGuardedByModRevision() {
        KeyValue v1 = written(store.create("/registry/cm/a", b("1")));
        KeyValue v2 = written(store.update("/registry/cm/a", b("2"), v1.modRevision()));

        assertThat(v2.version()).isEqualTo(2);
        assertThat(v2.createRevision()).isEqualTo(v1.createRevision());
        assertThat(v2.modRevision()).isGreaterThan(v1.modRevision());

        long rev = store.currentRevision();
        KeyValue current = conflictCurrent(store.update("/registry/cm/a", b("stale"), v1.modRevision()));
        assertThat(current).isEqualTo(v2);
        assertThat(store.currentRevision()).isEqualTo(rev);

        assertThat(conflictCurrent(store.update("/registry/cm/absent", b("x"), v1.modRevision()))).isNull();
        assertThat(conflictCurrent(store.update("/registry/cm/absent", b("x"), 0))).isNull();
        assertThat(store.get("/registry/cm/absent")).isEmpty();
    }

    @Test
    void deleteIsGuardedAndRecreateStartsANewIncarnation() {
        KeyValue v1 = written(store.create("/registry/s/a", b("1")));
        KeyValue v2 = written(store.update("/registry/s/a", b("2"), v1.modRevision()));

        assertThat(conflictCurrent(store.delete("/registry/s/a", v1.modRevision()))).isEqualTo(v2);
        WriteResult deleted = store.delete("/registry/s/a", v2.modRevision());
        assertThat(written(deleted)).isEqualTo(v2);
        assertThat(store.get("/registry/s/a")).isEmpty();
        assertThat(conflictCurrent(store.delete("/registry/s/a", v2.modRevision()))).isNull();

        KeyValue again = written(store.create("/registry/s/a", b("3")));
        assertThat(again.version()).isEqualTo(1);
        assertThat(again.createRevision()).isEqualTo(again.modRevision()).isGreaterThan(deleted.revision());
    }

    @Test
    void getAtARevisionSeesThePast() {
        long start = store.currentRevision();
        KeyValue v1 = written(store.create("/registry/h/a", b("1")));
        KeyValue v2 = written(store.update("/registry/h/a", b("2"), v1.modRevision()));
        long deletedAt = store.delete("/registry/h/a", v2.modRevision()).revision();

        if (start > 0) {
            assertThat(store.get("/registry/h/a", start)).isEmpty();
        }
        assertThat(store.get("/registry/h/a", v1.modRevision())).contains(v1);
        assertThat(store.get("/registry/h/a", v2.modRevision())).contains(v2);
        assertThat(store.get("/registry/h/a", deletedAt)).isEmpty();
    }

    @Test
    void readsOfFutureRevisionsFail() {
        written(store.create("/registry/f/a", b("1")));
        long future = store.currentRevision() + 1000;
        assertThatThrownBy(() -> store.get("/registry/f/a", future)).isInstanceOf(FutureRevisionException.class);
        assertThatThrownBy(() -> store.range(RangeRequest.prefix("/registry/f/").atRevision(future)))
                .isInstanceOf(FutureRevisionException.class);
    }

    @Test
    void rangePrefixesAreIsolated() {
        store.create("/registry/pods/a/x", b("1"));
        store.create("/registry/pods/ab/y", b("2"));
        store.create("/registry/pods/a", b("exact"));
        store.create("/registry/podsx/a/z", b("3"));

        RangeResult r = store.range(RangeRequest.prefix("/registry/pods/a/"));

        assertThat(r.kvs()).extracting(KeyValue::key).containsExactly("/registry/pods/a/x");
        assertThat(store.range(RangeRequest.prefix("/registry/pods/")).kvs()).extracting(KeyValue::key)
                .containsExactly("/registry/pods/a", "/registry/pods/a/x", "/registry/pods/ab/y");
    }

    @Test
    void rangeReturnsKeyOrderWithLimitContinuationAndCount() {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            order.add(i);
        }
        Collections.shuffle(order, new Random(7));
        for (int i : order) {
            store.create("/registry/r/k%02d".formatted(i), b("v" + i));
        }
        store.create("/registry/r2/other", b("x"));

        List<String> seen = new ArrayList<>();
        RangeRequest req = RangeRequest.prefix("/registry/r/").withLimit(10).withCount();
        RangeResult page = store.range(req);
        long pinned = page.revision();
        assertThat(page.count()).isEqualTo(25);
        int pages = 0;
        while (true) {
            pages++;
            page.kvs().forEach(kv -> seen.add(kv.key()));
            if (!page.more()) {
                break;
            }
            store.create("/registry/r/k99-added-meanwhile", b("late"));
            page = store.range(req.withStartAfter(page.kvs().get(page.kvs().size() - 1).key()).atRevision(pinned));
            assertThat(page.revision()).isEqualTo(pinned);
        }
        assertThat(pages).isEqualTo(3);
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            expected.add("/registry/r/k%02d".formatted(i));
        }
        assertThat(seen).containsExactlyElementsOf(expected);
        assertThat(store.range(RangeRequest.prefix("/registry/r/")).kvs()).hasSize(26);
    }

    @Test
    void rangeAtARevisionSeesThePastState() {
        KeyValue a = written(store.create("/registry/p/a", b("a1")));
        KeyValue bb = written(store.create("/registry/p/b", b("b1")));
        long then = store.currentRevision();
        store.update("/registry/p/a", b("a2"), a.modRevision());
        store.delete("/registry/p/b", bb.modRevision());
        store.create("/registry/p/c", b("c1"));

        RangeResult past = store.range(RangeRequest.prefix("/registry/p/").atRevision(then));
        assertThat(past.kvs()).extracting(KeyValue::key, KeyValue::valueAsString)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("/registry/p/a", "a1"),
                        org.assertj.core.groups.Tuple.tuple("/registry/p/b", "b1"));
        RangeResult now = store.range(RangeRequest.prefix("/registry/p/"));
        assertThat(now.kvs()).extracting(KeyValue::key, KeyValue::valueAsString)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("/registry/p/a", "a2"),
                        org.assertj.core.groups.Tuple.tuple("/registry/p/c", "c1"));
        assertThat(now.revision()).isEqualTo(store.currentRevision());
    }

    @Test
    void watchFromAnOldRevisionReplaysHistoryThenFollowsLiveChangesInOrder() {
        long start = store.currentRevision();
        KeyValue a1 = written(store.create("/registry/w/a", b("a1")));
        KeyValue a2 = written(store.update("/registry/w/a", b("a2"), a1.modRevision()));
        store.create("/registry/other/z", b("z"));
        store.delete("/registry/w/a", a2.modRevision());

        EventCollector c = new EventCollector();
        try (Watch w = store.watch("/registry/w/", start, c)) {
            assertThat(w.prefix()).isEqualTo("/registry/w/");
            c.awaitEvents(3);
            store.create("/registry/w/b", b("b1"));
            List<Event> events = c.awaitEvents(4);

            assertThat(events).extracting(Event::type).containsExactly(
                    Event.Type.PUT, Event.Type.PUT, Event.Type.DELETE, Event.Type.PUT);
            assertThat(events.get(0).isCreate()).isTrue();
            assertThat(events.get(0).prevKv()).isNull();
            assertThat(events.get(1).isCreate()).isFalse();
            assertThat(events.get(1).prevKv().valueAsString()).isEqualTo("a1");
            assertThat(events.get(2).kv().key()).isEqualTo("/registry/w/a");
            assertThat(events.get(2).prevKv().valueAsString()).isEqualTo("a2");
            assertThat(events.get(3).kv().valueAsString()).isEqualTo("b1");
            assertThat(events).extracting(Event::revision).isSorted().doesNotHaveDuplicates();
        }
    }

    @Test
    void watchFromTheCurrentRevisionSeesOnlyNewChanges() {
        store.create("/registry/n/old", b("1"));
        EventCollector c = new EventCollector();
        try (Watch ignored = store.watch("/registry/n/", store.currentRevision(), c)) {
            store.create("/registry/n/new", b("2"));
            assertThat(c.awaitEvents(1)).extracting(e -> e.kv().key()).containsExactly("/registry/n/new");
        }
    }

    @Test
    void manyWatchersEachSeeEveryEventInOrder() throws Exception {
        int watchers = 50;
        int writes = 200;
        long start = store.currentRevision();
        List<EventCollector> collectors = new ArrayList<>();
        List<Watch> watches = new ArrayList<>();
        for (int i = 0; i < watchers; i++) {
            EventCollector c = new EventCollector();
            collectors.add(c);
            watches.add(store.watch("/registry/fan/", start, c));
        }
        try {
            for (int i = 0; i < writes; i++) {
                store.create("/registry/fan/k" + i, b("v" + i));
            }
            for (EventCollector c : collectors) {
                List<Event> events = c.awaitEvents(writes);
                assertThat(events).hasSize(writes);
                assertThat(events).extracting(Event::revision).isSorted().doesNotHaveDuplicates();
                assertThat(events.get(0).kv().key()).isEqualTo("/registry/fan/k0");
                assertThat(c.sawOverlappingCalls()).isFalse();
            }
        } finally {
            watches.forEach(Watch::close);
        }
    }

    @Test
    void compactionRemovesHistoryButKeepsLatestValues() {
        KeyValue a1 = written(store.create("/registry/c/a", b("a1")));
        KeyValue a2 = written(store.update("/registry/c/a", b("a2"), a1.modRevision()));
        KeyValue gone = written(store.create("/registry/c/gone", b("g")));
        store.delete("/registry/c/gone", gone.modRevision());
        long point = store.currentRevision();
        store.create("/registry/c/after", b("x"));

        store.compact(point);

        assertThat(store.compactRevision()).isGreaterThanOrEqualTo(point);
        assertThatThrownBy(() -> store.get("/registry/c/a", a1.modRevision())).isInstanceOf(CompactedException.class);
        assertThatThrownBy(() -> store.range(RangeRequest.prefix("/registry/c/").atRevision(a1.modRevision())))
                .isInstanceOf(CompactedException.class);
        assertThat(store.get("/registry/c/a")).contains(a2);
        assertThat(store.get("/registry/c/gone")).isEmpty();
        assertThat(store.range(RangeRequest.prefix("/registry/c/").atRevision(point)).kvs())
                .extracting(KeyValue::key).containsExactly("/registry/c/a");

        EventCollector tooOld = new EventCollector();
        try (Watch ignored = store.watch("/registry/c/", a1.modRevision(), tooOld)) {
            assertThat(tooOld.awaitError()).isInstanceOf(CompactedException.class);
            assertThat(tooOld.events()).isEmpty();
        }
        EventCollector fromPoint = new EventCollector();
        try (Watch ignored = store.watch("/registry/c/", point, fromPoint)) {
            assertThat(fromPoint.awaitEvents(1)).extracting(e -> e.kv().key()).containsExactly("/registry/c/after");
        }
        // The revision keeps increasing after compaction.
        assertThat(written(store.create("/registry/c/next", b("n"))).modRevision()).isGreaterThan(point + 1);
        store.compact(point); // compacting again to the same point is a no-op
    }

    @Test
    void valuesUpToTheLimitRoundTripAndLargerOnesAreRefused() {
        byte[] max = new byte[Keys.MAX_VALUE_BYTES];
        new Random(1).nextBytes(max);
        KeyValue kv = written(store.create("/registry/big/max", max));
        assertThat(store.get("/registry/big/max").orElseThrow().value()).isEqualTo(max);

        long rev = store.currentRevision();
        byte[] tooBig = new byte[Keys.MAX_VALUE_BYTES + 1];
        assertThatThrownBy(() -> store.create("/registry/big/over", tooBig))
                .isInstanceOf(ValueTooLargeException.class)
                .hasMessageContaining("/registry/big/over")
                .hasMessageContaining(String.valueOf(Keys.MAX_VALUE_BYTES));
        assertThatThrownBy(() -> store.update("/registry/big/max", tooBig, kv.modRevision()))
                .isInstanceOf(ValueTooLargeException.class);
        assertThat(store.currentRevision()).isEqualTo(rev);
        assertThat(store.get("/registry/big/over")).isEmpty();
    }

    @Test
    void badKeysAreRefusedWithoutTouchingTheStore() {
        long rev = store.currentRevision();
        for (String bad : new String[] {"", "registry/pods/x", "/registry//x", "/registry/pods/a b", "/registry/ü",
                "/registry/x/", "/" + "k".repeat(Keys.MAX_KEY_LENGTH)}) {
            assertThatThrownBy(() -> store.create(bad, b("v"))).as(bad).isInstanceOf(InvalidKeyException.class);
            assertThatThrownBy(() -> store.get(bad)).as(bad).isInstanceOf(InvalidKeyException.class);
        }
        assertThatThrownBy(() -> store.create(null, b("v"))).isInstanceOf(InvalidKeyException.class);
        assertThatThrownBy(() -> store.range(RangeRequest.prefix("nope"))).isInstanceOf(InvalidKeyException.class);
        assertThatThrownBy(() -> store.watch("", 0, new EventCollector())).isInstanceOf(InvalidKeyException.class);
        assertThat(store.currentRevision()).isEqualTo(rev);
    }

    @Test
    void concurrentCompareAndSwapWritersLoseNoUpdate() throws Exception {
        int writers = 16;
        int incrementsEach = 25;
        store.create("/registry/counter/n", b("0"));
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        ConcurrentHashMap<Long, Boolean> revisions = new ConcurrentHashMap<>();
        AtomicInteger conflicts = new AtomicInteger();
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < incrementsEach; i++) {
                        while (true) {
                            KeyValue cur = store.get("/registry/counter/n").orElseThrow();
                            int n = Integer.parseInt(cur.valueAsString());
                            WriteResult r = store.update("/registry/counter/n", b(Integer.toString(n + 1)), cur.modRevision());
                            if (r instanceof WriteResult.Written written) {
                                assertThat(revisions.put(written.revision(), true)).isNull();
                                break;
                            }
                            conflicts.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        KeyValue end = store.get("/registry/counter/n").orElseThrow();
        assertThat(end.valueAsString()).isEqualTo(Integer.toString(writers * incrementsEach));
        assertThat(end.version()).isEqualTo(writers * incrementsEach + 1);
        assertThat(revisions).hasSize(writers * incrementsEach);
    }

    @Test
    void restartKeepsDataRevisionAndHistory() throws Exception {
        long start = store.currentRevision();
        KeyValue a = written(store.create("/registry/rs/a", b("1")));
        written(store.update("/registry/rs/a", b("2"), a.modRevision()));
        written(store.create("/registry/rs/b", b("3")));
        long before = store.currentRevision();

        store = reopen(store);

        assertThat(store.currentRevision()).isEqualTo(before);
        assertThat(store.get("/registry/rs/a").orElseThrow().valueAsString()).isEqualTo("2");
        assertThat(store.get("/registry/rs/a", a.modRevision()).orElseThrow().valueAsString()).isEqualTo("1");
        assertThat(written(store.create("/registry/rs/c", b("4"))).modRevision()).isEqualTo(before + 1);
        EventCollector c = new EventCollector();
        try (Watch ignored = store.watch("/registry/rs/", start, c)) {
            assertThat(c.awaitEvents(4)).extracting(e -> e.kv().key()).containsExactly(
                    "/registry/rs/a", "/registry/rs/a", "/registry/rs/b", "/registry/rs/c");
        }
    }

    @Test
    void closingAWatchStopsDelivery() throws Exception {
        EventCollector c = new EventCollector();
        Watch w = store.watch("/registry/stop/", store.currentRevision(), c);
        store.create("/registry/stop/a", b("1"));
        c.awaitEvents(1);
        w.close();
        w.close();
        store.create("/registry/stop/b", b("2"));
        // Give a wrongly still-open watch time to deliver, then check it did not.
        EventCollector probe = new EventCollector();
        try (Watch p = store.watch("/registry/stop/", store.currentRevision() - 1, probe)) {
            probe.awaitEvents(1);
        }
        assertThat(c.events()).hasSize(1);
    }
}
