package io.kaji.node.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Sysctl;
import java.util.List;
import org.junit.jupiter.api.Test;

class SysctlAllowlistTest {

    private static Pod pod(boolean hostNetwork, boolean hostIpc, String... names) {
        return new PodBuilder().withNewMetadata().withName("p").endMetadata().withNewSpec()
                .withHostNetwork(hostNetwork).withHostIPC(hostIpc).withNewSecurityContext()
                .withSysctls(java.util.Arrays.stream(names).map(n -> new Sysctl(n, "1")).toList()).endSecurityContext()
                .addNewContainer().withName("c").withImage("busybox").endContainer().endSpec().build();
    }

    @Test
    void theSafeSysctlsPassAndOthersAreRejectedAsTheKubeletWordsIt() {
        SysctlAllowlist safe = SysctlAllowlist.safe();
        assertThat(safe.rejection(pod(false, false, "net.ipv4.ip_local_port_range", "kernel.shm_rmid_forced",
                "net/ipv4/tcp_syncookies"))).isEmpty();
        assertThat(safe.rejection(pod(false, false, "net.ipv4.ping_group_range", "kernel.msgmax")))
                .contains("forbidden sysctl: \"kernel.msgmax\" not allowlisted");
        assertThat(safe.rejection(new PodBuilder().withNewSpec().endSpec().build())).isEmpty();
    }

    @Test
    void unsafeNamesAndPrefixesCanBeAllowed() {
        SysctlAllowlist list = SysctlAllowlist.allowing(List.of("kernel.msg*", " net.core.somaxconn", ""));
        assertThat(list.rejection(pod(false, false, "kernel.msgmax", "kernel.msgmnb", "net.core.somaxconn")))
                .isEmpty();
        assertThat(list.rejection(pod(false, false, "net.core.rmem_max")))
                .contains("forbidden sysctl: \"net.core.rmem_max\" not allowlisted");
        assertThat(list.toString()).endsWith("net.core.somaxconn,kernel.msg*");
    }

    @Test
    void aPodSharingTheHostsNamespaceMayNotChangeItsSysctls() {
        SysctlAllowlist list = SysctlAllowlist.allowing(List.of("kernel.sem"));
        assertThat(list.rejection(pod(true, false, "net.ipv4.ip_local_port_range")))
                .contains("forbidden sysctl: \"net.ipv4.ip_local_port_range\" not allowed with host net enabled");
        assertThat(list.rejection(pod(false, true, "kernel.sem")))
                .contains("forbidden sysctl: \"kernel.sem\" not allowed with host ipc enabled");
        assertThat(list.rejection(pod(true, false, "kernel.sem"))).isEmpty();
    }

    @Test
    void onlySysctlsTheKernelIsolatesCanBeAllowed() {
        assertThatThrownBy(() -> SysctlAllowlist.allowing(List.of("net.*", "vm.swappiness", "kernel.*")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("the sysctls [vm.swappiness, kernel.*] are not known to be namespaced");
    }
}
