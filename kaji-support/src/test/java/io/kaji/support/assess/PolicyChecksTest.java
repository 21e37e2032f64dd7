package io.kaji.support.assess;

import static io.kaji.support.assess.Fixtures.HARDENED_SPEC;
import static io.kaji.support.assess.Fixtures.hardenedWith;
import static io.kaji.support.assess.Fixtures.pod;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * CIS section 5, one row per case: the check, the objects, the expected check status and (for FAIL/WARN) the
 * object and evidence the first finding must name. Every check has a failing and a passing row.
 */
class PolicyChecksTest {

    private static final String NS_APP = "apiVersion: v1\nkind: Namespace\nmetadata: {name: app}\n";
    private static final String NS_APP_ENFORCED = "apiVersion: v1\nkind: Namespace\nmetadata: {name: app, labels: "
            + "{pod-security.kubernetes.io/enforce: restricted}}\n";

    private static String clusterRole(String name, String rules) {
        return "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: " + name + "}\nrules:\n"
                + rules;
    }

    private static String crb(String name, String role, String subject) {
        return "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: " + name + "}\n"
                + "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: " + role + "}\n"
                + "subjects:\n- " + subject + "\n";
    }

    private static final String SA_APP = "{kind: ServiceAccount, name: app, namespace: app}";
    private static final String USER_ALICE = "{kind: User, name: alice, apiGroup: rbac.authorization.k8s.io}";
    private static final String NODES = "{kind: Group, name: system:nodes, apiGroup: rbac.authorization.k8s.io}";

    private static String grant(String verbs, String groups, String resources) {
        return clusterRole("r", "- {verbs: " + verbs + ", apiGroups: " + groups + ", resources: " + resources + "}\n")
                + "---\n" + crb("b", "r", SA_APP);
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                // 5.1.1 cluster-admin
                Arguments.of("5.1.1", crb("ci-admin", "cluster-admin", SA_APP), Status.FAIL,
                        "ClusterRoleBinding ci-admin", "roleRef=ClusterRole/cluster-admin"),
                Arguments.of("5.1.1", crb("nodes-admin", "cluster-admin", NODES), Status.PASS, null, null),
                // 5.1.2 secrets
                Arguments.of("5.1.2", grant("[get]", "['']", "[secrets]"), Status.FAIL, "ClusterRoleBinding b",
                        "resources=[secrets]"),
                Arguments.of("5.1.2", grant("[get]", "['']", "[configmaps]"), Status.PASS, null, null),
                Arguments.of("5.1.2", grant("['*']", "['*']", "['*']"), Status.FAIL, "ClusterRoleBinding b",
                        "verbs=[*]"),
                // 5.1.3 wildcards
                Arguments.of("5.1.3", clusterRole("wild", "- {verbs: ['*'], apiGroups: [apps], resources: [deployments]}\n"),
                        Status.FAIL, "ClusterRole wild", "verbs=[*]"),
                Arguments.of("5.1.3", clusterRole("system:wild", "- {verbs: ['*'], apiGroups: ['*'], resources: ['*']}\n"),
                        Status.PASS, null, null),
                Arguments.of("5.1.3", clusterRole("tame", "- {verbs: [get], apiGroups: [apps], resources: [deployments]}\n"),
                        Status.PASS, null, null),
                // 5.1.4 create pods
                Arguments.of("5.1.4", grant("[create]", "['']", "[pods]"), Status.FAIL, "ClusterRoleBinding b",
                        "resources=[pods]"),
                Arguments.of("5.1.4", grant("[get, list]", "['']", "[pods]"), Status.PASS, null, null),
                // 5.1.5 default service account
                Arguments.of("5.1.5", "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: default, namespace: app}\n",
                        Status.FAIL, "ServiceAccount app/default", "automountServiceAccountToken=<unset>"),
                Arguments.of("5.1.5", "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: default, namespace: app}\n"
                        + "automountServiceAccountToken: false\n", Status.PASS, null, null),
                Arguments.of("5.1.5", clusterRole("r", "- {verbs: [get], apiGroups: [''], resources: [pods]}\n") + "---\n"
                                + crb("b", "r", "{kind: ServiceAccount, name: default, namespace: app}"),
                        Status.FAIL, "ClusterRoleBinding b", "ServiceAccount app/default"),
                // 5.1.6 token mounts
                Arguments.of("5.1.6", pod("p", hardenedWith("automountServiceAccountToken: false", "hostname: p")),
                        Status.FAIL, "Pod app/p", "automountServiceAccountToken=<unset>"),
                Arguments.of("5.1.6", pod("p", HARDENED_SPEC), Status.PASS, null, null),
                // 5.1.7 system:masters
                Arguments.of("5.1.7", crb("m", "view", "{kind: Group, name: system:masters, apiGroup: rbac.authorization.k8s.io}"),
                        Status.FAIL, "ClusterRoleBinding m", "Group system:masters"),
                Arguments.of("5.1.7", crb("m", "view", USER_ALICE), Status.PASS, null, null),
                // 5.1.8 bind/escalate/impersonate
                Arguments.of("5.1.8", grant("[impersonate]", "['']", "[users]"), Status.FAIL, "ClusterRoleBinding b",
                        "impersonate"),
                Arguments.of("5.1.8", grant("[escalate]", "[rbac.authorization.k8s.io]", "[clusterroles]"),
                        Status.FAIL, "ClusterRoleBinding b", "escalate"),
                Arguments.of("5.1.8", grant("[get]", "[rbac.authorization.k8s.io]", "[clusterroles]"), Status.PASS,
                        null, null),
                // 5.1.9 persistent volumes
                Arguments.of("5.1.9", grant("[create]", "['']", "[persistentvolumes]"), Status.FAIL,
                        "ClusterRoleBinding b", "persistentvolumes"),
                Arguments.of("5.1.9", grant("[create]", "['']", "[persistentvolumeclaims]"), Status.PASS, null, null),
                // 5.1.10 nodes/proxy
                Arguments.of("5.1.10", grant("[get]", "['']", "[nodes/proxy]"), Status.FAIL, "ClusterRoleBinding b",
                        "nodes/proxy"),
                Arguments.of("5.1.10", grant("[get]", "['']", "[nodes]"), Status.PASS, null, null),
                // 5.1.11 CSR approval
                Arguments.of("5.1.11", grant("[update]", "[certificates.k8s.io]", "[certificatesigningrequests/approval]"),
                        Status.FAIL, "ClusterRoleBinding b", "approval"),
                Arguments.of("5.1.11", grant("[create]", "[certificates.k8s.io]", "[certificatesigningrequests]"),
                        Status.PASS, null, null),
                // 5.1.12 webhook configurations
                Arguments.of("5.1.12", grant("[patch]", "[admissionregistration.k8s.io]",
                        "[mutatingwebhookconfigurations]"), Status.FAIL, "ClusterRoleBinding b", "mutatingwebhook"),
                Arguments.of("5.1.12", grant("[get, list]", "[admissionregistration.k8s.io]",
                        "[mutatingwebhookconfigurations]"), Status.PASS, null, null),
                // 5.1.13 token creation
                Arguments.of("5.1.13", grant("[create]", "['']", "[serviceaccounts/token]"), Status.FAIL,
                        "ClusterRoleBinding b", "serviceaccounts/token"),
                Arguments.of("5.1.13", grant("[create]", "['']", "[serviceaccounts]"), Status.PASS, null, null),
                // 5.2.1 policy control
                Arguments.of("5.2.1", NS_APP, Status.FAIL, "Namespace app", "enforce]=<unset>"),
                Arguments.of("5.2.1", NS_APP_ENFORCED, Status.PASS, null, null),
                // 5.2.2 .. 5.2.12 on pods
                Arguments.of("5.2.2", pod("p", hardenedWith("allowPrivilegeEscalation: false",
                        "privileged: true")), Status.FAIL, "Pod app/p", "securityContext.privileged=true"),
                Arguments.of("5.2.2", pod("p", HARDENED_SPEC), Status.PASS, null, null),
                Arguments.of("5.2.3", pod("p", hardenedWith("automountServiceAccountToken: false", "hostPID: true")),
                        Status.FAIL, "Pod app/p", "spec.hostPID=true"),
                Arguments.of("5.2.3", pod("p", HARDENED_SPEC), Status.PASS, null, null),
                Arguments.of("5.2.4", pod("p", hardenedWith("automountServiceAccountToken: false", "hostIPC: true")),
                        Status.FAIL, "Pod app/p", "spec.hostIPC=true"),
                Arguments.of("5.2.4", pod("p", HARDENED_SPEC), Status.PASS, null, null),
                Arguments.of("5.2.5", pod("p", hardenedWith("automountServiceAccountToken: false", "hostNetwork: true")),
                        Status.FAIL, "Pod app/p", "spec.hostNetwork=true"),
                Arguments.of("5.2.5", pod("p", HARDENED_SPEC), Status.PASS, null, null),
                Arguments.of("5.2.6", pod("p", hardenedWith("allowPrivilegeEscalation: false",
                        "allowPrivilegeEscalation: true")), Status.FAIL, "Pod app/p", "allowPrivilegeEscalation=true"),
                Arguments.of("5.2.6", pod("p", hardenedWith("allowPrivilegeEscalation: false", "readOnlyRootFilesystem: true")),
                        Status.WARN, "Pod app/p", "allowPrivilegeEscalation=<unset>"),
                Arguments.of("5.2.6", pod("p", HARDENED_SPEC), Status.PASS, null, null),
                Arguments.of("5.2.7", pod("p", hardenedWith("allowPrivilegeEscalation: false", "runAsUser: 0")),
                        Status.FAIL, "Pod app/p", "containers[app].securityContext.runAsUser=0"),
                Arguments.of("5.2.7", pod("p", HARDENED_SPEC), Status.PASS, null, null),
                Arguments.of("5.2.8", pod("p", hardenedWith("capabilities: {drop: [ALL]}",
                        "capabilities: {add: [NET_RAW]}")), Status.FAIL, "Pod app/p", "capabilities.add=[NET_RAW]"),
                Arguments.of("5.2.8", pod("p", HARDENED_SPEC), Status.PASS, null, null),
                Arguments.of("5.2.9", pod("p", hardenedWith("capabilities: {drop: [ALL]}",
                        "capabilities: {add: [SYS_ADMIN], drop: [ALL]}")), Status.FAIL, "Pod app/p",
                        "capabilities.add=[SYS_ADMIN]"),
                Arguments.of("5.2.9", pod("p", hardenedWith("capabilities: {drop: [ALL]}", "capabilities: {drop: [KILL]}")),
                        Status.WARN, "Pod app/p", "capabilities.drop=[KILL]"),
                Arguments.of("5.2.9", pod("p", HARDENED_SPEC), Status.PASS, null, null),
                Arguments.of("5.2.10", pod("p", hardenedWith("allowPrivilegeEscalation: false",
                        "windowsOptions: {hostProcess: true}")), Status.FAIL, "Pod app/p", "hostProcess=true"),
                Arguments.of("5.2.10", pod("p", HARDENED_SPEC), Status.PASS, null, null),
                Arguments.of("5.2.11", pod("p", HARDENED_SPEC + "  volumes:\n  - {name: root, hostPath: {path: /}}\n"),
                        Status.FAIL, "Pod app/p", "volumes[root].hostPath.path=/"),
                Arguments.of("5.2.11", pod("p", HARDENED_SPEC + "  volumes:\n  - {name: tmp, emptyDir: {}}\n"),
                        Status.PASS, null, null),
                Arguments.of("5.2.12", pod("p", hardenedWith("image: registry.example/app:1.0",
                        "image: registry.example/app:1.0\n    ports: [{containerPort: 80, hostPort: 8080}]")),
                        Status.FAIL, "Pod app/p", "hostPort=8080"),
                Arguments.of("5.2.12", pod("p", hardenedWith("image: registry.example/app:1.0",
                        "image: registry.example/app:1.0\n    ports: [{containerPort: 80}]")), Status.PASS, null, null),
                // 5.3.1: decided for Kaji only; elsewhere a question
                Arguments.of("5.3.1", NS_APP, Status.MANUAL, null, null),
                // 5.3.2 network policies
                Arguments.of("5.3.2", NS_APP + "---\n" + pod("p", HARDENED_SPEC), Status.FAIL, "Namespace app",
                        "networkpolicies in namespace app: 0"),
                Arguments.of("5.3.2", NS_APP + "---\n" + pod("p", HARDENED_SPEC) + "---\napiVersion: networking.k8s.io/v1\n"
                        + "kind: NetworkPolicy\nmetadata: {name: deny, namespace: app}\nspec: {podSelector: {}}\n",
                        Status.PASS, null, null),
                // 5.4.1 secrets in env
                Arguments.of("5.4.1", pod("p", hardenedWith("image: registry.example/app:1.0",
                        "image: registry.example/app:1.0\n    env: [{name: PW, valueFrom: {secretKeyRef: {name: db, key: pw}}}]")),
                        Status.FAIL, "Pod app/p", "env[PW].valueFrom.secretKeyRef.name=db"),
                Arguments.of("5.4.1", pod("p", hardenedWith("image: registry.example/app:1.0",
                        "image: registry.example/app:1.0\n    envFrom: [{secretRef: {name: db}}]")),
                        Status.FAIL, "Pod app/p", "envFrom[].secretRef.name=db"),
                Arguments.of("5.4.1", pod("p", HARDENED_SPEC), Status.PASS, null, null),
                Arguments.of("5.4.2", NS_APP, Status.MANUAL, null, null),
                Arguments.of("5.5.1", NS_APP, Status.MANUAL, null, null),
                Arguments.of("5.6.1", NS_APP, Status.MANUAL, null, null),
                // 5.6.2 seccomp
                Arguments.of("5.6.2", pod("p", hardenedWith("type: RuntimeDefault", "type: Unconfined")),
                        Status.FAIL, "Pod app/p", "seccompProfile.type=Unconfined"),
                Arguments.of("5.6.2", pod("p", hardenedWith("seccompProfile: {type: RuntimeDefault}", "fsGroup: 2000")),
                        Status.WARN, "Pod app/p", "seccompProfile=<unset>"),
                Arguments.of("5.6.2", pod("p", HARDENED_SPEC), Status.PASS, null, null),
                // 5.6.3 security context
                Arguments.of("5.6.3", pod("p", "  containers: [{name: app, image: a:1}]\n"), Status.FAIL, "Pod app/p",
                        "securityContext=<unset>"),
                Arguments.of("5.6.3", pod("p", HARDENED_SPEC), Status.PASS, null, null),
                // 5.6.4 default namespace
                Arguments.of("5.6.4", pod("p", HARDENED_SPEC).replace("namespace: app", "namespace: default"),
                        Status.FAIL, "Pod default/p", "metadata.namespace=default"),
                Arguments.of("5.6.4", pod("p", HARDENED_SPEC), Status.PASS, null, null));
    }

    @ParameterizedTest(name = "{0} {2} #{index}")
    @MethodSource("cases")
    void decides(String id, String yaml, Status expected, String object, String evidence) {
        CheckResult result = Fixtures.run(id, Fixtures.objects(yaml));

        assertThat(result.status()).as("findings: %s", result.findings()).isEqualTo(expected);
        if (object != null) {
            Finding first = result.findings().stream().filter(f -> f.status() == expected).findFirst().orElseThrow();
            assertThat(first.object().toString()).isEqualTo(object);
            assertThat(first.evidence()).contains(evidence);
            assertThat(first.remediation()).isNotBlank();
        }
    }

    /** On a Kaji node, 5.2.1 knows the server's default Pod Security level for namespaces without labels. */
    @org.junit.jupiter.api.Test
    void kajiEnforcesBaselineByDefaultUnlessConfiguredOtherwise(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        java.util.function.Function<java.util.Map<String, String>, CheckResult> run = flags -> Fixtures.run("5.2.1",
                new AssessmentContext(ClusterSnapshot.of(Fixtures.objects(NS_APP)), "v1.32.0+kaji.test",
                        KubeVersion.parse("1.32"), new HostConfig(dir, flags, "test", null, java.util.List.of())));
        assertThat(run.apply(java.util.Map.of()).status()).isEqualTo(Status.PASS);
        assertThat(run.apply(java.util.Map.of()).findings().get(0).message())
                .isEqualTo("Kaji's Pod Security admission enforces baseline on namespaces without labels");
        assertThat(run.apply(java.util.Map.of("pod-security-default", "enforce=restricted")).status())
                .isEqualTo(Status.PASS);
        assertThat(run.apply(java.util.Map.of("pod-security-default", "warn=restricted")).status())
                .isEqualTo(Status.FAIL);
        assertThat(run.apply(java.util.Map.of("disable-admission-plugins", "LimitRanger,PodSecurity")).status())
                .isEqualTo(Status.FAIL);
        assertThat(run.apply(java.util.Map.of("admission-control-config-file", "/etc/kaji/admission.yaml")).status())
                .isEqualTo(Status.MANUAL);
    }
}
