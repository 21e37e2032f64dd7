package io.kaji.node.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.kaji.node.runtime.ContainerState;
import io.kaji.node.runtime.ContainerStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The kubelet's termination message: the file's tail, or the log's on FallbackToLogsOnError, after the runtime's. */
class TerminationMessagesTest {

    @TempDir
    Path dir;

    @Test
    void theWrittenMessageFollowsTheRuntimesAndKeepsItsLast4096Bytes() throws Exception {
        Path file = Files.writeString(dir.resolve("0"), "x".repeat(5000) + "END");
        ContainerStatus s = TerminationMessages.withMessage(container("File"), exited(1, "OOM hint", null), file);
        assertThat(s.message()).startsWith("OOM hint: x").endsWith("END")
                .hasSize("OOM hint: ".length() + TerminationMessages.MAX_BYTES);
        assertThat(TerminationMessages.withMessage(container("File"), exited(1, "", null), dir.resolve("absent"))
                .message()).as("nothing written, no fallback").isEmpty();
    }

    @Test
    void fallbackToLogsOnlyWhenNothingWasWrittenAndTheContainerFailed() throws Exception {
        Path log = Files.writeString(dir.resolve("0.log"), """
                2026-11-27T10:00:00.000000001Z stdout F first
                2026-11-27T10:00:00.000000002Z stderr P par
                2026-11-27T10:00:00.000000003Z stderr F tial
                2026-11-27T10:00:00.000000004Z stdout P no newline
                """);
        Path empty = Files.createFile(dir.resolve("1"));
        assertThat(TerminationMessages.withMessage(container("FallbackToLogsOnError"), exited(2, "", log), empty)
                .message()).isEqualTo("first\npartial\nno newline");
        assertThat(TerminationMessages.withMessage(container("FallbackToLogsOnError"), exited(0, "", log), empty)
                .message()).as("exit 0: no fallback").isEmpty();
        assertThat(TerminationMessages.withMessage(container("File"), exited(2, "", log), empty).message())
                .as("policy File: no fallback").isEmpty();
        Path written = Files.writeString(dir.resolve("2"), "mine");
        assertThat(TerminationMessages.withMessage(container("FallbackToLogsOnError"), exited(2, "", log), written)
                .message()).isEqualTo("mine");
    }

    @Test
    void theLogFallbackKeepsTheLast80LinesAndAtMost2048Bytes() throws Exception {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 100; i++) {
            b.append("2026-11-27T10:00:00.").append(String.format("%09d", i)).append("Z stdout F line ").append(i)
                    .append('\n');
        }
        Path log = Files.writeString(dir.resolve("many.log"), b);
        assertThat(TerminationMessages.lastLogText(log)).startsWith("line 20\n").endsWith("line 99\n");
        Path big = Files.writeString(dir.resolve("big.log"),
                "2026-11-27T10:00:00.000000001Z stdout F " + "y".repeat(3000) + "\n");
        assertThat(TerminationMessages.lastLogText(big)).hasSize(TerminationMessages.LOG_BYTES);
    }

    private static Container container(String policy) {
        return new ContainerBuilder().withName("c").withImage("i").withTerminationMessagePath("/dev/termination-log")
                .withTerminationMessagePolicy(policy).build();
    }

    private static ContainerStatus exited(int code, String message, Path log) {
        return new ContainerStatus("id", "c", 0, ContainerState.EXITED, Instant.EPOCH, Instant.EPOCH, Instant.EPOCH,
                code, code == 0 ? "Completed" : "Error", message, "img", "ref", log, Map.of());
    }
}
