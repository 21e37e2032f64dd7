package io.kaji.dns;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/** The sockets: UDP truncation and TCP retry as a real resolver does them, garbage on both transports. */
class DnsServerTest {

    private ClusterDns dns;
    private InetSocketAddress at;

    @BeforeEach
    void start() {
        DnsIndex index = new DnsIndex("cluster.local", Duration.ofSeconds(5), List.of());
        index.apply(Objects.clusterIp("default", "web", "10.43.0.10"));
        index.apply(Objects.headless("big", "many", "p"));
        index.apply(Objects.slice("big", "many-1", "many", "p", 80,
                IntStream.range(1, 101).mapToObj(i -> "10.42.0." + i).toArray(String[]::new)));
        dns = ClusterDns.serve(index, new DnsOptions("cluster.local",
                List.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)), List.of(), Duration.ofSeconds(5),
                List.of()));
        at = dns.boundAddresses().get(0);
    }

    @AfterEach
    void stop() {
        dns.close();
    }

    private static Message query(String name) {
        return Message.newQuery(Record.newRecord(Name.fromConstantString(name), Type.A, DClass.IN));
    }

    @Test
    void resolverRetriesATruncatedUdpAnswerOverTcp() throws Exception {
        try (DatagramSocket s = new DatagramSocket()) {
            s.setSoTimeout(5_000);
            byte[] wire = query("many.big.svc.cluster.local.").toWire();
            s.send(new DatagramPacket(wire, wire.length, at));
            DatagramPacket p = new DatagramPacket(new byte[65535], 65535);
            s.receive(p);
            assertThat(p.getLength()).isLessThanOrEqualTo(512);
            assertThat(new Message(java.util.Arrays.copyOf(p.getData(), p.getLength())).getHeader().getFlag(Flags.TC))
                    .isTrue();
        }
        SimpleResolver resolver = new SimpleResolver(at);
        resolver.setEDNS(-1); // plain DNS: 512-byte UDP limit, so dnsjava must fall back to TCP itself
        resolver.setTimeout(Duration.ofSeconds(5));
        Message full = resolver.send(query("many.big.svc.cluster.local."));
        assertThat(full.getSection(Section.ANSWER)).hasSize(100);
    }

    @Test
    void garbageNeitherKillsTheUdpNorTheTcpServer() throws Exception {
        Random random = new Random(1);
        try (DatagramSocket s = new DatagramSocket()) {
            s.setSoTimeout(5_000);
            for (int i = 0; i < 200; i++) {
                byte[] junk = new byte[3 + random.nextInt(100)];
                random.nextBytes(junk);
                junk[2] &= 0x7f; // a "query", so the server answers rather than drops some of them
                s.send(new DatagramPacket(junk, junk.length, at));
            }
            byte[] bad = new byte[] {0x12, 0x34, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 99}; // a question that stops short
            s.send(new DatagramPacket(bad, bad.length, at));
            DatagramPacket p = new DatagramPacket(new byte[65535], 65535);
            Message formerr = null;
            while (formerr == null) {
                s.receive(p);
                Message m = new Message(java.util.Arrays.copyOf(p.getData(), p.getLength()));
                if (m.getHeader().getID() == 0x1234) {
                    formerr = m;
                }
            }
            assertThat(formerr.getRcode()).isEqualTo(Rcode.FORMERR);
        }
        try (Socket s = new Socket(at.getAddress(), at.getPort())) {
            OutputStream out = s.getOutputStream();
            out.write(new byte[] {0, 5, 1, 2, 3, 4, 5}); // a framed 5-byte "message": too short, connection closed
            out.flush();
            s.setSoTimeout(5_000);
            assertThat(s.getInputStream().read()).isEqualTo(-1);
        }
        SimpleResolver udp = new SimpleResolver(at);
        udp.setTimeout(Duration.ofSeconds(5));
        SimpleResolver tcp = new SimpleResolver(at);
        tcp.setTCP(true);
        tcp.setTimeout(Duration.ofSeconds(5));
        for (SimpleResolver r : List.of(udp, tcp)) {
            assertThat(r.send(query("web.default.svc.cluster.local.")).getSection(Section.ANSWER))
                    .map(Record::rdataToString).containsExactly("10.43.0.10");
        }
    }

    @Test
    void tcpConnectionsBeyondTheLimitAreClosedAndServiceResumesWhenTheyGo() throws Exception {
        List<Socket> idle = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < DnsServer.MAX_TCP_CONNECTIONS; i++) {
                idle.add(new Socket(at.getAddress(), at.getPort()));
            }
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                try (Socket extra = new Socket(at.getAddress(), at.getPort())) {
                    extra.setSoTimeout(5_000);
                    assertThat(extra.getInputStream().read()).isEqualTo(-1);
                }
            });
        } finally {
            for (Socket s : idle) {
                s.close();
            }
        }
        SimpleResolver tcp = new SimpleResolver(at);
        tcp.setTCP(true);
        tcp.setTimeout(Duration.ofSeconds(5));
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(tcp.send(query("web.default.svc.cluster.local.")).getSection(Section.ANSWER)).hasSize(1));
    }

    @Test
    void severalQueriesOnOneTcpConnection() throws Exception {
        try (Socket s = new Socket(at.getAddress(), at.getPort())) {
            s.setSoTimeout(5_000);
            OutputStream out = s.getOutputStream();
            DataInputStream in = new DataInputStream(s.getInputStream());
            for (int i = 0; i < 3; i++) {
                byte[] wire = query("web.default.svc.cluster.local.").toWire();
                out.write(new byte[] {(byte) (wire.length >> 8), (byte) wire.length});
                out.write(wire);
                out.flush();
                Message r = new Message(in.readNBytes(in.readUnsignedShort()));
                assertThat(r.getSection(Section.ANSWER)).hasSize(1);
            }
        }
    }
}
