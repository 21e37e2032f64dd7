package io.kaji.cli.localcluster;

import static org.assertj.core.api.Assertions.assertThat;

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
    }
}
