package io.kaji.support.assess;

import static io.kaji.support.assess.Fixtures.HARDENED_SPEC;
import static io.kaji.support.assess.Fixtures.hardenedWith;
import static io.kaji.support.assess.Fixtures.pod;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every Pod Security Standards control: a violating pod (FAIL with the field) and the hardened pod (PASS). */
class PssChecksTest {

    private static final String APP_SC = "allowPrivilegeEscalation: false";

    static Stream<Arguments> violations() {
        return Stream.of(
                Arguments.of("pss-baseline-host-process", hardenedWith(APP_SC, APP_SC + "\n      windowsOptions: {hostProcess: true}"),
                        "windowsOptions.hostProcess=true"),
                Arguments.of("pss-baseline-host-namespaces", hardenedWith("automountServiceAccountToken: false", "hostPID: true"),
                        "spec.hostPID=true"),
                Arguments.of("pss-baseline-privileged", hardenedWith(APP_SC, "privileged: true"),
                        "securityContext.privileged=true"),
                Arguments.of("pss-baseline-capabilities", hardenedWith("capabilities: {drop: [ALL]}",
                        "capabilities: {drop: [ALL], add: [SYS_ADMIN]}"), "capabilities.add=[SYS_ADMIN]"),
                Arguments.of("pss-baseline-host-path", HARDENED_SPEC + "  volumes: [{name: h, hostPath: {path: /var}}]\n",
                        "volumes[h].hostPath.path=/var"),
                Arguments.of("pss-baseline-host-ports", hardenedWith("image: registry.example/app:1.0",
                        "image: registry.example/app:1.0\n    ports: [{containerPort: 53, hostPort: 53}]"), "hostPort=53"),
                Arguments.of("pss-baseline-apparmor", hardenedWith(APP_SC, APP_SC + "\n      appArmorProfile: {type: Unconfined}"),
                        "appArmorProfile.type=Unconfined"),
                Arguments.of("pss-baseline-selinux", hardenedWith(APP_SC, APP_SC + "\n      seLinuxOptions: {type: spc_t}"),
                        "seLinuxOptions.type=spc_t"),
                Arguments.of("pss-baseline-proc-mount", hardenedWith(APP_SC, APP_SC + "\n      procMount: Unmasked"),
                        "procMount=Unmasked"),
                Arguments.of("pss-baseline-seccomp", hardenedWith("type: RuntimeDefault", "type: Unconfined"),
                        "seccompProfile.type=Unconfined"),
                Arguments.of("pss-baseline-sysctls", hardenedWith("runAsUser: 1000", "runAsUser: 1000\n    sysctls: "
                        + "[{name: kernel.msgmax, value: '65536'}]"), "sysctls[kernel.msgmax]=65536"),
                Arguments.of("pss-restricted-volume-types", HARDENED_SPEC + "  volumes: [{name: n, nfs: {server: s, path: /}}]\n",
                        "volumes[n].nfs"),
                Arguments.of("pss-restricted-volume-types", HARDENED_SPEC + "  volumes: [{name: c, cephfs: {monitors: [m]}}]\n",
                        "volumes[c].cephfs"),
                Arguments.of("pss-restricted-privilege-escalation", hardenedWith(APP_SC, "readOnlyRootFilesystem: true"),
                        "allowPrivilegeEscalation=<unset>"),
                Arguments.of("pss-restricted-run-as-non-root", hardenedWith("runAsNonRoot: true", "fsGroup: 1"),
                        "runAsNonRoot=<unset>"),
                Arguments.of("pss-restricted-run-as-user", hardenedWith("runAsUser: 1000", "runAsUser: 0"),
                        "spec.securityContext.runAsUser=0"),
                Arguments.of("pss-restricted-seccomp", hardenedWith("seccompProfile: {type: RuntimeDefault}", "fsGroup: 1"),
                        "seccompProfile.type=<unset>"),
                Arguments.of("pss-restricted-capabilities", hardenedWith("capabilities: {drop: [ALL]}",
                        "capabilities: {drop: [NET_RAW]}"), "capabilities.drop=[NET_RAW]"),
                Arguments.of("pss-restricted-capabilities", hardenedWith("capabilities: {drop: [ALL]}",
                        "capabilities: {drop: [ALL], add: [CHOWN]}"), "capabilities.add=[CHOWN]"));
    }

    @ParameterizedTest(name = "{0} fails #{index}")
    @MethodSource("violations")
    void violationFails(String id, String spec, String evidence) {
        CheckResult result = Fixtures.run(id, Fixtures.objects(pod("p", spec)));
        assertThat(result.status()).as("%s", result.findings()).isEqualTo(Status.FAIL);
        assertThat(result.findings().get(0).object().toString()).isEqualTo("Pod app/p");
        assertThat(result.findings().get(0).evidence()).contains(evidence);
    }

    static Stream<String> controls() {
        return CheckRegistry.builtin().checks().stream().map(Check::id).filter(id -> id.startsWith("pss-"));
    }

    @ParameterizedTest(name = "{0} passes the hardened pod")
    @MethodSource("controls")
    void hardenedPodPasses(String id) {
        CheckResult result = Fixtures.run(id, Fixtures.objects(pod("p", HARDENED_SPEC
                + "  volumes: [{name: cfg, configMap: {name: c}}, {name: tmp, emptyDir: {}}]\n")));
        assertThat(result.status()).as("%s", result.findings()).isEqualTo(Status.PASS);
    }

    @Test
    void everyControlOfBothProfilesIsACheck() {
        assertThat(controls().filter(id -> id.startsWith("pss-baseline-")).count()).isEqualTo(11);
        assertThat(controls().filter(id -> id.startsWith("pss-restricted-")).count()).isEqualTo(6);
    }

    @Test
    void windowsPodsAreExemptFromLinuxOnlyRestrictedControls() {
        String spec = "  os: {name: windows}\n  containers: [{name: app, image: a:1}]\n";
        for (String id : List.of("pss-restricted-privilege-escalation", "pss-restricted-seccomp",
                "pss-restricted-capabilities")) {
            assertThat(Fixtures.run(id, Fixtures.objects(pod("w", spec))).status()).as(id).isEqualTo(Status.PASS);
        }
        assertThat(Fixtures.run("pss-restricted-run-as-non-root", Fixtures.objects(pod("w", spec))).status())
                .isEqualTo(Status.FAIL);
    }
}
