package io.kaji.apiserver.registry;

import io.kaji.apiserver.errors.StatusCause;
import io.kaji.apiserver.selector.LabelSelector;
import io.kaji.apiserver.serialization.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/** The strategies of the built-in kinds that need more than {@link ResourceStrategy#DEFAULT}. */
public final class Strategies {

    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private Strategies() {
    }

    /** Kinds without a spec (ConfigMap, Secret, Event, ...): no generation. */
    public static final ResourceStrategy NO_GENERATION = new ResourceStrategy() {
        @Override
        public boolean tracksGeneration() {
            return false;
        }
    };

    /** RBAC objects: names are path segments (they may contain ':'), no generation. */
    public static final ResourceStrategy RBAC = new ResourceStrategy() {
        @Override
        public NameRule nameRule() {
            return NameRule.PATH_SEGMENT;
        }

        @Override
        public boolean tracksGeneration() {
            return false;
        }
    };

    /** The value above which only the {@code system-} priority classes may go (Kubernetes' HighestUserDefinablePriority). */
    public static final long HIGHEST_USER_PRIORITY = 1_000_000_000L;

    /** The priority classes every cluster has: name to value. */
    public static final Map<String, Long> SYSTEM_PRIORITY_CLASSES = Map.of(
            "system-node-critical", 2_000_001_000L, "system-cluster-critical", 2_000_000_000L);

    /**
     * PriorityClasses: no spec (no generation), preemptionPolicy defaults to PreemptLowerPriority, user classes at
     * most {@link #HIGHEST_USER_PRIORITY}, the {@code system-} prefix reserved for the system classes. (Immutability
     * of value and preemptionPolicy and the single global default are checked by the Priority admission plugin.)
     */
    public static final ResourceStrategy PRIORITY_CLASS = new ResourceStrategy() {
        @Override
        public boolean tracksGeneration() {
            return false;
        }

        @Override
        public void prepareForCreate(ObjectNode o) {
            if (o.path("preemptionPolicy").isMissingNode() || o.path("preemptionPolicy").isNull()) {
                o.put("preemptionPolicy", "PreemptLowerPriority");
            }
        }

        @Override
        public void prepareForUpdate(ObjectNode o, ObjectNode old) {
            prepareForCreate(o);
        }

        @Override
        public List<StatusCause> validate(ObjectNode o) {
            List<StatusCause> causes = new ArrayList<>();
            String name = o.path("metadata").path("name").asString("");
            JsonNode value = o.path("value");
            if (!value.isIntegralNumber()) {
                causes.add(StatusCause.required("value", ""));
                return causes;
            }
            long v = value.asLong();
            if (name.startsWith("system-")) {
                Long known = SYSTEM_PRIORITY_CLASSES.get(name);
                if (known == null || known != v) {
                    causes.add(StatusCause.forbidden("metadata.name", "priority class names with 'system-' prefix "
                            + "are reserved for system use only. error: " + (known == null
                            ? name + " is not a known system priority class"
                            : "value of " + name + " PriorityClass must be " + known)));
                }
            } else if (v > HIGHEST_USER_PRIORITY) {
                causes.add(StatusCause.forbidden("value",
                        "maximum allowed value of a user defined priority is " + HIGHEST_USER_PRIORITY));
            }
            String policy = o.path("preemptionPolicy").asString("PreemptLowerPriority");
            if (!policy.equals("PreemptLowerPriority") && !policy.equals("Never")) {
                causes.add(StatusCause.notSupported("preemptionPolicy", policy,
                        List.of("Never", "PreemptLowerPriority")));
            }
            return causes;
        }
    };

    public static final ResourceStrategy SECRET = new ResourceStrategy() {
        @Override
        public boolean tracksGeneration() {
            return false;
        }

        @Override
        public void prepareForCreate(ObjectNode o) {
            o.putIfAbsent("type", F.stringNode("Opaque"));
        }
    };

    public static final ResourceStrategy NAMESPACE = new ResourceStrategy() {
        @Override
        public NameRule nameRule() {
            return NameRule.LABEL;
        }

        @Override
        public boolean tracksGeneration() {
            return false;
        }

        @Override
        public void prepareForCreate(ObjectNode o) {
            ObjectNode spec = Json.objectAt(o, "spec");
            if (!spec.has("finalizers")) {
                spec.putArray("finalizers").add("kubernetes");
            }
            o.putObject("status").put("phase", "Active");
            labelWithName(o);
        }

        /** Only the {@code finalize} subresource changes spec.finalizers (Kubernetes' namespace strategy). */
        @Override
        public void prepareForUpdate(ObjectNode o, ObjectNode old) {
            var finalizers = old.path("spec").get("finalizers");
            ObjectNode spec = Json.objectAt(o, "spec");
            if (finalizers == null) {
                spec.remove("finalizers");
            } else {
                spec.set("finalizers", finalizers.deepCopy());
            }
            labelWithName(o);
        }

        private void labelWithName(ObjectNode o) {
            ObjectNode meta = Json.metadata(o);
            Json.objectAt(meta, "labels").put("kubernetes.io/metadata.name", Json.text(meta, "name"));
        }
    };

    public static final ResourceStrategy POD = new ResourceStrategy() {
        @Override
        public boolean tracksGeneration() {
            return false;
        }

        @Override
        public void prepareForCreate(ObjectNode o) {
            ObjectNode spec = Json.objectAt(o, "spec");
            PodSpecDefaults.apply(spec);
            spec.putIfAbsent("enableServiceLinks", F.booleanNode(true));
            PodAppArmor.sync(o);
            // spec.priority and spec.preemptionPolicy come from the Priority admission plugin, as in Kubernetes
            ObjectNode status = o.putObject("status");
            status.put("phase", "Pending");
            status.put("qosClass", qosClass(spec));
            PodSchedulingGates.gatedCondition(o);
        }

        @Override
        public void prepareForUpdate(ObjectNode o, ObjectNode old) {
            // Defaults as on create, so that a body without them (a PUT of the manifest) changes nothing by
            // leaving them out; ephemeral containers change through their subresource only.
            ObjectNode spec = Json.objectAt(o, "spec");
            PodSpecDefaults.apply(spec);
            spec.putIfAbsent("enableServiceLinks", F.booleanNode(true));
            PodUpdates.keepEphemeralContainers(o, old);
        }

        @Override
        public List<StatusCause> validate(ObjectNode o) {
            List<StatusCause> causes = new ArrayList<>(PodSpecDefaults.validate(o.get("spec"), "spec"));
            PodAppArmor.validateAnnotations(o.path("metadata"), o.path("spec"), "metadata.annotations", causes);
            return causes;
        }

        @Override
        public List<StatusCause> validateCreate(ObjectNode o) {
            List<StatusCause> causes = new ArrayList<>();
            PodAppArmor.validateMatch(o, "spec", causes);
            PodSchedulingGates.validateCreate(o, causes);
            return causes;
        }

        @Override
        public List<StatusCause> validateUpdate(ObjectNode o, ObjectNode old) {
            List<StatusCause> causes = new ArrayList<>();
            PodSchedulingGates.validateUpdate(o, old, causes);
            causes.addAll(PodUpdates.validateSpecUpdate(o, old));
            PodAppArmor.validateAnnotationUpdate(o, old, causes);
            return causes;
        }
    };

    /** Deployments, ReplicaSets, StatefulSets, DaemonSets: template defaults, selector/template validation. */
    public static ResourceStrategy workload(String kind) {
        return new ResourceStrategy() {
            @Override
            public void prepareForCreate(ObjectNode o) {
                o.remove("status");
                workloadDefaults(kind, Json.objectAt(o, "spec"));
                defaultTemplate(Json.objectAt(o, "spec"));
            }

            /** Kubernetes defaults every write's body, so a PUT without the defaulted fields gets them again. */
            @Override
            public void prepareForUpdate(ObjectNode o, ObjectNode old) {
                workloadDefaults(kind, Json.objectAt(o, "spec"));
                defaultTemplate(Json.objectAt(o, "spec"));
            }

            @Override
            public List<StatusCause> validate(ObjectNode o) {
                List<StatusCause> causes = new ArrayList<>();
                JsonNode selector = Json.at(o, "spec.selector");
                if (selector == null || selector.isEmpty()) {
                    causes.add(StatusCause.required("spec.selector", ""));
                } else {
                    JsonNode labels = Json.at(o, "spec.template.metadata.labels");
                    if (!LabelSelector.fromObject(selector).matches(Json.labels(Json.at(o, "spec.template")))) {
                        causes.add(StatusCause.invalid("spec.template.metadata.labels", goMap(labels),
                                "`selector` does not match template `labels`"));
                    }
                }
                // A StatefulSet's containers also mount the volumes its volumeClaimTemplates make for each pod.
                java.util.Set<String> claims = new java.util.HashSet<>();
                for (JsonNode claim : o.path("spec").path("volumeClaimTemplates")) {
                    claims.add(claim.path("metadata").path("name").asString(""));
                }
                causes.addAll(PodSpecDefaults.validate(Json.at(o, "spec.template.spec"), "spec.template.spec",
                        claims));
                PodAppArmor.validateAnnotations(o.path("spec").path("template").path("metadata"),
                        o.path("spec").path("template").path("spec"), "spec.template.metadata.annotations", causes);
                JsonNode replicas = Json.at(o, "spec.replicas");
                if (replicas != null && replicas.isNumber() && replicas.asLong() < 0) {
                    causes.add(StatusCause.invalid("spec.replicas", replicas.asLong(),
                            "must be greater than or equal to 0"));
                }
                return causes;
            }
        };
    }

    /**
     * The workloads' spec defaults, as apps/v1's SetDefaults_Deployment, _ReplicaSet, _StatefulSet and _DaemonSet
     * write them on every create and update: one replica (not for a DaemonSet), 10 revisions; a Deployment's
     * RollingUpdate with maxUnavailable and maxSurge 25 % and a progress deadline of 600 s; a StatefulSet's
     * RollingUpdate with partition 0, OrderedReady pod management and claims retained; a DaemonSet's RollingUpdate
     * with maxUnavailable 1 and maxSurge 0 (kubectl rollout status reads the update strategy). Present values are
     * kept; the RollingUpdate parameters only go with that strategy type.
     */
    static void workloadDefaults(String kind, ObjectNode spec) {
        if (!kind.equals("DaemonSet")) {
            spec.putIfAbsent("replicas", F.numberNode(1));
        }
        if (kind.equals("ReplicaSet")) {
            return;
        }
        spec.putIfAbsent("revisionHistoryLimit", F.numberNode(10));
        if (kind.equals("Deployment")) {
            spec.putIfAbsent("progressDeadlineSeconds", F.numberNode(600));
        }
        ObjectNode strategy = Json.objectAt(spec, kind.equals("Deployment") ? "strategy" : "updateStrategy");
        if (strategy.path("type").asString("").isEmpty()) {
            strategy.put("type", "RollingUpdate");
        }
        if ("RollingUpdate".equals(strategy.path("type").asString(""))) {
            ObjectNode rolling = Json.objectAt(strategy, "rollingUpdate");
            switch (kind) {
                case "Deployment" -> {
                    rolling.putIfAbsent("maxUnavailable", F.stringNode("25%"));
                    rolling.putIfAbsent("maxSurge", F.stringNode("25%"));
                }
                case "StatefulSet" -> rolling.putIfAbsent("partition", F.numberNode(0));
                default -> {
                    rolling.putIfAbsent("maxUnavailable", F.numberNode(1));
                    rolling.putIfAbsent("maxSurge", F.numberNode(0));
                }
            }
        }
        if (kind.equals("StatefulSet")) {
            spec.putIfAbsent("podManagementPolicy", F.stringNode("OrderedReady"));
            ObjectNode retention = Json.objectAt(spec, "persistentVolumeClaimRetentionPolicy");
            retention.putIfAbsent("whenDeleted", F.stringNode("Retain"));
            retention.putIfAbsent("whenScaled", F.stringNode("Retain"));
        }
    }

    /**
     * Jobs and CronJobs: template defaults; a Job also gets the Job API's defaults and, unless
     * {@code spec.manualSelector} is true, its generated selector (below).
     */
    public static final ResourceStrategy BATCH = new ResourceStrategy() {
        @Override
        public void prepareForCreate(ObjectNode o) {
            o.remove("status");
            batchDefaults(o);
            if (!isCronJob(o) && o.get("spec") instanceof ObjectNode spec
                    && spec.get("template") instanceof ObjectNode tmpl && !spec.path("manualSelector").asBoolean(false)) {
                generateJobSelector(Json.metadata(o), spec, tmpl);
            }
        }

        /** Kubernetes defaults every write's body, so a PUT without the defaulted fields gets them again. */
        @Override
        public void prepareForUpdate(ObjectNode o, ObjectNode old) {
            batchDefaults(o);
        }

        @Override
        public List<StatusCause> validate(ObjectNode o) {
            JsonNode spec = o.get("spec");
            if (spec == null || !spec.isObject()) {
                return List.of(StatusCause.required("spec", ""));
            }
            return isCronJob(o) ? validateCronJob(spec) : validateJob(spec);
        }

        @Override
        public List<StatusCause> validateCreate(ObjectNode o) {
            JsonNode spec = o.get("spec");
            return isCronJob(o) || spec == null || !spec.isObject() ? List.of()
                    : validateGeneratedSelector(Json.metadata(o), spec);
        }
    };

    private static boolean isCronJob(ObjectNode o) {
        return "CronJob".equals(o.path("kind").asString(""));
    }

    /** The defaults of a Job (its API's and its pod template's) or of a CronJob (its API's and its job's template). */
    private static void batchDefaults(ObjectNode o) {
        if (!(o.get("spec") instanceof ObjectNode spec)) {
            return;
        }
        if (isCronJob(o)) {
            cronJobDefaults(spec);
            if (Json.at(spec, "jobTemplate.spec.template.spec") instanceof ObjectNode t) {
                PodSpecDefaults.apply(t);
            }
        } else {
            jobDefaults(spec);
            defaultTemplate(spec);
        }
    }

    /** The CronJob API's defaults (SetDefaults_CronJob). */
    static void cronJobDefaults(ObjectNode spec) {
        spec.putIfAbsent("concurrencyPolicy", F.stringNode("Allow"));
        spec.putIfAbsent("suspend", F.booleanNode(false));
        spec.putIfAbsent("successfulJobsHistoryLimit", F.numberNode(3));
        spec.putIfAbsent("failedJobsHistoryLimit", F.numberNode(1));
    }

    /** ValidateJobSpec: the spec's own rules and a selector that matches the template's labels. */
    static List<StatusCause> validateJob(JsonNode spec) {
        List<StatusCause> causes = validateJobSpec(spec, "spec");
        JsonNode selector = spec.get("selector");
        JsonNode labels = Json.at(spec, "template.metadata.labels");
        if (selector == null || selector.isNull()) {
            causes.add(StatusCause.required("spec.selector", ""));
        } else if (!LabelSelector.fromObject(selector).matches(Json.labels(spec.get("template")))) {
            causes.add(StatusCause.invalid("spec.template.metadata.labels", goMap(labels),
                    "`selector` does not match template `labels`"));
        }
        return causes;
    }

    /**
     * ValidateGeneratedSelector, on create: unless the selector is manual, the generated labels are intact and the
     * selector selects this Job's uid (a user who sets {@code controller-uid} or {@code job-name} to other values,
     * or a selector of other labels only, would make the Job adopt other pods or miss its own).
     */
    static List<StatusCause> validateGeneratedSelector(JsonNode meta, JsonNode spec) {
        JsonNode selector = spec.get("selector");
        if (spec.path("manualSelector").asBoolean(false) || selector == null || selector.isNull()) {
            return List.of();
        }
        List<StatusCause> causes = new ArrayList<>();
        JsonNode labels = Json.at(spec, "template.metadata.labels");
        String uid = meta.path("uid").asString("");
        for (Map.Entry<String, String> label : generatedJobLabels(meta).entrySet()) {
            String key = label.getKey();
            String expected = label.getValue();
            String field = "spec.template.metadata.labels[" + key + "]";
            JsonNode actual = labels == null ? null : labels.get(key);
            if (actual == null) {
                causes.add(StatusCause.required(field, "must be '" + expected + "'"));
            } else if (!expected.equals(actual.asString(""))) {
                causes.add(StatusCause.invalid(field, goMap(labels), "must be '" + expected + "'"));
            }
        }
        if (!LabelSelector.fromObject(selector).matches(Map.of("batch.kubernetes.io/controller-uid", uid))) {
            causes.add(StatusCause.invalid("spec.selector", selector, "`selector` not auto-generated"));
        }
        return causes;
    }

    /** validateJobSpec: counts, the pod template, and a restart policy a Job can finish with. */
    private static List<StatusCause> validateJobSpec(JsonNode spec, String path) {
        List<StatusCause> causes = new ArrayList<>();
        for (String field : List.of("parallelism", "completions", "activeDeadlineSeconds", "backoffLimit",
                "ttlSecondsAfterFinished")) {
            JsonNode v = spec.get(field);
            if (v != null && v.isNumber() && v.asLong() < 0) {
                causes.add(StatusCause.invalid(path + "." + field, v.asLong(), "must be greater than or equal to 0"));
            }
        }
        String mode = spec.path("completionMode").asString("");
        if (!mode.isEmpty() && !mode.equals("NonIndexed") && !mode.equals("Indexed")) {
            causes.add(StatusCause.notSupported(path + ".completionMode", mode, List.of("NonIndexed", "Indexed")));
        } else if (mode.equals("Indexed") && !spec.path("completions").isNumber()) {
            causes.add(StatusCause.required(path + ".completions", "when completion mode is Indexed"));
        }
        JsonNode podSpec = Json.at(spec, "template.spec");
        if (podSpec == null || !podSpec.isObject()) {
            causes.add(StatusCause.required(path + ".template.spec", ""));
            return causes;
        }
        causes.addAll(PodSpecDefaults.validate(podSpec, path + ".template.spec"));
        PodAppArmor.validateAnnotations(spec.path("template").path("metadata"), podSpec,
                path + ".template.metadata.annotations", causes);
        String restart = podSpec.path("restartPolicy").asString("");
        if (!restart.equals("OnFailure") && !restart.equals("Never")) {
            causes.add(StatusCause.notSupported(path + ".template.spec.restartPolicy", restart,
                    List.of("OnFailure", "Never")));
        }
        return causes;
    }

    /**
     * ValidateCronJobSpec, less the schedule's syntax (the CronJob controller reports a schedule it cannot parse
     * as a warning event on the CronJob): the job template is a Job's spec whose selector is always generated.
     */
    static List<StatusCause> validateCronJob(JsonNode spec) {
        List<StatusCause> causes = new ArrayList<>();
        if (spec.path("schedule").asString("").isBlank()) {
            causes.add(StatusCause.required("spec.schedule", ""));
        }
        JsonNode deadline = spec.get("startingDeadlineSeconds");
        if (deadline != null && deadline.isNumber() && deadline.asLong() < 0) {
            causes.add(StatusCause.invalid("spec.startingDeadlineSeconds", deadline.asLong(),
                    "must be greater than or equal to 0"));
        }
        String policy = spec.path("concurrencyPolicy").asString("");
        if (!List.of("Allow", "Forbid", "Replace").contains(policy)) {
            causes.add(policy.isEmpty() ? StatusCause.required("spec.concurrencyPolicy", "")
                    : StatusCause.notSupported("spec.concurrencyPolicy", policy,
                            List.of("Allow", "Forbid", "Replace")));
        }
        JsonNode jobSpec = Json.at(spec, "jobTemplate.spec");
        if (jobSpec == null || !jobSpec.isObject()) {
            causes.add(StatusCause.required("spec.jobTemplate.spec", ""));
            return causes;
        }
        causes.addAll(validateJobSpec(jobSpec, "spec.jobTemplate.spec"));
        if (jobSpec.get("selector") != null && !jobSpec.get("selector").isNull()) {
            causes.add(StatusCause.invalid("spec.jobTemplate.spec.selector", jobSpec.get("selector"),
                    "`selector` will be auto-generated"));
        }
        if (jobSpec.path("manualSelector").asBoolean(false)) {
            causes.add(StatusCause.notSupported("spec.jobTemplate.spec.manualSelector", true, List.of("nil", "false")));
        }
        return causes;
    }

    /**
     * The Job API's defaults (SetDefaults_Job): completions and parallelism 1 when neither is set, parallelism 1,
     * backoffLimit 6, completionMode NonIndexed, suspend false, podReplacementPolicy TerminatingOrFailed (Failed with
     * a podFailurePolicy).
     */
    static void jobDefaults(ObjectNode spec) {
        if (!spec.has("completions") && !spec.has("parallelism")) {
            spec.put("completions", 1);
            spec.put("parallelism", 1);
        }
        if (!spec.has("parallelism")) {
            spec.put("parallelism", 1);
        }
        if (!spec.has("backoffLimit")) {
            spec.put("backoffLimit", spec.has("backoffLimitPerIndex") ? Integer.MAX_VALUE : 6);
        }
        if (!spec.has("completionMode")) {
            spec.put("completionMode", "NonIndexed");
        }
        if (!spec.has("suspend")) {
            spec.put("suspend", false);
        }
        if (!spec.has("podReplacementPolicy")) {
            spec.put("podReplacementPolicy", spec.has("podFailurePolicy") ? "Failed" : "TerminatingOrFailed");
        }
    }

    /**
     * What the Job registry does for a Job that does not ask for a manual selector: its pod template gets the
     * labels {@code job-name} and {@code batch.kubernetes.io/job-name} (the Job's name) and {@code controller-uid}
     * and {@code batch.kubernetes.io/controller-uid} (its uid), unless set, and its selector matches
     * {@code batch.kubernetes.io/controller-uid}. So {@code kubectl logs job/x}, {@code kubectl get pods -l
     * job-name=x} and the Job's selector find exactly its pods.
     */
    static void generateJobSelector(ObjectNode meta, ObjectNode spec, ObjectNode template) {
        String uid = meta.path("uid").asString("");
        ObjectNode tmeta = template.get("metadata") instanceof ObjectNode m ? m : template.putObject("metadata");
        ObjectNode labels = tmeta.get("labels") instanceof ObjectNode l ? l : tmeta.putObject("labels");
        generatedJobLabels(meta).forEach((k, v) -> {
            if (!labels.has(k)) {
                labels.put(k, v);
            }
        });
        ObjectNode selector = spec.get("selector") instanceof ObjectNode sel ? sel : spec.putObject("selector");
        ObjectNode match = selector.get("matchLabels") instanceof ObjectNode ml ? ml
                : selector.putObject("matchLabels");
        if (!match.has("batch.kubernetes.io/controller-uid")) {
            match.put("batch.kubernetes.io/controller-uid", uid);
        }
    }

    /** The labels a Job's generated selector relies on: its uid and its name, under the new keys and the legacy. */
    private static Map<String, String> generatedJobLabels(JsonNode meta) {
        String uid = meta.path("uid").asString("");
        String name = meta.path("name").asString("");
        Map<String, String> labels = new java.util.LinkedHashMap<>();
        labels.put("batch.kubernetes.io/controller-uid", uid);
        labels.put("batch.kubernetes.io/job-name", name);
        labels.put("controller-uid", uid);
        labels.put("job-name", name);
        return labels;
    }

    private static void defaultTemplate(ObjectNode spec) {
        JsonNode podSpec = Json.at(spec, "template.spec");
        if (podSpec instanceof ObjectNode ps) {
            PodSpecDefaults.apply(ps);
        }
    }

    /** Renders labels as Go prints a map[string]string in validation messages. */
    private static String goMap(JsonNode labels) {
        Map<String, String> sorted = new TreeMap<>();
        if (labels != null && labels.isObject()) {
            labels.forEachEntry((k, v) -> sorted.put(k, v.asString()));
        }
        StringBuilder sb = new StringBuilder("map[string]string{");
        boolean first = true;
        for (Map.Entry<String, String> e : sorted.entrySet()) {
            sb.append(first ? "" : ", ").append('"').append(e.getKey()).append("\":\"").append(e.getValue()).append('"');
            first = false;
        }
        return sb.append('}').toString();
    }

    /** The QoS class of a pod spec: BestEffort without any requests or limits, Guaranteed or Burstable else. */
    static String qosClass(ObjectNode spec) {
        boolean any = false;
        boolean guaranteed = true;
        JsonNode containers = spec.get("containers");
        if (containers != null) {
            for (JsonNode c : containers) {
                JsonNode requests = Json.at(c, "resources.requests");
                JsonNode limits = Json.at(c, "resources.limits");
                boolean hasReq = requests != null && !requests.isEmpty();
                boolean hasLim = limits != null && !limits.isEmpty();
                any |= hasReq || hasLim;
                if (!hasLim || limits.get("cpu") == null || limits.get("memory") == null
                        || (hasReq && !requests.equals(limits))) {
                    guaranteed = false;
                }
            }
        }
        if (!any) {
            return "BestEffort";
        }
        return guaranteed ? "Guaranteed" : "Burstable";
    }
}
