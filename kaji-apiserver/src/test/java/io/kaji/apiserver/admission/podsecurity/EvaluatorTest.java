package io.kaji.apiserver.admission.podsecurity;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaji.apiserver.serialization.Json;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.node.ObjectNode;

/**
 * Every Pod Security Standards control, one failing and one passing pod each, with Kubernetes' exact reason and
 * detail (kubernetes/pod-security-admission policy/check_*.go).
 */
class EvaluatorTest {

    private final Evaluator evaluator = new Evaluator();

    /** A pod that passes restricted:latest; cases change it. */
    static final String COMPLIANT = """
            {"metadata":{"name":"p"},"spec":{
              "securityContext":{"runAsNonRoot":true,"seccompProfile":{"type":"RuntimeDefault"}},
              "containers":[{"name":"c","image":"nginx","securityContext":{"allowPrivilegeEscalation":false,
                "capabilities":{"drop":["ALL"]}}}]}}""";

    static ObjectNode pod(String json) {
        return Json.parseTrusted(json);
    }

    /** The compliant pod with {@code field} of its pod spec replaced. */
    static ObjectNode podWith(String path, String json) {
        ObjectNode pod = pod(COMPLIANT);
        ObjectNode target = pod;
        String[] parts = path.split("\\.");
        for (int i = 0; i < parts.length - 1; i++) {
            target = parts[i].equals("c0") ? (ObjectNode) target.withArray("containers").get(0)
                    : target.withObject(parts[i]);
        }
        target.set(parts[parts.length - 1], Json.parseTrusted("{\"v\":" + json + "}").get("v"));
        return pod;
    }

    static Stream<Arguments> baselineViolations() {
        return Stream.of(
                Arguments.of("privileged", podWith("spec.c0.securityContext.privileged", "true"),
                        "privileged (container \"c\" must not set securityContext.privileged=true)"),
                Arguments.of("hostNamespaces", podWith("spec.hostNetwork", "true"),
                        "host namespaces (hostNetwork=true)"),
                Arguments.of("hostNamespaces all", pod("""
                        {"spec":{"hostNetwork":true,"hostPID":true,"hostIPC":true,"containers":[{"name":"c"}]}}"""),
                        "host namespaces (hostNetwork=true, hostPID=true, hostIPC=true)"),
                Arguments.of("capabilities_baseline", pod("""
                        {"spec":{"containers":[{"name":"a","securityContext":{"capabilities":{"add":["SYS_ADMIN","NET_RAW","CHOWN"]}}},
                        {"name":"b","securityContext":{"capabilities":{"add":["NET_ADMIN"]}}}]}}"""),
                        "non-default capabilities (containers \"a\", \"b\" must not include \"NET_ADMIN\", \"NET_RAW\", "
                                + "\"SYS_ADMIN\" in securityContext.capabilities.add)"),
                Arguments.of("hostPathVolumes", pod("""
                        {"spec":{"volumes":[{"name":"h","hostPath":{"path":"/"}},{"name":"e","emptyDir":{}}],
                        "containers":[{"name":"c"}]}}"""), "hostPath volumes (volume \"h\")"),
                Arguments.of("hostPorts", pod("""
                        {"spec":{"containers":[{"name":"c","ports":[{"containerPort":80,"hostPort":8080},
                        {"containerPort":443,"hostPort":8443}]}]}}"""),
                        "hostPort (container \"c\" uses hostPorts 8080, 8443)"),
                Arguments.of("hostProbesAndHostLifecycle", pod("""
                        {"spec":{"containers":[{"name":"c","livenessProbe":{"httpGet":{"host":"10.0.0.1","port":80}},
                        "lifecycle":{"preStop":{"tcpSocket":{"host":"evil","port":1}}}}]}}"""),
                        "probe or lifecycle host (container \"c\" uses probe or lifecycle hosts \"10.0.0.1\", \"evil\")"),
                Arguments.of("procMount", podWith("spec.c0.securityContext.procMount", "\"Unmasked\""),
                        "procMount (container \"c\" must not set securityContext.procMount to \"Unmasked\")"),
                Arguments.of("seLinuxOptions", pod("""
                        {"spec":{"securityContext":{"seLinuxOptions":{"type":"spc_t"}},
                        "containers":[{"name":"c","securityContext":{"seLinuxOptions":{"user":"root","role":"r"}}}]}}"""),
                        "seLinuxOptions (pod and container \"c\" set forbidden securityContext.seLinuxOptions: "
                                + "type \"spc_t\"; user may not be set; role may not be set)"),
                Arguments.of("seccompProfile_baseline", pod("""
                        {"spec":{"securityContext":{"seccompProfile":{"type":"Unconfined"}},"containers":[{"name":"c"}]}}"""),
                        "seccompProfile (pod must not set securityContext.seccompProfile.type to \"Unconfined\")"),
                Arguments.of("sysctls", pod("""
                        {"spec":{"securityContext":{"sysctls":[{"name":"kernel.msgmax","value":"1"},
                        {"name":"net.ipv4.tcp_syncookies","value":"1"},{"name":"vm.swappiness","value":"1"}]},
                        "containers":[{"name":"c"}]}}"""), "forbidden sysctls (kernel.msgmax, vm.swappiness)"),
                Arguments.of("appArmorProfile", pod("""
                        {"metadata":{"annotations":{"container.apparmor.security.beta.kubernetes.io/c":"unconfined"}},
                        "spec":{"containers":[{"name":"c","securityContext":{"appArmorProfile":{"type":"Unconfined"}}}]}}"""),
                        "forbidden AppArmor profiles (container \"c\" and annotation must not set AppArmor profile "
                                + "type to \"Unconfined\", \"container.apparmor.security.beta.kubernetes.io/c=\"unconfined\"\")"),
                Arguments.of("windowsHostProcess", pod("""
                        {"spec":{"securityContext":{"windowsOptions":{"hostProcess":true}},"containers":[{"name":"c"}]}}"""),
                        "hostProcess (pod must not set securityContext.windowsOptions.hostProcess=true)"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("baselineViolations")
    void baselineControlsDenyWithKubernetesMessages(String control, ObjectNode pod, String expected) {
        var v = evaluator.evaluate(LevelVersion.latest(Level.BASELINE), view(pod));
        assertThat(v.details()).isEqualTo(expected);
        assertThat(evaluator.evaluate(LevelVersion.latest(Level.PRIVILEGED), view(pod)).allowed()).isTrue();
    }

    static Stream<Arguments> baselinePasses() {
        return Stream.of(
                Arguments.of("privileged false", podWith("spec.c0.securityContext.privileged", "false")),
                Arguments.of("default capabilities", podWith("spec.c0.securityContext.capabilities",
                        "{\"add\":[\"CHOWN\",\"NET_BIND_SERVICE\"],\"drop\":[\"ALL\"]}")),
                Arguments.of("hostNetwork false", podWith("spec.hostNetwork", "false")),
                Arguments.of("containerPort only", podWith("spec.c0.ports", "[{\"containerPort\":80}]")),
                Arguments.of("probe without host", podWith("spec.c0.readinessProbe", "{\"httpGet\":{\"port\":80}}")),
                Arguments.of("procMount Default", podWith("spec.c0.securityContext.procMount", "\"Default\"")),
                Arguments.of("seLinux container_t", podWith("spec.securityContext.seLinuxOptions",
                        "{\"type\":\"container_t\",\"level\":\"s0:c1\"}")),
                Arguments.of("seccomp Localhost", podWith("spec.securityContext.seccompProfile",
                        "{\"type\":\"Localhost\",\"localhostProfile\":\"p.json\"}")),
                Arguments.of("safe sysctl", podWith("spec.securityContext.sysctls",
                        "[{\"name\":\"net.ipv4.tcp_keepalive_time\",\"value\":\"60\"}]")),
                Arguments.of("AppArmor RuntimeDefault", podWith("spec.c0.securityContext.appArmorProfile",
                        "{\"type\":\"RuntimeDefault\"}")),
                Arguments.of("userns Unmasked procMount", pod("""
                        {"spec":{"hostUsers":false,"containers":[{"name":"c","securityContext":{"procMount":"Unmasked"}}]}}""")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("baselinePasses")
    void baselineAllows(String name, ObjectNode pod) {
        assertThat(evaluator.evaluate(LevelVersion.latest(Level.BASELINE), view(pod)).details()).isEmpty();
    }

    static Stream<Arguments> restrictedViolations() {
        return Stream.of(
                Arguments.of("allowPrivilegeEscalation",
                        podWith("spec.c0.securityContext.allowPrivilegeEscalation", "true"),
                        "allowPrivilegeEscalation != false (container \"c\" must set "
                                + "securityContext.allowPrivilegeEscalation=false)"),
                Arguments.of("capabilities_restricted", podWith("spec.c0.securityContext.capabilities",
                        "{\"add\":[\"NET_BIND_SERVICE\",\"CHOWN\"]}"),
                        "unrestricted capabilities (container \"c\" must set securityContext.capabilities.drop="
                                + "[\"ALL\"]; container \"c\" must not include \"CHOWN\" in "
                                + "securityContext.capabilities.add)"),
                Arguments.of("restrictedVolumes", podWith("spec.volumes",
                        "[{\"name\":\"h\",\"hostPath\":{\"path\":\"/\"}},{\"name\":\"n\",\"nfs\":{}},"
                                + "{\"name\":\"cm\",\"configMap\":{\"name\":\"x\"}}]"),
                        "restricted volume types (volumes \"h\", \"n\" use restricted volume types \"hostPath\", "
                                + "\"nfs\")"),
                Arguments.of("runAsNonRoot explicit", podWith("spec.c0.securityContext.runAsNonRoot", "false"),
                        "runAsNonRoot != true (container \"c\" must not set securityContext.runAsNonRoot=false)"),
                Arguments.of("runAsNonRoot implicit", podWith("spec.securityContext.runAsNonRoot", "null"),
                        "runAsNonRoot != true (pod or container \"c\" must set securityContext.runAsNonRoot=true)"),
                Arguments.of("runAsUser", podWith("spec.securityContext.runAsUser", "0"),
                        "runAsUser=0 (pod must not set runAsUser=0)"),
                Arguments.of("seccompProfile_restricted", podWith("spec.securityContext.seccompProfile", "null"),
                        "seccompProfile (pod or container \"c\" must set securityContext.seccompProfile.type to "
                                + "\"RuntimeDefault\" or \"Localhost\")"),
                Arguments.of("procMount_restricted with user namespace", pod(COMPLIANT.replace("\"spec\":{",
                        "\"spec\":{\"hostUsers\":false,").replace("\"allowPrivilegeEscalation\":false,",
                        "\"allowPrivilegeEscalation\":false,\"procMount\":\"Unmasked\",")),
                        "procMount (container \"c\" must not set securityContext.procMount to \"Unmasked\")"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("restrictedViolations")
    void restrictedControlsDenyWithKubernetesMessages(String control, ObjectNode pod, String expected) {
        assertThat(evaluator.evaluate(LevelVersion.latest(Level.RESTRICTED), view(pod)).details()).isEqualTo(expected);
    }

    @Test
    void compliantPodPassesRestrictedAndWindowsPodsAreExemptFromLinuxOnlyControls() {
        assertThat(evaluator.evaluate(LevelVersion.latest(Level.RESTRICTED), view(pod(COMPLIANT))).allowed()).isTrue();
        ObjectNode windows = pod("{\"spec\":{\"os\":{\"name\":\"windows\"},\"securityContext\":{\"runAsNonRoot\":true},"
                + "\"containers\":[{\"name\":\"c\"}]}}");
        assertThat(evaluator.evaluate(LevelVersion.latest(Level.RESTRICTED), view(windows)).allowed()).isTrue();
        assertThat(evaluator.evaluate(new LevelVersion(Level.RESTRICTED, StandardVersion.of(24)), view(windows))
                .reasons()).isEqualTo("allowPrivilegeEscalation != false, unrestricted capabilities, seccompProfile");
    }

    @Test
    void plainPodViolatesRestrictedInKubernetesOrder() {
        ObjectNode nginx = pod("{\"spec\":{\"containers\":[{\"name\":\"nginx\",\"image\":\"nginx\"}]}}");
        assertThat(evaluator.evaluate(LevelVersion.latest(Level.RESTRICTED), view(nginx)).details()).isEqualTo(
                "allowPrivilegeEscalation != false (container \"nginx\" must set securityContext.allowPrivilegeEscalation"
                        + "=false), unrestricted capabilities (container \"nginx\" must set securityContext.capabilities"
                        + ".drop=[\"ALL\"]), runAsNonRoot != true (pod or container \"nginx\" must set securityContext"
                        + ".runAsNonRoot=true), seccompProfile (pod or container \"nginx\" must set securityContext"
                        + ".seccompProfile.type to \"RuntimeDefault\" or \"Localhost\")");
        assertThat(evaluator.evaluate(LevelVersion.latest(Level.BASELINE), view(nginx)).allowed()).isTrue();
    }

    @Test
    void olderVersionsApplyTheirOwnRules() {
        ObjectNode probeHost = podWith("spec.c0.livenessProbe", "{\"tcpSocket\":{\"host\":\"h\",\"port\":1}}");
        assertThat(evaluator.evaluate(new LevelVersion(Level.BASELINE, StandardVersion.of(33)), view(probeHost))
                .allowed()).isTrue();
        assertThat(evaluator.evaluate(new LevelVersion(Level.BASELINE, StandardVersion.of(34)), view(probeHost))
                .allowed()).isFalse();
        ObjectNode tcpRmem = podWith("spec.securityContext.sysctls", "[{\"name\":\"net.ipv4.tcp_rmem\",\"value\":\"1\"}]");
        assertThat(evaluator.evaluate(new LevelVersion(Level.BASELINE, StandardVersion.of(31)), view(tcpRmem))
                .details()).isEqualTo("forbidden sysctls (net.ipv4.tcp_rmem)");
        assertThat(evaluator.evaluate(new LevelVersion(Level.BASELINE, StandardVersion.of(32)), view(tcpRmem))
                .allowed()).isTrue();
        // Before v1.19 seccomp was only the annotations, and restricted had no seccomp control of its own.
        ObjectNode annotated = pod("{\"metadata\":{\"annotations\":{\"seccomp.security.alpha.kubernetes.io/pod\":"
                + "\"unconfined\"}},\"spec\":{\"containers\":[{\"name\":\"c\"}]}}");
        assertThat(evaluator.evaluate(new LevelVersion(Level.BASELINE, StandardVersion.of(18)), view(annotated))
                .details()).isEqualTo("seccompProfile (forbidden annotation "
                        + "seccomp.security.alpha.kubernetes.io/pod=\"unconfined\")");
        assertThat(evaluator.newestMinor()).isEqualTo(37);
    }

    private static PodView view(ObjectNode pod) {
        return new PodView(pod.path("metadata"), pod.path("spec"));
    }
}
