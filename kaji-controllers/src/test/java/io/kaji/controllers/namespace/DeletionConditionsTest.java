package io.kaji.controllers.namespace;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.NamespaceCondition;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class DeletionConditionsTest {

    private static DeletionReport report(String discovery, List<String> gv, List<String> content,
            Map<String, Integer> remaining, Map<String, Integer> finalizers) {
        return new DeletionReport(discovery, gv, content, remaining, finalizers, 0);
    }

    private static final DeletionReport CLEAN = report(null, List.of(), List.of(), Map.of(), Map.of());

    /** One row: a report, the condition type under test, and the status, reason and message expected for it. */
    static Stream<Arguments> rows() {
        return Stream.of(
                Arguments.of(CLEAN, "NamespaceDeletionDiscoveryFailure", "False", "ResourcesDiscovered",
                        "All resources successfully discovered"),
                Arguments.of(CLEAN, "NamespaceDeletionGroupVersionParsingFailure", "False", "ParsedGroupVersions",
                        "All legacy kube types successfully parsed"),
                Arguments.of(CLEAN, "NamespaceDeletionContentFailure", "False", "ContentDeleted",
                        "All content successfully deleted, may be waiting on finalization"),
                Arguments.of(CLEAN, "NamespaceContentRemaining", "False", "ContentRemoved",
                        "All content successfully removed"),
                Arguments.of(CLEAN, "NamespaceFinalizersRemaining", "False", "ContentHasNoFinalizers",
                        "All content-preserving finalizers finished"),
                Arguments.of(report("Discovery failed for some groups, 1 failing: x", List.of(), List.of(), Map.of(),
                        Map.of()), "NamespaceDeletionDiscoveryFailure", "True", "DiscoveryFailed",
                        "Discovery failed for some groups, 1 failing: x"),
                Arguments.of(report(null, List.of("unexpected GroupVersion string: a/b/c"), List.of(), Map.of(),
                        Map.of()), "NamespaceDeletionGroupVersionParsingFailure", "True", "GroupVersionParsingFailed",
                        "unexpected GroupVersion string: a/b/c"),
                // Errors are sorted, so the message is stable from pass to pass.
                Arguments.of(report(null, List.of(), List.of("z failed", "a failed"), Map.of(), Map.of()),
                        "NamespaceDeletionContentFailure", "True", "ContentDeletionFailed",
                        "Failed to delete all resource types, 2 remaining: a failed, z failed"),
                Arguments.of(report(null, List.of(), List.of(), Map.of("pods.", 2, "widgets.example.com", 1,
                        "configmaps.", 0), Map.of()), "NamespaceContentRemaining", "True", "SomeResourcesRemain",
                        "Some resources are remaining: pods. has 2 resource instances, widgets.example.com has 1 "
                                + "resource instances"),
                Arguments.of(report(null, List.of(), List.of(), Map.of("widgets.example.com", 1),
                        Map.of("example.com/x", 1)), "NamespaceFinalizersRemaining", "True", "SomeFinalizersRemain",
                        "Some content in the namespace has finalizers remaining: example.com/x in 1 resource "
                                + "instances"),
                // Remaining content without finalizers leaves the finalizer condition in its ok state.
                Arguments.of(report(null, List.of(), List.of(), Map.of("pods.", 3), Map.of()),
                        "NamespaceFinalizersRemaining", "False", "ContentHasNoFinalizers",
                        "All content-preserving finalizers finished"));
    }

    @ParameterizedTest
    @MethodSource("rows")
    void conditionFor(DeletionReport report, String type, String status, String reason, String message) {
        List<NamespaceCondition> all = DeletionConditions.of(report);
        assertThat(all).extracting(NamespaceCondition::getType).containsExactlyElementsOf(DeletionConditions.TYPES);
        NamespaceCondition c = all.stream().filter(x -> x.getType().equals(type)).findFirst().orElseThrow();
        assertThat(c.getStatus()).isEqualTo(status);
        assertThat(c.getReason()).isEqualTo(reason);
        assertThat(c.getMessage()).isEqualTo(message);
    }

    @Test
    void mergeKeepsOtherTypesAndMovesTransitionTimeOnlyWhenStatusChanges() {
        NamespaceCondition foreign = new NamespaceCondition("2020-01-01T00:00:00Z", "m", "R", "True", "Other");
        List<NamespaceCondition> first = DeletionConditions.merge(List.of(foreign),
                DeletionConditions.of(report(null, List.of(), List.of(), Map.of("pods.", 2), Map.of())), "T1");
        assertThat(first).hasSize(6);
        assertThat(first.get(0)).isEqualTo(foreign);
        assertThat(first).allSatisfy(c -> assertThat(c.getLastTransitionTime()).isIn("T1", "2020-01-01T00:00:00Z"));

        // Same status, other message: the time stays.
        List<NamespaceCondition> second = DeletionConditions.merge(first,
                DeletionConditions.of(report(null, List.of(), List.of(), Map.of("pods.", 1), Map.of())), "T2");
        NamespaceCondition remaining = second.stream().filter(c -> c.getType().equals("NamespaceContentRemaining"))
                .findFirst().orElseThrow();
        assertThat(remaining.getMessage()).isEqualTo("Some resources are remaining: pods. has 1 resource instances");
        assertThat(remaining.getLastTransitionTime()).isEqualTo("T1");

        // Status flips: the time moves.
        List<NamespaceCondition> third = DeletionConditions.merge(second, DeletionConditions.of(CLEAN), "T3");
        assertThat(third.stream().filter(c -> c.getType().equals("NamespaceContentRemaining")).findFirst()
                .orElseThrow().getLastTransitionTime()).isEqualTo("T3");

        // Nothing changes: no write needed.
        assertThat(DeletionConditions.merge(third, DeletionConditions.of(CLEAN), "T4")).isNull();
    }

    @Test
    void reportIsCompleteOnlyWithoutErrorsOrContent() {
        assertThat(CLEAN.complete()).isTrue();
        assertThat(report(null, List.of(), List.of(), Map.of("pods.", 0), Map.of()).complete()).isTrue();
        assertThat(report(null, List.of(), List.of(), Map.of("pods.", 1), Map.of()).complete()).isFalse();
        assertThat(report("d", List.of(), List.of(), Map.of(), Map.of()).complete()).isFalse();
        assertThat(report(null, List.of(), List.of("e"), Map.of(), Map.of()).complete()).isFalse();
    }

    @Test
    void groupVersionsParseAsKubernetesDoes() {
        assertThat(DeletableResources.parseGroupVersion("v1")).containsExactly("", "v1");
        assertThat(DeletableResources.parseGroupVersion("apps/v1")).containsExactly("apps", "v1");
        assertThat(DeletableResources.parseGroupVersion("a/b/c")).isNull();
        assertThat(DeletableResources.parseGroupVersion("/v1")).isNull();
        assertThat(DeletableResources.parseGroupVersion("")).isNull();
    }
}
