package io.kaji.support.diagnose;

import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import java.util.ArrayList;
import java.util.List;

/** Jobs that failed (back-off limit, deadline, pod failure policy) and CronJobs that are suspended or never ran. */
public final class JobAnalyzer implements Analyzer {

    static final String NAME = "Job";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<Diagnosis> analyze(ClusterSnapshot cluster, DiagnoseContext context) {
        List<Diagnosis> out = new ArrayList<>();
        for (Job job : cluster.jobs()) {
            JobCondition failed = job.getStatus() == null || job.getStatus().getConditions() == null ? null
                    : job.getStatus().getConditions().stream()
                            .filter(c -> "Failed".equals(c.getType()) && "True".equals(c.getStatus())).findFirst()
                            .orElse(null);
            if (failed == null) {
                continue;
            }
            String ns = job.getMetadata().getNamespace();
            List<String> evidence = new ArrayList<>();
            evidence.add("condition Failed: " + failed.getReason() + ": " + failed.getMessage());
            evidence.add("failed pods " + (job.getStatus().getFailed() == null ? 0 : job.getStatus().getFailed())
                    + ", backoffLimit " + job.getSpec().getBackoffLimit());
            String fix = switch (failed.getReason() == null ? "" : failed.getReason()) {
                case "BackoffLimitExceeded" -> "read the failed pods' logs (kubectl logs job/"
                        + job.getMetadata().getName() + " -n " + ns + "), fix the error, and run the Job again";
                case "DeadlineExceeded" -> "the Job ran longer than activeDeadlineSeconds: speed it up or raise "
                        + "the deadline";
                default -> "kubectl describe job " + job.getMetadata().getName() + " -n " + ns;
            };
            out.add(new Diagnosis(NAME, Severity.ERROR, "Job", ns, job.getMetadata().getName(), "failed",
                    failed.getMessage(), evidence, fix));
        }
        for (CronJob cj : cluster.cronJobs()) {
            if (Boolean.TRUE.equals(cj.getSpec().getSuspend())) {
                out.add(new Diagnosis(NAME, Severity.INFO, "CronJob", cj.getMetadata().getNamespace(),
                        cj.getMetadata().getName(), "suspended: it starts no Jobs", "spec.suspend=true",
                        List.of("spec.suspend=true"), "kubectl patch cronjob " + cj.getMetadata().getName()
                                + " -p '{\"spec\":{\"suspend\":false}}' to resume"));
            }
        }
        return out;
    }
}
