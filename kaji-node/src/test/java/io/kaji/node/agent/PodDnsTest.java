package io.kaji.node.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.kaji.node.runtime.SandboxSpec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The pods' resolv.conf per dnsPolicy, as the kubelet writes it. */
class PodDnsTest {

    private static final ClusterNetwork CLUSTER = ClusterNetwork.of(Map.of("clusterCIDR", "100.64.40.0/22",
            "serviceCIDR", "100.64.48.0/24", "clusterDNS", "100.64.48.10", "clusterDomain", "cluster.local"));

    private static PodBuilder pod(String policy) {
        return new PodBuilder().withNewMetadata().withName("p").withNamespace("shop").endMetadata()
                .withNewSpec().withDnsPolicy(policy).addNewContainer().withName("c").withImage("i").endContainer()
                .endSpec();
    }

    @Test
    void clusterFirstPointsAtClusterDnsWithTheKubernetesSearchPath() {
        SandboxSpec.DnsConfig dns = PodSpecs.dns(pod("ClusterFirst").build(), CLUSTER);
        assertThat(dns.servers()).containsExactly("100.64.48.10");
        assertThat(dns.searches()).containsExactly("shop.svc.cluster.local", "svc.cluster.local", "cluster.local");
        assertThat(dns.options()).containsExactly("ndots:5");
        assertThat(PodSpecs.dns(pod(null).build(), CLUSTER)).as("ClusterFirst is the default").isEqualTo(dns);
    }

    @Test
    void hostNetworkPodsUseTheHostUnlessClusterFirstWithHostNet() {
        Pod host = pod("ClusterFirst").editSpec().withHostNetwork(true).endSpec().build();
        assertThat(PodSpecs.dns(host, CLUSTER)).as("the runtime copies the host's resolv.conf").isNull();
        Pod withHostNet = pod("ClusterFirstWithHostNet").editSpec().withHostNetwork(true).endSpec().build();
        assertThat(PodSpecs.dns(withHostNet, CLUSTER).servers()).containsExactly("100.64.48.10");
    }

    @Test
    void withoutAClusterDnsClusterFirstFallsBackToTheHost() {
        assertThat(PodSpecs.dns(pod("ClusterFirst").build(), ClusterNetwork.UNKNOWN)).isNull();
    }

    @Test
    void noneUsesOnlyDnsConfigAndDnsConfigMergesIntoClusterFirst() {
        Pod none = pod("None").editSpec().withNewDnsConfig().withNameservers("100.64.9.9").withSearches("corp")
                .addNewOption().withName("ndots").withValue("2").endOption().endDnsConfig().endSpec().build();
        SandboxSpec.DnsConfig dns = PodSpecs.dns(none, CLUSTER);
        assertThat(dns.servers()).containsExactly("100.64.9.9");
        assertThat(dns.searches()).containsExactly("corp");
        assertThat(dns.options()).containsExactly("ndots:2");

        Pod merged = pod("ClusterFirst").editSpec().withNewDnsConfig().withSearches("corp.example")
                .addNewOption().withName("ndots").withValue("1").endOption()
                .addNewOption().withName("edns0").endOption().endDnsConfig().endSpec().build();
        SandboxSpec.DnsConfig m = PodSpecs.dns(merged, CLUSTER);
        assertThat(m.servers()).containsExactly("100.64.48.10");
        assertThat(m.searches()).containsExactly("shop.svc.cluster.local", "svc.cluster.local", "cluster.local",
                "corp.example");
        assertThat(m.options()).containsExactly("ndots:1", "edns0");
    }

    @Test
    void hostResolvConfParsing() {
        HostResolvConf conf = HostResolvConf.parse(List.of("# generated", "nameserver 192.0.2.53",
                "domain old.example", "search a.example b.example", "options edns0 timeout:2", "nameserver ::1"));
        assertThat(conf.nameservers()).containsExactly("192.0.2.53", "::1");
        assertThat(conf.searches()).as("the last search/domain line wins").containsExactly("a.example", "b.example");
        assertThat(conf.options()).containsExactly("edns0", "timeout:2");
    }
}
