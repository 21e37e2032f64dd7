package io.kaji.apiserver.registry;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Endpoints;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.LimitRange;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ResourceQuota;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.kaji.apiserver.table.Column;
import io.kaji.apiserver.table.CoreColumns;
import io.kaji.apiserver.table.PodColumns;
import io.kaji.apiserver.table.WorkloadColumns;
import java.util.List;
import java.util.Set;

/** The built-in Kubernetes resources Kaji serves, with Kubernetes' names, short names and categories. */
public final class BuiltinResources {

    private BuiltinResources() {
    }

    /**
     * A registry with every built-in resource.
     *
     * @param serviceAllocations hands out and checks Service cluster IPs and node ports
     */
    public static ResourceRegistry registry(ServiceAllocations serviceAllocations) {
        return registry(serviceAllocations, new io.kaji.apiserver.auth.AccessReviews());
    }

    /**
     * A registry with every built-in resource, the review APIs answered by {@code reviews}.
     *
     * @param serviceAllocations hands out and checks Service cluster IPs and node ports
     */
    public static ResourceRegistry registry(ServiceAllocations serviceAllocations,
            io.kaji.apiserver.auth.AccessReviews reviews) {
        ResourceRegistry r = new ResourceRegistry();
        // core/v1, in the order Kubernetes lists them.
        r.register(def("", "v1", "ConfigMap", "configmaps", ConfigMap.class).shortNames("cm")
                .columns(CoreColumns.configMaps()).strategy(Strategies.NO_GENERATION).build());
        r.register(def("", "v1", "Endpoints", "endpoints", Endpoints.class).shortNames("ep")
                .columns(CoreColumns.endpoints()).strategy(Strategies.NO_GENERATION).build());
        r.register(def("", "v1", "Event", "events", Event.class).shortNames("ev").columns(CoreColumns.events())
                .fields("involvedObject.kind", "involvedObject.namespace", "involvedObject.name",
                        "involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion",
                        "involvedObject.fieldPath", "reason", "reportingComponent", "source", "type")
                .strategy(Strategies.NO_GENERATION).build());
        r.register(def("", "v1", "LimitRange", "limitranges", LimitRange.class).shortNames("limits")
                .strategy(Strategies.NO_GENERATION).build());
        r.register(def("", "v1", "Namespace", "namespaces", Namespace.class).clusterScoped().shortNames("ns")
                .subresources("status", "finalize").columns(CoreColumns.namespaces()).fields("status.phase")
                .verbs("create", "delete", "get", "list", "patch", "update", "watch")
                .strategy(Strategies.NAMESPACE).build());
        r.register(def("", "v1", "Node", "nodes", Node.class).clusterScoped().shortNames("no")
                .subresources("status", "proxy").columns(CoreColumns.nodes()).fields("spec.unschedulable")
                .strategy(Strategies.NO_GENERATION).build());
        r.register(def("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", PersistentVolumeClaim.class)
                .shortNames("pvc").subresources("status").strategy(Strategies.NO_GENERATION).build());
        r.register(def("", "v1", "PersistentVolume", "persistentvolumes", PersistentVolume.class).clusterScoped()
                .shortNames("pv").subresources("status").strategy(Strategies.NO_GENERATION).build());
        r.register(def("", "v1", "Pod", "pods", Pod.class).shortNames("po").categories("all")
                .subresources("status", "binding", "eviction", "log", "exec", "attach", "portforward",
                        "ephemeralcontainers")
                .columns(PodColumns.columns())
                .fields("spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
                        "spec.hostNetwork", "status.phase", "status.podIP", "status.nominatedNodeName")
                .strategy(Strategies.POD).build());
        r.register(def("", "v1", "ResourceQuota", "resourcequotas", ResourceQuota.class).shortNames("quota")
                .subresources("status").strategy(Strategies.NO_GENERATION).build());
        r.register(def("", "v1", "Secret", "secrets", Secret.class).columns(CoreColumns.secrets()).fields("type")
                .strategy(Strategies.SECRET).build());
        r.register(def("", "v1", "ServiceAccount", "serviceaccounts", ServiceAccount.class).shortNames("sa")
                .columns(CoreColumns.serviceAccounts()).strategy(Strategies.NO_GENERATION).build());
        r.register(def("", "v1", "Service", "services", Service.class).shortNames("svc").categories("all")
                .subresources("status").columns(CoreColumns.services())
                .strategy(new ServiceStrategy(serviceAllocations)).build());
        // apps/v1
        r.register(def("apps", "v1", "DaemonSet", "daemonsets", DaemonSet.class).shortNames("ds").categories("all")
                .subresources("status").columns(WorkloadColumns.daemonSets())
                .strategy(Strategies.workload("DaemonSet")).build());
        r.register(def("apps", "v1", "Deployment", "deployments", Deployment.class).shortNames("deploy")
                .categories("all").subresources("status", "scale").columns(WorkloadColumns.deployments())
                .strategy(Strategies.workload("Deployment")).build());
        r.register(def("apps", "v1", "ReplicaSet", "replicasets", ReplicaSet.class).shortNames("rs")
                .categories("all").subresources("status", "scale").columns(WorkloadColumns.replicaSets())
                .fields("status.replicas").strategy(Strategies.workload("ReplicaSet")).build());
        r.register(def("apps", "v1", "StatefulSet", "statefulsets", StatefulSet.class).shortNames("sts")
                .categories("all").subresources("status", "scale").columns(WorkloadColumns.statefulSets())
                .strategy(Strategies.workload("StatefulSet")).build());
        // authentication.k8s.io/v1 and authorization.k8s.io/v1: answered, not stored
        r.register(def("authentication.k8s.io", "v1", "SelfSubjectReview", "selfsubjectreviews",
                io.fabric8.kubernetes.api.model.authentication.SelfSubjectReview.class).clusterScoped()
                .verbs("create").strategy(reviews.selfSubject).build());
        r.register(def("authentication.k8s.io", "v1", "TokenReview", "tokenreviews",
                io.fabric8.kubernetes.api.model.authentication.TokenReview.class).clusterScoped()
                .verbs("create").strategy(reviews.tokenReview).build());
        r.register(def("authorization.k8s.io", "v1", "SelfSubjectAccessReview", "selfsubjectaccessreviews",
                io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReview.class).clusterScoped()
                .verbs("create").strategy(reviews.selfSubjectAccess).build());
        r.register(def("authorization.k8s.io", "v1", "SelfSubjectRulesReview", "selfsubjectrulesreviews",
                io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReview.class).clusterScoped()
                .verbs("create").strategy(reviews.selfSubjectRules).build());
        r.register(def("authorization.k8s.io", "v1", "SubjectAccessReview", "subjectaccessreviews",
                io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReview.class).clusterScoped()
                .verbs("create").strategy(reviews.subjectAccess).build());
        r.register(def("authorization.k8s.io", "v1", "LocalSubjectAccessReview", "localsubjectaccessreviews",
                io.fabric8.kubernetes.api.model.authorization.v1.LocalSubjectAccessReview.class)
                .verbs("create").strategy(reviews.localSubjectAccess).build());
        // batch/v1
        r.register(def("batch", "v1", "CronJob", "cronjobs", CronJob.class).shortNames("cj").categories("all")
                .subresources("status").columns(WorkloadColumns.cronJobs()).strategy(Strategies.BATCH).build());
        r.register(def("batch", "v1", "Job", "jobs", Job.class).categories("all").subresources("status")
                .columns(WorkloadColumns.jobs()).fields("status.successful").strategy(Strategies.BATCH).build());
        // certificates.k8s.io/v1: node client certificates (approved and signed by the API server itself)
        r.register(def("certificates.k8s.io", "v1", "CertificateSigningRequest", "certificatesigningrequests",
                io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest.class).clusterScoped()
                .shortNames("csr").subresources("status")
                .strategy(io.kaji.apiserver.auth.CertificateSigningRequests.STRATEGY).build());
        // coordination.k8s.io/v1
        r.register(def("coordination.k8s.io", "v1", "Lease", "leases", Lease.class).columns(CoreColumns.leases())
                .strategy(Strategies.NO_GENERATION).build());
        // discovery.k8s.io/v1
        r.register(def("discovery.k8s.io", "v1", "EndpointSlice", "endpointslices", EndpointSlice.class)
                .columns(CoreColumns.endpointSlices()).strategy(Strategies.NO_GENERATION).build());
        // events.k8s.io/v1: the same stored objects as core/v1 events, converted field by field.
        r.register(def("events.k8s.io", "v1", "Event", "events",
                io.fabric8.kubernetes.api.model.events.v1.Event.class).shortNames("ev")
                .conversion(new EventConversion()).columns(CoreColumns.eventsV1())
                .fields("regarding.kind", "regarding.namespace", "regarding.name", "regarding.uid", "reason",
                        "reportingController", "type")
                .strategy(Strategies.NO_GENERATION).build());
        // networking.k8s.io/v1: NetworkPolicies are enforced by each node's kaji-netpol; Ingresses are stored.
        r.register(def("networking.k8s.io", "v1", "NetworkPolicy", "networkpolicies",
                io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy.class).shortNames("netpol")
                .columns(CoreColumns.networkPolicies()).build());
        r.register(def("networking.k8s.io", "v1", "Ingress", "ingresses",
                io.fabric8.kubernetes.api.model.networking.v1.Ingress.class).shortNames("ing")
                .subresources("status").build());
        r.register(def("networking.k8s.io", "v1", "IngressClass", "ingressclasses",
                io.fabric8.kubernetes.api.model.networking.v1.IngressClass.class).clusterScoped().build());
        // policy/v1: budgets (their status is the disruption controller's; pods/eviction honours them)
        r.register(def("policy", "v1", "PodDisruptionBudget", "poddisruptionbudgets",
                io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget.class).shortNames("pdb")
                .subresources("status").build());
        // admissionregistration.k8s.io/v1: the webhooks the admission webhook plugins call
        r.register(def("admissionregistration.k8s.io", "v1", "ValidatingWebhookConfiguration",
                "validatingwebhookconfigurations",
                io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration.class)
                .clusterScoped().columns(CoreColumns.webhookConfigurations()).strategy(Strategies.NO_GENERATION)
                .build());
        r.register(def("admissionregistration.k8s.io", "v1", "MutatingWebhookConfiguration",
                "mutatingwebhookconfigurations",
                io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration.class)
                .clusterScoped().columns(CoreColumns.webhookConfigurations()).strategy(Strategies.NO_GENERATION)
                .build());
        // metrics.k8s.io/v1beta1: resource use for kubectl top, computed from the node agents' /stats/summary
        ComputedResource metrics = new ComputedResource() {
            @Override
            public boolean tracksGeneration() {
                return false;
            }
        };
        r.register(def("metrics.k8s.io", "v1beta1", "NodeMetrics", "nodes",
                io.fabric8.kubernetes.api.model.metrics.v1beta1.NodeMetrics.class).clusterScoped().verbs("get", "list")
                .strategy(metrics).build());
        r.register(def("metrics.k8s.io", "v1beta1", "PodMetrics", "pods",
                io.fabric8.kubernetes.api.model.metrics.v1beta1.PodMetrics.class).verbs("get", "list")
                .strategy(metrics).build());
        // scheduling.k8s.io/v1: priority classes, resolved into pods' spec.priority by the Priority admission plugin
        r.register(def("scheduling.k8s.io", "v1", "PriorityClass", "priorityclasses",
                io.fabric8.kubernetes.api.model.scheduling.v1.PriorityClass.class).clusterScoped().shortNames("pc")
                .columns(CoreColumns.priorityClasses()).strategy(Strategies.PRIORITY_CLASS).build());
        // rbac.authorization.k8s.io/v1 (stored; evaluated by io.kaji.apiserver.auth.rbac from the watch cache)
        String rbac = "rbac.authorization.k8s.io";
        r.register(def(rbac, "v1", "ClusterRoleBinding", "clusterrolebindings", ClusterRoleBinding.class)
                .clusterScoped().columns(CoreColumns.roleBindings()).strategy(Strategies.RBAC).build());
        r.register(def(rbac, "v1", "ClusterRole", "clusterroles", ClusterRole.class).clusterScoped()
                .columns(CoreColumns.roles()).strategy(Strategies.RBAC).build());
        r.register(def(rbac, "v1", "RoleBinding", "rolebindings", RoleBinding.class)
                .columns(CoreColumns.roleBindings()).strategy(Strategies.RBAC).build());
        r.register(def(rbac, "v1", "Role", "roles", Role.class).columns(CoreColumns.roles())
                .strategy(Strategies.RBAC).build());
        return r;
    }

    private static Builder def(String group, String version, String kind, String plural, Class<?> model) {
        return new Builder(group, version, kind, plural, model);
    }

    /** Fills in a definition with Kubernetes' defaults: namespaced, every verb, singular = lower-case kind. */
    private static final class Builder {
        private final String group;
        private final String version;
        private final String kind;
        private final String plural;
        private final Class<?> model;
        private boolean namespaced = true;
        private List<String> shortNames = List.of();
        private List<String> categories = List.of();
        private List<String> verbs = ResourceDefinition.ALL_VERBS;
        private Set<String> subresources = Set.of();
        private String storage;
        private List<Column> columns = CoreColumns.defaults();
        private Set<String> fields = Set.of();
        private ResourceStrategy strategy = ResourceStrategy.DEFAULT;
        private StorageConversion conversion = StorageConversion.IDENTITY;

        Builder(String group, String version, String kind, String plural, Class<?> model) {
            this.group = group;
            this.version = version;
            this.kind = kind;
            this.plural = plural;
            this.model = model;
            this.storage = plural;
        }

        Builder clusterScoped() {
            namespaced = false;
            return this;
        }

        Builder shortNames(String... names) {
            shortNames = List.of(names);
            return this;
        }

        Builder categories(String... names) {
            categories = List.of(names);
            return this;
        }

        Builder verbs(String... names) {
            verbs = List.of(names);
            return this;
        }

        Builder subresources(String... names) {
            subresources = Set.of(names);
            return this;
        }

        Builder storage(String prefix) {
            storage = prefix;
            return this;
        }

        Builder columns(List<Column> cols) {
            columns = cols;
            return this;
        }

        Builder fields(String... labels) {
            fields = Set.of(labels);
            return this;
        }

        Builder conversion(StorageConversion c) {
            conversion = c;
            return this;
        }

        Builder strategy(ResourceStrategy s) {
            strategy = s;
            return this;
        }

        ResourceDefinition build() {
            return new ResourceDefinition(group, version, kind, plural, kind.toLowerCase(java.util.Locale.ROOT),
                    shortNames, categories, namespaced, verbs, subresources, model, storage, columns, fields, strategy,
                    conversion);
        }
    }
}
