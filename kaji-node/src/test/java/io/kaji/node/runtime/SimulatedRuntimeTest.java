package io.kaji.node.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SimulatedRuntimeTest {

    private final SimulatedRuntime runtime = new SimulatedRuntime(Clock.systemUTC(), 7);
    private final PodRef pod = new PodRef("default", "web-1", "uid-1");

    private SandboxSpec sandbox() {
        return SandboxSpec.builder(pod).attempt(0).hostname("web-1").logDirectory(Path.of("/tmp/kaji-sim-logs"))
                .build();
    }

    @Test
    void sandboxesAndContainersLiveInMemoryWithTheLabelsTheAgentSelectsBy() {
        String sb = runtime.runSandbox(sandbox());
        SandboxInfo info = runtime.sandboxStatus(sb).orElseThrow();
        assertThat(info.ready()).isTrue();
        assertThat(info.ip()).startsWith("100.").matches("100\\.(9[6-9]|1[01][0-9]|12[0-7])\\.\\d+\\.\\d+");
        assertThat(runtime.listSandboxes(KajiLabels.forPod(pod))).extracting(SandboxInfo::id).containsExactly(sb);

        String c = runtime.createContainer(sb, sandbox(), ContainerSpec.builder("app", "any/image:1").build());
        assertThat(runtime.containerStatus(c).orElseThrow().state()).isEqualTo(ContainerState.CREATED);
        runtime.startContainer(c);
        assertThat(runtime.containerStatus(c).orElseThrow().state()).isEqualTo(ContainerState.RUNNING);
        assertThat(runtime.listContainers(KajiLabels.forContainer(pod, "app"))).hasSize(1);
        assertThat(runtime.imageStatus("whatever:1")).as("every image is present").isPresent();

        runtime.stopSandbox(sb);
        assertThat(runtime.containerStatus(c).orElseThrow().state()).isEqualTo(ContainerState.EXITED);
        assertThat(runtime.sandboxStatus(sb).orElseThrow().ready()).isFalse();
        runtime.removeSandbox(sb);
        assertThat(runtime.listContainers(KajiLabels.managed())).isEmpty();
        assertThat(runtime.sandboxStatus(sb)).isEmpty();
    }

    @Test
    void unknownObjectsAreNotFoundAsTheCriSaysIt() {
        assertThatThrownBy(() -> runtime.startContainer("nope")).isInstanceOf(RuntimeCallException.class)
                .satisfies(e -> assertThat(((RuntimeCallException) e).notFound()).isTrue());
        runtime.stopContainer("nope", Duration.ZERO);
    }
}
