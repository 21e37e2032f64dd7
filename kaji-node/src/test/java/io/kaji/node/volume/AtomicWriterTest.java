package io.kaji.node.volume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The kubelet's ..data layout, atomic updates, modes, and no rewrite when nothing changed. */
class AtomicWriterTest {

    private static AtomicWriter.File file(String s, int mode) {
        return new AtomicWriter.File(s.getBytes(StandardCharsets.UTF_8), mode);
    }

    @Test
    void writesTheDataLayoutAndSwapsItAtomically(@TempDir Path dir) throws Exception {
        Path vol = dir.resolve("cfg");
        AtomicWriter w = new AtomicWriter(vol, Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC));
        assertThat(w.write(Map.of("greeting", file("hello", 0644), "conf/app.ini", file("x=1", 0600)))).isTrue();
        assertThat(Files.readSymbolicLink(vol.resolve("..data")).toString())
                .isEqualTo("..2026_01_01_00_00_00.000000000");
        assertThat(Files.readSymbolicLink(vol.resolve("greeting")).toString()).isEqualTo("..data/greeting");
        assertThat(Files.readSymbolicLink(vol.resolve("conf")).toString()).isEqualTo("..data/conf");
        assertThat(Files.readString(vol.resolve("conf/app.ini"))).isEqualTo("x=1");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(vol.resolve("conf/app.ini"))))
                .isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(vol.resolve("greeting"))))
                .isEqualTo("rw-r--r--");

        assertThat(w.write(Map.of("greeting", file("hello", 0644), "conf/app.ini", file("x=1", 0600))))
                .as("unchanged: nothing written").isFalse();

        AtomicWriter later = new AtomicWriter(vol, Clock.fixed(Instant.parse("2026-01-01T00:01:00Z"), ZoneOffset.UTC));
        assertThat(later.write(Map.of("greeting", file("bye", 0644)))).isTrue();
        assertThat(Files.readString(vol.resolve("greeting"))).isEqualTo("bye");
        assertThat(Files.exists(vol.resolve("conf"))).as("a key that went away goes").isFalse();
        try (var names = Files.list(vol)) {
            assertThat(names.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder("..data", "..2026_01_01_00_01_00.000000000", "greeting");
        }
        assertThat(later.write(Map.of("greeting", file("bye", 0400)))).as("a mode change is a change").isTrue();
    }

    @Test
    void refusesPathsThatLeaveTheVolume(@TempDir Path dir) {
        AtomicWriter w = new AtomicWriter(dir.resolve("v"), Clock.systemUTC());
        assertThatThrownBy(() -> w.write(Map.of("../escape", file("x", 0644))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("leaves the volume");
    }

    @Test
    void modeBits() {
        assertThat(AtomicWriter.mode(AtomicWriter.permissions(0754))).isEqualTo(0754);
        assertThat(AtomicWriter.mode(AtomicWriter.permissions(0))).isZero();
    }
}
