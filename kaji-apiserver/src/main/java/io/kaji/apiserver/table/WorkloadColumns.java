package io.kaji.apiserver.table;

import io.kaji.apiserver.serialization.Json;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/** Columns of the apps/v1 and batch/v1 workloads, as Kubernetes' printers define them. */
public final class WorkloadColumns {

    private static final String TEMPLATE = "spec.template.spec";

    private WorkloadColumns() {
    }

    private static List<Column> withTemplateColumns(List<Column> base) {
        List<Column> all = new ArrayList<>(base);
        all.add(Column.wide("Containers", "Names of each container in the template.",
                (o, now) -> Cells.containerNames(o, TEMPLATE)));
        all.add(Column.wide("Images", "Images referenced by each container in the template.",
                (o, now) -> Cells.containerImages(o, TEMPLATE)));
        all.add(Column.wide("Selector", "Label selector for pods.",
                (o, now) -> Cells.selector(Json.at(o, "spec.selector"))));
        return List.copyOf(all);
    }

    public static List<Column> deployments() {
        return withTemplateColumns(List.of(
                Column.nameColumn(),
                Column.string("Ready", "Number of the pod with ready state",
                        (o, now) -> Cells.number(o, "status.readyReplicas") + "/" + Json.longAt(o, "spec.replicas", 1)),
                Column.integer("Up-to-date", "Total number of non-terminated pods targeted by this deployment that "
                        + "have the desired template spec.", (o, now) -> Cells.number(o, "status.updatedReplicas")),
                Column.integer("Available", "Total number of available pods (ready for at least minReadySeconds) "
                        + "targeted by this deployment.", (o, now) -> Cells.number(o, "status.availableReplicas")),
                Column.ageColumn()));
    }

    public static List<Column> replicaSets() {
        return withTemplateColumns(List.of(
                Column.nameColumn(),
                Column.integer("Desired", "Replicas is the number of desired replicas.",
                        (o, now) -> Json.longAt(o, "spec.replicas", 1)),
                Column.integer("Current", "Replicas is the most recently observed number of replicas.",
                        (o, now) -> Cells.number(o, "status.replicas")),
                Column.integer("Ready", "The number of ready replicas for this replica set.",
                        (o, now) -> Cells.number(o, "status.readyReplicas")),
                Column.ageColumn()));
    }

    public static List<Column> daemonSets() {
        return withTemplateColumns(List.of(
                Column.nameColumn(),
                Column.integer("Desired", "The total number of nodes that should be running the daemon pod.",
                        (o, now) -> Cells.number(o, "status.desiredNumberScheduled")),
                Column.integer("Current", "The number of nodes that are running at least 1 daemon pod.",
                        (o, now) -> Cells.number(o, "status.currentNumberScheduled")),
                Column.integer("Ready", "The number of nodes that should be running the daemon pod and have one or "
                        + "more of the daemon pod running and ready.", (o, now) -> Cells.number(o, "status.numberReady")),
                Column.integer("Up-to-date", "The total number of nodes that are running updated daemon pod",
                        (o, now) -> Cells.number(o, "status.updatedNumberScheduled")),
                Column.integer("Available", "The number of nodes that should be running the daemon pod and have one "
                        + "or more of the daemon pod running and available.",
                        (o, now) -> Cells.number(o, "status.numberAvailable")),
                Column.string("Node Selector", "NodeSelector is a selector which must be true for the pod to fit on "
                        + "a node.", (o, now) -> Cells.labels(Json.at(o, "spec.template.spec.nodeSelector"))),
                Column.ageColumn()));
    }

    public static List<Column> statefulSets() {
        return List.of(
                Column.nameColumn(),
                Column.string("Ready", "Number of the pod with ready state",
                        (o, now) -> Cells.number(o, "status.readyReplicas") + "/" + Json.longAt(o, "spec.replicas", 1)),
                Column.ageColumn(),
                Column.wide("Containers", "Names of each container in the template.",
                        (o, now) -> Cells.containerNames(o, TEMPLATE)),
                Column.wide("Images", "Images referenced by each container in the template.",
                        (o, now) -> Cells.containerImages(o, TEMPLATE)));
    }

    public static List<Column> jobs() {
        return withTemplateColumns(List.of(
                Column.nameColumn(),
                Column.string("Status", "Status of the job.", (o, now) -> jobStatus(o)),
                Column.string("Completions", "The desired number of successfully finished pods the job should be "
                        + "run with.", (o, now) -> completions(o)),
                Column.string("Duration", "Time required to complete the job.", WorkloadColumns::duration),
                Column.ageColumn()));
    }

    public static List<Column> cronJobs() {
        List<Column> base = List.of(
                Column.nameColumn(),
                Column.string("Schedule", "The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.",
                        (o, now) -> Cells.text(o, "spec.schedule", "")),
                Column.string("Timezone", "The time zone name for the given schedule.",
                        (o, now) -> Cells.text(o, "spec.timeZone", Cells.NONE)),
                Column.string("Suspend", "This flag tells the controller to suspend subsequent executions.",
                        (o, now) -> Boolean.toString(Json.at(o, "spec.suspend") != null
                                && Json.at(o, "spec.suspend").asBoolean(false))),
                Column.integer("Active", "A list of pointers to currently running jobs.",
                        (o, now) -> Cells.list(o, "status.active").size()),
                Column.string("Last Schedule", "Information when was the last time the job was successfully "
                        + "scheduled.", (o, now) -> Cells.instant(o, "status.lastScheduleTime") == null ? Cells.NONE
                        : Cells.age(o, "status.lastScheduleTime", now)),
                Column.ageColumn());
        List<Column> all = new ArrayList<>(base);
        String spec = "spec.jobTemplate.spec.template.spec";
        all.add(Column.wide("Containers", "Names of each container in the template.",
                (o, now) -> Cells.containerNames(o, spec)));
        all.add(Column.wide("Images", "Images referenced by each container in the template.",
                (o, now) -> Cells.containerImages(o, spec)));
        all.add(Column.wide("Selector", "Label selector for pods.",
                (o, now) -> Cells.selector(Json.at(o, "spec.jobTemplate.spec.selector"))));
        return List.copyOf(all);
    }

    private static String completions(JsonNode job) {
        JsonNode c = Json.at(job, "spec.completions");
        long succeeded = Cells.number(job, "status.succeeded");
        if (c != null && c.isNumber()) {
            return succeeded + "/" + c.asLong();
        }
        JsonNode p = Json.at(job, "spec.parallelism");
        long parallelism = p != null && p.isNumber() ? p.asLong() : 1;
        return parallelism > 1 ? succeeded + "/1 of " + parallelism : succeeded + "/1";
    }

    /**
     * The Status column as Kubernetes' job printer words it: by precedence, not by the conditions' order (a finished
     * Job has SuccessCriteriaMet before Complete).
     */
    private static String jobStatus(JsonNode job) {
        java.util.Set<String> on = new java.util.HashSet<>();
        for (JsonNode c : Cells.list(job, "status.conditions")) {
            if ("True".equals(Cells.text(c, "status", ""))) {
                on.add(Cells.text(c, "type", ""));
            }
        }
        if (on.contains("Complete")) {
            return "Complete";
        }
        if (on.contains("Failed")) {
            return "Failed";
        }
        if (Json.at(job, "metadata.deletionTimestamp") != null) {
            return "Terminating";
        }
        for (String type : List.of("Suspended", "FailureTarget", "SuccessCriteriaMet")) {
            if (on.contains(type)) {
                return type;
            }
        }
        return "Running";
    }

    private static String duration(tools.jackson.databind.node.ObjectNode job, Instant now) {
        Instant start = Cells.instant(job, "status.startTime");
        if (start == null) {
            return "";
        }
        Instant end = Cells.instant(job, "status.completionTime");
        return HumanDuration.format(Duration.between(start, end == null ? now : end));
    }
}
