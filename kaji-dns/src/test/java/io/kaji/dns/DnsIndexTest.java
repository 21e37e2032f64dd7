package io.kaji.dns;

import static io.kaji.dns.Objects.clusterIp;
import static io.kaji.dns.Objects.externalName;
import static io.kaji.dns.Objects.headless;
import static io.kaji.dns.Objects.slice;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ServiceBuilder;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.Type;

class DnsIndexTest {

    private DnsIndex index;

    @BeforeEach
    void fill() {
        index = new DnsIndex("cluster.local", Duration.ofSeconds(5), List.of("10.42.0.0/16", "10.43.0.0/16"));
        index.apply(clusterIp("default", "web", "10.43.0.10", "http", "metrics"));
        index.apply(headless("db", "pg", "pg"));
        index.apply(slice("db", "pg-abc", "pg", "pg", 5432, "pg-0=10.42.1.5", "10.42.2.6", "!pg-2=10.42.3.7"));
        index.apply(externalName("default", "search", "example.org"));
    }

    private Answer q(String name, int type) {
        return index.lookup(Name.fromConstantString(name), type);
    }

    private static List<String> rdata(List<Record> records) {
        return records.stream().map(Record::rdataToString).toList();
    }

    @Test
    void clusterIpServiceAnswersItsAddressWithTheTtl() {
        Answer a = q("web.default.svc.cluster.local.", Type.A);
        assertThat(a.forward()).isFalse();
        assertThat(a.rcode()).isEqualTo(Rcode.NOERROR);
        assertThat(rdata(a.answer())).containsExactly("10.43.0.10");
        assertThat(a.answer().get(0).getTTL()).isEqualTo(5);
        assertThat(q("WEB.Default.SVC.cluster.local.", Type.A).answer()).hasSize(1); // case-insensitive
    }

    @Test
    void aaaaForAnIpv4OnlyServiceIsNodataWithTheSoa() {
        Answer a = q("web.default.svc.cluster.local.", Type.AAAA);
        assertThat(a.rcode()).isEqualTo(Rcode.NOERROR);
        assertThat(a.answer()).isEmpty();
        assertThat(a.authority()).singleElement().isInstanceOf(SOARecord.class);
        assertThat(a.authority().get(0).getName()).isEqualTo(Name.fromConstantString("cluster.local."));
    }

    @Test
    void unknownNamesUnderTheDomainAreNxdomainWithTheSoa() {
        for (String name : List.of("nope.default.svc.cluster.local.", "web.other.svc.cluster.local.",
                "a.b.c.d.e.f.svc.cluster.local.", "web.default.cluster.local.", "x.cluster.local.",
                "web.default.svc.cluster.local.default.svc.cluster.local.",
                "web.default.svc.cluster.local.svc.cluster.local.")) {
            Answer a = q(name, Type.A);
            assertThat(a.rcode()).as(name).isEqualTo(Rcode.NXDOMAIN);
            assertThat(a.forward()).as(name).isFalse();
            assertThat(a.authority()).as(name).singleElement().isInstanceOf(SOARecord.class);
        }
    }

    @Test
    void emptyNonTerminalsAreNodata() {
        assertThat(q("svc.cluster.local.", Type.A).rcode()).isEqualTo(Rcode.NOERROR);
        assertThat(q("default.svc.cluster.local.", Type.A).rcode()).isEqualTo(Rcode.NOERROR);
        assertThat(q("default.svc.cluster.local.", Type.A).answer()).isEmpty();
    }

    @Test
    void zoneApexAnswersSoaAndNs() {
        assertThat(q("cluster.local.", Type.SOA).answer()).singleElement().isInstanceOf(SOARecord.class);
        assertThat(rdata(q("cluster.local.", Type.NS).answer())).containsExactly("ns.dns.cluster.local.");
        assertThat(q("cluster.local.", Type.A).answer()).isEmpty();
    }

    @Test
    void schemaVersionRecord() {
        assertThat(rdata(q("dns-version.cluster.local.", Type.TXT).answer())).containsExactly("\"1.1.0\"");
        assertThat(q("dns-version.cluster.local.", Type.A).answer()).isEmpty();
    }

    @Test
    void headlessServiceAnswersReadyEndpointAddressesOnly() {
        assertThat(rdata(q("pg.db.svc.cluster.local.", Type.A).answer()))
                .containsExactlyInAnyOrder("10.42.1.5", "10.42.2.6");
    }

    @Test
    void headlessEndpointsHaveHostnameOrDashedAddressNames() {
        assertThat(rdata(q("pg-0.pg.db.svc.cluster.local.", Type.A).answer())).containsExactly("10.42.1.5");
        assertThat(rdata(q("10-42-2-6.pg.db.svc.cluster.local.", Type.A).answer())).containsExactly("10.42.2.6");
        assertThat(q("pg-2.pg.db.svc.cluster.local.", Type.A).rcode()).isEqualTo(Rcode.NXDOMAIN); // not ready
        assertThat(q("10-42-1-5.pg.db.svc.cluster.local.", Type.A).rcode())
                .as("an endpoint with a hostname is named by it only").isEqualTo(Rcode.NXDOMAIN);
        assertThat(q("x.web.default.svc.cluster.local.", Type.A).rcode())
                .as("ClusterIP services have no endpoint names").isEqualTo(Rcode.NXDOMAIN);
    }

    @Test
    void endpointsFromSeveralSlicesAreMergedAndRemovalsApply() {
        index.apply(slice("db", "pg-def", "pg", "pg", 5432, "10.42.4.8"));
        assertThat(q("pg.db.svc.cluster.local.", Type.A).answer()).hasSize(3);
        index.removeSlice("db", "pg-abc");
        assertThat(rdata(q("pg.db.svc.cluster.local.", Type.A).answer())).containsExactly("10.42.4.8");
        index.removeSlice("db", "pg-def");
        assertThat(q("pg.db.svc.cluster.local.", Type.A).rcode())
                .as("headless without ready endpoints, as CoreDNS").isEqualTo(Rcode.NXDOMAIN);
    }

    @Test
    void anUpdatedSliceReplacesItsEndpointsAndPtrs() {
        index.apply(slice("db", "pg-abc", "pg", "pg", 5432, "pg-0=10.42.1.50"));
        assertThat(rdata(q("pg.db.svc.cluster.local.", Type.A).answer())).containsExactly("10.42.1.50");
        assertThat(q("5.1.42.10.in-addr.arpa.", Type.PTR).rcode()).isEqualTo(Rcode.NXDOMAIN);
        assertThat(rdata(q("50.1.42.10.in-addr.arpa.", Type.PTR).answer()))
                .containsExactly("pg-0.pg.db.svc.cluster.local.");
        index.apply(slice("db", "pg-abc", "other", "pg", 5432, "10.42.1.50"));
        assertThat(q("pg.db.svc.cluster.local.", Type.A).rcode()).as("relabelled away").isEqualTo(Rcode.NXDOMAIN);
    }

    @Test
    void lookupsDuringSliceUpdatesNeverSeeTheServiceVanish() throws Exception {
        Thread writer = Thread.ofPlatform().start(() -> {
            for (int i = 0; i < 20_000; i++) {
                index.apply(slice("db", "pg-abc", "pg", "pg", 5432, "pg-0=10.42.1." + (i % 200 + 1)));
            }
        });
        int denied = 0;
        while (writer.isAlive()) {
            if (q("pg.db.svc.cluster.local.", Type.A).rcode() != Rcode.NOERROR) {
                denied++;
            }
        }
        writer.join();
        assertThat(denied).isZero();
    }

    @Test
    void headlessServiceWithPublishNotReadyAddressesServesAllEndpoints() {
        index.apply(new ServiceBuilder(headless("db", "pg", "pg")).editSpec().withPublishNotReadyAddresses(true)
                .endSpec().build());
        assertThat(q("pg.db.svc.cluster.local.", Type.A).answer()).hasSize(3);
    }

    @Test
    void externalNameIsACnameForAnyType() {
        for (int type : new int[] {Type.A, Type.AAAA, Type.CNAME}) {
            Answer a = q("search.default.svc.cluster.local.", type);
            assertThat(a.answer()).singleElement().satisfies(r -> {
                assertThat(r.getType()).isEqualTo(Type.CNAME);
                assertThat(r.rdataToString()).isEqualTo("example.org.");
            });
        }
    }

    @Test
    void srvOfANamedPortOfAClusterIpServicePointsAtTheService() {
        Answer a = q("_metrics._tcp.web.default.svc.cluster.local.", Type.SRV);
        assertThat(a.answer()).singleElement().satisfies(r -> {
            SRVRecord srv = (SRVRecord) r;
            assertThat(srv.getPort()).isEqualTo(81);
            assertThat(srv.getTarget()).isEqualTo(Name.fromConstantString("web.default.svc.cluster.local."));
        });
        assertThat(rdata(a.additional())).containsExactly("10.43.0.10");
        assertThat(q("_metrics._udp.web.default.svc.cluster.local.", Type.SRV).rcode()).isEqualTo(Rcode.NXDOMAIN);
        assertThat(q("_nope._tcp.web.default.svc.cluster.local.", Type.SRV).rcode()).isEqualTo(Rcode.NXDOMAIN);
        Answer aForSrvName = q("_metrics._tcp.web.default.svc.cluster.local.", Type.A);
        assertThat(aForSrvName.rcode()).isEqualTo(Rcode.NOERROR);
        assertThat(aForSrvName.answer()).isEmpty();
    }

    @Test
    void srvOfAHeadlessServiceHasOneTargetPerReadyEndpointWithAddresses() {
        Answer a = q("_pg._tcp.pg.db.svc.cluster.local.", Type.SRV);
        assertThat(a.answer()).map(r -> ((SRVRecord) r).getTarget().toString()).containsExactlyInAnyOrder(
                "pg-0.pg.db.svc.cluster.local.", "10-42-2-6.pg.db.svc.cluster.local.");
        assertThat(a.answer()).allSatisfy(r -> assertThat(((SRVRecord) r).getPort()).isEqualTo(5432));
        assertThat(a.additional()).map(r -> r.getName() + " " + r.rdataToString()).containsExactlyInAnyOrder(
                "pg-0.pg.db.svc.cluster.local. 10.42.1.5", "10-42-2-6.pg.db.svc.cluster.local. 10.42.2.6");
    }

    @Test
    void srvOfTheServiceNameListsEveryPort() {
        assertThat(q("web.default.svc.cluster.local.", Type.SRV).answer()).hasSize(2);
    }

    @ParameterizedTest
    @CsvSource({"10-42-0-7.default.pod.cluster.local.,A,10.42.0.7", "1-2-3-4.any.pod.cluster.local.,A,1.2.3.4",
            "10-42-0-7.default.pod.cluster.local.,AAAA,", "2001-db8--1.default.pod.cluster.local.,AAAA,2001:db8:0:0:0:0:0:1"})
    void podNamesAnswerTheAddressTheySpell(String name, String type, String expected) {
        Answer a = q(name, Type.value(type));
        assertThat(a.rcode()).isEqualTo(Rcode.NOERROR);
        assertThat(rdata(a.answer())).containsExactlyElementsOf(expected == null ? List.of() : List.of(expected));
    }

    @Test
    void malformedPodNamesAreNxdomain() {
        for (String label : List.of("10-42-0", "10-42-0-256", "10-42-0-07", "a-b-c-d", "10-42-0-7-1", "x")) {
            assertThat(q(label + ".default.pod.cluster.local.", Type.A).rcode()).as(label).isEqualTo(Rcode.NXDOMAIN);
        }
    }

    @Test
    void reverseNamesOfClusterIpsAndHeadlessEndpoints() {
        assertThat(rdata(q("10.0.43.10.in-addr.arpa.", Type.PTR).answer()))
                .containsExactly("web.default.svc.cluster.local.");
        assertThat(rdata(q("5.1.42.10.in-addr.arpa.", Type.PTR).answer()))
                .containsExactly("pg-0.pg.db.svc.cluster.local.");
        assertThat(rdata(q("6.2.42.10.in-addr.arpa.", Type.PTR).answer()))
                .containsExactly("10-42-2-6.pg.db.svc.cluster.local.");
    }

    @Test
    void unknownReverseNamesInsideTheClusterNetworksAreNxdomainOthersForwarded() {
        Answer inside = q("99.9.42.10.in-addr.arpa.", Type.PTR);
        assertThat(inside.forward()).isFalse();
        assertThat(inside.rcode()).isEqualTo(Rcode.NXDOMAIN);
        assertThat(inside.authority().get(0).getName()).isEqualTo(Name.fromConstantString("in-addr.arpa."));
        assertThat(q("7.3.42.10.in-addr.arpa.", Type.PTR).rcode())
                .as("a not-ready endpoint has no PTR").isEqualTo(Rcode.NXDOMAIN);
        assertThat(q("1.0.0.8.in-addr.arpa.", Type.PTR).forward()).isTrue();
        assertThat(q("42.10.in-addr.arpa.", Type.PTR).forward()).isFalse();
        assertThat(q("10.in-addr.arpa.", Type.PTR).forward()).as("wider than our networks").isTrue();
        assertThat(q("x.0.42.10.in-addr.arpa.", Type.PTR).forward()).isTrue();
    }

    @Test
    void namesOutsideTheClusterAreForwarded() {
        assertThat(q("example.org.", Type.A).forward()).isTrue();
        assertThat(q("local.", Type.A).forward()).isTrue();
        assertThat(q("cluster.local.example.org.", Type.A).forward()).isTrue();
    }

    @Test
    void deletedServiceIsNxdomainAndLosesItsPtr() {
        index.removeService("default", "web");
        assertThat(q("web.default.svc.cluster.local.", Type.A).rcode()).isEqualTo(Rcode.NXDOMAIN);
        assertThat(q("10.0.43.10.in-addr.arpa.", Type.PTR).rcode()).isEqualTo(Rcode.NXDOMAIN);
        assertThat(q("default.svc.cluster.local.", Type.A).rcode())
                .as("default still has the search service").isEqualTo(Rcode.NOERROR);
        index.removeService("default", "search");
        assertThat(q("default.svc.cluster.local.", Type.A).rcode()).isEqualTo(Rcode.NXDOMAIN);
    }

    @Test
    void changedClusterIpMovesThePtr() {
        index.apply(clusterIp("default", "web", "10.43.0.11", "http"));
        assertThat(q("10.0.43.10.in-addr.arpa.", Type.PTR).rcode()).isEqualTo(Rcode.NXDOMAIN);
        assertThat(rdata(q("11.0.43.10.in-addr.arpa.", Type.PTR).answer()))
                .containsExactly("web.default.svc.cluster.local.");
    }

    @Test
    void badObjectsAreRejectedWithoutChangingTheIndex() {
        assertThatThrownBy(() -> index.apply(externalName("default", "web", "bad..name")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("default/web");
        assertThat(rdata(q("web.default.svc.cluster.local.", Type.A).answer())).containsExactly("10.43.0.10");
        index.apply(slice("db", "pg-bad", "pg", "pg", 5432, "not-an-ip", "Bad_Host=10.42.9.9"));
        assertThat(rdata(q("10-42-9-9.pg.db.svc.cluster.local.", Type.A).answer()))
                .as("an invalid hostname falls back to the address name").containsExactly("10.42.9.9");
    }

    @Test
    void anotherClusterDomain() {
        DnsIndex other = new DnsIndex("kaji.internal.", Duration.ofSeconds(30), List.of());
        other.apply(clusterIp("default", "web", "10.43.0.10"));
        Answer a = other.lookup(Name.fromConstantString("web.default.svc.kaji.internal."), Type.A);
        assertThat(a.answer()).singleElement().satisfies(r -> assertThat(r.getTTL()).isEqualTo(30));
        assertThat(other.lookup(Name.fromConstantString("web.default.svc.cluster.local."), Type.A).forward()).isTrue();
    }
}
