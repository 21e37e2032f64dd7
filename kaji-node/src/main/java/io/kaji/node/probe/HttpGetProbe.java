package io.kaji.node.probe;

import io.fabric8.kubernetes.api.model.HTTPHeader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * An HTTP GET probe (and the httpGet lifecycle hook), with the kubelet's semantics: one GET with
 * {@code User-Agent: kube-probe/<version>} and {@code Accept: *}{@code /*} unless the probe's httpHeaders set
 * them, a {@code Host} header from httpHeaders taking the place of host:port; HTTPS without certificate
 * verification; a status of 200–399 passes; redirects to the same host are followed (at most 10), a redirect to
 * another host is not followed and passes with a warning; anything else fails with "HTTP probe failed with
 * statuscode: N", and a connection error or timeout fails with Go's error text ({@code Get "http://...": dial tcp
 * ...: connect: connection refused}).
 *
 * <p>A small HTTP/1.1 client over a blocking socket rather than the JDK's HttpClient: each client owns a selector
 * thread, it cannot send a custom {@code Host} header, and its redirect policy cannot tell hosts apart. One
 * request per connection ({@code Connection: close}), as the kubelet disables keep-alives for probes. Thread-safe.
 */
public final class HttpGetProbe {

    /** The kubelet sends kube-probe/MAJOR.MINOR; Kaji reports Kubernetes 1.32 as its API level. */
    public static final String USER_AGENT = "kube-probe/1.32";
    /** What the kubelet's lifecycle hooks send instead. */
    public static final String HOOK_USER_AGENT = "kube-lifecycle/1.32";
    private static final int MAX_REDIRECTS = 10;
    private static final int MAX_HEADER_BYTES = 64 * 1024;
    private static final int MAX_BODY_BYTES = 10 * 1024;

    private final String userAgent;

    /** A prober that sends {@link #USER_AGENT}. */
    public HttpGetProbe() {
        this(USER_AGENT);
    }

    public HttpGetProbe(String userAgent) {
        this.userAgent = userAgent;
    }

    /** What came back: the final status and the response body (at most 10 KiB). */
    public record Response(int status, String body, String location) {}

    /**
     * Probes {@code scheme://host:port/path}; {@code scheme} is {@code HTTP} or {@code HTTPS} (any case), null for
     * HTTP; {@code path} may carry a query.
     */
    public ProbeOutcome run(String scheme, String host, int port, String path, List<HTTPHeader> headers,
                            Duration timeout) {
        URI first;
        try {
            first = uri(scheme, host, port, path);
        } catch (URISyntaxException e) {
            return ProbeOutcome.failure("parse \"" + path + "\": " + e.getReason());
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        URI current = first;
        for (int redirects = 0; ; redirects++) {
            Response r;
            try {
                r = get(current, headers, deadline);
            } catch (IOException e) {
                return ProbeOutcome.failure(goError(current, e));
            }
            if (r.status() >= 300 && r.status() < 400 && r.location() != null && isRedirect(r.status())) {
                URI next;
                try {
                    next = current.resolve(new URI(r.location()));
                } catch (URISyntaxException | IllegalArgumentException e) {
                    return ProbeOutcome.failure("Get \"" + current + "\": failed to parse Location header \""
                            + r.location() + "\"");
                }
                if (!host(next).equalsIgnoreCase(host(first))) {
                    return ProbeOutcome.warning("Probe terminated redirects, Response body: " + r.body());
                }
                if (redirects + 1 >= MAX_REDIRECTS) {
                    return ProbeOutcome.failure("Get \"" + next + "\": stopped after " + MAX_REDIRECTS + " redirects");
                }
                current = next;
                continue;
            }
            if (r.status() >= 200 && r.status() < 400) {
                return ProbeOutcome.success(r.body());
            }
            return ProbeOutcome.failure("HTTP probe failed with statuscode: " + r.status());
        }
    }

    /** One GET, no redirects followed: for hooks, which only care that the request was answered. */
    public Response get(String scheme, String host, int port, String path, List<HTTPHeader> headers, Duration timeout)
            throws IOException {
        URI uri;
        try {
            uri = uri(scheme, host, port, path);
        } catch (URISyntaxException e) {
            throw new IOException("parse \"" + path + "\": " + e.getReason(), e);
        }
        try {
            return get(uri, headers, System.nanoTime() + timeout.toNanos());
        } catch (IOException e) {
            throw new IOException(goError(uri, e), e);
        }
    }

    static URI uri(String scheme, String host, int port, String path) throws URISyntaxException {
        String s = scheme == null || scheme.isEmpty() ? "http" : scheme.toLowerCase(Locale.ROOT);
        String p = path == null || path.isEmpty() ? "/" : path.startsWith("/") ? path : "/" + path;
        return new URI(s + "://" + TcpProbe.hostPort(host, port) + p);
    }

    private static boolean isRedirect(int status) {
        return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    }

    private static String host(URI u) {
        String h = u.getHost();
        return h == null ? "" : h.startsWith("[") ? h.substring(1, h.length() - 1) : h;
    }

    private Response get(URI uri, List<HTTPHeader> headers, long deadline) throws IOException {
        String host = host(uri);
        boolean https = "https".equals(uri.getScheme());
        int port = uri.getPort() > 0 ? uri.getPort() : https ? 443 : 80;
        Socket socket = new Socket();
        try {
            socket.connect(new InetSocketAddress(host, port), remaining(deadline));
            if (https) {
                SSLSocket tls = (SSLSocket) insecureTls().getSocketFactory().createSocket(socket, host, port, true);
                tls.setSoTimeout(remaining(deadline));
                tls.startHandshake();
                socket = tls;
            }
            OutputStream out = socket.getOutputStream();
            out.write(request(uri, port, headers).getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            socket.setSoTimeout(remaining(deadline));
            String statusLine = line(in);
            String[] parts = statusLine.split(" ", 3);
            if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
                throw new IOException("malformed HTTP response \"" + statusLine + "\"");
            }
            int status;
            try {
                status = Integer.parseInt(parts[1]);
            } catch (NumberFormatException e) {
                throw new IOException("malformed HTTP status code \"" + parts[1] + "\"");
            }
            Map<String, String> response = new LinkedHashMap<>();
            int size = statusLine.length();
            for (String h = line(in); !h.isEmpty(); h = line(in)) {
                size += h.length();
                if (size > MAX_HEADER_BYTES) {
                    throw new IOException("server response headers exceeded " + MAX_HEADER_BYTES + " bytes");
                }
                int colon = h.indexOf(':');
                if (colon > 0) {
                    response.put(h.substring(0, colon).trim().toLowerCase(Locale.ROOT), h.substring(colon + 1).trim());
                }
            }
            return new Response(status, body(in, response, socket, deadline), response.get("location"));
        } finally {
            socket.close();
        }
    }

    String request(URI uri, int port, List<HTTPHeader> headers) {
        List<HTTPHeader> given = headers == null ? List.of() : headers.stream()
                .filter(x -> x.getName() != null && !x.getName().isEmpty()).toList();
        boolean defaultPort = port == ("https".equals(uri.getScheme()) ? 443 : 80);
        String host = defaultPort ? uri.getHost() : uri.getHost() + ":" + port;
        StringBuilder sb = new StringBuilder("GET ").append(uri.getRawPath());
        if (uri.getRawQuery() != null) {
            sb.append('?').append(uri.getRawQuery());
        }
        sb.append(" HTTP/1.1\r\n");
        // A header given in the probe replaces the default of the same name; Host is sent once.
        String hostHeader = given.stream().filter(x -> "Host".equalsIgnoreCase(x.getName())).map(HTTPHeader::getValue)
                .filter(v -> v != null && !v.isEmpty()).findFirst().orElse(host);
        sb.append("Host: ").append(hostHeader).append("\r\n");
        for (String name : List.of("User-Agent", "Accept")) {
            if (given.stream().noneMatch(x -> name.equalsIgnoreCase(x.getName()))) {
                sb.append(name).append(": ").append(name.equals("Accept") ? "*/*" : userAgent).append("\r\n");
            }
        }
        for (HTTPHeader x : given) {
            if (!"Host".equalsIgnoreCase(x.getName()) && !"Connection".equalsIgnoreCase(x.getName())) {
                sb.append(x.getName()).append(": ").append(x.getValue() == null ? "" : x.getValue()).append("\r\n");
            }
        }
        return sb.append("Connection: close\r\n\r\n").toString();
    }

    /** Up to 10 KiB of the body; a body still arriving at the deadline is cut there (the status decides). */
    private static String body(InputStream in, Map<String, String> headers, Socket socket, long deadline) {
        long length = -1;
        try {
            length = Long.parseLong(headers.getOrDefault("content-length", "-1"));
        } catch (NumberFormatException e) {
            // read until the connection closes
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        byte[] buf = new byte[2048];
        try {
            long want = length < 0 ? MAX_BODY_BYTES : Math.min(length, MAX_BODY_BYTES);
            while (body.size() < want) {
                socket.setSoTimeout(remaining(deadline));
                int n = in.read(buf, 0, (int) Math.min(buf.length, want - body.size()));
                if (n < 0) {
                    break;
                }
                body.write(buf, 0, n);
            }
        } catch (IOException e) {
            // keep what arrived
        }
        return body.toString(StandardCharsets.UTF_8);
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) {
                throw new IOException(b.size() == 0 ? "EOF" : "unexpected EOF");
            }
            if (b.size() > MAX_HEADER_BYTES) {
                throw new IOException("server response header line too long");
            }
            b.write(c);
        }
        String s = b.toString(StandardCharsets.ISO_8859_1);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }

    private static int remaining(long deadline) throws SocketTimeoutException {
        long ms = (deadline - System.nanoTime()) / 1_000_000;
        if (ms <= 0) {
            throw new SocketTimeoutException("deadline");
        }
        return (int) ms;
    }

    /** Go's net/http error for a failed GET: {@code Get "URL": <cause>}. */
    static String goError(URI uri, IOException e) {
        String prefix = "Get \"" + uri + "\": ";
        if (e instanceof SocketTimeoutException) {
            return prefix + "context deadline exceeded (Client.Timeout exceeded while awaiting headers)";
        }
        if (e instanceof java.net.ConnectException || e instanceof java.net.NoRouteToHostException
                || e instanceof java.net.UnknownHostException) {
            int port = uri.getPort() > 0 ? uri.getPort() : "https".equals(uri.getScheme()) ? 443 : 80;
            return prefix + TcpProbe.dialError(host(uri), port, e);
        }
        return prefix + e.getMessage();
    }

    private static volatile SSLContext insecure;

    /** TLS that accepts any certificate: the kubelet probes HTTPS endpoints with InsecureSkipVerify. */
    private static SSLContext insecureTls() throws IOException {
        SSLContext c = insecure;
        if (c == null) {
            try {
                c = SSLContext.getInstance("TLS");
                c.init(null, new TrustManager[] {new X509TrustManager() {
                    @Override
                    public void checkClientTrusted(X509Certificate[] chain, String authType) {
                    }

                    @Override
                    public void checkServerTrusted(X509Certificate[] chain, String authType) {
                    }

                    @Override
                    public X509Certificate[] getAcceptedIssuers() {
                        return new X509Certificate[0];
                    }
                }}, null);
            } catch (GeneralSecurityException e) {
                throw new IOException("cannot set up TLS for the probe: " + e.getMessage(), e);
            }
            insecure = c;
        }
        return c;
    }
}
