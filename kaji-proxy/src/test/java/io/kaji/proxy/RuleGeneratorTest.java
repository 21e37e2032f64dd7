package io.kaji.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPortBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** Rule generation, asserted as chains and where their rules jump, through ServiceTable from real API objects. */
class RuleGeneratorTest {

    private static final String TAG = "T3ST";
    private static final ChainNames NAMES = new ChainNames(TAG);
    private static final ProxyOptions OPTIONS = ProxyOptions.defaults("n1", TAG, "10.42.0.0/16");

    /** The parsed restore input: per table, chain → its rules (the text after "-A CHAIN "), declared and deleted chains. */
    record Parsed(Map<String, Map<String, List<String>>> rules, Map<String, Set<String>> declared, Map<String, Set<String>> deleted) {
        List<String> chain(String table, String chain) {
            return rules.getOrDefault(table, Map.of()).getOrDefault(chain, List.of());
        }

        /** The chains that {@code chain}'s rules jump to, in order. */
        List<String> targets(String table, String chain) {
            return chain(table, chain).stream().map(r -> r.substring(r.lastIndexOf("-j ") + 3).split(" ")[0]).toList();
        }

        Set<String> natChains() {
            return declared.get("nat");
        }
    }

    static Parsed parse(String restore) {
        Map<String, Map<String, List<String>>> rules = new LinkedHashMap<>();
        Map<String, Set<String>> declared = new LinkedHashMap<>();
        Map<String, Set<String>> deleted = new LinkedHashMap<>();
        String table = null;
        for (String line : restore.lines().toList()) {
            if (line.startsWith("*")) {
                table = line.substring(1);
                declared.put(table, new TreeSet<>());
                deleted.put(table, new TreeSet<>());
            } else if (line.startsWith(":")) {
                declared.get(table).add(line.substring(1, line.indexOf(' ')));
            } else if (line.startsWith("-A ")) {
                String[] parts = line.split(" ", 3);
                rules.computeIfAbsent(table, t -> new LinkedHashMap<>()).computeIfAbsent(parts[1], c -> new ArrayList<>()).add(parts[2]);
            } else if (line.startsWith("-X ")) {
                deleted.get(table).add(line.substring(3));
            }
        }
        return new Parsed(rules, declared, deleted);
    }

    private static Parsed generate(List<Service> services, List<EndpointSlice> slices) {
        return generate(OPTIONS, services, slices, Set.of(), Set.of());
    }

    private static Parsed generate(ProxyOptions options, List<Service> services, List<EndpointSlice> slices,
                                   Set<String> existingNat, Set<String> existingFilter) {
        List<ProxiedPort> ports = ServiceTable.build(services, slices, problem -> {
            throw new AssertionError("unexpected skip: " + problem);
        });
        return parse(RuleGenerator.generate(options, ports).fullRestore(existingNat, existingFilter));
    }

    private static String svcChain(Parsed p, String clusterIp) {
        return p.chain("nat", NAMES.services()).stream().filter(r -> r.startsWith("-d " + clusterIp + "/32 "))
                .map(r -> r.substring(r.lastIndexOf("-j ") + 3)).findFirst().orElseThrow();
    }

    @Test
    void clusterIpSpreadsEvenlyOverEndpointsWithDnatToEach() {
        Parsed p = generate(List.of(Fixtures.service("web", "10.96.0.10", 80, 0)),
                List.of(Fixtures.slice("web", "web-a", 8080, "10.42.1.5", "10.42.1.6", "10.42.2.7")));

        assertThat(p.chain("nat", NAMES.services()).get(0))
                .startsWith("-d 10.96.0.10/32 -p tcp --dport 80 ").contains("default/web:http cluster IP");
        String svc = svcChain(p, "10.96.0.10");
        assertThat(svc).startsWith("KAJI-T3ST-SVC-").hasSizeLessThanOrEqualTo(28);
        List<String> rules = p.chain("nat", svc);
        // First: traffic from outside the cluster CIDR is marked for masquerade.
        assertThat(rules.get(0)).isEqualTo("! -s 10.42.0.0/16 -d 10.96.0.10/32 -p tcp --dport 80 -j " + NAMES.markMasq());
        assertThat(rules.get(1)).contains("--probability 0.3333333333");
        assertThat(rules.get(2)).contains("--probability 0.5000000000");
        assertThat(rules.get(3)).doesNotContain("statistic");
        List<String> seps = p.targets("nat", svc).subList(1, 4);
        assertThat(seps).allMatch(s -> s.startsWith("KAJI-T3ST-SEP-") && s.length() <= 28).doesNotHaveDuplicates();
        List<String> dnats = seps.stream().map(s -> p.chain("nat", s).get(1)).toList();
        assertThat(dnats).containsExactly("-p tcp -j DNAT --to-destination 10.42.1.5:8080",
                "-p tcp -j DNAT --to-destination 10.42.1.6:8080", "-p tcp -j DNAT --to-destination 10.42.2.7:8080");
        // No NodePort: nothing in the nodeports chain, but the LOCAL jump is still last in SERVICES.
        assertThat(p.chain("nat", NAMES.nodePorts())).isEmpty();
        List<String> services = p.chain("nat", NAMES.services());
        assertThat(services.get(services.size() - 1)).isEqualTo("-m addrtype --dst-type LOCAL -j " + NAMES.nodePorts());
    }

    @Test
    void hairpinTrafficFromTheEndpointItselfIsMasqueraded() {
        Parsed p = generate(List.of(Fixtures.service("web", "10.96.0.10", 80, 0)),
                List.of(Fixtures.slice("web", "web-a", 8080, "10.42.1.5")));
        String sep = p.targets("nat", svcChain(p, "10.96.0.10")).get(1);
        assertThat(p.chain("nat", sep).get(0)).isEqualTo("-s 10.42.1.5/32 -j " + NAMES.markMasq());
        assertThat(p.chain("nat", NAMES.markMasq())).containsExactly("-j MARK --or-mark 0x4000");
        List<String> post = p.chain("nat", NAMES.postrouting());
        assertThat(post.get(0)).startsWith("-s 10.42.0.0/16 ! -d 10.42.0.0/16 ").endsWith("-j MASQUERADE");
        assertThat(post.subList(1, 4)).containsExactly("-m mark ! --mark 0x4000/0x4000 -j RETURN", "-j MARK --xor-mark 0x4000",
                "-m comment --comment \"kaji: service traffic requiring SNAT\" -j MASQUERADE --random-fully");
    }

    @Test
    void notReadyEndpointsAreLeftOutAndNullReadyCountsAsReady() {
        EndpointSlice slice = Fixtures.slice("web", "web-a", 8080, "10.42.1.5", "10.42.1.6!", "10.42.1.7");
        slice.getEndpoints().get(2).getConditions().setReady(null);
        Parsed p = generate(List.of(Fixtures.service("web", "10.96.0.10", 80, 0)), List.of(slice));
        List<String> dnats = p.natChains().stream().filter(c -> c.contains("-SEP-"))
                .map(c -> p.chain("nat", c).get(1)).sorted().toList();
        assertThat(dnats).containsExactly("-p tcp -j DNAT --to-destination 10.42.1.5:8080",
                "-p tcp -j DNAT --to-destination 10.42.1.7:8080");
    }

    @Test
    void namedTargetPortsResolveThroughTheSlicePortOfTheSameName() {
        Service svc = new ServiceBuilder(Fixtures.service("web", "10.96.0.10", 80, 0)).editSpec()
                .addToPorts(new ServicePortBuilder().withName("metrics").withProtocol("TCP").withPort(9000).build())
                .endSpec().build();
        EndpointSlice slice = new EndpointSliceBuilder(Fixtures.slice("web", "web-a", 8080, "10.42.1.5"))
                .addToPorts(new EndpointPortBuilder().withName("metrics").withProtocol("TCP").withPort(9100).build()).build();
        Parsed p = generate(List.of(svc), List.of(slice));
        Map<String, String> dnatByPort = new LinkedHashMap<>();
        for (String rule : p.chain("nat", NAMES.services())) {
            if (rule.startsWith("-d ")) {
                String chain = rule.substring(rule.lastIndexOf("-j ") + 3);
                String sep = p.targets("nat", chain).get(1);
                dnatByPort.put(rule.split(" ")[5], p.chain("nat", sep).get(1));
            }
        }
        assertThat(dnatByPort).containsEntry("80", "-p tcp -j DNAT --to-destination 10.42.1.5:8080")
                .containsEntry("9000", "-p tcp -j DNAT --to-destination 10.42.1.5:9100");
    }

    @Test
    void endpointsFromSeveralSlicesAreMergedWithoutDuplicates() {
        Parsed p = generate(List.of(Fixtures.service("web", "10.96.0.10", 80, 0)), List.of(
                Fixtures.slice("web", "web-a", 8080, "10.42.1.5", "10.42.1.6"),
                Fixtures.slice("web", "web-b", 8080, "10.42.1.6", "10.42.3.1"),
                Fixtures.slice("other", "other-a", 8080, "10.42.9.9")));
        assertThat(p.targets("nat", svcChain(p, "10.96.0.10"))).hasSize(1 + 3);
    }

    @Test
    void nodePortGoesThroughAnExternalChainThatMasqueradesThenToTheServiceChain() {
        Parsed p = generate(List.of(Fixtures.service("web", "10.96.0.10", 80, 30080)),
                List.of(Fixtures.slice("web", "web-a", 8080, "10.42.1.5")));
        List<String> nodePorts = p.chain("nat", NAMES.nodePorts());
        assertThat(nodePorts).hasSize(1);
        assertThat(nodePorts.get(0)).startsWith("-p tcp --dport 30080 ");
        String ext = p.targets("nat", NAMES.nodePorts()).get(0);
        assertThat(ext).startsWith("KAJI-T3ST-EXT-");
        assertThat(p.targets("nat", ext)).containsExactly(NAMES.markMasq(), svcChain(p, "10.96.0.10"));
    }

    @Test
    void externalTrafficPolicyLocalSendsOutsideTrafficToThisNodesEndpointsOnly() {
        Service local = new ServiceBuilder(Fixtures.service("web", "10.96.0.10", 80, 30080)).editSpec()
                .withExternalTrafficPolicy("Local").endSpec().build();
        EndpointSlice slice = Fixtures.slice("web", "web-a", 8080, "10.42.1.5", "10.42.2.6", "10.42.1.7");
        slice.getEndpoints().get(0).setNodeName("n1");
        slice.getEndpoints().get(1).setNodeName("n2");
        slice.getEndpoints().get(2).setNodeName("n1");
        List<ProxiedPort> ports = ServiceTable.build(List.of(local), List.of(slice), "n1", s -> { });
        Parsed p = parse(RuleGenerator.generate(OPTIONS, ports).fullRestore(Set.of(), Set.of()));

        String svc = svcChain(p, "10.96.0.10");
        String ext = p.targets("nat", NAMES.nodePorts()).get(0);
        List<String> extRules = p.chain("nat", ext);
        assertThat(extRules.get(0)).startsWith("-s 10.42.0.0/16 ").endsWith("-j " + svc);
        assertThat(extRules.subList(1, 3)).containsExactly("-m addrtype --src-type LOCAL -j " + NAMES.markMasq(),
                "-m addrtype --src-type LOCAL -j " + svc);
        String svl = p.targets("nat", ext).get(3);
        assertThat(svl).startsWith("KAJI-T3ST-SVL-");
        assertThat(extRules).hasSize(4).noneMatch(r -> r.equals("-j " + NAMES.markMasq()));
        // The local chain spreads over n1's two endpoints; the service chain still over all three.
        List<String> localDnats = p.targets("nat", svl).stream().map(sep -> p.chain("nat", sep).get(1)).toList();
        assertThat(localDnats).containsExactly("-p tcp -j DNAT --to-destination 10.42.1.5:8080",
                "-p tcp -j DNAT --to-destination 10.42.1.7:8080");
        assertThat(p.chain("nat", svl).get(0)).contains("--probability 0.5000000000");
        assertThat(p.targets("nat", svc)).hasSize(1 + 3);

        // On a node without endpoints of its own: outside traffic to the node port is dropped, pods still served.
        Parsed other = parse(RuleGenerator.generate(OPTIONS, ServiceTable.build(List.of(local), List.of(slice), "n3", s -> { }))
                .fullRestore(Set.of(), Set.of()));
        String otherExt = other.targets("nat", NAMES.nodePorts()).get(0);
        assertThat(other.targets("nat", otherExt)).containsExactly(svcChain(other, "10.96.0.10"), NAMES.markMasq(),
                svcChain(other, "10.96.0.10"));
        assertThat(other.natChains()).noneMatch(c -> c.contains("-SVL-"));
        assertThat(other.chain("filter", NAMES.services())).containsExactly("-m addrtype --dst-type LOCAL -p tcp --dport 30080"
                + " -m comment --comment \"default/web:http has no local endpoints\" -j DROP");
    }

    @Test
    void clientIpAffinityChecksRecentBeforeSpreadingAndSetsItOnDnat() {
        Service defaultTimeout = new ServiceBuilder(Fixtures.service("web", "10.96.0.10", 80, 0)).editSpec()
                .withSessionAffinity("ClientIP").endSpec().build();
        Service shortTimeout = new ServiceBuilder(Fixtures.service("api", "10.96.0.11", 80, 0)).editSpec()
                .withSessionAffinity("ClientIP").withNewSessionAffinityConfig().withNewClientIP().withTimeoutSeconds(60)
                .endClientIP().endSessionAffinityConfig().endSpec().build();
        Parsed p = generate(List.of(defaultTimeout, shortTimeout), List.of(
                Fixtures.slice("web", "web-a", 8080, "10.42.1.5", "10.42.1.6"),
                Fixtures.slice("api", "api-a", 8080, "10.42.1.7")));
        List<String> web = p.chain("nat", svcChain(p, "10.96.0.10"));
        List<String> seps = p.targets("nat", svcChain(p, "10.96.0.10"));
        assertThat(web.get(1)).isEqualTo("-m recent --name " + seps.get(1) + " --rcheck --seconds 10800 --reap -j " + seps.get(1));
        assertThat(web.get(2)).isEqualTo("-m recent --name " + seps.get(2) + " --rcheck --seconds 10800 --reap -j " + seps.get(2));
        assertThat(web.get(3)).contains("statistic");
        assertThat(p.chain("nat", seps.get(1)).get(1))
                .isEqualTo("-p tcp -m recent --name " + seps.get(1) + " --set -j DNAT --to-destination 10.42.1.5:8080");
        assertThat(p.chain("nat", svcChain(p, "10.96.0.11")).get(1)).contains("--rcheck --seconds 60 --reap");
    }

    @Test
    void serviceWithoutReadyEndpointsIsRejectedInFilterAndHasNoNatChains() {
        Parsed p = generate(List.of(Fixtures.service("web", "10.96.0.10", 80, 30080)),
                List.of(Fixtures.slice("web", "web-a", 8080, "10.42.1.5!")));
        assertThat(p.chain("nat", NAMES.services())).noneMatch(r -> r.contains("10.96.0.10"));
        assertThat(p.natChains()).noneMatch(c -> c.contains("-SVC-") || c.contains("-SEP-") || c.contains("-EXT-"));
        assertThat(p.chain("nat", NAMES.nodePorts())).isEmpty();
        assertThat(p.chain("filter", NAMES.services())).containsExactly(
                "-d 10.96.0.10/32 -p tcp --dport 80 -m comment --comment \"default/web:http has no endpoints\" -j REJECT --reject-with tcp-reset",
                "-m addrtype --dst-type LOCAL -p tcp --dport 30080 -m comment --comment \"default/web:http has no endpoints\""
                        + " -j REJECT --reject-with tcp-reset");
    }

    @Test
    void forwardAcceptsTheClusterCidrAndMarkedTraffic() {
        Parsed p = generate(List.of(), List.of());
        assertThat(p.chain("filter", NAMES.forward())).containsExactly(
                "-m mark --mark 0x4000/0x4000 -j ACCEPT", "-s 10.42.0.0/16 -j ACCEPT", "-d 10.42.0.0/16 -j ACCEPT");
    }

    @Test
    void staleChainsOfThisInstanceAreFlushedAndDeletedOthersUntouched() {
        String staleSvc = "KAJI-T3ST-SVC-AAAAAAAAAAAAAA";
        String staleSep = "KAJI-T3ST-SEP-BBBBBBBBBBBBBB";
        String otherInstance = "KAJI-ZZ99-SVC-AAAAAAAAAAAAAA";
        String networkPolicy = "KAJI-T3ST-NP-INGRESS";
        Parsed p = generate(OPTIONS, List.of(Fixtures.service("web", "10.96.0.10", 80, 0)),
                List.of(Fixtures.slice("web", "web-a", 8080, "10.42.1.5")),
                Set.of(staleSvc, staleSep, otherInstance, networkPolicy, NAMES.services()), Set.of("KAJI-T3ST-OLDCHAIN", networkPolicy));
        assertThat(p.deleted().get("nat")).containsExactlyInAnyOrder(staleSvc, staleSep);
        assertThat(p.declared().get("nat")).contains(staleSvc, staleSep).doesNotContain(otherInstance, networkPolicy);
        assertThat(p.deleted().get("filter")).containsExactly("KAJI-T3ST-OLDCHAIN");
        // Every chain written is this instance's, within iptables' name limit.
        p.declared().values().forEach(chains -> assertThat(chains)
                .allMatch(c -> c.startsWith("KAJI-T3ST-") && !c.startsWith("KAJI-T3ST-NP") && c.length() <= 28));
    }

    @Test
    void partialSyncWritesOnlyChangedChainsAndDeletesTheOnesGone() {
        List<Service> services = List.of(Fixtures.service("web", "10.96.0.10", 80, 0), Fixtures.service("api", "10.96.0.11", 80, 0));
        RuleGenerator.Rules before = RuleGenerator.generate(OPTIONS, ServiceTable.build(services, List.of(
                Fixtures.slice("web", "web-a", 8080, "10.42.1.5", "10.42.1.6"),
                Fixtures.slice("api", "api-a", 8080, "10.42.1.7")), s -> { }));
        RuleGenerator.Rules after = RuleGenerator.generate(OPTIONS, ServiceTable.build(services, List.of(
                Fixtures.slice("web", "web-a", 8080, "10.42.1.5", "10.42.1.8"),
                Fixtures.slice("api", "api-a", 8080, "10.42.1.7")), s -> { }));
        Parsed p = parse(RuleGenerator.restoreInput(after, before, before.natChains(), before.filterChains()));
        Parsed full = parse(after.fullRestore(before.natChains(), before.filterChains()));

        String webSvc = svcChain(full, "10.96.0.10");
        String apiSvc = svcChain(full, "10.96.0.11");
        String goneSep = before.nat().get(webSvc).get(2).replaceAll(".*-j ", "");
        String newSep = after.nat().get(webSvc).get(2).replaceAll(".*-j ", "");
        assertThat(goneSep).isNotEqualTo(newSep);
        // Written: web's service chain and its new endpoint chain; deleted: the removed endpoint's chain.
        assertThat(p.natChains()).containsExactlyInAnyOrder(webSvc, newSep, goneSep);
        assertThat(p.deleted().get("nat")).containsExactly(goneSep);
        assertThat(p.chain("nat", newSep)).contains("-p tcp -j DNAT --to-destination 10.42.1.8:8080");
        // Untouched: the entry chain, api's chains, the filter table.
        assertThat(p.natChains()).doesNotContain(NAMES.services(), apiSvc);
        assertThat(p.declared().get("filter")).isEmpty();
        // Nothing changed: nothing written.
        Parsed none = parse(RuleGenerator.restoreInput(after, after, after.natChains(), after.filterChains()));
        assertThat(none.rules()).isEmpty();
        assertThat(none.declared().values()).allMatch(Set::isEmpty);
    }

    @Test
    void nodeLocalDnsRedirectComesBeforeServiceRules() {
        ProxyOptions dns = OPTIONS.withLocalDns("10.42.1.0/24", "10.96.0.53", new InetSocketAddress("10.42.1.1", 5353));
        Parsed p = generate(dns, List.of(Fixtures.service("web", "10.96.0.10", 80, 0)),
                List.of(Fixtures.slice("web", "web-a", 8080, "10.42.1.5")), Set.of(), Set.of());
        List<String> services = p.chain("nat", NAMES.services());
        assertThat(services.get(0)).startsWith("-s 10.42.1.0/24 -d 10.96.0.53/32 -p udp --dport 53 ")
                .endsWith("-j DNAT --to-destination 10.42.1.1:5353");
        assertThat(services.get(1)).startsWith("-s 10.42.1.0/24 -d 10.96.0.53/32 -p tcp --dport 53 ")
                .endsWith("-j DNAT --to-destination 10.42.1.1:5353");
        assertThat(services.get(2)).startsWith("-d 10.96.0.10/32");
    }

    @Test
    void badAndIgnoredObjectsAreSkippedOthersStillProgrammed() {
        Service bad = Fixtures.service("bad", "not-an-ip", 80, 0);
        Service headless = Fixtures.service("headless", "None", 80, 0);
        Service external = new ServiceBuilder().withNewMetadata().withNamespace("default").withName("ext").endMetadata()
                .withNewSpec().withType("ExternalName").withExternalName("example.org").endSpec().build();
        EndpointSlice badSlice = Fixtures.slice("web", "web-bad", 8080, "10.42.1.99; rm -rf /");
        List<String> skipped = new ArrayList<>();
        List<ProxiedPort> ports = ServiceTable.build(List.of(bad, headless, external, Fixtures.service("web", "10.96.0.10", 80, 0)),
                List.of(badSlice, Fixtures.slice("web", "web-a", 8080, "10.42.1.5")), skipped::add);
        assertThat(skipped).hasSize(2).anyMatch(s -> s.startsWith("Service default/bad: ") && s.contains("not-an-ip"))
                .anyMatch(s -> s.startsWith("EndpointSlice default/web-bad: "));
        assertThat(ports).extracting(ProxiedPort::name).containsExactly("web");
        assertThat(ports.get(0).endpoints()).containsExactly(new Endpoint("10.42.1.5", 8080));
    }

    @Test
    void jumpsTargetOnlyThisInstancesChains() {
        List<Jump> jumps = RuleGenerator.jumps(TAG);
        assertThat(jumps).extracting(j -> j.table() + " " + j.chain() + " " + j.target()).contains(
                "nat PREROUTING " + NAMES.services(), "nat OUTPUT " + NAMES.services(), "nat POSTROUTING " + NAMES.postrouting(),
                "filter FORWARD " + NAMES.forward(), "filter FORWARD " + NAMES.services(), "filter OUTPUT " + NAMES.services());
        assertThat(jumps).allMatch(j -> NAMES.owns(j.target()));
    }

    @Test
    void chainNameHashIsStableAndDistinct() {
        assertThat(ChainNames.hash("default/web:http/tcp")).hasSize(14).matches("[A-Z2-7]{14}")
                .isEqualTo(ChainNames.hash("default/web:http/tcp")).isNotEqualTo(ChainNames.hash("default/web:https/tcp"));
    }
}
