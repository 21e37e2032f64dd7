package io.kaji.store;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kaji.store.sqlite.SqliteStore;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreMigrationTest {

    @TempDir
    Path from;

    @TempDir
    Path to;

    @Test
    void copiesEveryLiveKeyAtTheLatestRevision() {
        try (SqliteStore source = SqliteStore.open(from); SqliteStore target = SqliteStore.open(to)) {
            for (int i = 0; i < 1234; i++) {
                source.create("/registry/pods/ns/p" + i, ("pod-" + i).getBytes(UTF_8));
            }
            KeyValue gone = source.get("/registry/pods/ns/p7").orElseThrow();
            source.delete("/registry/pods/ns/p7", gone.modRevision());
            KeyValue upd = source.get("/registry/pods/ns/p8").orElseThrow();
            source.update("/registry/pods/ns/p8", "updated".getBytes(UTF_8), upd.modRevision());

            List<Long> progress = new ArrayList<>();
            StoreMigration.Summary s = StoreMigration.copy(source, target, "/", progress::add);

            assertThat(s.keys()).isEqualTo(1233);
            assertThat(s.sourceRevision()).isEqualTo(source.currentRevision());
            assertThat(progress).isSorted().last().isEqualTo(1233L);
            assertThat(target.range(RangeRequest.prefix("/registry/").withCount()).count()).isEqualTo(1233);
            assertThat(target.get("/registry/pods/ns/p7")).isEmpty();
            assertThat(target.get("/registry/pods/ns/p8").orElseThrow().valueAsString()).isEqualTo("updated");
            assertThat(target.get("/registry/pods/ns/p1233").orElseThrow().valueAsString()).isEqualTo("pod-1233");
        }
    }

    @Test
    void refusesANonEmptyTarget() {
        try (SqliteStore source = SqliteStore.open(from); SqliteStore target = SqliteStore.open(to)) {
            source.create("/registry/a/x", "1".getBytes(UTF_8));
            target.create("/registry/b/y", "2".getBytes(UTF_8));
            assertThatThrownBy(() -> StoreMigration.copy(source, target, "/", n -> { }))
                    .isInstanceOf(StoreException.class)
                    .hasMessageContaining("target store already holds keys under /")
                    .hasMessageContaining("/registry/b/y");
            assertThat(target.get("/registry/a/x")).isEmpty();
        }
    }

    @Test
    void parsesStoreLocations() {
        assertThat(StoreLocation.parse("sqlite:/tmp/x")).isEqualTo(new StoreLocation.Sqlite(Path.of("/tmp/x")));
        assertThat(StoreLocation.parse("etcd:http://127.0.0.1:2379, http://127.0.0.1:2381").toString())
                .isEqualTo("etcd:http://127.0.0.1:2379,http://127.0.0.1:2381");
        assertThatThrownBy(() -> StoreLocation.parse("mysql:x")).hasMessageContaining("unknown kind \"mysql\"");
        assertThatThrownBy(() -> StoreLocation.parse("etcd:127.0.0.1:2379"))
                .hasMessageContaining("must be a URL such as http://127.0.0.1:2379");
        assertThatThrownBy(() -> StoreLocation.parse("sqlite:")).hasMessageContaining("expected sqlite:<directory>");
    }
}
