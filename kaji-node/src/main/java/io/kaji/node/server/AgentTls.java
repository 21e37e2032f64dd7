package io.kaji.node.server;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent endpoint's TLS: a self-signed serving certificate (as the kubelet makes one without
 * {@code --tls-cert-file}; the API server does not verify it unless told to), and the client CAs whose
 * certificates authenticate callers (the cluster CA, as the kubelet's {@code --client-ca-file}).
 *
 * <p>Like the kubelet's, the certificate is kept in a directory ({@code <data-dir>/pki/agent-serving.p12}) and
 * reused on the next start while it names this node and its addresses and is valid for more than
 * {@link #RENEW_BEFORE}; otherwise a new one is made. It is made by the JDK's own {@code keytool} in a child
 * process (an EC P-256 key, SHA256withECDSA, SANs: the node name and its IPs, serverAuth, valid 365 days), so the
 * agent does not load a certificate builder (Bouncy Castle: ~180 classes and its signed jars' verification state,
 * ~2 MiB of the agent's memory, docs/footprint.md) for something it does once.
 */
public final class AgentTls {

    private static final Logger log = LoggerFactory.getLogger(AgentTls.class);

    /** The kept certificate's file in the directory given to {@link #context(String, List, List, Path)}. */
    public static final String SERVING_FILE = "agent-serving.p12";

    /** How long a made certificate is valid (the kubelet's self-signed one: a year). */
    static final Duration VALIDITY = Duration.ofDays(365);

    /** A kept certificate that expires sooner than this is replaced at start. */
    static final Duration RENEW_BEFORE = Duration.ofDays(30);

    /**
     * The PKCS#12 file's password. The file is protected by its permissions (0600, as the kubelet's
     * {@code kubelet.key}); PKCS#12 and keytool require some password.
     */
    private static final char[] STORE_PASSWORD = "kaji-agent-serving".toCharArray();

    private static final String ALIAS = "serving";

    private static final Duration KEYTOOL_TIMEOUT = Duration.ofSeconds(60);

    private AgentTls() {
    }

    /**
     * An SSL context serving a fresh self-signed certificate for {@code nodeName} (SANs: the node name and the
     * given IPs) and trusting client certificates issued by {@code clientCas}; the certificate is not kept.
     */
    public static SSLContext context(String nodeName, List<String> ips, List<X509Certificate> clientCas) {
        return context(nodeName, ips, clientCas, null);
    }

    /**
     * As {@link #context(String, List, List)}, keeping the certificate in {@code dir} ({@value #SERVING_FILE},
     * created 0700/0600) and reusing one kept there that still names {@code nodeName} and {@code ips} and is
     * valid for more than {@link #RENEW_BEFORE}. {@code dir} null: a fresh certificate that is not kept.
     */
    public static SSLContext context(String nodeName, List<String> ips, List<X509Certificate> clientCas, Path dir) {
        try {
            KeyStore keys = servingKeys(nodeName, ips, dir, Instant.now());
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, STORE_PASSWORD);
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            for (int i = 0; i < clientCas.size(); i++) {
                trust.setCertificateEntry("client-ca-" + i, clientCas.get(i));
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), new SecureRandom());
            return ctx;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("node " + nodeName + ": cannot set up the agent's TLS: " + e.getMessage(),
                    e);
        }
    }

    /** The serving key store: the one kept in {@code dir} if still good at {@code now}, else a new one. */
    static KeyStore servingKeys(String nodeName, List<String> ips, Path dir, Instant now)
            throws GeneralSecurityException, IOException {
        List<String> addresses = normalized(ips);
        if (dir != null) {
            Path file = dir.resolve(SERVING_FILE);
            if (Files.isRegularFile(file)) {
                try {
                    KeyStore kept = load(file);
                    X509Certificate cert = (X509Certificate) kept.getCertificate(ALIAS);
                    if (cert != null && kept.isKeyEntry(ALIAS) && matches(cert, nodeName, addresses, now)) {
                        return kept;
                    }
                    log.info("node {}: the kept serving certificate {} does not name this node's addresses {} or "
                            + "expires within {} days; making a new one", nodeName, file, addresses,
                            RENEW_BEFORE.toDays());
                } catch (GeneralSecurityException | IOException | RuntimeException e) {
                    log.warn("node {}: cannot read the kept serving certificate {} ({}); making a new one", nodeName,
                            file, e.getMessage());
                }
            }
            Files.createDirectories(dir);
            restrict(dir, "rwx------");
            Path tmp = Files.createTempFile(dir, SERVING_FILE, ".tmp");
            try {
                Files.delete(tmp); // keytool refuses to write into an existing file that is not a key store
                make(nodeName, addresses, tmp, now);
                restrict(tmp, "rw-------");
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
            return load(file);
        }
        Path tmpDir = Files.createTempDirectory("kaji-agent-tls");
        try {
            Path tmp = tmpDir.resolve(SERVING_FILE);
            make(nodeName, addresses, tmp, now);
            return load(tmp);
        } finally {
            Files.deleteIfExists(tmpDir.resolve(SERVING_FILE));
            Files.deleteIfExists(tmpDir);
        }
    }

    /** Whether {@code cert} names {@code nodeName} and every address and is valid beyond {@link #RENEW_BEFORE}. */
    static boolean matches(X509Certificate cert, String nodeName, List<String> addresses, Instant now)
            throws CertificateParsingException {
        if (cert.getNotAfter().toInstant().isBefore(now.plus(RENEW_BEFORE))
                || cert.getNotBefore().toInstant().isAfter(now.plusSeconds(300))) {
            return false;
        }
        Set<String> dns = new HashSet<>();
        Set<String> ipSans = new HashSet<>();
        Collection<List<?>> sans = cert.getSubjectAlternativeNames();
        if (sans != null) {
            for (List<?> san : sans) {
                int type = (Integer) san.get(0);
                String value = String.valueOf(san.get(1));
                if (type == 2) {
                    dns.add(value);
                } else if (type == 7) {
                    ipSans.add(normalize(value));
                }
            }
        }
        return dns.contains(nodeName) && ipSans.containsAll(addresses);
    }

    /** Runs {@code keytool -genkeypair} for a new self-signed serving certificate into {@code file}. */
    static void make(String nodeName, List<String> addresses, Path file, Instant now) throws IOException {
        StringBuilder san = new StringBuilder("SAN=dns:").append(nodeName);
        for (String ip : addresses) {
            san.append(",ip:").append(ip);
        }
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        List<String> cmd = List.of(keytool.toString(), "-genkeypair", "-noprompt",
                "-alias", ALIAS, "-keyalg", "EC", "-groupname", "secp256r1", "-sigalg", "SHA256withECDSA",
                "-dname", "CN=" + nodeName.replaceAll("[,+=\"\\\\<>;]", "-") + "@" + now.getEpochSecond(),
                "-ext", san.toString(),
                "-ext", "BC:critical=ca:false",
                "-ext", "KU:critical=digitalSignature,keyEncipherment",
                "-ext", "EKU=serverAuth",
                "-startdate", "-1M", "-validity", Long.toString(VALIDITY.toDays()),
                "-keystore", file.toString(), "-storetype", "PKCS12",
                "-storepass:env", "KAJI_SERVING_STORE_PASSWORD");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("KAJI_SERVING_STORE_PASSWORD", new String(STORE_PASSWORD));
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new IOException("cannot run " + keytool + " (the JDK's keytool makes the agent's serving "
                    + "certificate; run Kaji on a full JDK or JRE): " + e.getMessage(), e);
        }
        p.getOutputStream().close();
        byte[] out;
        try (InputStream in = p.getInputStream()) {
            out = in.readAllBytes();
        }
        try {
            if (!p.waitFor(KEYTOOL_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("keytool did not finish within " + KEYTOOL_TIMEOUT.toSeconds() + " s");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while keytool made the serving certificate", e);
        }
        if (p.exitValue() != 0) {
            throw new IOException("keytool failed (exit " + p.exitValue() + "): "
                    + new String(out, StandardCharsets.UTF_8).strip());
        }
    }

    private static KeyStore load(Path file) throws GeneralSecurityException, IOException {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            ks.load(in, STORE_PASSWORD);
        }
        return ks;
    }

    private static List<String> normalized(List<String> ips) throws IOException {
        List<String> out = new ArrayList<>();
        for (String ip : ips) {
            if (ip != null && !ip.isEmpty()) {
                String n = normalize(ip);
                if (!out.contains(n)) {
                    out.add(n);
                }
            }
        }
        return out;
    }

    private static String normalize(String ip) {
        try {
            return InetAddress.getByName(ip).getHostAddress();
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException("not an IP address: " + ip, e);
        }
    }

    private static void restrict(Path path, String perms) throws IOException {
        try {
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(perms));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: its own defaults apply
        }
    }

    /**
     * The CA certificates an API client configuration names: its {@code certificate-authority-data} (base64 PEM)
     * or else its {@code certificate-authority} file; empty when it names neither.
     *
     * @throws IOException              if the file cannot be read
     * @throws IllegalArgumentException if the data is not PEM certificates
     */
    public static List<X509Certificate> configuredCa(String caCertData, String caCertFile) throws IOException {
        if (caCertData != null && !caCertData.isBlank()) {
            return parsePem(new String(Base64.getMimeDecoder().decode(caCertData), StandardCharsets.UTF_8));
        }
        if (caCertFile != null && !caCertFile.isBlank()) {
            return parsePem(Files.readString(Path.of(caCertFile)));
        }
        return List.of();
    }

    /** The certificates in PEM text (e.g. a kubeconfig's certificate-authority-data, decoded). */
    public static List<X509Certificate> parsePem(String pem) {
        try {
            CertificateFactory f = CertificateFactory.getInstance("X.509");
            List<X509Certificate> out = new ArrayList<>();
            for (var c : f.generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.UTF_8)))) {
                out.add((X509Certificate) c);
            }
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("not PEM certificates: " + e.getMessage(), e);
        }
    }
}
