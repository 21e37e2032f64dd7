package io.kaji.dns;

import static io.kaji.dns.Objects.clusterIp;
import static io.kaji.dns.Objects.headless;
import static io.kaji.dns.Objects.slice;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

class QueryHandlerTest {

    private final AtomicBoolean synced = new AtomicBoolean(true);
    private QueryHandler handler;

    @BeforeEach
    void setUp() {
        DnsIndex index = new DnsIndex("cluster.local", Duration.ofSeconds(5), List.of("10.42.0.0/16"));
        index.apply(clusterIp("default", "web", "10.43.0.10", "http"));
        index.apply(headless("big", "many", "p"));
        String[] endpoints = IntStream.range(0, 100).mapToObj(i -> "10.42." + (i / 250) + "." + (i % 250 + 1))
                .toArray(String[]::new);
        index.apply(slice("big", "many-1", "many", "p", 80, endpoints));
        handler = new QueryHandler(index, new Forwarder(List.of(), Duration.ofMillis(100)), synced::get);
    }

    private static Message query(String name, int type) {
        Message m = Message.newQuery(Record.newRecord(Name.fromConstantString(name), type, DClass.IN));
        return m;
    }

    private Message ask(Message query, boolean udp) throws Exception {
        byte[] wire = query.toWire();
        QueryHandler.Reply reply = handler.handle(wire, wire.length, udp);
        assertThat(reply).isInstanceOf(QueryHandler.Reply.Send.class);
        return new Message(((QueryHandler.Reply.Send) reply).wire());
    }

    @Test
    void answerCarriesIdQuestionAndAuthoritativeFlags() throws Exception {
        Message q = query("web.default.svc.cluster.local.", Type.A);
        Message r = ask(q, true);
        assertThat(r.getHeader().getID()).isEqualTo(q.getHeader().getID());
        assertThat(r.getHeader().getFlag(Flags.QR)).isTrue();
        assertThat(r.getHeader().getFlag(Flags.AA)).isTrue();
        assertThat(r.getHeader().getFlag(Flags.RD)).isTrue();
        assertThat(r.getHeader().getFlag(Flags.RA)).isTrue();
        assertThat(r.getQuestion()).isEqualTo(q.getQuestion());
        assertThat(r.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(r.getSection(Section.ANSWER)).map(Record::rdataToString).containsExactly("10.43.0.10");
    }

    @Test
    void nxdomainAndNodataCarryTheSoa() throws Exception {
        Message nx = ask(query("nope.default.svc.cluster.local.", Type.A), true);
        assertThat(nx.getRcode()).isEqualTo(Rcode.NXDOMAIN);
        assertThat(nx.getSection(Section.AUTHORITY)).singleElement()
                .satisfies(r -> assertThat(r.getType()).isEqualTo(Type.SOA));
        Message nodata = ask(query("web.default.svc.cluster.local.", Type.AAAA), true);
        assertThat(nodata.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(nodata.getSection(Section.ANSWER)).isEmpty();
        assertThat(nodata.getSection(Section.AUTHORITY)).hasSize(1);
    }

    @Test
    void udpAnswersAbove512BytesAreTruncatedWithTc() throws Exception {
        Message plain = ask(query("many.big.svc.cluster.local.", Type.A), true);
        assertThat(plain.getHeader().getFlag(Flags.TC)).isTrue();
        assertThat(plain.toWire().length).isLessThanOrEqualTo(512);
        assertThat(plain.getSection(Section.ANSWER).size()).isLessThan(100);

        Message tcp = ask(query("many.big.svc.cluster.local.", Type.A), false);
        assertThat(tcp.getHeader().getFlag(Flags.TC)).isFalse();
        assertThat(tcp.getSection(Section.ANSWER)).hasSize(100);
    }

    @Test
    void udpHonoursTheClientsEdnsSize() throws Exception {
        Message q = query("many.big.svc.cluster.local.", Type.A);
        q.addRecord(new OPTRecord(4096, 0, 0), Section.ADDITIONAL);
        byte[] wire = q.toWire();
        byte[] answer = ((QueryHandler.Reply.Send) handler.handle(wire, wire.length, true)).wire();
        Message r = new Message(answer);
        assertThat(answer.length).isGreaterThan(512);
        assertThat(r.getHeader().getFlag(Flags.TC)).isFalse();
        assertThat(r.getSection(Section.ANSWER)).hasSize(100);
        assertThat(r.getOPT()).isNotNull();
        assertThat(r.getOPT().getPayloadSize()).isEqualTo(QueryHandler.EDNS_PAYLOAD);

        Message small = query("many.big.svc.cluster.local.", Type.A);
        small.addRecord(new OPTRecord(1000, 0, 0), Section.ADDITIONAL);
        byte[] smallWire = small.toWire();
        byte[] truncated = ((QueryHandler.Reply.Send) handler.handle(smallWire, smallWire.length, true)).wire();
        assertThat(truncated.length).isLessThanOrEqualTo(1000);
        assertThat(new Message(truncated).getHeader().getFlag(Flags.TC)).isTrue();
    }

    @Test
    void externalNameChainsInsideTheClusterAreFollowedInOneAnswer() throws Exception {
        DnsIndex index = new DnsIndex("cluster.local", Duration.ofSeconds(5), List.of());
        index.apply(clusterIp("default", "web", "10.43.0.10"));
        index.apply(Objects.externalName("default", "alias", "web.default.svc.cluster.local"));
        index.apply(Objects.externalName("default", "alias2", "alias.default.svc.cluster.local"));
        index.apply(Objects.externalName("default", "dangling", "gone.default.svc.cluster.local"));
        index.apply(Objects.externalName("default", "loop", "loop.default.svc.cluster.local"));
        QueryHandler h = new QueryHandler(index, new Forwarder(List.of(), Duration.ofMillis(100)), () -> true);
        handler = h;
        Message r = ask(query("alias2.default.svc.cluster.local.", Type.A), true);
        assertThat(r.getSection(Section.ANSWER)).map(x -> Type.string(x.getType()) + " " + x.rdataToString())
                .containsExactly("CNAME alias.default.svc.cluster.local.", "CNAME web.default.svc.cluster.local.",
                        "A 10.43.0.10");
        Message dangling = ask(query("dangling.default.svc.cluster.local.", Type.A), true);
        assertThat(dangling.getRcode()).isEqualTo(Rcode.NXDOMAIN);
        assertThat(dangling.getSection(Section.ANSWER)).hasSize(1);
        Message loop = ask(query("loop.default.svc.cluster.local.", Type.A), true);
        assertThat(loop.getSection(Section.ANSWER)).hasSize(QueryHandler.MAX_CNAME_HOPS + 1);
        Message cname = ask(query("alias.default.svc.cluster.local.", Type.CNAME), true);
        assertThat(cname.getSection(Section.ANSWER)).as("a CNAME question is not chased").hasSize(1);
    }

    @Test
    void externalNameOutsideTheClusterIsChasedUpstream() throws Exception {
        DnsIndex index = new DnsIndex("cluster.local", Duration.ofSeconds(5), List.of());
        index.apply(Objects.externalName("default", "search", "www.example.org"));
        try (FakeUpstream upstream = new FakeUpstream()) {
            handler = new QueryHandler(index, new Forwarder(List.of(upstream.address()), Duration.ofSeconds(2)),
                    () -> true);
            byte[] wire = query("search.default.svc.cluster.local.", Type.A).toWire();
            QueryHandler.Reply reply = handler.handle(wire, wire.length, true);
            assertThat(reply).isInstanceOf(QueryHandler.Reply.Forward.class);
            Message r = new Message(handler.forward((QueryHandler.Reply.Forward) reply));
            assertThat(r.getSection(Section.ANSWER)).map(x -> Type.string(x.getType()) + " " + x.rdataToString())
                    .containsExactly("CNAME www.example.org.", "A " + FakeUpstream.ANSWER);
            assertThat(r.getHeader().getFlag(Flags.AA)).isTrue();
        }
        handler = new QueryHandler(index, new Forwarder(List.of(), Duration.ofMillis(100)), () -> true);
        byte[] wire = query("search.default.svc.cluster.local.", Type.A).toWire();
        Message alone = new Message(handler.forward((QueryHandler.Reply.Forward) handler.handle(wire, wire.length, true)));
        assertThat(alone.getRcode()).as("no upstream: the CNAME alone").isEqualTo(Rcode.NOERROR);
        assertThat(alone.getSection(Section.ANSWER)).hasSize(1);
    }

    @Test
    void tooShortPacketsAndResponsesAreDropped() {
        assertThat(handler.handle(new byte[5], 5, true)).isInstanceOf(QueryHandler.Reply.Drop.class);
        byte[] response = query("web.default.svc.cluster.local.", Type.A).toWire();
        response[2] |= (byte) 0x80; // QR
        assertThat(handler.handle(response, response.length, true)).isInstanceOf(QueryHandler.Reply.Drop.class);
    }

    @Test
    void unparseableQueriesGetFormerrWithTheirId() throws Exception {
        byte[] wire = query("web.default.svc.cluster.local.", Type.A).toWire();
        byte[] cut = java.util.Arrays.copyOf(wire, wire.length - 3); // question cut short
        Message r = new Message(((QueryHandler.Reply.Send) handler.handle(cut, cut.length, true)).wire());
        assertThat(r.getRcode()).isEqualTo(Rcode.FORMERR);
        assertThat(r.getHeader().getID()).isEqualTo(((wire[0] & 0xff) << 8) | (wire[1] & 0xff));

        byte[] empty = new byte[12];
        empty[0] = 0x12;
        Message none = new Message(((QueryHandler.Reply.Send) handler.handle(empty, 12, true)).wire());
        assertThat(none.getRcode()).as("no question").isEqualTo(Rcode.FORMERR);
        assertThat(none.getHeader().getID()).isEqualTo(0x1200);
    }

    @Test
    void otherOpcodesAreNotImplemented() throws Exception {
        Message q = query("web.default.svc.cluster.local.", Type.A);
        q.getHeader().setOpcode(Opcode.STATUS);
        assertThat(ask(q, true).getRcode()).isEqualTo(Rcode.NOTIMP);
    }

    @Test
    void clusterNamesGetServfailUntilTheFirstSync() throws Exception {
        synced.set(false);
        assertThat(ask(query("web.default.svc.cluster.local.", Type.A), true).getRcode()).isEqualTo(Rcode.SERVFAIL);
    }

    @Test
    void otherNamesAreForwardedAndServfailWithoutUpstreams() throws Exception {
        byte[] wire = query("example.org.", Type.A).toWire();
        QueryHandler.Reply reply = handler.handle(wire, wire.length, true);
        assertThat(reply).isInstanceOf(QueryHandler.Reply.Forward.class);
        Message r = new Message(handler.forward((QueryHandler.Reply.Forward) reply));
        assertThat(r.getRcode()).isEqualTo(Rcode.SERVFAIL);
        assertThat(r.getHeader().getID()).isEqualTo(((wire[0] & 0xff) << 8) | (wire[1] & 0xff));
    }

    @Test
    void randomGarbageNeverThrows() {
        Random random = new Random(42);
        byte[] valid = query("_http._tcp.web.default.svc.cluster.local.", Type.SRV).toWire();
        for (int i = 0; i < 20_000; i++) {
            byte[] packet = i % 2 == 0 ? valid.clone() : new byte[12 + random.nextInt(60)];
            if (i % 2 == 0) {
                for (int k = 0; k < 1 + random.nextInt(4); k++) {
                    packet[random.nextInt(packet.length)] = (byte) random.nextInt(256);
                }
            } else {
                random.nextBytes(packet);
            }
            QueryHandler.Reply reply = handler.handle(packet, packet.length, true);
            assertThat(reply).isNotNull();
        }
    }
}
