package io.kaji.apiserver.admission.defaulttolerationseconds;

import io.kaji.apiserver.admission.AdmissionAttributes;
import io.kaji.apiserver.admission.AdmissionAttributes.Operation;
import io.kaji.apiserver.admission.MutatingPlugin;
import io.kaji.apiserver.admission.Verdict;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The DefaultTolerationSeconds admission plugin: a new pod that does not already tolerate the
 * {@code node.kubernetes.io/not-ready} or {@code node.kubernetes.io/unreachable} NoExecute taint gets a toleration
 * for it with {@code tolerationSeconds}, so the node lifecycle controller evicts it that long after its node fails.
 * Kubernetes defaults to 300 s; Kaji to 5 s (issue 4: replacements should start within seconds).
 */
public final class DefaultTolerationSeconds implements MutatingPlugin {

    public static final String NAME = "DefaultTolerationSeconds";
    public static final String NOT_READY = "node.kubernetes.io/not-ready";
    public static final String UNREACHABLE = "node.kubernetes.io/unreachable";
    public static final long KAJI_DEFAULT_SECONDS = 5;

    private final long notReadySeconds;
    private final long unreachableSeconds;

    public DefaultTolerationSeconds(long notReadySeconds, long unreachableSeconds) {
        if (notReadySeconds < 0 || unreachableSeconds < 0) {
            throw new IllegalArgumentException("default toleration seconds must not be negative");
        }
        this.notReadySeconds = notReadySeconds;
        this.unreachableSeconds = unreachableSeconds;
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
        JsonNode existing = spec.path("tolerations");
        boolean notReady = false;
        boolean unreachable = false;
        for (JsonNode t : existing) {
            String key = t.path("key").asString("");
            String effect = t.path("effect").asString("");
            if (effect.isEmpty() || effect.equals("NoExecute")) {
                notReady |= key.isEmpty() || key.equals(NOT_READY);
                unreachable |= key.isEmpty() || key.equals(UNREACHABLE);
            }
        }
        if (notReady && unreachable) {
            return Verdict.allowed();
        }
        ArrayNode tolerations = spec.withArray("tolerations");
        if (!notReady) {
            add(tolerations, NOT_READY, notReadySeconds);
        }
        if (!unreachable) {
            add(tolerations, UNREACHABLE, unreachableSeconds);
        }
        return Verdict.allowed();
    }

    private static void add(ArrayNode tolerations, String key, long seconds) {
        ObjectNode t = tolerations.addObject();
        t.put("key", key);
        t.put("operator", "Exists");
        t.put("effect", "NoExecute");
        t.put("tolerationSeconds", seconds);
    }
}
