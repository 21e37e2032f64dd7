package io.kaji.controllers.job;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyOnExitCodesRequirement;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyOnPodConditionsPattern;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyRule;
import java.util.List;

/**
 * A Job's {@code spec.podFailurePolicy} applied to one failed pod, as Kubernetes' Job controller applies it: the
 * rules in order, the first match wins. {@code onExitCodes} looks at terminated containers (app containers, then
 * init containers; exit code 0 never matches), optionally one container by name, with {@code In}/{@code NotIn};
 * {@code onPodConditions} at the pod's conditions (type and status). {@code FailJob} fails the Job with the
 * reason {@code PodFailurePolicy}; {@code Ignore} keeps the failure out of {@code backoffLimit} and
 * {@code status.failed}; {@code Count} (and no match) counts it. Rules with an unknown action are skipped;
 * {@code FailIndex} needs Indexed Jobs, which Kaji does not run, and counts.
 */
final class PodFailurePolicy {

    /** What to do with one failed pod. */
    enum Action { COUNT, IGNORE, FAIL_JOB }

    /** The verdict and, for FailJob, the Job's failure message. */
    record Verdict(Action action, String message) {
        static final Verdict COUNTED = new Verdict(Action.COUNT, null);
    }

    private PodFailurePolicy() {
    }

    static Verdict evaluate(io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicy policy, Pod pod) {
        if (policy == null || policy.getRules() == null) {
            return Verdict.COUNTED;
        }
        List<PodFailurePolicyRule> rules = policy.getRules();
        for (int i = 0; i < rules.size(); i++) {
            PodFailurePolicyRule rule = rules.get(i);
            String action = rule.getAction();
            if (!"FailJob".equals(action) && !"Ignore".equals(action) && !"Count".equals(action)
                    && !"FailIndex".equals(action)) {
                continue;
            }
            String why = null;
            if (rule.getOnExitCodes() != null) {
                ContainerStatus c = matchExitCodes(pod, rule.getOnExitCodes());
                if (c != null) {
                    why = "Container " + c.getName() + " for pod " + pod.getMetadata().getNamespace() + "/"
                            + pod.getMetadata().getName() + " failed with exit code "
                            + c.getState().getTerminated().getExitCode();
                }
            } else if (rule.getOnPodConditions() != null) {
                PodCondition c = matchConditions(pod, rule.getOnPodConditions());
                if (c != null) {
                    why = "Pod " + pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName()
                            + " has condition " + c.getType();
                }
            }
            if (why == null) {
                continue;
            }
            return switch (action) {
                case "Ignore" -> new Verdict(Action.IGNORE, null);
                case "FailJob" -> new Verdict(Action.FAIL_JOB, why + " matching FailJob rule at index " + i);
                default -> Verdict.COUNTED;
            };
        }
        return Verdict.COUNTED;
    }

    private static ContainerStatus matchExitCodes(Pod pod, PodFailurePolicyOnExitCodesRequirement req) {
        if (pod.getStatus() == null) {
            return null;
        }
        ContainerStatus c = firstMatching(pod.getStatus().getContainerStatuses(), req);
        return c != null ? c : firstMatching(pod.getStatus().getInitContainerStatuses(), req);
    }

    private static ContainerStatus firstMatching(List<ContainerStatus> statuses,
                                                 PodFailurePolicyOnExitCodesRequirement req) {
        if (statuses == null) {
            return null;
        }
        for (ContainerStatus s : statuses) {
            if (s.getState() == null || s.getState().getTerminated() == null) {
                continue;
            }
            if (req.getContainerName() != null && !req.getContainerName().equals(s.getName())) {
                continue;
            }
            Integer code = s.getState().getTerminated().getExitCode();
            if (code == null || code == 0) {
                continue;
            }
            List<Integer> values = req.getValues() == null ? List.of() : req.getValues();
            boolean in = values.contains(code);
            if (("In".equals(req.getOperator()) && in) || ("NotIn".equals(req.getOperator()) && !in)) {
                return s;
            }
        }
        return null;
    }

    private static PodCondition matchConditions(Pod pod, List<PodFailurePolicyOnPodConditionsPattern> patterns) {
        if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
            return null;
        }
        for (PodCondition c : pod.getStatus().getConditions()) {
            for (PodFailurePolicyOnPodConditionsPattern p : patterns) {
                String status = p.getStatus() == null ? "True" : p.getStatus();
                if (c.getType().equals(p.getType()) && status.equals(c.getStatus())) {
                    return c;
                }
            }
        }
        return null;
    }
}
