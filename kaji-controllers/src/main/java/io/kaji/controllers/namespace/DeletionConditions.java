package io.kaji.controllers.namespace;

import io.fabric8.kubernetes.api.model.NamespaceCondition;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The five status conditions Kubernetes' namespace deleter maintains on a Terminating namespace, computed from a
 * {@link DeletionReport}. Each is True with a failure reason and message when its step found a problem, else False
 * with Kubernetes' "ok" reason and message. Types, reasons and messages are Kubernetes' own (kubectl describe ns and
 * tools that read them match on these strings). Stateless.
 */
public final class DeletionConditions {

    public static final String DISCOVERY_FAILURE = "NamespaceDeletionDiscoveryFailure";
    public static final String GROUP_VERSION_PARSING_FAILURE = "NamespaceDeletionGroupVersionParsingFailure";
    public static final String CONTENT_FAILURE = "NamespaceDeletionContentFailure";
    public static final String CONTENT_REMAINING = "NamespaceContentRemaining";
    public static final String FINALIZERS_REMAINING = "NamespaceFinalizersRemaining";

    /** The order Kubernetes lists them in. */
    static final List<String> TYPES = List.of(DISCOVERY_FAILURE, GROUP_VERSION_PARSING_FAILURE, CONTENT_FAILURE,
            CONTENT_REMAINING, FINALIZERS_REMAINING);

    private static final Map<String, String[]> OK = Map.of(
            DISCOVERY_FAILURE, new String[] {"ResourcesDiscovered", "All resources successfully discovered"},
            GROUP_VERSION_PARSING_FAILURE, new String[] {"ParsedGroupVersions",
                    "All legacy kube types successfully parsed"},
            CONTENT_FAILURE, new String[] {"ContentDeleted",
                    "All content successfully deleted, may be waiting on finalization"},
            CONTENT_REMAINING, new String[] {"ContentRemoved", "All content successfully removed"},
            FINALIZERS_REMAINING, new String[] {"ContentHasNoFinalizers",
                    "All content-preserving finalizers finished"});

    private DeletionConditions() {
    }

    /** The condition of each type {@code report} calls for (True for a problem, False otherwise), in order. */
    public static List<NamespaceCondition> of(DeletionReport report) {
        List<NamespaceCondition> out = new ArrayList<>();
        out.add(report.discoveryError() == null ? ok(DISCOVERY_FAILURE)
                : failed(DISCOVERY_FAILURE, "DiscoveryFailed", report.discoveryError()));
        out.add(report.groupVersionErrors().isEmpty() ? ok(GROUP_VERSION_PARSING_FAILURE)
                : failed(GROUP_VERSION_PARSING_FAILURE, "GroupVersionParsingFailed",
                        String.join(", ", report.groupVersionErrors())));
        List<String> errors = report.contentErrors().stream().sorted().toList();
        out.add(errors.isEmpty() ? ok(CONTENT_FAILURE)
                : failed(CONTENT_FAILURE, "ContentDeletionFailed", "Failed to delete all resource types, "
                        + errors.size() + " remaining: " + String.join(", ", errors)));
        List<String> remaining = counts(report.remaining(), " has %d resource instances");
        out.add(remaining.isEmpty() ? ok(CONTENT_REMAINING)
                : failed(CONTENT_REMAINING, "SomeResourcesRemain",
                        "Some resources are remaining: " + String.join(", ", remaining)));
        List<String> finalizers = counts(report.finalizers(), " in %d resource instances");
        out.add(finalizers.isEmpty() ? ok(FINALIZERS_REMAINING)
                : failed(FINALIZERS_REMAINING, "SomeFinalizersRemain",
                        "Some content in the namespace has finalizers remaining: " + String.join(", ", finalizers)));
        return out;
    }

    /**
     * {@code current} with the deleter's conditions replaced by {@code wanted}: other condition types are kept; a
     * condition whose status changes gets {@code now} as its lastTransitionTime, one whose reason or message alone
     * changes keeps its time. Returns null when nothing changes (no status write is needed).
     */
    public static List<NamespaceCondition> merge(List<NamespaceCondition> current, List<NamespaceCondition> wanted,
            String now) {
        List<NamespaceCondition> out = new ArrayList<>();
        for (NamespaceCondition c : current == null ? List.<NamespaceCondition>of() : current) {
            out.add(copy(c));
        }
        boolean changed = false;
        for (NamespaceCondition w : wanted) {
            NamespaceCondition old = out.stream().filter(c -> w.getType().equals(c.getType())).findFirst()
                    .orElse(null);
            if (old == null) {
                NamespaceCondition added = copy(w);
                added.setLastTransitionTime(now);
                out.add(added);
                changed = true;
            } else if (!Objects.equals(old.getStatus(), w.getStatus()) || !Objects.equals(old.getReason(),
                    w.getReason()) || !Objects.equals(old.getMessage(), w.getMessage())) {
                if (!Objects.equals(old.getStatus(), w.getStatus())) {
                    old.setLastTransitionTime(now);
                }
                old.setStatus(w.getStatus());
                old.setReason(w.getReason());
                old.setMessage(w.getMessage());
                changed = true;
            }
        }
        return changed ? out : null;
    }

    private static List<String> counts(Map<String, Integer> byName, String format) {
        return byName.entrySet().stream().filter(e -> e.getValue() > 0)
                .map(e -> e.getKey() + format.formatted(e.getValue())).sorted().toList();
    }

    private static NamespaceCondition ok(String type) {
        String[] ok = OK.get(type);
        return condition(type, "False", ok[0], ok[1]);
    }

    private static NamespaceCondition failed(String type, String reason, String message) {
        return condition(type, "True", reason, message);
    }

    private static NamespaceCondition condition(String type, String status, String reason, String message) {
        NamespaceCondition c = new NamespaceCondition();
        c.setType(type);
        c.setStatus(status);
        c.setReason(reason);
        c.setMessage(message);
        return c;
    }

    private static NamespaceCondition copy(NamespaceCondition c) {
        NamespaceCondition n = condition(c.getType(), c.getStatus(), c.getReason(), c.getMessage());
        n.setLastTransitionTime(c.getLastTransitionTime());
        return n;
    }
}
