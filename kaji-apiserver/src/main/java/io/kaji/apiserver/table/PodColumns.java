package io.kaji.apiserver.table;

import io.kaji.apiserver.serialization.Json;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The pod columns of {@code kubectl get pods}: NAME READY STATUS RESTARTS AGE, wide IP NODE NOMINATED NODE
 * READINESS GATES, with the STATUS reasoning of Kubernetes' pod printer (init containers, waiting and terminated
 * reasons, Terminating).
 */
public final class PodColumns {

    private PodColumns() {
    }

    public static List<Column> columns() {
        return List.of(
                Column.nameColumn(),
                Column.string("Ready", "The aggregate readiness state of this pod for accepting traffic.",
                        (o, now) -> ready(o)),
                Column.string("Status", "The aggregate status of the containers in this pod.",
                        (o, now) -> status(o)),
                Column.string("Restarts", "The number of times the containers in this pod have been restarted and "
                        + "when the last container in this pod has restarted.", PodColumns::restarts),
                Column.ageColumn(),
                Column.wide("IP", "IP address allocated to the pod. Routable at least within the cluster.",
                        (o, now) -> Cells.text(o, "status.podIP", Cells.NONE)),
                Column.wide("Node", "Name of the Node this pod is assigned to.",
                        (o, now) -> Cells.text(o, "spec.nodeName", Cells.NONE)),
                Column.wide("Nominated Node", "Name of the node this pod is nominated to run on.",
                        (o, now) -> Cells.text(o, "status.nominatedNodeName", Cells.NONE)),
                Column.wide("Readiness Gates", "Readiness gates of this pod.", (o, now) -> readinessGates(o)));
    }

    /** Ready of all containers, sidecars (init containers with restartPolicy Always) included, as kubectl counts. */
    static String ready(ObjectNode pod) {
        java.util.Set<String> sidecars = sidecars(pod);
        int total = Cells.list(pod, "spec.containers").size() + sidecars.size();
        int ready = 0;
        for (JsonNode cs : Cells.list(pod, "status.containerStatuses")) {
            if (cs.path("ready").asBoolean(false)) {
                ready++;
            }
        }
        for (JsonNode cs : Cells.list(pod, "status.initContainerStatuses")) {
            if (sidecars.contains(Cells.text(cs, "name", "")) && cs.path("ready").asBoolean(false)) {
                ready++;
            }
        }
        return ready + "/" + total;
    }

    private static java.util.Set<String> sidecars(ObjectNode pod) {
        java.util.Set<String> names = new java.util.HashSet<>();
        for (JsonNode c : Cells.list(pod, "spec.initContainers")) {
            if ("Always".equals(Cells.text(c, "restartPolicy", ""))) {
                names.add(Cells.text(c, "name", ""));
            }
        }
        return names;
    }

    static String status(ObjectNode pod) {
        String reason = Cells.text(pod, "status.phase", "Pending");
        reason = Cells.text(pod, "status.reason", reason);
        for (JsonNode c : Cells.list(pod, "status.conditions")) {
            if ("PodScheduled".equals(Cells.text(c, "type", ""))
                    && "SchedulingGated".equals(Cells.text(c, "reason", ""))) {
                reason = "SchedulingGated";
            }
        }

        List<JsonNode> initStatuses = Cells.list(pod, "status.initContainerStatuses");
        int initCount = Cells.list(pod, "spec.initContainers").size();
        java.util.Set<String> sidecars = sidecars(pod);
        boolean initializing = false;
        for (int i = 0; i < initStatuses.size(); i++) {
            JsonNode st = initStatuses.get(i).path("state");
            JsonNode term = st.get("terminated");
            JsonNode wait = st.get("waiting");
            if (term != null && term.path("exitCode").asInt(0) == 0) {
                continue;
            }
            if (sidecars.contains(Cells.text(initStatuses.get(i), "name", ""))
                    && initStatuses.get(i).path("started").asBoolean(false)) {
                continue;
            }
            initializing = true;
            if (term != null) {
                String r = Cells.text(term, "reason", "");
                reason = r.isEmpty() ? terminatedCode(term) : "Init:" + r;
            } else if (wait != null && !Cells.text(wait, "reason", "").isEmpty()
                    && !"PodInitializing".equals(Cells.text(wait, "reason", ""))) {
                reason = "Init:" + Cells.text(wait, "reason", "");
            } else {
                reason = "Init:" + i + "/" + initCount;
            }
            break;
        }
        if (!initializing || hasCondition(pod, "Initialized")) {
            boolean hasRunning = false;
            List<JsonNode> statuses = Cells.list(pod, "status.containerStatuses");
            for (int i = statuses.size() - 1; i >= 0; i--) {
                JsonNode cs = statuses.get(i);
                JsonNode st = cs.path("state");
                JsonNode wait = st.get("waiting");
                JsonNode term = st.get("terminated");
                if (wait != null && !Cells.text(wait, "reason", "").isEmpty()) {
                    reason = Cells.text(wait, "reason", "");
                } else if (term != null && !Cells.text(term, "reason", "").isEmpty()) {
                    reason = Cells.text(term, "reason", "");
                } else if (term != null) {
                    reason = terminatedCode(term);
                } else if (st.has("running") && cs.path("ready").asBoolean(false)) {
                    hasRunning = true;
                }
            }
            if ("Completed".equals(reason) && hasRunning) {
                reason = hasCondition(pod, "Ready") ? "Running" : "NotReady";
            }
        }
        if (Json.at(pod, "metadata.deletionTimestamp") != null && !"NodeLost".equals(Cells.text(pod, "status.reason", ""))) {
            reason = "Terminating";
        } else if ("NodeLost".equals(Cells.text(pod, "status.reason", ""))) {
            reason = "Unknown";
        }
        return reason;
    }

    private static String terminatedCode(JsonNode term) {
        int signal = term.path("signal").asInt(0);
        return signal != 0 ? "Signal:" + signal : "ExitCode:" + term.path("exitCode").asInt(0);
    }

    private static boolean hasCondition(ObjectNode pod, String type) {
        for (JsonNode c : Cells.list(pod, "status.conditions")) {
            if (type.equals(Cells.text(c, "type", "")) && "True".equals(Cells.text(c, "status", ""))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Restarts of all containers while the pod initializes; once it is initialized, of the regular containers and
     * the sidecars only (a finished init container's retries are history), as kubectl prints them.
     */
    static String restarts(ObjectNode pod, Instant now) {
        long restarts = 0;
        Instant last = null;
        boolean initialized = hasCondition(pod, "Initialized");
        java.util.Set<String> sidecars = sidecars(pod);
        for (String path : List.of("status.initContainerStatuses", "status.containerStatuses")) {
            for (JsonNode cs : Cells.list(pod, path)) {
                if (initialized && path.startsWith("status.init") && !sidecars.contains(Cells.text(cs, "name", ""))) {
                    continue;
                }
                restarts += cs.path("restartCount").asLong(0);
                Instant finished = Cells.instant(cs, "lastState.terminated.finishedAt");
                if (finished != null && (last == null || finished.isAfter(last))) {
                    last = finished;
                }
            }
        }
        if (restarts > 0 && last != null) {
            return restarts + " (" + HumanDuration.format(Duration.between(last, now)) + " ago)";
        }
        return Long.toString(restarts);
    }

    static String readinessGates(ObjectNode pod) {
        List<JsonNode> gates = Cells.list(pod, "spec.readinessGates");
        if (gates.isEmpty()) {
            return Cells.NONE;
        }
        int trueGates = 0;
        for (JsonNode g : gates) {
            String type = Cells.text(g, "conditionType", "");
            for (JsonNode c : Cells.list(pod, "status.conditions")) {
                if (type.equals(Cells.text(c, "type", "")) && "True".equals(Cells.text(c, "status", ""))) {
                    trueGates++;
                }
            }
        }
        return trueGates + "/" + gates.size();
    }
}
