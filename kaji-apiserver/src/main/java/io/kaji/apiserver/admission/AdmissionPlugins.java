package io.kaji.apiserver.admission;

import io.kaji.apiserver.admission.defaulttolerationseconds.DefaultTolerationSeconds;
import io.kaji.apiserver.admission.namespacelifecycle.NamespaceLifecycle;
import io.kaji.apiserver.admission.noderestriction.NodeRestriction;
import io.kaji.apiserver.admission.limitranger.LimitRanger;
import io.kaji.apiserver.admission.podsecurity.PodSecurity;
import io.kaji.apiserver.admission.priority.Priority;
import io.kaji.apiserver.admission.resourcequota.ResourceQuotaAdmission;
import io.kaji.apiserver.admission.serviceaccount.ServiceAccountAdmission;
import io.kaji.apiserver.admission.webhook.MutatingWebhooks;
import io.kaji.apiserver.admission.webhook.ValidatingWebhooks;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * The one registry of admission plugins: each name maps to a factory; {@link #chain} builds the chain from the
 * enabled names. Adding a plugin means adding one line here.
 */
public final class AdmissionPlugins {

    private static final Map<String, BiFunction<AdmissionOptions, ClusterObjects, AdmissionPlugin>> REGISTRY =
            new LinkedHashMap<>();

    static {
        REGISTRY.put(NamespaceLifecycle.NAME, (o, objects) -> new NamespaceLifecycle(objects));
        REGISTRY.put(ServiceAccountAdmission.NAME, (o, objects) -> new ServiceAccountAdmission(objects));
        REGISTRY.put(NodeRestriction.NAME, (o, objects) -> new NodeRestriction(objects));
        REGISTRY.put(DefaultTolerationSeconds.NAME, (o, objects) ->
                new DefaultTolerationSeconds(o.defaultTolerationSeconds(), o.defaultTolerationSeconds()));
        REGISTRY.put(Priority.NAME, (o, objects) -> new Priority(objects));
        REGISTRY.put(LimitRanger.NAME, (o, objects) -> new LimitRanger(objects));
        REGISTRY.put(PodSecurity.NAME, (o, objects) -> new PodSecurity(o.podSecurity(), objects));
        REGISTRY.put(MutatingWebhooks.NAME, (o, objects) -> new MutatingWebhooks(objects));
        REGISTRY.put(ValidatingWebhooks.NAME, (o, objects) -> new ValidatingWebhooks(objects));
        REGISTRY.put(ResourceQuotaAdmission.NAME, (o, objects) ->
                new ResourceQuotaAdmission(objects, java.time.Clock.systemUTC()));
    }

    /** Every plugin, in Kubernetes' recommended order (ResourceQuota last: it records usage only if all else admits). */
    public static final List<String> DEFAULT_ENABLED = List.copyOf(REGISTRY.keySet());

    private AdmissionPlugins() {
    }

    /** Every known plugin name. */
    public static List<String> names() {
        return List.copyOf(REGISTRY.keySet());
    }

    /**
     * The chain of the plugins {@code options} enables, mutating ones first.
     *
     * @throws IllegalArgumentException for an unknown name, listing the known ones
     */
    public static AdmissionChain chain(AdmissionOptions options, ClusterObjects objects) {
        List<MutatingPlugin> mutating = new ArrayList<>();
        List<ValidatingPlugin> validating = new ArrayList<>();
        for (String name : options.enabled()) {
            var factory = REGISTRY.get(name);
            if (factory == null) {
                throw new IllegalArgumentException("unknown admission plugin \"" + name + "\"; known: "
                        + String.join(", ", REGISTRY.keySet()));
            }
            AdmissionPlugin p = factory.apply(options, objects);
            if (p instanceof MutatingPlugin m) {
                mutating.add(m);
            }
            if (p instanceof ValidatingPlugin v) {
                validating.add(v);
            }
        }
        return new AdmissionChain(mutating, validating);
    }
}
