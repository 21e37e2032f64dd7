package io.kaji.node.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PodLogsTest {

    private static final PodRef POD = new PodRef("default", "web", "uid-1");

    @TempDir
    Path dir;

    @Test
    void theNextAttemptGoesOnFromTheLogsCurrentAndRotated() throws Exception {
        PodLogs logs = new PodLogs(dir);
        assertThat(logs.nextAttempt(POD, "app")).as("no directory yet").isZero();
        Path first = logs.file(POD, "app", 0);
        Files.createDirectories(first.getParent());
        Files.writeString(first, "x");
        assertThat(logs.nextAttempt(POD, "app")).isEqualTo(1);
        Files.writeString(logs.file(POD, "app", 3).resolveSibling("3.log.20261127-100000.gz"), "");
        Files.writeString(first.resolveSibling("notes.txt"), "");
        Files.writeString(first.resolveSibling("x.log"), "");
        assertThat(logs.nextAttempt(POD, "app")).isEqualTo(4);
        assertThat(logs.nextAttempt(POD, "other")).isZero();
        assertThat(logs.file(POD, "app", 2)).isEqualTo(dir.resolve("default_web_uid-1/app/2.log").toAbsolutePath());
    }
}
