package io.kaji.store.sqlite;

import io.kaji.store.RevisionedStore;
import io.kaji.store.RevisionedStoreConformanceTest;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class SqliteStoreConformanceTest extends RevisionedStoreConformanceTest {

    @TempDir
    Path dir;

    @Override
    protected RevisionedStore open() {
        return SqliteStore.open(dir);
    }

    @Override
    protected RevisionedStore reopen(RevisionedStore old) {
        old.close();
        return SqliteStore.open(dir);
    }
}
