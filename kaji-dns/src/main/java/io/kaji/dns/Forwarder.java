package io.kaji.dns;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.Header;

/**
 * Sends questions that are not the cluster's to upstream resolvers: each upstream in turn over UDP (a fresh socket
 * and a random ID per question, so answers cannot be confused or easily spoofed), over TCP when the UDP answer is
 * truncated. Thread-safe; blocking (callers run it on virtual threads).
 */
final class Forwarder {

    private static final Logger log = LoggerFactory.getLogger(Forwarder.class);

    private final List<InetSocketAddress> upstreams;
    private final int timeoutMillis;
    private final SecureRandom random = new SecureRandom();

    Forwarder(List<InetSocketAddress> upstreams, Duration timeout) {
        this.upstreams = List.copyOf(upstreams);
        this.timeoutMillis = (int) Math.max(1, timeout.toMillis());
    }

    List<InetSocketAddress> upstreams() {
        return upstreams;
    }

    /**
     * Returns the first upstream answer to {@code query}, with the query's own ID put back, or null when no
     * upstream answered in time (or there is none).
     */
    byte[] forward(byte[] query) {
        if (query.length < Header.LENGTH) {
            return null;
        }
        for (InetSocketAddress upstream : upstreams) {
            int id;
            synchronized (random) {
                id = random.nextInt(0x10000);
            }
            byte[] out = query.clone();
            out[0] = (byte) (id >> 8);
            out[1] = (byte) id;
            try {
                byte[] answer = udp(upstream, out, id);
                if (answer != null && (answer[2] & 0x02) != 0) {
                    answer = tcp(upstream, out, id); // TC: ask again over TCP for the whole answer
                }
                if (answer != null) {
                    answer[0] = query[0];
                    answer[1] = query[1];
                    return answer;
                }
            } catch (IOException e) {
                log.debug("upstream {} failed: {}", upstream, e.toString());
            }
        }
        return null;
    }

    private byte[] udp(InetSocketAddress upstream, byte[] query, int id) throws IOException {
        try (DatagramSocket socket = new DatagramSocket()) {
            socket.connect(upstream);
            socket.send(new DatagramPacket(query, query.length));
            long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
            byte[] buf = new byte[65535];
            while (true) {
                long left = (deadline - System.nanoTime()) / 1_000_000L;
                if (left <= 0) {
                    return null;
                }
                socket.setSoTimeout((int) left);
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                try {
                    socket.receive(p);
                } catch (SocketTimeoutException e) {
                    return null;
                }
                if (p.getLength() >= Header.LENGTH && matches(buf, id)) {
                    return java.util.Arrays.copyOf(buf, p.getLength());
                }
            }
        }
    }

    private byte[] tcp(InetSocketAddress upstream, byte[] query, int id) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(upstream, timeoutMillis);
            socket.setSoTimeout(timeoutMillis);
            OutputStream out = socket.getOutputStream();
            byte[] framed = new byte[query.length + 2];
            framed[0] = (byte) (query.length >> 8);
            framed[1] = (byte) query.length;
            System.arraycopy(query, 0, framed, 2, query.length);
            out.write(framed);
            out.flush();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            int length = in.readUnsignedShort();
            byte[] answer = in.readNBytes(length);
            if (answer.length != length || length < Header.LENGTH || !matches(answer, id)) {
                return null;
            }
            return answer;
        } catch (SocketTimeoutException e) {
            return null;
        }
    }

    private static boolean matches(byte[] answer, int id) {
        return ((answer[0] & 0xff) << 8 | (answer[1] & 0xff)) == id && (answer[2] & 0x80) != 0;
    }
}
