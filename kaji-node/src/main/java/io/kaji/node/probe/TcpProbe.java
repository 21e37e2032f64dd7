package io.kaji.node.probe;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;

/**
 * A TCP probe: passes when a connection to host:port opens within the timeout, and closes it at once. Failure
 * messages use Go's dialer wording, which is what users search for ({@code dial tcp 100.64.5.3:81: connect:
 * connection refused}).
 */
public final class TcpProbe {

    public ProbeOutcome run(String host, int port, Duration timeout) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), (int) Math.max(1, timeout.toMillis()));
            return ProbeOutcome.success("");
        } catch (IOException e) {
            return ProbeOutcome.failure(dialError(host, port, e));
        } catch (IllegalArgumentException e) {
            return ProbeOutcome.failure("dial tcp " + host + ":" + port + ": " + e.getMessage());
        }
    }

    /** {@code dial tcp H:P: <cause>} in Go's words for the common causes. */
    static String dialError(String host, int port, IOException e) {
        String where = "dial tcp " + hostPort(host, port) + ": ";
        if (e instanceof SocketTimeoutException) {
            return where + "i/o timeout";
        }
        if (e instanceof ConnectException) {
            return where + "connect: connection refused";
        }
        if (e instanceof NoRouteToHostException) {
            return where + "connect: no route to host";
        }
        if (e instanceof java.net.UnknownHostException) {
            return "dial tcp: lookup " + host + ": no such host";
        }
        return where + e.getMessage();
    }

    static String hostPort(String host, int port) {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
