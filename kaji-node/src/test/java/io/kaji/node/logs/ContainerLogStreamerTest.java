package io.kaji.node.logs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContainerLogStreamerTest {

    private static final String LOG = """
            2026-01-01T00:00:01.5Z stdout F one
            2026-01-01T00:00:02Z stderr F two
            not a CRI line
            2026-01-01T00:00:03.000000001Z stdout P thr
            2026-01-01T00:00:03.5Z stdout F ee
            2026-01-01T00:00:04Z stdout F four
            """;

    @TempDir
    Path dir;

    private String copy(String content, ContainerLogStreamer.Options o) throws Exception {
        Path f = dir.resolve("0.log");
        Files.writeString(f, content);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long n = ContainerLogStreamer.copy(f, o, out, () -> true, Duration.ofMillis(10));
        assertThat(n).isEqualTo(out.size());
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void stripsThePrefixJoinsPartialLinesAndSkipsForeignLines() throws Exception {
        assertThat(copy(LOG, ContainerLogStreamer.Options.ALL)).isEqualTo("one\ntwo\nthree\nfour\n");
    }

    @Test
    void tailKeepsTheLastLines() throws Exception {
        assertThat(copy(LOG, opts(false, 2, -1, null, false))).isEqualTo("three\nfour\n");
        assertThat(copy(LOG, opts(false, 0, -1, null, false))).isEmpty();
        assertThat(copy(LOG, opts(false, 10, -1, null, false))).isEqualTo("one\ntwo\nthree\nfour\n");
    }

    @Test
    void limitBytesCutsMidLine() throws Exception {
        assertThat(copy(LOG, opts(false, -1, 6, null, false))).isEqualTo("one\ntw");
    }

    @Test
    void sinceDropsOlderLinesByTheFirstPiecesTime() throws Exception {
        assertThat(copy(LOG, opts(false, -1, -1, Instant.parse("2026-01-01T00:00:02Z"), false)))
                .isEqualTo("two\nthree\nfour\n");
        assertThat(copy(LOG, opts(false, -1, -1, Instant.parse("2026-01-01T00:00:03.2Z"), false)))
                .isEqualTo("four\n");
    }

    @Test
    void tailCountsLinesBeforeSinceFilters() throws Exception {
        // The kubelet seeks to the last N lines, then drops the ones before sinceTime.
        assertThat(copy(LOG, opts(false, 3, -1, Instant.parse("2026-01-01T00:00:03.2Z"), false)))
                .isEqualTo("four\n");
    }

    @Test
    void timestampsInRfc3339WithNineFractionDigits() throws Exception {
        assertThat(copy(LOG, opts(false, 2, -1, null, true))).isEqualTo(
                "2026-01-01T00:00:03.000000001Z three\n2026-01-01T00:00:04.000000000Z four\n");
    }

    @Test
    void aLastPartialPieceIsSentWithoutNewline() throws Exception {
        assertThat(copy("2026-01-01T00:00:01Z stdout F a\n2026-01-01T00:00:02Z stdout P no newline\n",
                ContainerLogStreamer.Options.ALL)).isEqualTo("a\nno newline");
    }

    @Test
    void partialPiecesJoinPerStream() throws Exception {
        assertThat(copy("""
                2026-01-01T00:00:01Z stdout P out-
                2026-01-01T00:00:01Z stderr F err
                2026-01-01T00:00:02Z stdout F line
                """, ContainerLogStreamer.Options.ALL)).isEqualTo("err\nout-line\n");
    }

    @Test
    void followSendsAppendedLinesUntilTheWriterIsDone() throws Exception {
        Path f = dir.resolve("1.log");
        Files.writeString(f, "2026-01-01T00:00:01Z stdout F first\n");
        AtomicBoolean done = new AtomicBoolean();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CompletableFuture<Long> copying = CompletableFuture.supplyAsync(() -> {
            try {
                return ContainerLogStreamer.copy(f, opts(true, 1, -1, null, false), syncedOut(out), done::get,
                        Duration.ofMillis(10));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        await().atMost(Duration.ofSeconds(5)).until(() -> text(out).equals("first\n"));
        // A line written in two pieces: nothing is sent until its newline arrives.
        Files.writeString(f, "2026-01-01T00:00:02Z stdout F sec", StandardOpenOption.APPEND);
        Thread.sleep(50);
        assertThat(text(out)).isEqualTo("first\n");
        Files.writeString(f, "ond\n", StandardOpenOption.APPEND);
        await().atMost(Duration.ofSeconds(5)).until(() -> text(out).equals("first\nsecond\n"));
        assertThat(copying).isNotDone();
        Files.writeString(f, "2026-01-01T00:00:03Z stdout F last\n", StandardOpenOption.APPEND);
        done.set(true);
        assertThat(copying.get(5, TimeUnit.SECONDS)).isEqualTo("first\nsecond\nlast\n".length());
        assertThat(text(out)).isEqualTo("first\nsecond\nlast\n");
    }

    @Test
    void followGoesOnInTheNewFileWhenTheLogIsRotated() throws Exception {
        Path f = dir.resolve("3.log");
        Files.writeString(f, "2026-01-01T00:00:01Z stdout F before\n");
        AtomicBoolean done = new AtomicBoolean();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CompletableFuture<Long> copying = CompletableFuture.supplyAsync(() -> {
            try {
                return ContainerLogStreamer.copy(f, opts(true, -1, -1, null, false), syncedOut(out), done::get,
                        Duration.ofMillis(10));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        await().atMost(Duration.ofSeconds(5)).until(() -> text(out).equals("before\n"));
        // As the rotator and the runtime do it: rename, the runtime writes once more to the old file, then reopens.
        Path rotated = dir.resolve("3.log.20260101-000001");
        Files.move(f, rotated);
        Files.writeString(rotated, "2026-01-01T00:00:02Z stdout F in flight\n", StandardOpenOption.APPEND);
        Files.writeString(f, "2026-01-01T00:00:03Z stdout F after\n");
        await().atMost(Duration.ofSeconds(5)).until(() -> text(out).equals("before\nin flight\nafter\n"));
        Files.writeString(f, "2026-01-01T00:00:04Z stdout F last\n", StandardOpenOption.APPEND);
        done.set(true);
        assertThat(copying.get(5, TimeUnit.SECONDS)).isEqualTo("before\nin flight\nafter\nlast\n".length());
        assertThat(text(out)).isEqualTo("before\nin flight\nafter\nlast\n");
    }

    @Test
    void followStopsAtTheByteLimit() throws Exception {
        Path f = dir.resolve("2.log");
        Files.writeString(f, "2026-01-01T00:00:01Z stdout F 0123456789\n");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long n = ContainerLogStreamer.copy(f, opts(true, -1, 5, null, false), out, () -> false,
                Duration.ofMillis(10));
        assertThat(n).isEqualTo(5);
        assertThat(text(out)).isEqualTo("01234");
    }

    @Test
    void aMissingFileFails() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ContainerLogStreamer.copy(dir.resolve("none.log"),
                ContainerLogStreamer.Options.ALL, new ByteArrayOutputStream(), () -> true, Duration.ofMillis(1)))
                .isInstanceOf(IOException.class);
    }

    private static ContainerLogStreamer.Options opts(boolean follow, int tail, long limit, Instant since,
                                                     boolean timestamps) {
        return new ContainerLogStreamer.Options(follow, tail, limit, since, timestamps);
    }

    /** {@code out}, written under its own lock (a copy on another thread writes while the test reads). */
    static java.io.OutputStream syncedOut(ByteArrayOutputStream out) {
        return new java.io.OutputStream() {
            @Override
            public void write(int b) {
                synchronized (out) {
                    out.write(b);
                }
            }

            @Override
            public void write(byte[] b, int off, int len) {
                synchronized (out) {
                    out.write(b, off, len);
                }
            }
        };
    }

    private static String text(ByteArrayOutputStream out) {
        synchronized (out) {
            return out.toString(StandardCharsets.UTF_8);
        }
    }
}
