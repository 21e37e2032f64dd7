package io.kaji.controllers.serviceaccount;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.kaji.controllers.runtime.Controller;
import io.kaji.controllers.runtime.Reconciler;
import java.util.Map;
import java.util.Objects;

/**
 * Makes sure every active namespace has the {@code default} ServiceAccount and the {@code kube-root-ca.crt}
 * ConfigMap holding the cluster CA (what pods use to verify the API server), as Kubernetes' serviceaccount and
 * root-ca-cert-publisher controllers do. Recreates either if it is deleted; fixes the CA if it is edited.
 */
public final class ServiceAccountController implements Reconciler {

    public static final String ROOT_CA_CONFIGMAP = "kube-root-ca.crt";

    private final KubernetesClient client;
    private final SharedIndexInformer<Namespace> namespaces;
    private final String caPem;
    private final Controller controller;

    /**
     * @param caPem the cluster CA certificate(s) in PEM, or null to publish no root CA ConfigMap
     */
    public ServiceAccountController(KubernetesClient client, SharedIndexInformer<Namespace> namespaces, String caPem,
                                    int workers) {
        this.client = client;
        this.namespaces = namespaces;
        this.caPem = caPem;
        this.controller = new Controller("serviceaccount", this, workers);
        namespaces.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Namespace ns) {
                controller.enqueue(ns.getMetadata().getName());
            }

            @Override
            public void onUpdate(Namespace old, Namespace ns) {
                controller.enqueue(ns.getMetadata().getName());
            }

            @Override
            public void onDelete(Namespace ns, boolean unknownFinalState) {
            }
        });
    }

    public Controller controller() {
        return controller;
    }

    /** Re-checks a namespace (call when its ServiceAccount or ConfigMap changed). */
    public void enqueue(String namespace) {
        controller.enqueue(namespace);
    }

    @Override
    public Result reconcile(String name) {
        Namespace ns = namespaces.getStore().getByKey(name);
        if (ns == null || ns.getMetadata().getDeletionTimestamp() != null
                || (ns.getStatus() != null && "Terminating".equals(ns.getStatus().getPhase()))) {
            return Result.done();
        }
        if (client.serviceAccounts().inNamespace(name).withName("default").get() == null) {
            createIgnoringConflict(() -> client.serviceAccounts().inNamespace(name).resource(new ServiceAccountBuilder()
                    .withNewMetadata().withName("default").withNamespace(name).endMetadata().build()).create());
        }
        if (caPem != null) {
            Map<String, String> data = Map.of("ca.crt", caPem);
            ConfigMap current = client.configMaps().inNamespace(name).withName(ROOT_CA_CONFIGMAP).get();
            if (current == null) {
                createIgnoringConflict(() -> client.configMaps().inNamespace(name).resource(new ConfigMapBuilder()
                        .withNewMetadata().withName(ROOT_CA_CONFIGMAP).withNamespace(name)
                        .addToAnnotations("kubernetes.io/description", "Contains a CA bundle that can be used to verify"
                                + " the kube-apiserver when using internal endpoints such as the internal service IP or"
                                + " kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes"
                                + " clusters.")
                        .endMetadata().withData(data).build()).create());
            } else if (!Objects.equals(current.getData(), data)) {
                current.setData(data);
                client.configMaps().inNamespace(name).resource(current).update();
            }
        }
        return Result.done();
    }

    private static void createIgnoringConflict(Runnable create) {
        try {
            create.run();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                throw e;
            }
        }
    }
}
