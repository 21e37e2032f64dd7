package io.kaji.support.assess;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kaji.apiserver.server.TestServer;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The fixture cluster of issue 10: deliberately insecure objects and a hardened namespace applied to a real
 * in-process Kaji API server, then assessed through the fabric8 client like {@code kaji assess} does. Every
 * planted problem must be found with the right check id and object; the hardened namespace must raise no
 * pod-security finding.
 */
class FixtureClusterTest {

    @TempDir
    static Path dir;
    static TestServer server;
    static KubernetesClient client;
    static Report report;

    private static final String INSECURE_SPEC = """
              containers:
              - name: app
                image: registry.example/app:1.0
            """;

    private static String deployment(String ns, String name, String spec) {
        return "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: " + name + ", namespace: " + ns + "}\n"
                + "spec:\n  replicas: 2\n  selector: {matchLabels: {app: " + name + "}}\n  template:\n"
                + "    metadata: {labels: {app: " + name + "}}\n    spec:\n" + spec.indent(4);
    }

    private static String role(String name, String rule, String bindingName, String subject) {
        return "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: " + name + "}\nrules:\n- "
                + rule + "\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\n"
                + "metadata: {name: " + bindingName + "}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: "
                + "ClusterRole, name: " + name + "}\nsubjects:\n- " + subject + "\n";
    }

    private static final String APP_SA = "{kind: ServiceAccount, name: app, namespace: insecure}";

    static final String FIXTURES = String.join("---\n",
            // Privileged: Kaji enforces Pod Security baseline by default, and these pods are what it forbids.
            "apiVersion: v1\nkind: Namespace\nmetadata: {name: insecure, labels: "
                    + "{pod-security.kubernetes.io/enforce: privileged}}\n",
            deployment("insecure", "privileged", INSECURE_SPEC + "    securityContext: {privileged: true}\n"),
            deployment("insecure", "hostpid", "  hostPID: true\n" + INSECURE_SPEC),
            "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: hostipc, namespace: insecure}\nspec:\n"
                    + "  selector: {matchLabels: {app: hostipc}}\n  template:\n    metadata: {labels: {app: hostipc}}\n"
                    + "    spec:\n" + ("  hostIPC: true\n" + INSECURE_SPEC).indent(4),
            "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: hostnet, namespace: insecure}\nspec:\n"
                    + "  serviceName: hostnet\n  selector: {matchLabels: {app: hostnet}}\n  template:\n"
                    + "    metadata: {labels: {app: hostnet}}\n    spec:\n" + ("  hostNetwork: true\n" + INSECURE_SPEC).indent(4),
            "apiVersion: v1\nkind: Pod\nmetadata: {name: escalate, namespace: insecure}\nspec:\n" + INSECURE_SPEC
                    + "    securityContext: {allowPrivilegeEscalation: true}\n",
            "apiVersion: batch/v1\nkind: Job\nmetadata: {name: root, namespace: insecure}\nspec:\n  template:\n    spec:\n"
                    + ("  restartPolicy: Never\n" + INSECURE_SPEC + "    securityContext: {runAsUser: 0}\n").indent(4),
            "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: caps, namespace: insecure}\nspec:\n  schedule: '@daily'\n"
                    + "  jobTemplate:\n    spec:\n      template:\n        spec:\n" + ("  restartPolicy: Never\n"
                    + INSECURE_SPEC + "    securityContext: {capabilities: {add: [SYS_ADMIN, NET_RAW]}}\n").indent(8),
            deployment("insecure", "hostpath", INSECURE_SPEC + "  volumes: [{name: host, hostPath: {path: /etc}}]\n"),
            "apiVersion: v1\nkind: Pod\nmetadata: {name: hostport, namespace: insecure}\nspec:\n" + INSECURE_SPEC
                    + "    ports: [{containerPort: 80, hostPort: 8080}]\n",
            deployment("insecure", "secret-env", INSECURE_SPEC
                    + "    env: [{name: TOKEN, valueFrom: {secretKeyRef: {name: api, key: token}}}]\n"),
            "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: app, namespace: insecure}\n",
            "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: default, namespace: insecure}\n",
            role("wildcard", "{verbs: ['*'], apiGroups: ['*'], resources: ['*']}", "wildcard", APP_SA),
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: default-admin}\n"
                    + "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}\n"
                    + "subjects:\n- {kind: ServiceAccount, name: default, namespace: insecure}\n",
            role("escalator", "{verbs: [bind, escalate, impersonate], apiGroups: ['', rbac.authorization.k8s.io], "
                    + "resources: [clusterroles, users]}", "escalator", APP_SA),
            role("node-proxy", "{verbs: [get], apiGroups: [''], resources: [nodes/proxy]}", "node-proxy", APP_SA),
            role("csr-approver", "{verbs: [update], apiGroups: [certificates.k8s.io], "
                    + "resources: [certificatesigningrequests/approval]}", "csr-approver", APP_SA),
            role("webhook-admin", "{verbs: [create, patch], apiGroups: [admissionregistration.k8s.io], "
                    + "resources: [validatingwebhookconfigurations]}", "webhook-admin", APP_SA),
            role("token-minter", "{verbs: [create], apiGroups: [''], resources: [serviceaccounts/token]}",
                    "token-minter", APP_SA),
            deployment("default", "web", Fixtures.HARDENED_SPEC.stripIndent()),
            // The hardened namespace: Pod Security enforced, default-deny policy, no default token.
            "apiVersion: v1\nkind: Namespace\nmetadata: {name: hardened, labels: "
                    + "{pod-security.kubernetes.io/enforce: restricted}}\n",
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny-all, namespace: hardened}\n"
                    + "spec: {podSelector: {}, policyTypes: [Ingress, Egress]}\n",
            "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: default, namespace: hardened}\n"
                    + "automountServiceAccountToken: false\n",
            deployment("hardened", "api", Fixtures.HARDENED_SPEC.stripIndent()),
            "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: api, namespace: hardened}\n"
                    + "spec: {minAvailable: 1, selector: {matchLabels: {app: api}}}\n");

    @BeforeAll
    static void applyFixturesAndAssess() throws Exception {
        server = TestServer.start(dir);
        client = server.newKubernetesClient();
        for (HasMetadata o : Fixtures.objects(FIXTURES)) {
            if ("ServiceAccount".equals(o.getKind()) && client.resource(o).get() != null) {
                continue;
            }
            client.resource(o).create();
        }
        // What the ReplicaSet controller would make of Deployment "privileged": findings must stay on the Deployment.
        String uid = client.apps().deployments().inNamespace("insecure").withName("privileged").get()
                .getMetadata().getUid();
        client.resource(Fixtures.objects("apiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {name: privileged-1, "
                + "namespace: insecure, ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: privileged, "
                + "uid: " + uid + ", controller: true}]}\nspec:\n  selector: {matchLabels: {app: privileged}}\n"
                + "  template:\n    metadata: {labels: {app: privileged}}\n    spec:\n"
                + (INSECURE_SPEC + "    securityContext: {privileged: true}\n").indent(4)).get(0)).create();
        String rsUid = client.apps().replicaSets().inNamespace("insecure").withName("privileged-1").get()
                .getMetadata().getUid();
        client.resource(Fixtures.objects("apiVersion: v1\nkind: Pod\nmetadata: {name: privileged-1-x, namespace: "
                + "insecure, labels: {app: privileged}, ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, "
                + "name: privileged-1, uid: " + rsUid + ", controller: true}]}\nspec:\n" + INSECURE_SPEC
                + "    securityContext: {privileged: true}\n").get(0)).create();

        report = ClusterAssessment.run(client, HostConfig.absent(), null, Exemptions.none(),
                CheckRegistry.builtin(), Fixtures.CLOCK);
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @ParameterizedTest(name = "{0} finds {1}")
    @CsvSource({
            "5.1.1, ClusterRoleBinding default-admin",
            "5.1.2, ClusterRoleBinding wildcard",
            "5.1.3, ClusterRole wildcard",
            "5.1.4, ClusterRoleBinding wildcard",
            "5.1.5, ClusterRoleBinding default-admin",
            "5.1.5, ServiceAccount insecure/default",
            "5.1.8, ClusterRoleBinding escalator",
            "5.1.10, ClusterRoleBinding node-proxy",
            "5.1.11, ClusterRoleBinding csr-approver",
            "5.1.12, ClusterRoleBinding webhook-admin",
            "5.1.13, ClusterRoleBinding token-minter",
            "5.2.1, Namespace insecure",
            "5.2.2, Deployment insecure/privileged",
            "5.2.3, Deployment insecure/hostpid",
            "5.2.4, DaemonSet insecure/hostipc",
            "5.2.5, StatefulSet insecure/hostnet",
            "5.2.6, Pod insecure/escalate",
            "5.2.7, Job insecure/root",
            "5.2.8, CronJob insecure/caps",
            "5.2.9, CronJob insecure/caps",
            "5.2.11, Deployment insecure/hostpath",
            "5.2.12, Pod insecure/hostport",
            "5.3.2, Namespace insecure",
            "5.4.1, Deployment insecure/secret-env",
            "5.6.4, Deployment default/web",
    })
    void findsEveryPlantedProblem(String id, String object) {
        CheckResult result = result(id);
        assertThat(result.status()).isEqualTo(Status.FAIL);
        assertThat(result.findings()).filteredOn(f -> f.status() == Status.FAIL)
                .extracting(f -> f.object().toString()).contains(object);
    }

    @Test
    void theHardenedNamespaceRaisesNoPodSecurityFinding() {
        List<String> findings = report.checks().stream()
                .filter(r -> r.check().section().startsWith("5.2") || r.check().topSection().equals("PSS")
                        || r.check().section().startsWith("5.6"))
                .flatMap(r -> r.findings().stream().map(f -> r.check().id() + " " + f))
                .filter(s -> s.contains("namespace=hardened")).toList();
        assertThat(findings).isEmpty();
        assertThat(result("5.3.2").findings()).extracting(Finding::name).doesNotContain("hardened");
        assertThat(result("5.2.1").findings()).extracting(Finding::name).doesNotContain("hardened");
    }

    @Test
    void templateFindingsAreReportedOnTheOwnerOnly() {
        Set<String> objects = result("5.2.2").findings().stream().map(f -> f.object().toString())
                .collect(Collectors.toSet());
        assertThat(objects).containsExactly("Deployment insecure/privileged");
    }

    @Test
    void theSnapshotListedEverythingItCould() {
        assertThat(report.checks()).noneMatch(r -> r.status() == Status.ERROR);
        assertThat(report.serverVersion()).contains("+kaji");
        assertThat(result("5.3.1").status()).isEqualTo(Status.PASS);
    }

    private static CheckResult result(String id) {
        return report.checks().stream().filter(r -> r.check().id().equals(id)).findFirst().orElseThrow();
    }
}
