package io.kaji.apiserver.admission.priority;

import io.kaji.apiserver.admission.AdmissionAttributes;
import io.kaji.apiserver.admission.AdmissionAttributes.Operation;
import io.kaji.apiserver.admission.ClusterObjects;
import io.kaji.apiserver.admission.MutatingPlugin;
import io.kaji.apiserver.admission.ValidatingPlugin;
import io.kaji.apiserver.admission.Verdict;
import io.kaji.apiserver.errors.ApiException;
import io.kaji.apiserver.errors.StatusCause;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The Priority admission plugin, as Kubernetes': a new pod's {@code spec.priorityClassName} is resolved into
 * {@code spec.priority} and {@code spec.preemptionPolicy} (the scheduler's preemption reads them); a pod naming no
 * class gets the global default class (the lowest-valued one if several claim it) or priority 0; a pod naming an
 * unknown class, or setting a priority or preemption policy that differs from its class's, is forbidden. For
 * PriorityClasses it keeps one global default and makes {@code value} and {@code preemptionPolicy} immutable.
 */
public final class Priority implements MutatingPlugin, ValidatingPlugin {

    public static final String NAME = "Priority";
    private static final String GROUP = "scheduling.k8s.io";
    private static final String RESOURCE = "priorityclasses";
    private static final String DEFAULT_POLICY = "PreemptLowerPriority";

    private final ClusterObjects objects;

    public Priority(ClusterObjects objects) {
        this.objects = objects;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Verdict admit(AdmissionAttributes a) {
        if (a.operation() != Operation.CREATE || !a.isMain("", "pods") || a.object() == null) {
            return Verdict.allowed();
        }
        ObjectNode spec = a.object().withObject("spec");
        String className = spec.path("priorityClassName").asString("");
        long priority;
        String policy;
        if (className.isEmpty()) {
            Optional<ObjectNode> dflt = globalDefault(null);
            if (dflt.isEmpty()) {
                priority = 0;
                policy = DEFAULT_POLICY;
            } else {
                spec.put("priorityClassName", dflt.get().path("metadata").path("name").asString());
                priority = dflt.get().path("value").asLong();
                policy = dflt.get().path("preemptionPolicy").asString(DEFAULT_POLICY);
            }
        } else {
            Optional<ObjectNode> pc = objects.get(GROUP, RESOURCE, null, className);
            if (pc.isEmpty()) {
                return forbidden(a, "no PriorityClass with name " + className + " was found");
            }
            priority = pc.get().path("value").asLong();
            policy = pc.get().path("preemptionPolicy").asString(DEFAULT_POLICY);
        }
        JsonNode given = spec.get("priority");
        if (given != null && !given.isNull() && given.asLong() != priority) {
            return forbidden(a, "the integer value of priority (" + given.asLong() + ") must not be provided in pod "
                    + "spec; priority admission controller computed " + priority + " from the given PriorityClass name");
        }
        JsonNode givenPolicy = spec.get("preemptionPolicy");
        if (givenPolicy != null && !givenPolicy.isNull() && !givenPolicy.asString().equals(policy)) {
            return forbidden(a, "the string value of PreemptionPolicy (" + givenPolicy.asString() + ") must not be "
                    + "provided in pod spec; priority admission controller computed " + policy
                    + " from the given PriorityClass name");
        }
        spec.put("priority", priority);
        spec.put("preemptionPolicy", policy);
        return Verdict.allowed();
    }

    @Override
    public Verdict validate(AdmissionAttributes a) {
        if (!a.isMain(GROUP, RESOURCE) || a.object() == null
                || (a.operation() != Operation.CREATE && a.operation() != Operation.UPDATE)) {
            return Verdict.allowed();
        }
        ObjectNode pc = a.object();
        String name = pc.path("metadata").path("name").asString(a.name());
        if (a.operation() == Operation.UPDATE && a.oldObject() != null) {
            List<StatusCause> causes = new ArrayList<>();
            if (!pc.path("value").equals(a.oldObject().path("value"))) {
                causes.add(StatusCause.forbidden("value", "may not be changed in an update."));
            }
            if (!pc.path("preemptionPolicy").asString(DEFAULT_POLICY)
                    .equals(a.oldObject().path("preemptionPolicy").asString(DEFAULT_POLICY))) {
                causes.add(StatusCause.invalid("preemptionPolicy", pc.path("preemptionPolicy").asString(""),
                        "field is immutable"));
            }
            if (!causes.isEmpty()) {
                return Verdict.denied(ApiException.invalid("PriorityClass", GROUP, name, causes));
            }
        }
        if (pc.path("globalDefault").asBoolean(false)) {
            Optional<ObjectNode> other = globalDefault(name);
            if (other.isPresent()) {
                return forbidden(a, "PriorityClass " + other.get().path("metadata").path("name").asString()
                        + " is already marked as default. Only one default can exist");
            }
        }
        return Verdict.allowed();
    }

    /** The global default class other than {@code except}: the lowest value wins if several claim it. */
    private Optional<ObjectNode> globalDefault(String except) {
        return objects.listFew(GROUP, RESOURCE, null).stream()
                .filter(pc -> pc.path("globalDefault").asBoolean(false))
                .filter(pc -> except == null || !except.equals(pc.path("metadata").path("name").asString()))
                .min(Comparator.comparingLong(pc -> pc.path("value").asLong()));
    }

    private static Verdict forbidden(AdmissionAttributes a, String why) {
        String name = a.name() != null ? a.name()
                : a.object() == null ? "" : a.object().path("metadata").path("name").asString("");
        return Verdict.denied(ApiException.forbidden(a.resource(), a.group(), name, why));
    }
}
