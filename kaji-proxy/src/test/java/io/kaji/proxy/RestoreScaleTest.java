package io.kaji.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaji.node.host.HostCommand;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * How long one sync takes at scale on this host's iptables: N service ports with 3 endpoints each, first
 * programmed, then re-programmed with one endpoint changed (what an EndpointSlice update costs). Opt-in, as it
 * writes thousands of rules: {@code mvn -o -pl kaji-proxy verify -Dtest=RestoreScaleTest -Dkaji.proxy.scale=true}.
 */
@EnabledIfSystemProperty(named = "kaji.proxy.scale", matches = "true")
class RestoreScaleTest {

    private static final String TAG = "PXS9";

    @Test
    void syncTimeForManyServices() {
        org.junit.jupiter.api.Assumptions.assumeTrue(HostCommand.run(List.of("iptables", "-V"), Duration.ofSeconds(10)).ok());
        ProxyOptions options = ProxyOptions.defaults("scale", TAG, "100.64.0.0/16");
        try {
            for (int n : new int[] {100, 1000}) {
                List<ProxiedPort> ports = ports(n, 0);
                long generate = System.nanoTime();
                RuleGenerator.Rules first = RuleGenerator.generate(options, ports);
                generate = System.nanoTime() - generate;
                long t0 = System.nanoTime();
                Iptables.restore(first.fullRestore(Set.of(), Set.of()));
                long create = System.nanoTime() - t0;
                RuleGenerator.Rules second = RuleGenerator.generate(options, ports(n, 1));
                String partial = RuleGenerator.restoreInput(second, first, first.natChains(), first.filterChains());
                long t1 = System.nanoTime();
                Iptables.restore(partial);
                long update = System.nanoTime() - t1;
                System.out.printf("services=%d nat rules=%d generate=%dms full restore=%dms partial restore (one endpoint changed)=%dms%n", n,
                        second.nat().values().stream().mapToInt(List::size).sum(), generate / 1_000_000,
                        create / 1_000_000, update / 1_000_000);
                assertThat(Iptables.chains(Iptables.save("nat"), c -> c.startsWith("KAJI-" + TAG + "-SEP-"))).hasSize(3 * n);
            }
        } finally {
            for (String table : Iptables.TABLES) {
                KajiIptables.remove(table, c -> c.startsWith("KAJI-" + TAG + "-"));
            }
        }
    }

    /** n ports on 100.64.21x.y, 3 endpoints each in 100.64.0.0/16 (generation g shifts one endpoint). */
    private static List<ProxiedPort> ports(int n, int generation) {
        List<ProxiedPort> ports = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String ip = "100.65." + (i / 250) + "." + (i % 250 + 1);
            List<Endpoint> eps = List.of(new Endpoint("100.64." + (i % 200) + ".10", 8080),
                    new Endpoint("100.64." + (i % 200) + ".11", 8080),
                    new Endpoint("100.64." + (i % 200) + "." + (12 + generation * (i == 0 ? 1 : 0)), 8080));
            ports.add(new ProxiedPort("default", "svc-" + i, "http", "TCP", ip, 80, 0, 0, false, eps));
        }
        return ports;
    }
}
