package io.kaji.support.assess;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.List;
import org.junit.jupiter.api.Test;

class AssessorTest {

    private static KubernetesClientException forbidden(ResourceKind kind) {
        return new KubernetesClientException(new StatusBuilder().withCode(403).withReason("Forbidden")
                .withMessage(kind.resource() + " is forbidden: User \"auditor\" cannot list resource \""
                        + kind.resource() + "\" at the cluster scope").build());
    }

    @Test
    void forbiddenListsTurnDependentChecksIntoErrorsNamingTheReason() {
        List<HasMetadata> objects = Fixtures.objects(Fixtures.pod("p",
                Fixtures.hardenedWith("automountServiceAccountToken: false", "hostPID: true")));
        ResourceLister lister = kind -> switch (kind) {
            case CLUSTER_ROLE_BINDINGS, DEPLOYMENTS, NAMESPACES -> throw forbidden(kind);
            case PODS -> objects.stream().map(Pod.class::cast).toList();
            default -> List.of();
        };
        ClusterSnapshot snapshot = ClusterSnapshot.fetch(lister);
        AssessmentContext ctx = new AssessmentContext(snapshot, "v1.32.0", KubeVersion.parse("1.32"),
                HostConfig.absent());

        Report report = new Assessor(CheckRegistry.builtin().checks(), Exemptions.none(), Fixtures.CLOCK)
                .run(ctx, null);

        CheckResult clusterAdmin = result(report, "5.1.1");
        assertThat(clusterAdmin.status()).isEqualTo(Status.ERROR);
        assertThat(clusterAdmin.findings()).singleElement().satisfies(f -> assertThat(f.message())
                .isEqualTo("could not be evaluated: list clusterrolebindings.rbac.authorization.k8s.io: forbidden "
                        + "(403): clusterrolebindings.rbac.authorization.k8s.io is forbidden: User \"auditor\" "
                        + "cannot list resource \"clusterrolebindings.rbac.authorization.k8s.io\" at the cluster scope"));
        // hostPID on the pod is not reported: without deployments the workload view is incomplete.
        assertThat(result(report, "5.2.3").status()).isEqualTo(Status.ERROR);
        assertThat(result(report, "5.2.3").findings().get(0).message()).contains("deployments.apps: forbidden (403)");
        // A check that needs none of the lists still runs; a question is still asked.
        assertThat(result(report, "5.4.1").status()).isEqualTo(Status.ERROR);
        assertThat(result(report, "rel-service-endpoints").status()).isEqualTo(Status.PASS);
        assertThat(result(report, "5.6.1").status()).isEqualTo(Status.MANUAL);
        assertThat(result(report, "5.3.2").findings().get(0).message()).contains("namespaces: forbidden (403)");
        assertThat(report.summary().checks().get(Status.ERROR)).isGreaterThan(10);
        assertThat(snapshot.failures()).containsOnlyKeys(ResourceKind.CLUSTER_ROLE_BINDINGS, ResourceKind.DEPLOYMENTS,
                ResourceKind.NAMESPACES);
    }

    @Test
    void notServedKindsAreEmptyNotErrors() {
        ResourceLister lister = kind -> {
            if (kind == ResourceKind.VALIDATING_WEBHOOKS) {
                throw new KubernetesClientException(new StatusBuilder().withCode(404).withMessage("not found").build());
            }
            return List.of();
        };
        ClusterSnapshot snapshot = ClusterSnapshot.fetch(lister);
        assertThat(snapshot.failures()).isEmpty();
        assertThat(snapshot.notServed()).containsExactly(ResourceKind.VALIDATING_WEBHOOKS);
    }

    @Test
    void malformedObjectsDoNotBreakTheRun() {
        Pod noSpec = new PodBuilder().withNewMetadata().withName("empty").withNamespace("app").endMetadata().build();
        Pod nullContainer = Fixtures.objects(Fixtures.pod("odd", "  containers: [null, {name: app}]\n")).stream()
                .map(Pod.class::cast).findFirst().orElseThrow();
        Pod good = (Pod) Fixtures.objects(Fixtures.pod("bad", Fixtures.hardenedWith("automountServiceAccountToken: false",
                "hostIPC: true"))).get(0);
        AssessmentContext ctx = Fixtures.context(List.of(noSpec, nullContainer, good));

        Report report = new Assessor(CheckRegistry.builtin().checks(), Exemptions.none(), Fixtures.CLOCK)
                .run(ctx, null);

        assertThat(result(report, "5.2.4").findings()).extracting(Finding::name).contains("bad");
        assertThat(report.checks()).hasSize(CheckRegistry.builtin().checks().size());
    }

    @Test
    void aThrowingCheckIsAnErrorAndTheOthersStillRun() {
        Check broken = Check.builder("x.1", "broken").section("X").remediation("none")
                .evaluate(ctx -> {
                    throw new IllegalStateException("boom");
                });
        Check fine = Check.builder("x.2", "fine").section("X").remediation("none").evaluate(ctx -> List.of());
        Report report = new Assessor(List.of(broken, fine), Exemptions.none(), Fixtures.CLOCK)
                .run(Fixtures.context(List.of()), null);

        assertThat(report.checks().get(0).status()).isEqualTo(Status.ERROR);
        assertThat(report.checks().get(0).findings().get(0).message()).contains("boom");
        assertThat(report.checks().get(1).status()).isEqualTo(Status.PASS);
    }

    @Test
    void exemptedFindingsAreShownButDoNotCount() {
        List<HasMetadata> objects = Fixtures.objects(Fixtures.pod("net",
                Fixtures.hardenedWith("automountServiceAccountToken: false", "hostNetwork: true")));
        Exemptions exemptions = Exemptions.parse("""
                exemptions:
                  - check: "5.2.5"
                    namespace: app
                    kind: Pod
                    name: net
                    reason: the ingress gateway binds node ports
                  - check: "5.2.*"
                    namespace: other
                    reason: unused
                """, "test.yaml");
        Check hostNetwork = CheckRegistry.builtin().find("5.2.5").orElseThrow();

        Report report = new Assessor(List.of(hostNetwork), exemptions, Fixtures.CLOCK)
                .run(Fixtures.context(objects), null);

        CheckResult r = report.checks().get(0);
        assertThat(r.status()).isEqualTo(Status.PASS);
        assertThat(r.findings()).singleElement().satisfies(f -> {
            assertThat(f.status()).isEqualTo(Status.FAIL);
            assertThat(f.exemption()).isEqualTo("the ingress gateway binds node ports");
        });
        assertThat(report.exemptions()).extracting(Exemptions.Use::matched).containsExactly(1, 0);
        assertThat(report.failsAt(Severity.LOW)).isFalse();
        assertThat(report.summary().exempted()).isEqualTo(1);
    }

    @Test
    void failOnComparesSeverities() {
        List<HasMetadata> objects = Fixtures.objects(Fixtures.pod("net",
                Fixtures.hardenedWith("automountServiceAccountToken: false", "hostNetwork: true")));
        Report report = new Assessor(List.of(CheckRegistry.builtin().find("5.2.5").orElseThrow()), Exemptions.none(),
                Fixtures.CLOCK).run(Fixtures.context(objects), null);

        assertThat(report.failsAt(Severity.HIGH)).isTrue();
        assertThat(report.failsAt(Severity.CRITICAL)).isFalse();
        assertThat(report.summary().sections()).singleElement()
                .satisfies(s -> assertThat(s.score()).isEqualTo(0));
    }

    @Test
    void badExemptionFilesAreRejectedWithTheEntry() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Exemptions.parse(
                        "exemptions:\n  - namespace: a\n", "ex.yaml"))
                .hasMessage("ex.yaml: exemptions[0]: a reason is required (it is shown in the report)");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Exemptions.parse(
                        "exemptions:\n  - {nmespace: a, reason: r}\n", "ex.yaml"))
                .hasMessageContaining("unknown key \"nmespace\"");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Exemptions.parse("exemptions: [", "ex.yaml"))
                .hasMessageStartingWith("ex.yaml: not valid YAML");
    }

    private static CheckResult result(Report report, String id) {
        return report.checks().stream().filter(r -> r.check().id().equals(id)).findFirst().orElseThrow();
    }

}
