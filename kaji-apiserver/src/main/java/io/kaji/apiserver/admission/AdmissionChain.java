package io.kaji.apiserver.admission;

import io.kaji.apiserver.errors.ApiException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admission chain of one API server: every mutating plugin, then every validating plugin, in the order they
 * were enabled, each only for the requests it {@linkplain AdmissionPlugin#handles handles}; the first denial stops
 * the chain. Warnings and audit annotations of every plugin that ran are
 * kept, also on a denial. A plugin that throws is a denial with an internal error naming it, never a crash.
 * Thread-safe.
 */
public final class AdmissionChain {

    private static final Logger LOG = LoggerFactory.getLogger(AdmissionChain.class);

    private final List<MutatingPlugin> mutating;
    private final List<ValidatingPlugin> validating;

    public AdmissionChain(List<MutatingPlugin> mutating, List<ValidatingPlugin> validating) {
        this.mutating = List.copyOf(mutating);
        this.validating = List.copyOf(validating);
    }

    /** A chain that admits everything. */
    public static AdmissionChain empty() {
        return new AdmissionChain(List.of(), List.of());
    }

    /** The names of the enabled plugins, mutating first. */
    public List<String> names() {
        List<String> out = new ArrayList<>();
        mutating.forEach(p -> out.add(p.name()));
        validating.forEach(p -> out.add(p.name()));
        return out;
    }

    /**
     * The combined result.
     *
     * @param denial      the first denial, or null when admitted
     * @param warnings    every warning, in plugin order
     * @param annotations every audit annotation
     */
    public record Outcome(ApiException denial, List<String> warnings, Map<String, String> annotations) {
        public Outcome {
            warnings = List.copyOf(warnings);
            annotations = Map.copyOf(annotations);
        }
    }

    /** Runs the chain; {@code attributes.object()} may be changed by the mutating plugins. */
    public Outcome admit(AdmissionAttributes attributes) {
        List<String> warnings = new ArrayList<>();
        Map<String, String> annotations = new LinkedHashMap<>();
        for (MutatingPlugin p : mutating) {
            if (!p.handles(attributes)) {
                continue;
            }
            Verdict v = run(p, () -> p.admit(attributes), attributes);
            warnings.addAll(v.warnings());
            annotations.putAll(v.annotations());
            if (!v.isAllowed()) {
                return new Outcome(v.denial(), warnings, annotations);
            }
        }
        for (ValidatingPlugin p : validating) {
            if (!p.handles(attributes)) {
                continue;
            }
            Verdict v = run(p, () -> p.validate(attributes), attributes);
            warnings.addAll(v.warnings());
            annotations.putAll(v.annotations());
            if (!v.isAllowed()) {
                return new Outcome(v.denial(), warnings, annotations);
            }
        }
        return new Outcome(null, warnings, annotations);
    }

    private static Verdict run(AdmissionPlugin p, java.util.function.Supplier<Verdict> call, AdmissionAttributes a) {
        try {
            return call.get();
        } catch (ApiException e) {
            return Verdict.denied(e);
        } catch (RuntimeException e) {
            LOG.error("admission plugin {} failed on {} {}/{}", p.name(), a.resource(), a.namespace(), a.name(), e);
            return Verdict.denied(ApiException.internal("admission plugin \"" + p.name() + "\" failed: "
                    + e.getMessage()));
        }
    }
}
