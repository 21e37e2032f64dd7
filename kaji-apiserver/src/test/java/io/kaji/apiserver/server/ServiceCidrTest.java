package io.kaji.apiserver.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Set;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class ServiceCidrTest {

    @Test
    void reservedAddressesAndMembership() {
        ServiceCidr cidr = ServiceCidr.parse("100.64.48.0/24");
        assertThat(cidr.apiServerIp()).isEqualTo("100.64.48.1");
        assertThat(cidr.dnsIp()).isEqualTo("100.64.48.10");
        assertThat(cidr.size()).isEqualTo(256);
        assertThat(cidr.assignable("100.64.48.0")).isFalse();
        assertThat(cidr.assignable("100.64.48.255")).isFalse();
        assertThat(cidr.assignable("100.64.48.77")).isTrue();
        assertThat(cidr.assignable("100.64.49.1")).isFalse();
        assertThat(cidr.offsetOf("not-an-ip")).isEqualTo(-1);
        assertThat(cidr).hasToString("100.64.48.0/24");
    }

    @Test
    void badCidrsSayWhatIsWrong() {
        assertThatThrownBy(() -> ServiceCidr.parse("10.43.0.1/16")).hasMessageContaining("host bits");
        assertThatThrownBy(() -> ServiceCidr.parse("10.43.0.0")).hasMessageContaining("10.43.0.0/16");
        assertThatThrownBy(() -> ServiceCidr.parse("10.43.0.0/30")).hasMessageContaining("/8 to /28");
        assertThatThrownBy(() -> ServiceCidr.parse("fd00::/108")).hasMessageContaining("IPv4");
    }

    @Test
    void allocatorHandsOutEveryFreeAddressOnceAndNeverTheReservedOnes() {
        ServiceAllocator allocator = new ServiceAllocator(ServiceCidr.parse("100.64.48.0/27"),
                RandomGenerator.of("L64X128MixRandom"));
        Set<String> seen = new HashSet<>();
        // 32 addresses: minus network, broadcast, .1 (kubernetes) and .10 (DNS) = 28.
        for (int i = 0; i < 28; i++) {
            String ip = allocator.allocateClusterIp();
            assertThat(seen.add(ip)).as("handed out twice: %s", ip).isTrue();
        }
        assertThat(seen).doesNotContain("100.64.48.0", "100.64.48.1", "100.64.48.10", "100.64.48.31");
        assertThatThrownBy(allocator::allocateClusterIp).hasMessageContaining("no free cluster IP");
    }

    @Test
    void requestedAddressesAndPortsAreChecked() {
        ServiceAllocator allocator = new ServiceAllocator(ServiceCidr.parse("100.64.48.0/24"),
                RandomGenerator.of("L64X128MixRandom"));
        assertThat(allocator.clusterIpProblem("default", "a", "100.64.48.20")).isEmpty();
        assertThat(allocator.clusterIpProblem("default", "b", "100.64.48.20")).get().asString()
                .contains("already allocated").contains("default/a");
        assertThat(allocator.clusterIpProblem("default", "a", "100.64.48.20")).as("its own IP").isEmpty();
        assertThat(allocator.clusterIpProblem("default", "c", "10.43.0.5")).get().asString()
                .contains("100.64.48.0/24");
        assertThat(allocator.clusterIpProblem("default", "c", "100.64.48.10")).get().asString().contains("DNS");
        assertThat(allocator.clusterIpProblem("kube-system", "kube-dns", "100.64.48.10")).isEmpty();
        assertThat(allocator.clusterIpProblem("default", "c", "None")).isEmpty();
        assertThat(allocator.nodePortProblem("default", "a", 30080)).isEmpty();
        assertThat(allocator.nodePortProblem("default", "b", 30080)).get().asString().contains("already allocated");
        assertThat(allocator.nodePortProblem("default", "b", 80)).get().asString().contains("30000-32767");
        int auto = allocator.allocateNodePort();
        assertThat(auto).isBetween(30000, 32767).isNotEqualTo(30080);
    }
}
