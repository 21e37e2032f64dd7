package io.kaji.node.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaji.node.cri.v1.ContainerConfig;
import io.kaji.node.cri.v1.NamespaceMode;
import io.kaji.node.cri.v1.PodSandboxConfig;
import io.kaji.node.cri.v1.SecurityProfile;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How specs become CRI messages: the kubelet's choices that containerd does not make for us. */
class CriMessagesTest {

    private final PodRef pod = new PodRef("ns", "web", "uid-1");
    private final PodLogs logs = new PodLogs(Path.of("/var/log/kaji/pods"));

    @Test
    void sandboxCarriesKajiLabelsLogDirAndPerContainerPidNamespace() {
        PodSandboxConfig c = CriMessages.sandboxConfig(SandboxSpec.builder(pod).attempt(2)
                .logDirectory(logs.podDirectory(pod)).labels(Map.of("app", "web"))
                .ports(List.of(new SandboxSpec.PortMapping("tcp", 80, 8080, ""))).build());
        assertThat(c.getMetadata().getName()).isEqualTo("web");
        assertThat(c.getMetadata().getNamespace()).isEqualTo("ns");
        assertThat(c.getMetadata().getUid()).isEqualTo("uid-1");
        assertThat(c.getMetadata().getAttempt()).isEqualTo(2);
        assertThat(c.getHostname()).isEqualTo("web");
        assertThat(c.getLogDirectory()).isEqualTo("/var/log/kaji/pods/ns_web_uid-1");
        assertThat(c.getLabelsMap()).containsEntry("app", "web").containsAllEntriesOf(KajiLabels.forPod(pod));
        var ns = c.getLinux().getSecurityContext().getNamespaceOptions();
        assertThat(ns.getPid()).isEqualTo(NamespaceMode.CONTAINER);
        assertThat(ns.getNetwork()).isEqualTo(NamespaceMode.POD);
        assertThat(c.getPortMappings(0).getHostPort()).isEqualTo(8080);
    }

    @Test
    void securitySettingsReachTheSandboxAndTheContainer() {
        SandboxSpec sandbox = SandboxSpec.builder(pod).logDirectory(logs.podDirectory(pod))
                .security(new SandboxSecurity(1000L, null, List.of(2000L, 4000L), true, Seccomp.RUNTIME_DEFAULT))
                .build();
        var sb = CriMessages.sandboxConfig(sandbox).getLinux().getSecurityContext();
        assertThat(sb.getRunAsUser().getValue()).isEqualTo(1000);
        assertThat(sb.hasRunAsGroup()).isFalse();
        assertThat(sb.getSupplementalGroupsList()).containsExactly(2000L, 4000L);
        assertThat(sb.getPrivileged()).isTrue();
        assertThat(sb.getSeccomp().getProfileType()).isEqualTo(SecurityProfile.ProfileType.RuntimeDefault);

        ContainerConfig c = CriMessages.containerConfig(sandbox, ContainerSpec.builder("app", "img:1")
                .security(new ContainerSecurity(null, 3000L, "app", List.of(2000L), false, true, true,
                        List.of("NET_ADMIN"), List.of("ALL"), Seccomp.localhost("/var/lib/kaji/seccomp/p.json")))
                .build());
        var sc = c.getLinux().getSecurityContext();
        assertThat(sc.hasRunAsUser()).isFalse();
        assertThat(sc.getRunAsUsername()).isEqualTo("app");
        assertThat(sc.getRunAsGroup().getValue()).isEqualTo(3000);
        assertThat(sc.getSupplementalGroupsList()).containsExactly(2000L);
        assertThat(sc.getReadonlyRootfs()).isTrue();
        assertThat(sc.getNoNewPrivs()).isTrue();
        assertThat(sc.getPrivileged()).isFalse();
        assertThat(sc.getCapabilities().getAddCapabilitiesList()).containsExactly("NET_ADMIN");
        assertThat(sc.getCapabilities().getDropCapabilitiesList()).containsExactly("ALL");
        assertThat(sc.getSeccomp().getProfileType()).isEqualTo(SecurityProfile.ProfileType.Localhost);
        assertThat(sc.getSeccomp().getLocalhostRef()).isEqualTo("/var/lib/kaji/seccomp/p.json");
    }

    @Test
    void appArmorSeLinuxAndMaskedPathsReachTheContainerAsTheKubeletSendsThem() {
        SandboxSpec sandbox = SandboxSpec.builder(pod).logDirectory(logs.podDirectory(pod))
                .security(new SandboxSecurity(null, null, List.of(), false, Seccomp.UNCONFINED,
                        new SeLinux("", "", "spc_t", "s0:c1,c2")))
                .build();
        var sb = CriMessages.sandboxConfig(sandbox).getLinux().getSecurityContext();
        assertThat(sb.getSelinuxOptions().getType()).isEqualTo("spc_t");
        assertThat(sb.getSelinuxOptions().getLevel()).isEqualTo("s0:c1,c2");

        var sc = CriMessages.containerConfig(sandbox, ContainerSpec.builder("app", "img:1")
                .security(new ContainerSecurity(null, null, "", List.of(), false, false, false, List.of(), List.of(),
                        Seccomp.UNCONFINED, AppArmor.localhost("k8s-nginx"), new SeLinux("u", "r", "t", "s0"),
                        List.of("/proc/kcore"), List.of("/proc/sys")))
                .build()).getLinux().getSecurityContext();
        assertThat(sc.getApparmor().getProfileType()).isEqualTo(SecurityProfile.ProfileType.Localhost);
        assertThat(sc.getApparmor().getLocalhostRef()).isEqualTo("k8s-nginx");
        assertThat(sc.getApparmorProfile()).as("the deprecated string too").isEqualTo("localhost/k8s-nginx");
        assertThat(sc.getSelinuxOptions().getUser()).isEqualTo("u");
        assertThat(sc.getSelinuxOptions().getRole()).isEqualTo("r");
        assertThat(sc.getMaskedPathsList()).containsExactly("/proc/kcore");
        assertThat(sc.getReadonlyPathsList()).containsExactly("/proc/sys");

        var runtimeDefault = CriMessages.containerConfig(sandbox, ContainerSpec.builder("app", "img:1")
                .security(new ContainerSecurity(null, null, "", List.of(), false, false, false, List.of(), List.of(),
                        Seccomp.UNCONFINED, AppArmor.RUNTIME_DEFAULT, null, List.of(), List.of()))
                .build()).getLinux().getSecurityContext();
        assertThat(runtimeDefault.hasApparmor()).isTrue();
        assertThat(runtimeDefault.getApparmor().getProfileType())
                .isEqualTo(SecurityProfile.ProfileType.RuntimeDefault);
        assertThat(runtimeDefault.getApparmorProfile()).isEqualTo("runtime/default");
        assertThat(runtimeDefault.hasSelinuxOptions()).isFalse();
    }

    @Test
    void withoutSecuritySettingsTheProfileIsExplicitlyUnconfined() {
        // proto3's default profile type is RuntimeDefault: an unset profile must not read as one.
        SandboxSpec sandbox = SandboxSpec.builder(pod).logDirectory(logs.podDirectory(pod)).build();
        assertThat(CriMessages.sandboxConfig(sandbox).getLinux().getSecurityContext().getSeccomp().getProfileType())
                .isEqualTo(SecurityProfile.ProfileType.Unconfined);
        var sc = CriMessages.containerConfig(sandbox, ContainerSpec.builder("app", "img:1").build()).getLinux()
                .getSecurityContext();
        assertThat(sc.getSeccomp().getProfileType()).isEqualTo(SecurityProfile.ProfileType.Unconfined);
        assertThat(sc.hasRunAsUser()).isFalse();
        assertThat(sc.getRunAsUsername()).isEmpty();
        assertThat(sc.getNoNewPrivs()).isFalse();
        assertThat(sc.hasApparmor()).as("no AppArmor profile named: the runtime's default").isFalse();
        assertThat(sc.getApparmorProfile()).isEmpty();
        assertThat(sc.getMaskedPathsList()).as("the runtime's own list").isEmpty();
    }

    @Test
    void hostNetworkSandboxHasNoHostname() {
        PodSandboxConfig c = CriMessages.sandboxConfig(SandboxSpec.builder(pod).hostNetwork(true)
                .logDirectory(logs.podDirectory(pod)).build());
        assertThat(c.getHostname()).isEmpty();
        assertThat(c.getLinux().getSecurityContext().getNamespaceOptions().getNetwork()).isEqualTo(NamespaceMode.NODE);
    }

    @Test
    void containerGetsAttemptLogPathLabelsEnvInOrderAndLimits() {
        SandboxSpec sandbox = SandboxSpec.builder(pod).logDirectory(logs.podDirectory(pod)).build();
        var env = new java.util.LinkedHashMap<String, String>();
        env.put("Z", "1");
        env.put("A", "2");
        ContainerConfig c = CriMessages.containerConfig(sandbox, ContainerSpec.builder("app", "img:1")
                .attempt(3).command("sh").env(env).resources(ContainerSpec.Resources.memoryLimit(1 << 20)).build());
        assertThat(c.getMetadata().getAttempt()).isEqualTo(3);
        assertThat(c.getLogPath()).isEqualTo("app/3.log");
        assertThat(logs.file(pod, "app", 3)).isEqualTo(Path.of("/var/log/kaji/pods/ns_web_uid-1/app/3.log"));
        assertThat(c.getLabelsMap()).containsEntry(KajiLabels.CONTAINER_NAME, "app").containsEntry(KajiLabels.POD_UID,
                "uid-1");
        assertThat(c.getEnvsList()).extracting(kv -> kv.getKey()).containsExactly("Z", "A");
        assertThat(c.getLinux().getResources().getMemoryLimitInBytes()).isEqualTo(1 << 20);
        assertThat(c.getLinux().getSecurityContext().getNamespaceOptions().getPid())
                .isEqualTo(NamespaceMode.CONTAINER);
    }

    @Test
    void longPodNamesAreCutToADnsLabelForTheHostname() {
        String name = "a".repeat(62) + "-b" + "c".repeat(10);
        assertThat(CriMessages.hostname(name)).isEqualTo("a".repeat(62));
        assertThat(CriMessages.hostname("a".repeat(63))).hasSize(63);
        assertThat(CriMessages.hostname("web-0")).isEqualTo("web-0");
        PodRef longPod = new PodRef("ns", "x".repeat(70), "u");
        assertThat(CriMessages.sandboxConfig(SandboxSpec.builder(longPod).logDirectory(Path.of("/l")).build())
                .getHostname()).isEqualTo("x".repeat(63));
    }

    @Test
    void statsBecomeUsage() {
        var stats = io.kaji.node.cri.v1.ContainerStats.newBuilder()
                .setAttributes(io.kaji.node.cri.v1.ContainerAttributes.newBuilder().setId("c1")
                        .setMetadata(io.kaji.node.cri.v1.ContainerMetadata.newBuilder().setName("app"))
                        .putLabels("k", "v"))
                .setCpu(io.kaji.node.cri.v1.CpuUsage.newBuilder().setTimestamp(1_500_000_000L)
                        .setUsageCoreNanoSeconds(io.kaji.node.cri.v1.UInt64Value.newBuilder().setValue(42)))
                .setMemory(io.kaji.node.cri.v1.MemoryUsage.newBuilder()
                        .setWorkingSetBytes(io.kaji.node.cri.v1.UInt64Value.newBuilder().setValue(4096))
                        .setUsageBytes(io.kaji.node.cri.v1.UInt64Value.newBuilder().setValue(8192))
                        .setRssBytes(io.kaji.node.cri.v1.UInt64Value.newBuilder().setValue(2048)))
                .build();
        assertThat(CriMessages.usage(stats)).isEqualTo(new ContainerUsage("c1", "app",
                Instant.ofEpochSecond(1, 500_000_000), 42, 4096, 0, Map.of("k", "v"), 8192, 2048));
    }

    @Test
    void nextAttemptFollowsTheHighestOfThatContainer() {
        List<ContainerInfo> existing = List.of(info("app", 0), info("app", 1), info("sidecar", 5));
        assertThat(ContainerRuntime.nextAttempt(existing, "app")).isEqualTo(2);
        assertThat(ContainerRuntime.nextAttempt(existing, "new")).isZero();
    }

    @Test
    void labelsRoundTripToThePod() {
        assertThat(KajiLabels.podOf(KajiLabels.forContainer(pod, "app"))).isEqualTo(pod);
        assertThat(KajiLabels.podOf(Map.of(KajiLabels.POD_UID, "x"))).isNull();
    }

    private static ContainerInfo info(String name, int attempt) {
        return new ContainerInfo("id-" + name + attempt, "sb", name, attempt, "img", "sha256:img", ContainerState.EXITED,
                Instant.EPOCH, Map.of());
    }
}
