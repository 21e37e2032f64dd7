package io.kaji.support.assess;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Runs every check of a registry over one {@link AssessmentContext} and applies exemptions. A check whose needed
 * lists failed is not run: it reports one ERROR finding per failed list, "could not be evaluated: &lt;reason&gt;",
 * so restricted access never looks like compliance. A check that throws reports ERROR with the exception; the
 * other checks still run. Thread-safe if the checks are (the built-in ones are stateless).
 */
public final class Assessor {

    private final List<Check> checks;
    private final Exemptions exemptions;
    private final Clock clock;

    public Assessor(List<Check> checks, Exemptions exemptions, Clock clock) {
        this.checks = List.copyOf(checks);
        this.exemptions = exemptions;
        this.clock = clock;
    }

    /** Runs the assessment; {@code server} is the API server's URL for the report (null if unknown). */
    public Report run(AssessmentContext context, String server) {
        int[] used = new int[exemptions.rules().size()];
        List<CheckResult> results = new ArrayList<>();
        for (Check check : checks) {
            List<Finding> findings = new ArrayList<>();
            for (Finding f : evaluate(check, context)) {
                Finding withRemediation = f.withDefaultRemediation(check.remediation());
                var rule = exemptions.match(check.id(), withRemediation);
                if (rule.isPresent()) {
                    used[rule.get()]++;
                    withRemediation = withRemediation.exempted(exemptions.rules().get(rule.get()).reason());
                }
                findings.add(withRemediation);
            }
            results.add(CheckResult.of(check, findings));
        }
        List<Exemptions.Use> uses = new ArrayList<>();
        for (int i = 0; i < used.length; i++) {
            uses.add(new Exemptions.Use(exemptions.rules().get(i), used[i]));
        }
        String host = context.host().present()
                ? context.host().dataDir() + (context.host().flagSource() != null
                        ? " (flags from " + context.host().flagSource() + ")" : "")
                : null;
        return new Report(clock.instant(), server, context.serverVersion(), context.targetVersion(), host,
                results, uses);
    }

    private static List<Finding> evaluate(Check check, AssessmentContext context) {
        Map<ResourceKind, String> failed = new TreeMap<>();
        for (ResourceKind kind : check.needs()) {
            context.cluster().failure(kind).ifPresent(reason -> failed.put(kind, reason));
        }
        if (!failed.isEmpty()) {
            List<Finding> errors = new ArrayList<>();
            for (String reason : failed.values()) {
                errors.add(Finding.error(ObjectRef.CLUSTER, "could not be evaluated: " + reason));
            }
            return errors;
        }
        try {
            List<Finding> found = check.evaluator().evaluate(context);
            return found == null ? List.of() : found;
        } catch (RuntimeException e) {
            return List.of(Finding.error(ObjectRef.CLUSTER, "could not be evaluated: the check failed: " + e));
        }
    }
}
