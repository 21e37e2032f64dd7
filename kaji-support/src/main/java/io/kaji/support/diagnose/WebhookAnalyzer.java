package io.kaji.support.diagnose;

import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ServiceReference;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhook;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Admission webhooks whose Service is missing or has no ready pod: with failurePolicy Fail they block every
 * request they match (a classic cause of "nothing can be created" after an operator was uninstalled).
 */
public final class WebhookAnalyzer implements Analyzer {

    static final String NAME = "Webhook";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<Diagnosis> analyze(ClusterSnapshot cluster, DiagnoseContext context) {
        List<Diagnosis> out = new ArrayList<>();
        for (var c : cluster.validatingWebhooks()) {
            for (ValidatingWebhook w : c.getWebhooks() == null ? List.<ValidatingWebhook>of() : c.getWebhooks()) {
                check(cluster, "ValidatingWebhookConfiguration", c.getMetadata().getName(), w.getName(),
                        w.getClientConfig() == null ? null : w.getClientConfig().getService(), w.getFailurePolicy(),
                        out);
            }
        }
        for (var c : cluster.mutatingWebhooks()) {
            for (MutatingWebhook w : c.getWebhooks() == null ? List.<MutatingWebhook>of() : c.getWebhooks()) {
                check(cluster, "MutatingWebhookConfiguration", c.getMetadata().getName(), w.getName(),
                        w.getClientConfig() == null ? null : w.getClientConfig().getService(), w.getFailurePolicy(),
                        out);
            }
        }
        return out;
    }

    private static void check(ClusterSnapshot cluster, String kind, String config, String webhook,
            ServiceReference ref, String failurePolicy, List<Diagnosis> out) {
        if (ref == null) {
            return; // a URL webhook outside the cluster: nothing to check from the API
        }
        boolean fail = failurePolicy == null || "Fail".equals(failurePolicy);
        var svc = cluster.services().stream().filter(s -> ref.getNamespace().equals(s.getMetadata().getNamespace())
                && ref.getName().equals(s.getMetadata().getName())).findFirst().orElse(null);
        String problem;
        if (svc == null) {
            problem = "its Service " + ref.getNamespace() + "/" + ref.getName() + " does not exist";
        } else {
            Map<String, String> selector = svc.getSpec().getSelector();
            boolean ready = selector != null && cluster.pods().stream()
                    .filter(p -> ref.getNamespace().equals(p.getMetadata().getNamespace()))
                    .filter(p -> ServiceAnalyzer.matches(selector, p.getMetadata().getLabels()))
                    .anyMatch(ServiceAnalyzer::podReady);
            if (ready || selector == null) {
                return;
            }
            problem = "its Service " + ref.getNamespace() + "/" + ref.getName() + " has no ready pod";
        }
        out.add(new Diagnosis(NAME, fail ? Severity.ERROR : Severity.WARNING, kind, null, config,
                "webhook " + webhook + " cannot be called: " + problem,
                fail ? "with failurePolicy Fail every request it matches is rejected"
                        : "with failurePolicy Ignore its requests pass unchecked",
                List.of("webhooks[" + webhook + "].clientConfig.service=" + ref.getNamespace() + "/" + ref.getName(),
                        "failurePolicy=" + (failurePolicy == null ? "Fail (default)" : failurePolicy)),
                "restore the webhook's backend, or delete the configuration if its operator was removed: kubectl "
                        + "delete " + kind.toLowerCase(java.util.Locale.ROOT) + " " + config));
    }

}
