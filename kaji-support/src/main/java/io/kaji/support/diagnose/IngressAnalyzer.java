package io.kaji.support.diagnose;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.networking.v1.HTTPIngressPath;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressBackend;
import io.fabric8.kubernetes.api.model.networking.v1.IngressRule;
import java.util.ArrayList;
import java.util.List;

/** Ingresses whose backends name missing Services or ports, or whose ingress class does not exist. */
public final class IngressAnalyzer implements Analyzer {

    static final String NAME = "Ingress";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<Diagnosis> analyze(ClusterSnapshot cluster, DiagnoseContext context) {
        List<Diagnosis> out = new ArrayList<>();
        for (Ingress ing : cluster.ingresses()) {
            String ns = ing.getMetadata().getNamespace();
            String name = ing.getMetadata().getName();
            String cls = ing.getSpec().getIngressClassName();
            if (cls != null && cluster.has("ingressclasses") && cluster.ingressClasses().stream()
                    .noneMatch(c -> cls.equals(c.getMetadata().getName()))) {
                out.add(new Diagnosis(NAME, Severity.ERROR, "Ingress", ns, name,
                        "names the ingress class '" + cls + "' that does not exist",
                        "no ingress controller will serve it", List.of("spec.ingressClassName=" + cls),
                        "install the ingress controller for that class, or correct spec.ingressClassName"));
            }
            List<IngressBackend> backends = new ArrayList<>();
            if (ing.getSpec().getDefaultBackend() != null) {
                backends.add(ing.getSpec().getDefaultBackend());
            }
            for (IngressRule r : ing.getSpec().getRules() == null ? List.<IngressRule>of() : ing.getSpec().getRules()) {
                if (r.getHttp() != null && r.getHttp().getPaths() != null) {
                    for (HTTPIngressPath p : r.getHttp().getPaths()) {
                        backends.add(p.getBackend());
                    }
                }
            }
            for (IngressBackend b : backends) {
                if (b == null || b.getService() == null) {
                    continue;
                }
                String svcName = b.getService().getName();
                Service svc = cluster.services().stream().filter(s -> ns.equals(s.getMetadata().getNamespace())
                        && svcName.equals(s.getMetadata().getName())).findFirst().orElse(null);
                if (svc == null) {
                    out.add(new Diagnosis(NAME, Severity.ERROR, "Ingress", ns, name,
                            "routes to the Service '" + svcName + "' that does not exist",
                            "requests for that path get 503 from the ingress controller",
                            List.of("backend service " + svcName + " not found in namespace " + ns),
                            "create the Service or correct the backend's name"));
                    continue;
                }
                var port = b.getService().getPort();
                if (port != null && svc.getSpec().getPorts() != null && svc.getSpec().getPorts().stream().noneMatch(
                        sp -> port.getName() != null ? port.getName().equals(sp.getName())
                                : port.getNumber() != null && port.getNumber().equals(sp.getPort()))) {
                    out.add(new Diagnosis(NAME, Severity.ERROR, "Ingress", ns, name,
                            "routes to port " + (port.getName() != null ? port.getName() : port.getNumber())
                                    + " of Service " + svcName + ", which it does not expose",
                            "the backend port does not exist", List.of("Service " + svcName + " ports: "
                                    + svc.getSpec().getPorts().stream().map(sp -> (sp.getName() == null ? ""
                                            : sp.getName() + "=") + sp.getPort()).toList()),
                            "use one of the Service's port names or numbers"));
                }
            }
        }
        return out;
    }
}
