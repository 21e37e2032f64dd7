package io.kaji.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ServerLoadBalancerTest {

    private final List<FakeServer> servers = new java.util.ArrayList<>();
    private ServerLoadBalancer balancer;

    @AfterEach
    void close() {
        if (balancer != null) {
            balancer.close();
        }
        servers.forEach(FakeServer::close);
    }

    @Test
    void newConnectionsGoToTheFirstServerAndMoveToTheSecondWhenItDies() throws Exception {
        FakeServer a = fake("A");
        FakeServer b = fake("B");
        balancer = ServerLoadBalancer.start(List.of(a.url(), b.url()), new ServerLoadBalancer.Options(
                Duration.ofSeconds(1), Duration.ofMillis(100), ServerLoadBalancer.tcpConnect(Duration.ofSeconds(1))));
        assertThat(balancer.localUrl()).startsWith("https://127.0.0.1:");

        Socket first = connect();
        assertThat(greeting(first)).isEqualTo("A");
        assertThat(greeting(connect())).isEqualTo("A");
        assertThat(balancer.serverInUse()).isEqualTo(a.url());

        a.close();
        // The open connection to the dead server is closed, so a watch on it would reconnect.
        first.setSoTimeout(5000);
        assertThat(first.getInputStream().read()).isEqualTo(-1);
        assertThat(greeting(connect())).isEqualTo("B");
        assertThat(balancer.serverInUse()).isEqualTo(b.url());
    }

    @Test
    void aConnectFailureMovesOnWithoutWaitingForTheHealthCheck() throws Exception {
        FakeServer a = fake("A");
        FakeServer b = fake("B");
        balancer = ServerLoadBalancer.start(List.of(a.url(), b.url()), new ServerLoadBalancer.Options(
                Duration.ofSeconds(1), Duration.ofHours(1), ServerLoadBalancer.tcpConnect(Duration.ofSeconds(1))));
        assertThat(greeting(connect())).isEqualTo("A");
        a.close();
        assertThat(greeting(connect())).isEqualTo("B");
    }

    @Test
    void theFirstServerIsPreferredAgainOnceHealthy() throws Exception {
        FakeServer a = fake("A");
        FakeServer b = fake("B");
        int aPort = a.port();
        balancer = ServerLoadBalancer.start(List.of(a.url(), b.url()), new ServerLoadBalancer.Options(
                Duration.ofSeconds(1), Duration.ofMillis(100), ServerLoadBalancer.tcpConnect(Duration.ofSeconds(1))));
        a.close();
        assertThat(greeting(connect())).isEqualTo("B");
        FakeServer back = new FakeServer("A2", aPort);
        servers.add(back);
        await().atMost(Duration.ofSeconds(5)).until(() -> greeting(connect()).equals("A2"));
    }

    @Test
    void aServerFailingItsHealthChecksLosesItsConnectionsAndNewOnesGoToTheNext() throws Exception {
        FakeServer a = fake("A");
        FakeServer b = fake("B");
        java.util.concurrent.atomic.AtomicBoolean aAnswers = new java.util.concurrent.atomic.AtomicBoolean(true);
        // A still accepts connections but no longer answers its health check (a hung API server).
        ServerLoadBalancer.HealthCheck check = server -> server.getPort() != a.port() || aAnswers.get();
        balancer = ServerLoadBalancer.start(List.of(a.url(), b.url()), new ServerLoadBalancer.Options(
                Duration.ofSeconds(1), Duration.ofMillis(50), check));
        Socket watch = connect();
        assertThat(greeting(watch)).isEqualTo("A");
        aAnswers.set(false);
        watch.setSoTimeout(5000);
        assertThat(watch.getInputStream().read()).as("the connection through A is closed").isEqualTo(-1);
        assertThat(greeting(connect())).isEqualTo("B");
        aAnswers.set(true);
        await().atMost(Duration.ofSeconds(5)).until(() -> greeting(connect()).equals("A"));
    }

    @Test
    void withNoServerUpTheConnectionIsClosed() throws Exception {
        FakeServer a = fake("A");
        balancer = ServerLoadBalancer.start(List.of(a.url()), new ServerLoadBalancer.Options(
                Duration.ofSeconds(1), Duration.ofMillis(100), ServerLoadBalancer.tcpConnect(Duration.ofSeconds(1))));
        a.close();
        Socket s = connect();
        s.setSoTimeout(5000);
        assertThat(s.getInputStream().read()).isEqualTo(-1);
    }

    private FakeServer fake(String name) throws IOException {
        FakeServer f = new FakeServer(name, 0);
        servers.add(f);
        return f;
    }

    private Socket connect() throws IOException {
        return new Socket(InetAddress.getLoopbackAddress(), balancer.port());
    }

    /** The first line a fake server sends; the connection stays open. */
    private static String greeting(Socket s) throws IOException {
        s.setSoTimeout(5000);
        InputStream in = s.getInputStream();
        StringBuilder line = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            line.append((char) c);
        }
        return line.toString();
    }

    /** A TCP server on loopback that greets each connection with its name and keeps it open until closed. */
    private static final class FakeServer implements AutoCloseable {
        private final String name;
        private final ServerSocket socket;
        private final Set<Socket> accepted = ConcurrentHashMap.newKeySet();

        FakeServer(String name, int port) throws IOException {
            this.name = name;
            this.socket = new ServerSocket();
            socket.setReuseAddress(true);
            socket.bind(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            Thread.ofPlatform().daemon(true).start(this::serve);
        }

        private void serve() {
            while (!socket.isClosed()) {
                try {
                    Socket s = socket.accept();
                    accepted.add(s);
                    s.getOutputStream().write((name + "\n").getBytes(StandardCharsets.US_ASCII));
                    s.getOutputStream().flush();
                } catch (IOException e) {
                    return;
                }
            }
        }

        int port() {
            return socket.getLocalPort();
        }

        String url() {
            return "https://127.0.0.1:" + port();
        }

        /** Closes the listener and every connection, and returns once the port refuses connections. */
        @Override
        public void close() {
            if (socket.isClosed()) {
                return;
            }
            try {
                socket.close();
                for (Socket s : accepted) {
                    s.close();
                }
            } catch (IOException e) {
                // closing
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> {
                try (Socket probe = new Socket(InetAddress.getLoopbackAddress(), socket.getLocalPort())) {
                    return false;
                } catch (IOException refused) {
                    return true;
                }
            });
        }
    }
}
