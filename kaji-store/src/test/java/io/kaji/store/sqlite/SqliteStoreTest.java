package io.kaji.store.sqlite;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kaji.store.EventCollector;
import io.kaji.store.StoreException;
import io.kaji.store.Watch;
import io.kaji.store.WriteResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What is specific to the SQLite store: locking, file layout, backlog limits. */
class SqliteStoreTest {

    @TempDir
    Path dir;

    @Test
    void aSecondOpenOfTheSameDirectoryFailsClearly() {
        try (SqliteStore first = SqliteStore.open(dir)) {
            assertThatThrownBy(() -> SqliteStore.open(dir))
                    .isInstanceOf(StoreException.class)
                    .hasMessageContaining(dir.toString())
                    .hasMessageContaining("in use by another Kaji process");
            assertThat(first.create("/registry/x/a", "1".getBytes(UTF_8)).succeeded()).isTrue();
        }
        try (SqliteStore again = SqliteStore.open(dir)) {
            assertThat(again.get("/registry/x/a")).isPresent();
        }
    }

    /**
     * SQLite's write lock held for a moment by another connection (as a reader rebuilding a changing WAL index holds
     * it) makes a write wait, not fail: a transaction that reads before it writes could not upgrade its lock and
     * failed at once with SQLITE_BUSY, without the busy timeout (seen as a flaky concurrent compare-and-swap test
     * under CPU load).
     */
    @Test
    void aWriteWaitsForAWriteLockHeldForAMoment() throws Exception {
        try (SqliteStore s = SqliteStore.open(dir)) {
            s.create("/registry/x/a", "1".getBytes(UTF_8));
            long rev = s.get("/registry/x/a").orElseThrow().modRevision();
            try (Connection other = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve(SqliteStore.DB_FILE));
                 Statement st = other.createStatement()) {
                st.execute("BEGIN IMMEDIATE");
                CompletableFuture<WriteResult> write = CompletableFuture.supplyAsync(
                        () -> s.update("/registry/x/a", "2".getBytes(UTF_8), rev));
                Thread.sleep(300);
                assertThat(write).isNotDone();
                st.execute("COMMIT");
                assertThat(write.get(10, TimeUnit.SECONDS).succeeded()).isTrue();
            }
            assertThat(s.get("/registry/x/a").orElseThrow().valueAsString()).isEqualTo("2");
        }
    }

    @Test
    void theDatabaseLivesInTheDataDirectory() {
        try (SqliteStore s = SqliteStore.open(dir)) {
            s.create("/registry/x/a", "1".getBytes(UTF_8));
            assertThat(s.directory()).isEqualTo(dir);
        }
        assertThat(Files.exists(dir.resolve(SqliteStore.DB_FILE))).isTrue();
    }

    @Test
    void aWatcherThatFallsTooFarBehindIsEndedWithAnError() throws Exception {
        try (SqliteStore s = SqliteStore.open(dir, SqliteOptions.defaults().withMaxWatchBacklog(5))) {
            java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
            EventCollector collector = new EventCollector();
            io.kaji.store.WatchListener blocking = new io.kaji.store.WatchListener() {
                @Override
                public void onEvents(java.util.List<io.kaji.store.Event> events) {
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    collector.onEvents(events);
                }

                @Override
                public void onError(StoreException error) {
                    collector.onError(error);
                }
            };
            try (Watch ignored = s.watch("/registry/slow/", s.currentRevision(), blocking)) {
                for (int i = 0; i < 20; i++) {
                    s.create("/registry/slow/k" + i, "v".getBytes(UTF_8));
                }
                release.countDown();
                assertThat(collector.awaitError()).hasMessageContaining("fell more than 5 events behind");
            }
            // The store itself is unaffected.
            assertThat(s.get("/registry/slow/k19")).isPresent();
        }
    }

    @Test
    void writesAfterCloseFailClearly() {
        SqliteStore s = SqliteStore.open(dir);
        s.close();
        assertThatThrownBy(() -> s.create("/registry/x/a", new byte[1]))
                .isInstanceOf(StoreException.class).hasMessageContaining("closed");
        s.close();
    }
}
