package io.kaji.support.diagnose;

import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.util.ArrayList;
import java.util.List;

/**
 * PodDisruptionBudgets that block maintenance: one that allows no disruption even with every pod healthy (so
 * {@code kubectl drain} waits forever), one whose pods are unhealthy (evictions refused until they recover), and one
 * that selects no pods.
 */
public final class BudgetAnalyzer implements Analyzer {

    static final String NAME = "PodDisruptionBudget";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<Diagnosis> analyze(ClusterSnapshot cluster, DiagnoseContext context) {
        List<Diagnosis> out = new ArrayList<>();
        for (PodDisruptionBudget b : cluster.budgets()) {
            var st = b.getStatus();
            if (st == null || st.getObservedGeneration() == null) {
                continue; // not processed yet
            }
            String ns = b.getMetadata().getNamespace();
            String name = b.getMetadata().getName();
            int expected = st.getExpectedPods() == null ? 0 : st.getExpectedPods();
            int healthy = st.getCurrentHealthy() == null ? 0 : st.getCurrentHealthy();
            int desired = st.getDesiredHealthy() == null ? 0 : st.getDesiredHealthy();
            int allowed = st.getDisruptionsAllowed() == null ? 0 : st.getDisruptionsAllowed();
            String rule = b.getSpec().getMinAvailable() != null ? "minAvailable=" + text(b.getSpec().getMinAvailable())
                    : b.getSpec().getMaxUnavailable() != null ? "maxUnavailable="
                            + text(b.getSpec().getMaxUnavailable()) : "no minAvailable/maxUnavailable";
            List<String> evidence = List.of(rule, "expected " + expected + ", healthy " + healthy + ", desired healthy "
                    + desired + ", disruptions allowed " + allowed);
            if (expected == 0) {
                out.add(new Diagnosis(NAME, Severity.INFO, "PodDisruptionBudget", ns, name, "selects no pods",
                        "its selector matches no pod in namespace " + ns, evidence,
                        "correct spec.selector, or delete the budget if its workload is gone"));
            } else if (allowed == 0 && healthy >= expected) {
                out.add(new Diagnosis(NAME, Severity.WARNING, "PodDisruptionBudget", ns, name,
                        "allows no voluntary disruption even with every pod healthy: kubectl drain and node "
                                + "maintenance will wait forever",
                        "the budget requires " + desired + " healthy pods out of " + expected, evidence,
                        "allow at least one disruption: lower minAvailable below the replica count, use maxUnavailable: "
                                + "1, or add replicas"));
            } else if (allowed == 0) {
                out.add(new Diagnosis(NAME, Severity.WARNING, "PodDisruptionBudget", ns, name,
                        "evictions are refused: only " + healthy + " of the " + desired + " required pods are healthy",
                        "pods it protects are not ready (see their diagnoses)", evidence,
                        "fix the unhealthy pods; drains continue once enough are ready"));
            }
        }
        return out;
    }

    private static String text(io.fabric8.kubernetes.api.model.IntOrString v) {
        return v.getIntVal() != null ? String.valueOf(v.getIntVal()) : v.getStrVal();
    }
}
