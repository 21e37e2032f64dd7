package io.kaji.store.sqlite;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteStoreFilesTest {

    @Test
    void theStoreDirectoryIsTheOwnersOnlyEvenIfCreatedOpenBefore(@TempDir Path tmp) throws Exception {
        Path fresh = tmp.resolve("fresh");
        try (SqliteStore s = SqliteStore.open(fresh)) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(fresh))).isEqualTo("rwx------");
        }
        Path old = Files.createDirectories(tmp.resolve("old"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        try (SqliteStore s = SqliteStore.open(old)) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(old))).isEqualTo("rwx------");
        }
    }
}
