package io.kaji.node.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaji.node.runtime.PodLogs;
import io.kaji.node.runtime.PodRef;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** When a follow of {@code kubectl logs -f} ends: {@link ContainerLogs#writerDone}. */
class ContainerLogsTest {

    private static final PodRef POD = new PodRef("default", "web", "uid-1");

    @TempDir
    Path dir;

    @Test
    void aLogMissingForAMomentDuringARotationDoesNotEndTheFollow() throws Exception {
        PodLogs logs = new PodLogs(dir);
        AtomicBoolean running = new AtomicBoolean(true);
        ContainerLogs cl = new ContainerLogs(logs, (ns, name) -> null, (pod, container, attempt) -> running.get());
        Path file = logs.file(POD, "main", 0);
        Files.createDirectories(file.getParent());
        Files.writeString(file, "");
        ContainerLogs.Found found = new ContainerLogs.Found(POD, "main", 0, file);
        assertThat(cl.writerDone(found)).isFalse();

        // Renamed by the rotator, not yet reopened by the runtime: the attempt still writes.
        Files.move(file, file.resolveSibling("0.log.20261127-100000"));
        assertThat(cl.writerDone(found)).isFalse();

        // A newer attempt, the runtime's word, or the pod's logs removed: done.
        Files.writeString(file.resolveSibling("1.log"), "");
        assertThat(cl.writerDone(found)).isTrue();
        Files.delete(file.resolveSibling("1.log"));
        running.set(false);
        assertThat(cl.writerDone(found)).isTrue();
        running.set(true);
        logs.remove(POD);
        assertThat(cl.writerDone(found)).isTrue();
    }
}
