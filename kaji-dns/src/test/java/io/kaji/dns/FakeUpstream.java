package io.kaji.dns;

import java.io.DataInputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;

/**
 * A resolver on a free loopback port (UDP and TCP, dnsjava): {@code *.example.org} A → 192.0.2.44;
 * {@code big.example.org} → 60 A records (truncated with TC over UDP); {@code slow.example.org} → no answer;
 * anything else → NXDOMAIN. Records every question it was asked.
 */
final class FakeUpstream implements AutoCloseable {

    static final String ANSWER = "192.0.2.44";

    private final DatagramSocket udp;
    private final ServerSocket tcp;
    final List<String> asked = new CopyOnWriteArrayList<>();
    final List<String> askedOverTcp = new CopyOnWriteArrayList<>();

    FakeUpstream() throws IOException {
        tcp = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        udp = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), tcp.getLocalPort()));
        Thread.ofVirtual().start(this::serveUdp);
        Thread.ofVirtual().start(this::serveTcp);
    }

    InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), tcp.getLocalPort());
    }

    private void serveUdp() {
        byte[] buf = new byte[65535];
        while (!udp.isClosed()) {
            try {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                udp.receive(p);
                Message q = new Message(java.util.Arrays.copyOf(buf, p.getLength()));
                asked.add(q.getQuestion().getName().toString());
                Message r = answer(q);
                if (r != null) {
                    byte[] wire = r.toWire(512);
                    udp.send(new DatagramPacket(wire, wire.length, p.getSocketAddress()));
                }
            } catch (IOException e) {
                // closed or bad packet: keep serving until closed
            }
        }
    }

    private void serveTcp() {
        while (!tcp.isClosed()) {
            try (Socket s = tcp.accept()) {
                DataInputStream in = new DataInputStream(s.getInputStream());
                byte[] query = in.readNBytes(in.readUnsignedShort());
                Message q = new Message(query);
                askedOverTcp.add(q.getQuestion().getName().toString());
                Message r = answer(q);
                if (r != null) {
                    byte[] wire = r.toWire();
                    s.getOutputStream().write(new byte[] {(byte) (wire.length >> 8), (byte) wire.length});
                    s.getOutputStream().write(wire);
                }
            } catch (IOException e) {
                // closed or bad connection
            }
        }
    }

    private static Message answer(Message q) throws IOException {
        Name name = q.getQuestion().getName();
        if (name.toString().equals("slow.example.org.")) {
            return null;
        }
        Message r = new Message(q.getHeader().getID());
        r.getHeader().setFlag(Flags.QR);
        r.getHeader().setFlag(Flags.RA);
        r.addRecord(q.getQuestion(), Section.QUESTION);
        if (name.toString().equals("big.example.org.")) {
            for (int i = 1; i <= 60; i++) {
                r.addRecord(new ARecord(name, DClass.IN, 60, InetAddress.getByName("192.0.2." + i)), Section.ANSWER);
            }
        } else if (name.subdomain(Name.fromConstantString("example.org."))) {
            r.addRecord(new ARecord(name, DClass.IN, 60, InetAddress.getByName(ANSWER)), Section.ANSWER);
        } else {
            r.getHeader().setRcode(Rcode.NXDOMAIN);
        }
        return r;
    }

    static List<String> addresses(Message m) {
        return m.getSection(Section.ANSWER).stream().map(Record::rdataToString).toList();
    }

    @Override
    public void close() throws IOException {
        udp.close();
        tcp.close();
    }
}
