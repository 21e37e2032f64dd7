package io.kaji.support.diagnose;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStateWaiting;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Volume;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Pods that do not run as declared: containers crash-looping (with the exit code read and the previous
 * container's last log lines quoted), killed for memory, images that cannot be pulled (the registry's answer
 * classified), missing ConfigMaps/Secrets, pods that cannot be scheduled (the scheduler's reasons, and nodeSelectors
 * that no node matches), failing liveness and readiness probes, pods stuck creating or terminating, evictions.
 */
public final class PodAnalyzer implements Analyzer {

    static final String NAME = "Pod";
    /** How long a pod may stay Pending unscheduled, creating, or unready before it is a problem. */
    static final Duration GRACE = Duration.ofSeconds(30);
    private static final int LOG_LINES = 30;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<Diagnosis> analyze(ClusterSnapshot cluster, DiagnoseContext context) {
        List<Diagnosis> out = new ArrayList<>();
        for (Pod pod : cluster.pods()) {
            if (pod.getStatus() == null || "Succeeded".equals(pod.getStatus().getPhase())) {
                continue;
            }
            new PodCheck(pod, cluster, context, out).run();
        }
        return out;
    }

    /** The checks of one pod; each adds at most one diagnosis per container and problem. */
    private static final class PodCheck {
        private final Pod pod;
        private final ClusterSnapshot cluster;
        private final DiagnoseContext ctx;
        private final List<Diagnosis> out;
        private final String ns;
        private final String name;
        private final List<Event> events;

        PodCheck(Pod pod, ClusterSnapshot cluster, DiagnoseContext ctx, List<Diagnosis> out) {
            this.pod = pod;
            this.cluster = cluster;
            this.ctx = ctx;
            this.out = out;
            this.ns = pod.getMetadata().getNamespace();
            this.name = pod.getMetadata().getName();
            this.events = cluster.eventsFor("Pod", ns, name);
        }

        void run() {
            if (terminating() || evicted()) {
                return;
            }
            if (pod.getSpec().getNodeName() == null || pod.getSpec().getNodeName().isEmpty()) {
                unscheduled();
                return;
            }
            boolean containerProblem = false;
            for (ContainerStatus s : statuses()) {
                containerProblem |= container(s);
            }
            if (!containerProblem) {
                notReady();
                stuckCreating();
            }
            if ("Failed".equals(pod.getStatus().getPhase()) && !containerProblem && owner() == null) {
                add(Severity.ERROR, "the pod failed" + reasonSuffix(pod.getStatus().getReason()),
                        nonEmpty(pod.getStatus().getMessage(), "the pod's phase is Failed"),
                        List.of("status.phase=Failed"), "look at its containers' exit codes: kubectl describe pod "
                                + name + " -n " + ns);
            }
        }

        private List<ContainerStatus> statuses() {
            List<ContainerStatus> all = new ArrayList<>();
            if (pod.getStatus().getInitContainerStatuses() != null) {
                all.addAll(pod.getStatus().getInitContainerStatuses());
            }
            if (pod.getStatus().getContainerStatuses() != null) {
                all.addAll(pod.getStatus().getContainerStatuses());
            }
            return all;
        }

        private boolean terminating() {
            String deletion = pod.getMetadata().getDeletionTimestamp();
            if (deletion == null) {
                return false;
            }
            long grace = pod.getMetadata().getDeletionGracePeriodSeconds() == null ? 30
                    : pod.getMetadata().getDeletionGracePeriodSeconds();
            // deletionTimestamp is already "deleted at + grace": a pod past it by two minutes is stuck.
            Duration over = Duration.between(Instant.parse(deletion), ctx.now());
            if (over.compareTo(Duration.ofMinutes(2)) < 0) {
                return true;
            }
            List<String> evidence = new ArrayList<>();
            evidence.add("metadata.deletionTimestamp=" + deletion + " (grace " + grace + " s)");
            List<String> finalizers = pod.getMetadata().getFinalizers();
            String cause;
            String fix;
            Node node = cluster.node(pod.getSpec().getNodeName() == null ? "" : pod.getSpec().getNodeName())
                    .orElse(null);
            if (finalizers != null && !finalizers.isEmpty()) {
                evidence.add("metadata.finalizers=" + finalizers);
                cause = "finalizers " + finalizers + " have not been removed by the controllers that own them";
                fix = "find the controller responsible for " + finalizers + "; as a last resort remove them: kubectl "
                        + "patch pod " + name + " -n " + ns + " --type=merge -p '{\"metadata\":{\"finalizers\":null}}'";
            } else if (node != null && !NodeAnalyzer.ready(node)) {
                evidence.add("node " + node.getMetadata().getName() + " is not Ready");
                cause = "its node " + node.getMetadata().getName() + " is not Ready, so no agent confirms the "
                        + "containers stopped";
                fix = "bring the node back, or if it is gone for good: kubectl delete node "
                        + node.getMetadata().getName() + " (its pods are then removed)";
            } else {
                cause = "the node agent has not confirmed that the containers stopped";
                fix = "check the node agent on " + pod.getSpec().getNodeName()
                        + "; kubectl delete pod --grace-period=0 --force removes the object without waiting";
            }
            add(Severity.WARNING, "stuck terminating for " + human(over.plusSeconds(grace)), cause, evidence, fix);
            return true;
        }

        private boolean evicted() {
            if (!"Evicted".equals(pod.getStatus().getReason())) {
                return false;
            }
            add(Severity.WARNING, "evicted", nonEmpty(pod.getStatus().getMessage(), "the node ran short of resources"),
                    List.of("status.reason=Evicted"), "the node was under pressure: set requests/limits matching the "
                            + "real usage so the scheduler places it where it fits; delete the evicted pod object");
            return true;
        }

        private void unscheduled() {
            Duration age = age();
            PodCondition scheduled = condition("PodScheduled");
            if (scheduled != null && "False".equals(scheduled.getStatus())) {
                String message = nonEmpty(scheduled.getMessage(), "");
                List<String> evidence = new ArrayList<>();
                evidence.add("condition PodScheduled=False reason=" + scheduled.getReason()
                        + (message.isEmpty() ? "" : ": " + message));
                String cause = schedulingCause(message, evidence);
                add(Severity.ERROR, "Pending: cannot be scheduled", cause, evidence, schedulingFix(message));
                return;
            }
            if (age.compareTo(GRACE) < 0) {
                return;
            }
            List<String> evidence = new ArrayList<>();
            evidence.add("Pending for " + human(age) + " with no node and no PodScheduled condition");
            String scheduler = pod.getSpec().getSchedulerName() == null ? "default-scheduler"
                    : pod.getSpec().getSchedulerName();
            evidence.add("spec.schedulerName=" + scheduler);
            add(Severity.ERROR, "Pending: no scheduler has looked at it",
                    "default-scheduler".equals(scheduler) ? "the scheduler is not running or not leading"
                            : "no scheduler named " + scheduler + " is running",
                    evidence, "default-scheduler".equals(scheduler)
                            ? "check the scheduler (kaji status shows its leader; kubectl get lease -n kube-system)"
                            : "start the scheduler " + scheduler + ", or remove spec.schedulerName");
        }

        private String schedulingCause(String message, List<String> evidence) {
            List<String> causes = new ArrayList<>();
            Map<String, String> selector = pod.getSpec().getNodeSelector();
            if (selector != null && !selector.isEmpty() && cluster.has("nodes")) {
                boolean any = cluster.nodes().stream().anyMatch(n -> n.getMetadata().getLabels() != null
                        && n.getMetadata().getLabels().entrySet().containsAll(selector.entrySet()));
                if (!any) {
                    causes.add("its nodeSelector " + selector + " matches no node");
                    evidence.add("spec.nodeSelector=" + selector + " matches none of " + cluster.nodes().size()
                            + " nodes");
                }
            }
            String m = message.toLowerCase(Locale.ROOT);
            if (m.contains("insufficient")) {
                for (String resource : List.of("cpu", "memory", "pods", "ephemeral-storage")) {
                    if (m.contains("insufficient " + resource)) {
                        String requested = requested(resource);
                        causes.add("not enough free " + resource + " on any node"
                                + (requested == null ? "" : " for its request of " + requested));
                        String largest = largestAllocatable(resource);
                        if (largest != null) {
                            evidence.add("largest allocatable " + resource + " on a node: " + largest);
                        }
                    }
                }
            }
            if (m.contains("untolerated taint")) {
                causes.add("nodes carry taints the pod does not tolerate");
            }
            if (m.contains("didn't match pod's node affinity/selector") && causes.stream()
                    .noneMatch(c -> c.contains("nodeSelector"))) {
                causes.add("its node affinity/selector excludes the nodes");
            }
            if (m.contains("anti-affinity")) {
                causes.add("pod anti-affinity rules exclude the nodes that have room");
            }
            if (m.contains("unschedulable")) {
                causes.add("nodes are cordoned (unschedulable)");
            }
            if (m.contains("persistentvolumeclaim")) {
                causes.add("a PersistentVolumeClaim it uses is not bound");
            }
            if (m.contains("topology spread")) {
                causes.add("topology spread constraints cannot be met");
            }
            if (causes.isEmpty()) {
                return message.isEmpty() ? "the scheduler found no node for it" : message;
            }
            return String.join("; ", causes);
        }

        private String schedulingFix(String message) {
            String m = message.toLowerCase(Locale.ROOT);
            List<String> fixes = new ArrayList<>();
            if (m.contains("insufficient")) {
                fixes.add("lower the pod's resource requests or add capacity (more or bigger nodes)");
            }
            if (m.contains("untolerated taint")) {
                fixes.add("add a matching toleration, or remove the taint (kubectl taint nodes NODE KEY-)");
            }
            if (m.contains("node affinity/selector") || pod.getSpec().getNodeSelector() != null) {
                fixes.add("correct spec.nodeSelector/affinity, or label a node to match (kubectl label node NODE "
                        + "k=v)");
            }
            if (m.contains("unschedulable")) {
                fixes.add("uncordon a node (kubectl uncordon NODE)");
            }
            if (m.contains("persistentvolumeclaim")) {
                fixes.add("see the PersistentVolumeClaim's diagnosis");
            }
            return fixes.isEmpty() ? "kubectl describe pod " + name + " -n " + ns + " shows the scheduler's events"
                    : String.join("; ", fixes);
        }

        /** One container's problem; true if it had one. */
        private boolean container(ContainerStatus s) {
            ContainerStateWaiting waiting = s.getState() == null ? null : s.getState().getWaiting();
            ContainerStateTerminated last = s.getLastState() == null ? null : s.getLastState().getTerminated();
            ContainerStateTerminated now = s.getState() == null ? null : s.getState().getTerminated();
            String reason = waiting == null ? null : waiting.getReason();
            if ("CrashLoopBackOff".equals(reason)) {
                crashLoop(s, waiting, last);
                return true;
            }
            if (reason != null && Set.of("ImagePullBackOff", "ErrImagePull", "InvalidImageName", "ErrImageNeverPull")
                    .contains(reason)) {
                imagePull(s, waiting);
                return true;
            }
            if ("CreateContainerConfigError".equals(reason)) {
                configError(s, waiting);
                return true;
            }
            if (reason != null && Set.of("CreateContainerError", "RunContainerError", "ContainerCannotRun",
                    "StartError", "PostStartHookError").contains(reason)) {
                add(Severity.ERROR, "container " + s.getName() + " cannot start (" + reason + ")",
                        nonEmpty(waiting.getMessage(), "the runtime refused to create or start it"),
                        List.of("state.waiting.reason=" + reason), "check the container's command, args, user and "
                                + "volumes against the image: kubectl describe pod " + name + " -n " + ns);
                return true;
            }
            ContainerStateTerminated oom = now != null && "OOMKilled".equals(now.getReason()) ? now
                    : last != null && "OOMKilled".equals(last.getReason()) ? last : null;
            if (oom != null) {
                oomKilled(s, oom);
                return true;
            }
            if (now != null && now.getExitCode() != null && now.getExitCode() != 0
                    && "Failed".equals(pod.getStatus().getPhase()) && owner() == null) {
                crashed(s, now, Severity.ERROR, "container " + s.getName() + " failed with exit code "
                        + now.getExitCode());
                return true;
            }
            List<String> liveness = probeFailures("Liveness", s.getName());
            if (!liveness.isEmpty() && s.getRestartCount() != null && s.getRestartCount() > 0) {
                List<String> evidence = new ArrayList<>(liveness);
                evidence.add(0, "restartCount=" + s.getRestartCount());
                add(Severity.WARNING, "container " + s.getName() + " is restarted by its liveness probe",
                        "the liveness probe fails: " + stripEventPrefix(liveness.get(liveness.size() - 1)),
                        evidence, probeFix("liveness", s.getName()));
                return true;
            }
            return false;
        }

        private void crashLoop(ContainerStatus s, ContainerStateWaiting waiting, ContainerStateTerminated last) {
            if (last != null && "OOMKilled".equals(last.getReason())) {
                oomKilled(s, last);
                return;
            }
            crashed(s, last, Severity.ERROR, "container " + s.getName() + " is in CrashLoopBackOff (restarted "
                    + (s.getRestartCount() == null ? 0 : s.getRestartCount()) + " times)");
        }

        private void crashed(ContainerStatus s, ContainerStateTerminated term, Severity severity, String symptom) {
            List<String> evidence = new ArrayList<>();
            Integer code = term == null ? null : term.getExitCode();
            if (term != null) {
                evidence.add("last termination: exit code " + code + (term.getReason() == null ? ""
                        : ", reason " + term.getReason()) + (term.getFinishedAt() == null ? ""
                        : ", at " + term.getFinishedAt()));
                if (term.getMessage() != null && !term.getMessage().isBlank()) {
                    evidence.add("termination message: " + term.getMessage().strip());
                }
            }
            List<String> tail = ctx.logs().tail(ns, name, s.getName(), term != null && s.getState() != null
                    && s.getState().getTerminated() == null, LOG_LINES);
            evidence.addAll(LogEvidence.summarize(tail));
            List<String> liveness = probeFailures("Liveness", s.getName());
            String cause;
            String fix;
            if (code == null) {
                cause = "the container keeps exiting";
                fix = "read its logs: kubectl logs " + name + " -n " + ns + " -c " + s.getName() + " --previous";
            } else if (code == 0) {
                cause = "the process exits successfully, and restartPolicy " + pod.getSpec().getRestartPolicy()
                        + " starts it again: the container's command does not keep running";
                fix = "run a long-lived process (a server in the foreground), or use a Job for one-shot work";
            } else if (code == 127 || LogEvidence.mentions(tail, "not found") && code == 1
                    && LogEvidence.mentions(tail, "exec")) {
                cause = "the command is not found in the image (exit code " + code + ")";
                fix = "correct command/args (" + commandOf(s.getName()) + ") or the image";
            } else if (code == 126) {
                cause = "the command exists but cannot be executed (exit code 126: permission or format)";
                fix = "check the file's mode and architecture in the image, and the container's user";
            } else if (code == 137 && !liveness.isEmpty()) {
                cause = "the kubelet kills it because its liveness probe fails: "
                        + stripEventPrefix(liveness.get(liveness.size() - 1));
                evidence.addAll(liveness);
                fix = probeFix("liveness", s.getName());
            } else if (code == 137) {
                cause = "it was killed with SIGKILL (exit code 137) without running out of memory: an external kill";
                fix = "check who kills it (probes, node pressure, a supervisor in the image)";
            } else if (code == 139) {
                cause = "it crashed with a segmentation fault (exit code 139)";
                fix = "the binary crashes: check the image's architecture and the application";
            } else if (code == 143) {
                cause = "it stopped on SIGTERM (exit code 143)";
                fix = "something asks it to stop: check preStop hooks and who deletes it";
            } else {
                String line = LogEvidence.lastError(tail);
                cause = "the application exits with code " + code + (line == null ? "" : ": " + line);
                fix = "fix the error its log shows: kubectl logs " + name + " -n " + ns + " -c " + s.getName()
                        + " --previous";
            }
            add(severity, symptom, cause, evidence, fix);
        }

        private void oomKilled(ContainerStatus s, ContainerStateTerminated term) {
            Container spec = containerSpec(s.getName());
            String limit = spec == null || spec.getResources() == null || spec.getResources().getLimits() == null
                    ? null : text(spec.getResources().getLimits().get("memory"));
            List<String> evidence = new ArrayList<>();
            evidence.add("terminated: reason OOMKilled, exit code " + term.getExitCode()
                    + (term.getFinishedAt() == null ? "" : ", at " + term.getFinishedAt()));
            evidence.add(limit == null ? "no memory limit: the node itself ran out of memory"
                    : "resources.limits.memory=" + limit);
            evidence.add("restartCount=" + (s.getRestartCount() == null ? 0 : s.getRestartCount()));
            add(Severity.ERROR, "container " + s.getName() + " was OOMKilled",
                    limit == null ? "it used more memory than the node had free"
                            : "it used more memory than its limit of " + limit,
                    evidence, limit == null ? "set a memory request/limit matching its real use, or fix the leak"
                            : "raise resources.limits.memory above its peak use (kubectl top pod shows the use), or "
                                    + "lower the application's memory use (heap size, caches)");
        }

        private void imagePull(ContainerStatus s, ContainerStateWaiting waiting) {
            String image = s.getImage() != null && !s.getImage().isEmpty() ? s.getImage() : imageOf(s.getName());
            String message = nonEmpty(waiting.getMessage(), "");
            for (Event e : events) {
                if (("Failed".equals(e.getReason()) || "ErrImagePull".equals(e.getReason()))
                        && e.getMessage() != null && e.getMessage().contains(image)) {
                    message = message.isEmpty() ? e.getMessage() : message;
                }
            }
            List<String> evidence = new ArrayList<>();
            evidence.add("image=" + image);
            evidence.add("state.waiting.reason=" + waiting.getReason() + (message.isEmpty() ? "" : ": " + message));
            String m = message.toLowerCase(Locale.ROOT);
            String cause;
            String fix;
            if ("InvalidImageName".equals(waiting.getReason())) {
                cause = "the image reference is not valid";
                fix = "correct the image name (registry/repository:tag)";
            } else if ("ErrImageNeverPull".equals(waiting.getReason())) {
                cause = "imagePullPolicy is Never and the image is not on the node";
                fix = "import the image into the node (kaji image import FILE.tar) or change imagePullPolicy";
            } else if (m.contains("not found") || m.contains("manifest unknown") || m.contains("name unknown")) {
                cause = "the registry has no such image or tag";
                fix = "check the repository name and tag (a typo, or a tag that was never pushed)";
            } else if (m.contains("unauthorized") || m.contains("authentication required") || m.contains("denied")
                    || m.contains("forbidden")) {
                cause = "the registry refused the credentials (or none were given)";
                fix = "add imagePullSecrets with credentials for " + registry(image) + " (kubectl create secret "
                        + "docker-registry)";
            } else if (m.contains("no such host") || m.contains("lookup ") || m.contains("name resolution")) {
                cause = "the registry's name " + registry(image) + " does not resolve from the node";
                fix = "correct the registry name, or fix the node's DNS";
            } else if (m.contains("connection refused") || m.contains("i/o timeout") || m.contains("dial tcp")
                    || m.contains("network is unreachable") || m.contains("timeout")) {
                cause = "the registry " + registry(image) + " cannot be reached from the node";
                fix = "check the registry is up and reachable from the node (proxy, firewall), or use a local "
                        + "mirror / kaji image import";
            } else if (m.contains("server gave http response to https client")) {
                cause = "the registry " + registry(image) + " speaks plain HTTP but is contacted over HTTPS";
                fix = "configure the registry as insecure (plain HTTP) for the node's containerd, or give it TLS";
            } else {
                cause = message.isEmpty() ? "the image cannot be pulled" : "the pull fails: " + message;
                fix = "kubectl describe pod " + name + " -n " + ns + " shows the runtime's message";
            }
            add(Severity.ERROR, "container " + s.getName() + " cannot pull its image (" + waiting.getReason() + ")",
                    cause, evidence, fix);
        }

        private void configError(ContainerStatus s, ContainerStateWaiting waiting) {
            List<String> evidence = new ArrayList<>();
            evidence.add("state.waiting.reason=CreateContainerConfigError: " + nonEmpty(waiting.getMessage(), ""));
            List<String> missing = missingReferences(s.getName());
            evidence.addAll(missing);
            add(Severity.ERROR, "container " + s.getName() + " cannot be configured",
                    missing.isEmpty() ? nonEmpty(waiting.getMessage(), "its configuration cannot be resolved")
                            : "it refers to objects that do not exist: " + String.join(", ", missing),
                    evidence, "create the missing ConfigMap/Secret (or key) in namespace " + ns
                            + ", or mark the reference optional");
        }

        /** The ConfigMaps and Secrets a container's env, envFrom and the pod's volumes name that do not exist. */
        private List<String> missingReferences(String container) {
            Set<String> missing = new LinkedHashSet<>();
            Container c = containerSpec(container);
            if (c != null) {
                for (EnvFromSource f : c.getEnvFrom() == null ? List.<EnvFromSource>of() : c.getEnvFrom()) {
                    if (f.getConfigMapRef() != null && !Boolean.TRUE.equals(f.getConfigMapRef().getOptional())
                            && !cluster.hasConfigMap(ns, f.getConfigMapRef().getName())) {
                        missing.add("ConfigMap " + f.getConfigMapRef().getName() + " (envFrom)");
                    }
                    if (f.getSecretRef() != null && !Boolean.TRUE.equals(f.getSecretRef().getOptional())
                            && !cluster.hasSecret(ns, f.getSecretRef().getName())) {
                        missing.add("Secret " + f.getSecretRef().getName() + " (envFrom)");
                    }
                }
                for (EnvVar e : c.getEnv() == null ? List.<EnvVar>of() : c.getEnv()) {
                    if (e.getValueFrom() == null) {
                        continue;
                    }
                    var cm = e.getValueFrom().getConfigMapKeyRef();
                    if (cm != null && !Boolean.TRUE.equals(cm.getOptional()) && !cluster.hasConfigMap(ns, cm.getName())) {
                        missing.add("ConfigMap " + cm.getName() + " (env " + e.getName() + ")");
                    }
                    var sk = e.getValueFrom().getSecretKeyRef();
                    if (sk != null && !Boolean.TRUE.equals(sk.getOptional()) && !cluster.hasSecret(ns, sk.getName())) {
                        missing.add("Secret " + sk.getName() + " (env " + e.getName() + ")");
                    }
                }
            }
            for (Volume v : pod.getSpec().getVolumes() == null ? List.<Volume>of() : pod.getSpec().getVolumes()) {
                if (v.getConfigMap() != null && !Boolean.TRUE.equals(v.getConfigMap().getOptional())
                        && !cluster.hasConfigMap(ns, v.getConfigMap().getName())) {
                    missing.add("ConfigMap " + v.getConfigMap().getName() + " (volume " + v.getName() + ")");
                }
                if (v.getSecret() != null && !Boolean.TRUE.equals(v.getSecret().getOptional())
                        && !cluster.hasSecret(ns, v.getSecret().getSecretName())) {
                    missing.add("Secret " + v.getSecret().getSecretName() + " (volume " + v.getName() + ")");
                }
            }
            return List.copyOf(missing);
        }

        private void notReady() {
            if (!"Running".equals(pod.getStatus().getPhase())) {
                return;
            }
            PodCondition ready = condition("Ready");
            if (ready == null || !"False".equals(ready.getStatus())) {
                return;
            }
            Instant since = ready.getLastTransitionTime() == null ? null : Instant.parse(ready.getLastTransitionTime());
            if (since != null && Duration.between(since, ctx.now()).compareTo(GRACE) < 0) {
                return;
            }
            for (ContainerStatus s : pod.getStatus().getContainerStatuses() == null ? List.<ContainerStatus>of()
                    : pod.getStatus().getContainerStatuses()) {
                if (Boolean.TRUE.equals(s.getReady()) || s.getState() == null || s.getState().getRunning() == null) {
                    continue;
                }
                List<String> readiness = probeFailures("Readiness", s.getName());
                List<String> startup = probeFailures("Startup", s.getName());
                List<String> evidence = new ArrayList<>();
                evidence.add("condition Ready=False" + (since == null ? "" : " since " + since)
                        + (ready.getReason() == null ? "" : " (" + ready.getReason() + ")"));
                evidence.addAll(readiness.isEmpty() ? startup : readiness);
                String kind = readiness.isEmpty() && !startup.isEmpty() ? "startup" : "readiness";
                String cause = readiness.isEmpty() && startup.isEmpty()
                        ? "the container runs but is not ready (no probe failure was reported)"
                        : "its " + kind + " probe fails: " + stripEventPrefix(evidence.get(evidence.size() - 1));
                add(Severity.WARNING, "container " + s.getName() + " is running but not ready: the pod gets no "
                        + "Service traffic", cause, evidence, probeFix(kind, s.getName()));
            }
        }

        private void stuckCreating() {
            for (ContainerStatus s : statuses()) {
                ContainerStateWaiting w = s.getState() == null ? null : s.getState().getWaiting();
                if (w == null || !Set.of("ContainerCreating", "PodInitializing").contains(w.getReason())) {
                    continue;
                }
                Duration age = age();
                if (age.compareTo(Duration.ofMinutes(2)) < 0) {
                    return;
                }
                List<String> evidence = new ArrayList<>();
                evidence.add("state.waiting.reason=" + w.getReason() + " for " + human(age));
                // Events with one reason and message (recorded again after an agent restart) are one line.
                events.stream().filter(e -> "Warning".equals(e.getType())).map(PodCheck::eventLine).distinct()
                        .forEach(evidence::add);
                add(Severity.ERROR, "stuck creating its containers for " + human(age),
                        evidence.size() > 1 ? "the node reports: " + evidence.get(evidence.size() - 1)
                                : "the node has not started the containers",
                        evidence, "check the node agent and the runtime on " + pod.getSpec().getNodeName()
                                + " (volumes, image pulls, sandbox networking)");
                return;
            }
        }

        private List<String> probeFailures(String probe, String container) {
            List<String> lines = new ArrayList<>();
            for (Event e : events) {
                if ("Unhealthy".equals(e.getReason()) && e.getMessage() != null
                        && e.getMessage().startsWith(probe + " probe")
                        && (e.getInvolvedObject().getFieldPath() == null
                                || e.getInvolvedObject().getFieldPath().contains("{" + container + "}"))) {
                    lines.add(eventLine(e));
                }
            }
            return lines.size() > 3 ? lines.subList(lines.size() - 3, lines.size()) : lines;
        }

        private static String eventLine(Event e) {
            int count = e.getCount() == null ? 1 : e.getCount();
            return "event " + e.getReason() + (count > 1 ? " (x" + count + ")" : "") + ": " + e.getMessage();
        }

        private static String stripEventPrefix(String line) {
            int i = line.indexOf(": ");
            return i < 0 ? line : line.substring(i + 2);
        }

        private String probeFix(String kind, String container) {
            return "check the " + kind + " probe of container " + container + " (path, port, command, timeoutSeconds, "
                    + "initialDelaySeconds) against what the application serves, e.g. kubectl exec " + name + " -n "
                    + ns + " -c " + container + " -- wget -qO- localhost:PORT/PATH";
        }

        private Container containerSpec(String container) {
            return Stream.concat(
                    pod.getSpec().getContainers() == null ? Stream.empty() : pod.getSpec().getContainers().stream(),
                    pod.getSpec().getInitContainers() == null ? Stream.empty()
                            : pod.getSpec().getInitContainers().stream())
                    .filter(c -> container.equals(c.getName())).findFirst().orElse(null);
        }

        private String imageOf(String container) {
            Container c = containerSpec(container);
            return c == null ? "?" : c.getImage();
        }

        private String commandOf(String container) {
            Container c = containerSpec(container);
            if (c == null) {
                return "?";
            }
            List<String> parts = new ArrayList<>();
            if (c.getCommand() != null) {
                parts.addAll(c.getCommand());
            }
            if (c.getArgs() != null) {
                parts.addAll(c.getArgs());
            }
            return parts.isEmpty() ? "the image's entrypoint" : "command " + parts;
        }

        private String requested(String resource) {
            Quantity total = null;
            for (Container c : pod.getSpec().getContainers()) {
                if (c.getResources() != null && c.getResources().getRequests() != null
                        && c.getResources().getRequests().get(resource) != null) {
                    Quantity q = c.getResources().getRequests().get(resource);
                    total = total == null ? q : total.add(q);
                }
            }
            return total == null ? null : text(total);
        }

        private String largestAllocatable(String resource) {
            return cluster.nodes().stream()
                    .map(n -> n.getStatus() == null || n.getStatus().getAllocatable() == null ? null
                            : n.getStatus().getAllocatable().get(resource))
                    .filter(q -> q != null)
                    .max((a, b) -> a.getNumericalAmount().compareTo(b.getNumericalAmount()))
                    .map(PodAnalyzer::text).orElse(null);
        }

        private PodCondition condition(String type) {
            if (pod.getStatus().getConditions() == null) {
                return null;
            }
            return pod.getStatus().getConditions().stream().filter(c -> type.equals(c.getType())).findFirst()
                    .orElse(null);
        }

        private Duration age() {
            String created = pod.getMetadata().getCreationTimestamp();
            return created == null ? Duration.ZERO : Duration.between(Instant.parse(created), ctx.now());
        }

        private String owner() {
            if (pod.getMetadata().getOwnerReferences() == null) {
                return null;
            }
            return pod.getMetadata().getOwnerReferences().stream()
                    .filter(o -> Boolean.TRUE.equals(o.getController())).map(o -> o.getKind())
                    .findFirst().orElse(null);
        }

        private void add(Severity severity, String symptom, String cause, List<String> evidence, String fix) {
            out.add(new Diagnosis(NAME, severity, "Pod", ns, name, symptom, cause, evidence, fix));
        }
    }

    static String text(Quantity q) {
        return q == null ? null : q.getAmount() + (q.getFormat() == null ? "" : q.getFormat());
    }

    static String registry(String image) {
        int slash = image.indexOf('/');
        if (slash < 0) {
            return "docker.io";
        }
        String first = image.substring(0, slash);
        return first.contains(".") || first.contains(":") || first.equals("localhost") ? first : "docker.io";
    }

    static String human(Duration d) {
        long s = Math.max(0, d.getSeconds());
        if (s < 120) {
            return s + "s";
        }
        if (s < 7200) {
            return s / 60 + "m";
        }
        if (s < 172_800) {
            return s / 3600 + "h";
        }
        return s / 86_400 + "d";
    }

    private static String nonEmpty(String s, String otherwise) {
        return s == null || s.isBlank() ? otherwise : s;
    }

    private static String reasonSuffix(String reason) {
        return reason == null || reason.isBlank() ? "" : " (" + reason + ")";
    }
}
