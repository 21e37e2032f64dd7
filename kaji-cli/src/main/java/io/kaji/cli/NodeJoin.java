package io.kaji.cli;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.kaji.apiserver.pki.NodeToken;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * How an agent joins with only a server URL and a node token (k3s' flow): fetch the cluster CA from
 * {@code GET <server>/cacerts} over a connection that verifies nothing, check that its sha256 is the hash in the
 * token, and from then on talk to the server over TLS verified with that CA, presenting the token as the bearer
 * credential. A man in the middle can serve the real CA (it is public) but cannot then pass the verified
 * handshake; serving another CA fails the hash check.
 */
final class NodeJoin {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private NodeJoin() {
    }

    /**
     * The client configuration for {@code server} with {@code token}; blocking (one HTTPS request).
     *
     * @throws IllegalStateException if the server cannot be reached or serves a CA the token does not name
     */
    static Config clientConfig(String server, NodeToken token) {
        return clientConfig(server, JoinToken.parse(token.value()));
    }

    /** As {@link #clientConfig(String, NodeToken)} for either kind of join token (node token or bootstrap token). */
    static Config clientConfig(String server, JoinToken token) {
        String caPem = fetchCa(server);
        verify(caPem, token, server);
        return new ConfigBuilder().withMasterUrl(server)
                .withCaCertData(Base64.getEncoder().encodeToString(caPem.getBytes(StandardCharsets.UTF_8)))
                .withOauthToken(token.bearer()).build();
    }

    /**
     * The CA PEM from the first of {@code servers} that serves one the token names; blocking.
     *
     * @throws IllegalStateException naming every server's failure when none does
     */
    static String fetchVerifiedCa(java.util.List<String> servers, JoinToken token) {
        java.util.List<String> failures = new java.util.ArrayList<>();
        for (String server : servers) {
            try {
                String caPem = fetchCa(server);
                verify(caPem, token, server);
                return caPem;
            } catch (IllegalStateException e) {
                failures.add(e.getMessage());
            }
        }
        throw new IllegalStateException(String.join("; ", failures));
    }

    /** Checks that {@code caPem} is the CA {@code token} was issued for. */
    static void verify(String caPem, JoinToken token, String server) {
        if (!token.matchesCa(caPem)) {
            throw new IllegalStateException("the CA served by " + server + "/cacerts has sha256 "
                    + NodeToken.caHash(caPem) + " but the node token expects " + token.caHash()
                    + ": this is not the cluster the token belongs to (or the server's CA was re-created); "
                    + "copy the current <data-dir>/node-token from the server, or create a token with kaji token create");
        }
    }

    /** The PEM text at {@code <server>/cacerts}, read without verifying the server (the caller checks the hash). */
    static String fetchCa(String server) {
        URI uri = URI.create(server.endsWith("/") ? server + "cacerts" : server + "/cacerts");
        if (!"https".equals(uri.getScheme())) {
            throw new IllegalArgumentException("--server must be an https:// URL, not " + server);
        }
        try {
            URL url = uri.toURL();
            HttpsURLConnection c = (HttpsURLConnection) url.openConnection();
            c.setSSLSocketFactory(unverified().getSocketFactory());
            c.setHostnameVerifier((host, session) -> true);
            c.setConnectTimeout((int) TIMEOUT.toMillis());
            c.setReadTimeout((int) TIMEOUT.toMillis());
            try {
                int code = c.getResponseCode();
                if (code != 200) {
                    throw new IllegalStateException("GET " + uri + " answered " + code
                            + "; is this a Kaji server (kaji server serves /cacerts)?");
                }
                try (InputStream in = c.getInputStream()) {
                    return new String(in.readAllBytes(), StandardCharsets.UTF_8);
                }
            } finally {
                c.disconnect();
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot fetch the cluster CA from " + uri + ": " + e.getMessage()
                    + " (is the server running and reachable from here?)", e);
        }
    }

    /** A TLS context that trusts any certificate: only for /cacerts (hash-checked) and credential-less probes. */
    static SSLContext unverified() {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {new X509TrustManager() {
                @Override
                public void checkClientTrusted(X509Certificate[] chain, String authType) {
                }

                @Override
                public void checkServerTrusted(X509Certificate[] chain, String authType) {
                    // Deliberately trusting: only /cacerts is fetched this way, and its content is hash-checked.
                }

                @Override
                public X509Certificate[] getAcceptedIssuers() {
                    return new X509Certificate[0];
                }
            }}, new SecureRandom());
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("TLS is not available in this JDK", e);
        }
    }
}
