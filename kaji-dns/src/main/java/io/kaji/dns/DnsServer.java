package io.kaji.dns;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.Rcode;

/**
 * UDP and TCP listeners on plain sockets: per address one UDP receiver thread, which answers cluster names itself
 * (no hand-off, the fast path) and hands forwarded questions to virtual threads, and one TCP acceptor whose
 * connections each get a virtual thread (2-byte length framing, several queries per connection, 10 s idle limit).
 * No request can end a serving thread: every failure becomes a response or a dropped packet.
 */
final class DnsServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DnsServer.class);
    private static final int TCP_IDLE_MILLIS = 10_000;
    /** Forwarded questions in flight at once; beyond it new ones get SERVFAIL (CoreDNS's max_concurrent idea). */
    private static final int MAX_FORWARDS = 1_000;
    /** Open TCP connections at once; a new one beyond it is closed at once (clients fall back or retry). */
    static final int MAX_TCP_CONNECTIONS = 512;

    private final QueryHandler handler;
    private final List<DatagramSocket> udpSockets = new ArrayList<>();
    private final List<ServerSocket> tcpSockets = new ArrayList<>();
    private final List<InetSocketAddress> bound = new ArrayList<>();
    private final Set<Socket> connections = ConcurrentHashMap.newKeySet();
    private final ExecutorService virtual = Executors.newVirtualThreadPerTaskExecutor();
    private final Semaphore forwards = new Semaphore(MAX_FORWARDS);
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean closed;

    private DnsServer(QueryHandler handler) {
        this.handler = handler;
    }

    /** Binds UDP and TCP on each address (port 0: one free port shared by both) and starts serving. */
    static DnsServer start(List<InetSocketAddress> listen, QueryHandler handler) {
        DnsServer server = new DnsServer(handler);
        try {
            for (InetSocketAddress address : listen) {
                server.bind(address);
            }
        } catch (IOException e) {
            server.close();
            throw new IllegalStateException("cannot listen for DNS on " + listen + ": " + e.getMessage()
                    + " (port 53 needs root or CAP_NET_BIND_SERVICE, and no other DNS server on that address)", e);
        }
        return server;
    }

    List<InetSocketAddress> boundAddresses() {
        return List.copyOf(bound);
    }

    private void bind(InetSocketAddress address) throws IOException {
        for (int attempt = 0; ; attempt++) {
            ServerSocket tcp = new ServerSocket();
            tcp.setReuseAddress(true);
            tcp.bind(address, 128);
            InetSocketAddress actual = new InetSocketAddress(address.getAddress(), tcp.getLocalPort());
            DatagramSocket udp;
            try {
                udp = new DatagramSocket(null);
                udp.setReceiveBufferSize(1 << 20);
                udp.bind(actual);
            } catch (BindException e) {
                tcp.close();
                if (address.getPort() == 0 && attempt < 10) {
                    continue; // the free TCP port is taken for UDP: pick another
                }
                throw e;
            }
            tcpSockets.add(tcp);
            udpSockets.add(udp);
            bound.add(actual);
            threads.add(Thread.ofPlatform().daemon().name("kaji-dns-udp-" + actual).start(() -> serveUdp(udp)));
            threads.add(Thread.ofPlatform().daemon().name("kaji-dns-tcp-" + actual).start(() -> acceptTcp(tcp)));
            log.info("DNS listening on {} (UDP and TCP)", actual);
            return;
        }
    }

    private void serveUdp(DatagramSocket socket) {
        byte[] buf = new byte[65535];
        DatagramPacket packet = new DatagramPacket(buf, buf.length);
        while (!closed) {
            try {
                packet.setLength(buf.length);
                socket.receive(packet);
                InetSocketAddress client = (InetSocketAddress) packet.getSocketAddress();
                QueryHandler.Reply reply = handler.handle(buf, packet.getLength(), true);
                switch (reply) {
                    case QueryHandler.Reply.Send s -> socket.send(new DatagramPacket(s.wire(), s.wire().length, client));
                    case QueryHandler.Reply.Forward f -> forwardUdp(socket, client, f);
                    case QueryHandler.Reply.Drop d -> { }
                }
            } catch (SocketException e) {
                if (!closed) {
                    log.warn("DNS UDP socket {} failed: {}", socket.getLocalSocketAddress(), e.toString());
                }
            } catch (IOException | RuntimeException e) {
                log.warn("DNS UDP request failed: {}", e.toString());
            }
        }
    }

    private void forwardUdp(DatagramSocket socket, InetSocketAddress client, QueryHandler.Reply.Forward f) {
        if (!forwards.tryAcquire()) {
            byte[] wire = QueryHandler.headerOnly(f.wire(), Rcode.SERVFAIL);
            sendQuietly(socket, client, wire);
            return;
        }
        virtual.execute(() -> {
            try {
                sendQuietly(socket, client, handler.forward(f));
            } finally {
                forwards.release();
            }
        });
    }

    private void sendQuietly(DatagramSocket socket, InetSocketAddress client, byte[] wire) {
        try {
            socket.send(new DatagramPacket(wire, wire.length, client));
        } catch (IOException e) {
            log.debug("DNS UDP reply to {} failed: {}", client, e.toString());
        }
    }

    private void acceptTcp(ServerSocket server) {
        while (!closed) {
            try {
                Socket s = server.accept();
                if (connections.size() >= MAX_TCP_CONNECTIONS) {
                    log.debug("DNS TCP: {} connections open, refusing {}", connections.size(), s.getRemoteSocketAddress());
                    s.close();
                    continue;
                }
                connections.add(s);
                virtual.execute(() -> serveTcp(s));
            } catch (IOException | RuntimeException e) {
                if (!closed) {
                    log.warn("DNS TCP accept on {} failed: {}", server.getLocalSocketAddress(), e.toString());
                }
            }
        }
    }

    private void serveTcp(Socket socket) {
        try (socket) {
            socket.setSoTimeout(TCP_IDLE_MILLIS);
            socket.setTcpNoDelay(true);
            DataInputStream in = new DataInputStream(socket.getInputStream());
            OutputStream out = socket.getOutputStream();
            while (!closed) {
                int length;
                try {
                    length = in.readUnsignedShort();
                } catch (EOFException | SocketTimeoutException e) {
                    return;
                }
                byte[] request = in.readNBytes(length);
                if (request.length < length) {
                    return;
                }
                byte[] response = switch (handler.handle(request, length, false)) {
                    case QueryHandler.Reply.Send s -> s.wire();
                    case QueryHandler.Reply.Forward f -> handler.forward(f);
                    case QueryHandler.Reply.Drop d -> null;
                };
                if (response == null) {
                    return; // nothing sensible to say: close, as a server does on garbage
                }
                byte[] framed = new byte[response.length + 2];
                framed[0] = (byte) (response.length >> 8);
                framed[1] = (byte) response.length;
                System.arraycopy(response, 0, framed, 2, response.length);
                out.write(framed);
                out.flush();
            }
        } catch (IOException | RuntimeException e) {
            if (!closed) {
                log.debug("DNS TCP connection {} ended: {}", socket.getRemoteSocketAddress(), e.toString());
            }
        } finally {
            connections.remove(socket);
        }
    }

    @Override
    public void close() {
        closed = true;
        udpSockets.forEach(DatagramSocket::close);
        for (ServerSocket s : tcpSockets) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing: nothing to do
            }
        }
        for (Socket s : connections) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing: nothing to do
            }
        }
        virtual.shutdownNow();
        for (Thread t : threads) {
            try {
                t.join(2_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
