package io.kaji.controllers.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyBuilder;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PodFailurePolicyTest {

    private static Pod failed(int mainExit, Integer sidecarExit, String condition) {
        PodBuilder b = new PodBuilder().withNewMetadata().withName("p").withNamespace("ns").endMetadata()
                .withNewStatus().withPhase("Failed")
                .addNewContainerStatus().withName("main").withNewState().withNewTerminated().withExitCode(mainExit)
                .endTerminated().endState().endContainerStatus().endStatus();
        if (sidecarExit != null) {
            b.editStatus().addNewContainerStatus().withName("side").withNewState().withNewTerminated()
                    .withExitCode(sidecarExit).endTerminated().endState().endContainerStatus().endStatus();
        }
        if (condition != null) {
            b.editStatus().addNewCondition().withType(condition).withStatus("True").endCondition().endStatus();
        }
        return b.build();
    }

    private static final io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicy POLICY = new PodFailurePolicyBuilder()
            .addNewRule().withAction("Bogus").withNewOnExitCodes().withOperator("In").withValues(3).endOnExitCodes().endRule()
            .addNewRule().withAction("Ignore").addNewOnPodCondition().withType("DisruptionTarget").endOnPodCondition().endRule()
            .addNewRule().withAction("FailJob").withNewOnExitCodes().withContainerName("main").withOperator("In")
            .withValues(3, 4).endOnExitCodes().endRule()
            .addNewRule().withAction("Count").withNewOnExitCodes().withOperator("In").withValues(5).endOnExitCodes().endRule()
            .addNewRule().withAction("FailJob").withNewOnExitCodes().withOperator("NotIn").withValues(1, 2, 5)
            .endOnExitCodes().endRule()
            .build();

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("unknown action skipped, exit 3 of main fails the Job", failed(3, null, null),
                        PodFailurePolicy.Action.FAIL_JOB,
                        "Container main for pod ns/p failed with exit code 3 matching FailJob rule at index 2"),
                Arguments.of("a preempted pod is ignored", failed(3, null, "DisruptionTarget"),
                        PodFailurePolicy.Action.IGNORE, null),
                Arguments.of("exit 4 of another container skips the rule naming main", failed(2, 4, null),
                        PodFailurePolicy.Action.FAIL_JOB,
                        "Container side for pod ns/p failed with exit code 4 matching FailJob rule at index 4"),
                Arguments.of("Count rule", failed(5, null, null), PodFailurePolicy.Action.COUNT, null),
                Arguments.of("NotIn matches an unlisted code", failed(1, 9, null), PodFailurePolicy.Action.FAIL_JOB,
                        "Container side for pod ns/p failed with exit code 9 matching FailJob rule at index 4"),
                Arguments.of("exit code 0 never matches NotIn", failed(2, 0, null), PodFailurePolicy.Action.COUNT, null),
                Arguments.of("no rule matches", failed(1, null, null), PodFailurePolicy.Action.COUNT, null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void rulesApplyInOrder(String name, Pod pod, PodFailurePolicy.Action action, String message) {
        PodFailurePolicy.Verdict v = PodFailurePolicy.evaluate(POLICY, pod);
        assertThat(v.action()).isEqualTo(action);
        assertThat(v.message()).isEqualTo(message);
    }
}
