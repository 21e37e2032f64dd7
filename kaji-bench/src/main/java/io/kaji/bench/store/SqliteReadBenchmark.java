package io.kaji.bench.store;

import io.kaji.store.KeyValue;
import io.kaji.store.RangeRequest;
import io.kaji.store.RangeResult;
import io.kaji.store.sqlite.SqliteStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Read hot paths of the SQLite store (JMH): a point read of one key among 10,000, and a page of 100 keys, each
 * with several versions per key so that the "latest version" queries do real work.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class SqliteReadBenchmark {

    private static final int KEYS = 10_000;
    private Path dir;
    private SqliteStore store;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("kaji-jmh-sqlite-");
        store = SqliteStore.open(dir);
        byte[] value = new byte[512];
        for (int i = 0; i < KEYS; i++) {
            KeyValue kv = ((io.kaji.store.WriteResult.Written)
                    store.create("/registry/pods/ns/p%05d".formatted(i), value)).kv();
            store.update(kv.key(), value, kv.modRevision());
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        store.close();
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Benchmark
    public KeyValue getLatest() {
        int i = ThreadLocalRandom.current().nextInt(KEYS);
        return store.get("/registry/pods/ns/p%05d".formatted(i)).orElseThrow();
    }

    @Benchmark
    public RangeResult rangePageOf100() {
        int i = ThreadLocalRandom.current().nextInt(KEYS - 100);
        return store.range(RangeRequest.prefix("/registry/pods/ns/").withLimit(100)
                .withStartAfter("/registry/pods/ns/p%05d".formatted(i)));
    }
}
