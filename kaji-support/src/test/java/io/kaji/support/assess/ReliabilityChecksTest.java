package io.kaji.support.assess;

import static io.kaji.support.assess.Fixtures.HARDENED_SPEC;
import static io.kaji.support.assess.Fixtures.hardenedWith;
import static io.kaji.support.assess.Fixtures.pod;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The reliability checks, each with a failing and a passing case. */
class ReliabilityChecksTest {

    private static String deployment(String name, int replicas, String spec) {
        return "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: " + name + ", namespace: app}\n"
                + "spec:\n  replicas: " + replicas + "\n  selector: {matchLabels: {app: " + name + "}}\n  template:\n"
                + "    metadata: {labels: {app: " + name + "}}\n    spec:\n" + spec.stripIndent().indent(4);
    }

    private static String runningPod(String name, String app, String node) {
        return "apiVersion: v1\nkind: Pod\nmetadata: {name: " + name + ", namespace: app, labels: {app: " + app
                + "}}\nspec:\n  nodeName: " + node + "\n  containers: [{name: app, image: a:1}]\n";
    }

    private static final String NODES = "apiVersion: v1\nkind: Node\nmetadata: {name: n1}\n---\n"
            + "apiVersion: v1\nkind: Node\nmetadata: {name: n2}\n";

    private static final String PDB = "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: web, "
            + "namespace: app}\nspec: {maxUnavailable: 1, selector: {matchLabels: {app: web}}}\n";

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("rel-resources", pod("p", hardenedWith("limits: {memory: 32Mi}", "limits: {cpu: 100m}")),
                        Status.FAIL, "Pod app/p", "limits [cpu]"),
                Arguments.of("rel-resources", pod("p", HARDENED_SPEC), Status.PASS, null, null),
                Arguments.of("rel-probes", pod("p", hardenedWith("readinessProbe: {tcpSocket: {port: 8080}}", "tty: false")),
                        Status.FAIL, "Pod app/p", "readinessProbe=<unset>"),
                Arguments.of("rel-probes", pod("p", hardenedWith("livenessProbe: {tcpSocket: {port: 8080}}", "tty: false")),
                        Status.WARN, "Pod app/p", "livenessProbe=<unset>"),
                Arguments.of("rel-probes", pod("p", HARDENED_SPEC), Status.PASS, null, null),
                Arguments.of("rel-single-replica", deployment("web", 1, HARDENED_SPEC), Status.FAIL,
                        "Deployment app/web", "spec.replicas=1"),
                Arguments.of("rel-single-replica", deployment("web", 3, HARDENED_SPEC), Status.PASS, null, null),
                Arguments.of("rel-pdb", deployment("web", 3, HARDENED_SPEC), Status.FAIL, "Deployment app/web",
                        "poddisruptionbudgets selecting {app=web}: 0"),
                Arguments.of("rel-pdb", deployment("web", 3, HARDENED_SPEC) + "---\n" + PDB, Status.PASS, null, null),
                Arguments.of("rel-image-tag", pod("p", hardenedWith("app:1.0", "app:latest")), Status.FAIL, "Pod app/p",
                        "image=registry.example/app:latest"),
                Arguments.of("rel-image-tag", pod("p", hardenedWith("registry.example/app:1.0", "localhost:5000/app")),
                        Status.FAIL, "Pod app/p", "image=localhost:5000/app"),
                Arguments.of("rel-image-tag", pod("p", hardenedWith("app:1.0", "app@sha256:" + "a".repeat(64))),
                        Status.PASS, null, null),
                Arguments.of("rel-image-tag", pod("p", HARDENED_SPEC), Status.PASS, null, null),
                Arguments.of("rel-service-endpoints", "apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: app}\n"
                        + "spec: {selector: {app: nothing}, ports: [{port: 80}]}\n---\n" + runningPod("w1", "web", "n1"),
                        Status.FAIL, "Service app/s", "spec.selector={app=nothing}"),
                Arguments.of("rel-service-endpoints", "apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: app}\n"
                        + "spec: {selector: {app: web}, ports: [{port: 80}]}\n---\n" + runningPod("w1", "web", "n1"),
                        Status.PASS, null, null),
                Arguments.of("rel-spread", NODES + "---\n" + deployment("web", 2, HARDENED_SPEC) + "---\n"
                        + runningPod("w1", "web", "n1") + "---\n" + runningPod("w2", "web", "n1"),
                        Status.FAIL, "Deployment app/web", "spec.nodeName=[n1]"),
                Arguments.of("rel-spread", NODES + "---\n" + deployment("web", 2, HARDENED_SPEC) + "---\n"
                        + runningPod("w1", "web", "n1") + "---\n" + runningPod("w2", "web", "n2"),
                        Status.PASS, null, null),
                Arguments.of("rel-deprecated-api", deployment("web", 2, HARDENED_SPEC).replace("namespace: app}",
                                "namespace: app, annotations: {kubectl.kubernetes.io/last-applied-configuration: "
                                        + "'{\"apiVersion\":\"extensions/v1beta1\",\"kind\":\"Deployment\"}'}}"),
                        Status.FAIL, "Deployment app/web", "extensions/v1beta1 (metadata.annotations"),
                Arguments.of("rel-deprecated-api", deployment("web", 2, HARDENED_SPEC).replace("namespace: app}",
                                "namespace: app, managedFields: [{manager: helm, operation: Update, "
                                        + "apiVersion: apps/v1}]}"),
                        Status.PASS, null, null));
    }

    @ParameterizedTest(name = "{0} {2} #{index}")
    @MethodSource("cases")
    void decides(String id, String yaml, Status expected, String object, String evidence) {
        CheckResult result = Fixtures.run(id, Fixtures.objects(yaml));
        assertThat(result.status()).as("%s", result.findings()).isEqualTo(expected);
        if (object != null) {
            Finding first = result.findings().stream().filter(f -> f.status() == expected).findFirst().orElseThrow();
            assertThat(first.object().toString()).isEqualTo(object);
            assertThat(first.evidence()).contains(evidence);
        }
    }

    @Test
    void deprecationDependsOnTheTargetVersion() {
        String cronJob = "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c, namespace: app, managedFields: "
                + "[{manager: kubectl, operation: Update, apiVersion: batch/v1beta1}]}\nspec:\n  schedule: '@daily'\n"
                + "  jobTemplate: {spec: {template: {spec: {containers: [{name: a, image: a:1}]}}}}\n";
        for (String target : new String[] {"1.20", "1.23", "1.25"}) {
            AssessmentContext ctx = new AssessmentContext(ClusterSnapshot.of(Fixtures.objects(cronJob)), "v1.32.0",
                    KubeVersion.parse(target), HostConfig.absent());
            CheckResult r = Fixtures.run("rel-deprecated-api", ctx);
            Status expected = switch (target) {
                case "1.20" -> Status.PASS;
                case "1.23" -> Status.WARN;
                default -> Status.FAIL;
            };
            assertThat(r.status()).as(target).isEqualTo(expected);
        }
    }

    @Test
    void malformedLastAppliedIsAnErrorOnThatObjectOnly() {
        String yaml = pod("p", HARDENED_SPEC).replace("namespace: app}", "namespace: app, annotations: "
                + "{kubectl.kubernetes.io/last-applied-configuration: '{not json'}}");
        CheckResult r = Fixtures.run("rel-deprecated-api", Fixtures.objects(yaml));
        assertThat(r.status()).isEqualTo(Status.ERROR);
        assertThat(r.findings()).singleElement().satisfies(f -> assertThat(f.name()).isEqualTo("p"));
    }

    @Test
    void spreadIsSkippedOnASingleNode() {
        CheckResult r = Fixtures.run("rel-spread", Fixtures.objects("apiVersion: v1\nkind: Node\nmetadata: {name: n1}\n"));
        assertThat(r.status()).isEqualTo(Status.SKIPPED);
    }
}
