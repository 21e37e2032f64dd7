package io.kaji.cli.localcluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class KajiProcessTest {

    @Test
    void agentOptionsOnlyNameFlagsTheJdkHas() {
        assertThat(KajiProcess.agentJvmOptions(21)).contains("-XX:+UseSerialGC", "-Xmn4m", "-XX:TieredStopAtLevel=1",
                "-XX:CompileThresholdScaling=4")
                .noneMatch(o -> o.startsWith("-XX:TrimNativeHeapInterval") || o.contains("UseCompactObjectHeaders"));
        assertThat(KajiProcess.agentJvmOptions(22)).contains("-XX:TrimNativeHeapInterval=5000")
                .doesNotContain("-XX:+UseCompactObjectHeaders");
        assertThat(KajiProcess.agentJvmOptions(25)).contains("-XX:TrimNativeHeapInterval=5000",
                "-XX:+UseCompactObjectHeaders");
        assertThat(KajiProcess.AGENT_JVM_OPTIONS).isEqualTo(KajiProcess.agentJvmOptions(Runtime.version().feature()));
        // the agent's HeapTrimmer relies on one full collection shrinking the old generation all the way
        assertThat(KajiProcess.agentJvmOptions(21)).contains("-XX:-ShrinkHeapInSteps", "-XX:MaxHeapFreeRatio=10");
    }

    @Test
    void thisJdkAcceptsTheAgentOptions() throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(KajiProcess.AGENT_JVM_OPTIONS);
        cmd.add("-version");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).doesNotContain("Unrecognized", "warning");
    }

    @Test
    void agentClassPathEntriesAreResolvedAgainstTheTargetDirectory() {
        Path target = Path.of("/opt/kaji/kaji-cli/target");
        assertThat(KajiProcess.agentClassPath("lib/a-1.jar:lib/b-2.jar\n", target))
                .isEqualTo("/opt/kaji/kaji-cli/target/lib/a-1.jar:/opt/kaji/kaji-cli/target/lib/b-2.jar");
        assertThat(KajiProcess.agentClassPath("", target)).isEmpty();
    }
}
