package io.kaji.apiserver.pki;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster's PKI under {@code <data-dir>/pki/}: a self-signed cluster CA ({@code ca.crt}, {@code ca.key}), the
 * API server's serving certificate ({@code apiserver.crt}, {@code apiserver.key}), the service-account signing key
 * pair ({@code sa.key}, {@code sa.pub}) and the admin bearer token ({@code admin.token}); client certificates are
 * issued from the CA on request ({@link #issueClient}, {@link #signClient}). Created on first start, reused
 * afterwards; the serving certificate is re-issued when its names no longer cover the bind address or it is within
 * 30 days of expiry. Private files are mode 0600, certificates 0644.
 *
 * <p>Keys are ECDSA P-256 (fast to generate, accepted by Go's TLS stack).
 */
public final class ClusterPki {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterPki.class);
    private static final Duration CA_VALIDITY = Duration.ofDays(3650);
    private static final Duration SERVING_VALIDITY = Duration.ofDays(365);
    private static final Duration RENEW_BEFORE = Duration.ofDays(30);
    /** Client certificates (admin, components) last a year, as kubeadm's. */
    public static final Duration CLIENT_VALIDITY = Duration.ofDays(365);
    /** The names every serving certificate covers, as Kubernetes' apiserver certificate does. */
    private static final List<String> DNS_NAMES = List.of("localhost", "kubernetes", "kubernetes.default",
            "kubernetes.default.svc", "kubernetes.default.svc.cluster.local");
    /** The first address of the default service CIDR 10.43.0.0/16: the kubernetes Service's cluster IP. */
    public static final String SERVICE_IP = "10.43.0.1";

    private final X509Certificate caCert;
    private final PrivateKey caKey;
    private final X509Certificate servingCert;
    private final PrivateKey servingKey;
    private final String adminToken;
    private KeyPair serviceAccountKey;

    private ClusterPki(X509Certificate caCert, PrivateKey caKey, X509Certificate servingCert, PrivateKey servingKey,
            String adminToken) {
        this.caCert = caCert;
        this.caKey = caKey;
        this.servingCert = servingCert;
        this.servingKey = servingKey;
        this.adminToken = adminToken;
    }

    /**
     * Loads the PKI from {@code pkiDir}, creating what is missing.
     *
     * @param extraIps addresses the serving certificate must also cover (the bind address when specific)
     */
    public static ClusterPki loadOrCreate(Path pkiDir, List<String> extraIps) {
        try {
            Files.createDirectories(pkiDir);
            Path caCrt = pkiDir.resolve("ca.crt");
            Path caKeyFile = pkiDir.resolve("ca.key");
            X509Certificate ca = null;
            PrivateKey caKey = null;
            if (Files.exists(caCrt) && Files.exists(caKeyFile)) {
                try {
                    ca = readCertificate(caCrt);
                    caKey = readKey(caKeyFile);
                } catch (IOException | RuntimeException e) {
                    // An unreadable CA cannot sign anything: start a new one (the kubeconfig is rewritten below).
                    LOG.warn("cannot read the cluster CA in {} ({}); creating a new one", pkiDir, e.getMessage());
                    ca = null;
                }
            }
            if (ca == null) {
                KeyPair kp = newKeyPair();
                ca = issueCa(kp);
                caKey = kp.getPrivate();
                writePrivate(caKeyFile, pem(kp.getPrivate()));
                writePublic(caCrt, pem(ca));
                LOG.info("created cluster CA {}", caCrt);
            }
            Set<String> ips = new LinkedHashSet<>(List.of("127.0.0.1", "::1", SERVICE_IP));
            ips.addAll(extraIps);
            Path srvCrt = pkiDir.resolve("apiserver.crt");
            Path srvKey = pkiDir.resolve("apiserver.key");
            X509Certificate serving = null;
            PrivateKey servingKey = null;
            if (Files.exists(srvCrt) && Files.exists(srvKey)) {
                try {
                    serving = readCertificate(srvCrt);
                    servingKey = readKey(srvKey);
                } catch (IOException | RuntimeException e) {
                    LOG.warn("cannot read the serving certificate in {} ({}); issuing a new one", pkiDir,
                            e.getMessage());
                }
                if (serving != null && (!covers(serving, ips) || serving.getNotAfter().toInstant().isBefore(Instant.now().plus(RENEW_BEFORE))
                        || !serving.getIssuerX500Principal().equals(ca.getSubjectX500Principal())
                        || !verifies(serving, ca))) {
                    serving = null;
                }
            }
            if (serving == null) {
                KeyPair kp = newKeyPair();
                serving = issueServing(kp, ca, caKey, ips);
                servingKey = kp.getPrivate();
                writePrivate(srvKey, pem(kp.getPrivate()));
                writePublic(srvCrt, pem(serving));
                LOG.info("issued API server certificate {} for {} and {}", srvCrt, DNS_NAMES, ips);
            }
            Path tokenFile = pkiDir.resolve("admin.token");
            String token;
            if (Files.exists(tokenFile)) {
                token = Files.readString(tokenFile).trim();
            } else {
                byte[] b = new byte[32];
                new SecureRandom().nextBytes(b);
                token = HexFormat.of().formatHex(b);
                writePrivate(tokenFile, token + "\n");
            }
            ClusterPki pki = new ClusterPki(ca, caKey, serving, servingKey, token);
            pki.serviceAccountKey = loadOrCreateServiceAccountKey(pkiDir);
            return pki;
        } catch (IOException e) {
            throw new UncheckedIOException("cluster PKI in " + pkiDir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Re-issues the API server's serving certificate from the cluster CA in {@code pkiDir}, now, for the same
     * addresses as the current one (the DNS names are always Kubernetes' set), and writes {@code apiserver.crt} and
     * {@code apiserver.key}. A running server picks the new pair up from the files ({@code kaji certs renew}).
     *
     * @return the new certificate
     */
    public static X509Certificate renewServing(Path pkiDir) {
        try {
            X509Certificate ca = readCertificate(pkiDir.resolve("ca.crt"));
            PrivateKey caKey = readKey(pkiDir.resolve("ca.key"));
            X509Certificate current = readCertificate(pkiDir.resolve("apiserver.crt"));
            Set<String> ips = new LinkedHashSet<>();
            if (current.getSubjectAlternativeNames() != null) {
                for (List<?> san : current.getSubjectAlternativeNames()) {
                    if (Integer.valueOf(GeneralName.iPAddress).equals(san.get(0))) {
                        ips.add(InetAddress.getByName((String) san.get(1)).getHostAddress());
                    }
                }
            }
            KeyPair kp = newKeyPair();
            X509Certificate renewed = issueServing(kp, ca, caKey, ips);
            writePrivate(pkiDir.resolve("apiserver.key"), pem(kp.getPrivate()));
            writePublic(pkiDir.resolve("apiserver.crt"), pem(renewed));
            LOG.info("renewed API server certificate {} until {}", pkiDir.resolve("apiserver.crt"),
                    renewed.getNotAfter().toInstant());
            return renewed;
        } catch (IOException | java.security.cert.CertificateParsingException e) {
            throw new UncheckedIOException("renew the serving certificate in " + pkiDir + ": " + e.getMessage(),
                    e instanceof IOException io ? io : new IOException(e));
        }
    }

    /** The serving certificate and key as they are in {@code pkiDir} now (what a running server reloads). */
    public static Map.Entry<X509Certificate, PrivateKey> readServing(Path pkiDir) throws IOException {
        return Map.entry(readCertificate(pkiDir.resolve("apiserver.crt")), readKey(pkiDir.resolve("apiserver.key")));
    }

    /**
     * The PKI of an existing data dir, read only (nothing is created or re-issued): for commands that sign with
     * the cluster CA while the server runs, such as {@code kaji certs renew}.
     *
     * @throws UncheckedIOException naming the file that is missing or unreadable
     */
    public static ClusterPki readExisting(Path pkiDir) {
        try {
            ClusterPki pki = new ClusterPki(readCertificate(pkiDir.resolve("ca.crt")), readKey(pkiDir.resolve("ca.key")),
                    readCertificate(pkiDir.resolve("apiserver.crt")), readKey(pkiDir.resolve("apiserver.key")),
                    Files.exists(pkiDir.resolve("admin.token")) ? Files.readString(pkiDir.resolve("admin.token")).trim()
                            : "");
            return pki;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the cluster PKI in " + pkiDir + ": " + e.getMessage()
                    + " (is this a kaji server's data dir? it needs pki/ca.crt, ca.key, apiserver.crt, apiserver.key)",
                    e);
        }
    }

    /**
     * The service-account signing key pair, {@code sa.key} (PKCS#8, 0600) and {@code sa.pub} (0644) as kubeadm
     * names them; created when missing or unreadable (tokens signed with a lost key cannot be verified anyway).
     */
    private static KeyPair loadOrCreateServiceAccountKey(Path pkiDir) throws IOException {
        Path keyFile = pkiDir.resolve("sa.key");
        Path pubFile = pkiDir.resolve("sa.pub");
        if (Files.exists(keyFile) && Files.exists(pubFile)) {
            try {
                return new KeyPair(readPublicKey(pubFile), readKey(keyFile));
            } catch (IOException | RuntimeException e) {
                LOG.warn("cannot read the service-account key in {} ({}); creating a new one", pkiDir, e.getMessage());
            }
        }
        KeyPair kp = newKeyPair();
        writePrivate(keyFile, pem(kp.getPrivate()));
        writePublic(pubFile, pem(kp.getPublic()));
        LOG.info("created service-account signing key {}", keyFile);
        return kp;
    }

    private static java.security.PublicKey readPublicKey(Path p) throws IOException {
        try (PEMParser parser = new PEMParser(new StringReader(Files.readString(p)))) {
            Object o = parser.readObject();
            if (o instanceof org.bouncycastle.asn1.x509.SubjectPublicKeyInfo info) {
                return new JcaPEMKeyConverter().getPublicKey(info);
            }
            throw new IOException(p + " does not hold a PEM public key");
        }
    }

    /** The service-account token signing key pair (EC P-256, for ES256). Never log it. */
    public KeyPair serviceAccountKey() {
        return serviceAccountKey;
    }

    private static boolean verifies(X509Certificate cert, X509Certificate ca) {
        try {
            cert.verify(ca.getPublicKey());
            return true;
        } catch (java.security.GeneralSecurityException e) {
            return false;
        }
    }

    public X509Certificate caCertificate() {
        return caCert;
    }

    public PrivateKey caKey() {
        return caKey;
    }

    public X509Certificate servingCertificate() {
        return servingCert;
    }

    public PrivateKey servingKey() {
        return servingKey;
    }

    /** A client certificate and its key. */
    public record ClientCredentials(X509Certificate certificate, PrivateKey key) {
        /** The certificate as PEM. */
        public String certificatePem() {
            return pem(certificate);
        }

        /** The key as SEC1 PEM ({@code EC PRIVATE KEY}), the form Go and fabric8 clients read from kubeconfigs. */
        public String keyPem() {
            return pemSec1(key, certificate.getPublicKey());
        }

        @Override
        public String toString() {
            return "ClientCredentials[" + certificate.getSubjectX500Principal() + ", key redacted]";
        }
    }

    /**
     * Issues a client certificate from the cluster CA for user {@code commonName} in {@code groups} (its
     * organizations), valid from a minute ago for {@code validity}, for client authentication only.
     */
    public ClientCredentials issueClient(String commonName, List<String> groups, Duration validity) {
        KeyPair kp = newKeyPair();
        return new ClientCredentials(signClient(kp.getPublic(), commonName, groups, validity), kp.getPrivate());
    }

    /**
     * Signs a client certificate for {@code publicKey} (a CertificateSigningRequest's key): user
     * {@code commonName}, organizations {@code groups}, client authentication only.
     */
    public X509Certificate signClient(java.security.PublicKey publicKey, String commonName, List<String> groups,
            Duration validity) {
        Instant now = Instant.now();
        org.bouncycastle.asn1.x500.X500NameBuilder name =
                new org.bouncycastle.asn1.x500.X500NameBuilder(org.bouncycastle.asn1.x500.style.BCStyle.INSTANCE);
        for (String g : groups) {
            name.addRDN(org.bouncycastle.asn1.x500.style.BCStyle.O, g);
        }
        name.addRDN(org.bouncycastle.asn1.x500.style.BCStyle.CN, commonName);
        try {
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(caCert, serial(),
                    Date.from(now.minusSeconds(60)), Date.from(now.plus(validity)), name.build(), publicKey);
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
            b.addExtension(Extension.authorityKeyIdentifier, false, extensionUtils().createAuthorityKeyIdentifier(caCert));
            return sign(b, caKey);
        } catch (IOException | java.security.cert.CertificateEncodingException e) {
            throw new IllegalStateException("issue a client certificate for " + commonName + ": " + e.getMessage(), e);
        }
    }

    /** The admin bearer token (user kaji-admin in kaji:cluster-admins). Never log it. */
    public String adminToken() {
        return adminToken;
    }

    /** The CA certificate in PEM form. */
    public String caPem() {
        return pem(caCert);
    }

    private static boolean covers(X509Certificate cert, Set<String> ips) throws IOException {
        try {
            var sans = cert.getSubjectAlternativeNames();
            if (sans == null) {
                return false;
            }
            Set<String> present = new LinkedHashSet<>();
            for (List<?> san : sans) {
                if (((Integer) san.get(0)) == GeneralName.iPAddress) {
                    present.add(InetAddress.getByName((String) san.get(1)).getHostAddress());
                }
            }
            for (String ip : ips) {
                if (!present.contains(InetAddress.getByName(ip).getHostAddress())) {
                    return false;
                }
            }
            return true;
        } catch (java.security.cert.CertificateParsingException e) {
            return false;
        }
    }

    private static KeyPair newKeyPair() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            return g.generateKeyPair();
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("cannot generate an EC P-256 key: " + e.getMessage(), e);
        }
    }

    private static X509Certificate issueCa(KeyPair kp) throws IOException {
        X500Name subject = new X500Name("CN=kaji-ca");
        Instant now = Instant.now();
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, serial(),
                Date.from(now.minusSeconds(60)), Date.from(now.plus(CA_VALIDITY)), subject, kp.getPublic());
        JcaX509ExtensionUtils ext = extensionUtils();
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        b.addExtension(Extension.keyUsage, true,
                new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature));
        b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(kp.getPublic()));
        return sign(b, kp.getPrivate());
    }

    private static X509Certificate issueServing(KeyPair kp, X509Certificate ca, PrivateKey caKey, Set<String> ips)
            throws IOException {
        Instant now = Instant.now();
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(ca, serial(),
                Date.from(now.minusSeconds(60)), Date.from(now.plus(SERVING_VALIDITY)),
                new X500Name("CN=kube-apiserver"), kp.getPublic());
        List<GeneralName> names = new ArrayList<>();
        DNS_NAMES.forEach(n -> names.add(new GeneralName(GeneralName.dNSName, n)));
        ips.forEach(ip -> names.add(new GeneralName(GeneralName.iPAddress, ip)));
        JcaX509ExtensionUtils ext = extensionUtils();
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        b.addExtension(Extension.keyUsage, true,
                new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
        b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
        b.addExtension(Extension.subjectAlternativeName, false,
                new GeneralNames(names.toArray(new GeneralName[0])));
        try {
            b.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(ca));
        } catch (java.security.cert.CertificateEncodingException e) {
            throw new IOException(e);
        }
        return sign(b, caKey);
    }

    private static JcaX509ExtensionUtils extensionUtils() {
        try {
            return new JcaX509ExtensionUtils();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static BigInteger serial() {
        return new BigInteger(127, new SecureRandom()).add(BigInteger.ONE);
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey key) throws IOException {
        try {
            ContentSigner signer = new JcaContentSignerBuilder("SHA256withECDSA").build(key);
            return new JcaX509CertificateConverter().getCertificate(b.build(signer));
        } catch (OperatorCreationException | java.security.cert.CertificateException e) {
            throw new IOException("cannot sign certificate: " + e.getMessage(), e);
        }
    }

    /** PEM text: certificates as CERTIFICATE, private keys as unencrypted PKCS#8 (PRIVATE KEY). */
    public static String pem(Object o) {
        StringWriter w = new StringWriter();
        try (JcaPEMWriter pw = new JcaPEMWriter(w)) {
            if (o instanceof PrivateKey key) {
                pw.writeObject(new org.bouncycastle.util.io.pem.PemObject("PRIVATE KEY", key.getEncoded()));
            } else {
                pw.writeObject(o);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return w.toString();
    }

    /**
     * An EC P-256 private key as SEC1 PEM ({@code EC PRIVATE KEY}) with its curve and public key, as Go's
     * {@code x509.MarshalECPrivateKey} writes it (fabric8 needs the curve parameters present).
     */
    static String pemSec1(PrivateKey key, java.security.PublicKey publicKey) {
        StringWriter w = new StringWriter();
        try (JcaPEMWriter pw = new JcaPEMWriter(w)) {
            java.math.BigInteger d = ((java.security.interfaces.ECPrivateKey) key).getS();
            var spki = org.bouncycastle.asn1.x509.SubjectPublicKeyInfo.getInstance(publicKey.getEncoded());
            var params = new org.bouncycastle.asn1.x9.X962Parameters(
                    org.bouncycastle.asn1.sec.SECObjectIdentifiers.secp256r1);
            var sec1 = new org.bouncycastle.asn1.sec.ECPrivateKey(256, d, spki.getPublicKeyData(), params);
            pw.writeObject(new org.bouncycastle.util.io.pem.PemObject("EC PRIVATE KEY", sec1.getEncoded()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return w.toString();
    }

    private static X509Certificate readCertificate(Path p) throws IOException {
        try (PEMParser parser = new PEMParser(new StringReader(Files.readString(p)))) {
            Object o = parser.readObject();
            if (!(o instanceof X509CertificateHolder h)) {
                throw new IOException(p + " does not hold a PEM certificate");
            }
            return new JcaX509CertificateConverter().getCertificate(h);
        } catch (java.security.cert.CertificateException e) {
            throw new IOException(p + ": " + e.getMessage(), e);
        }
    }

    private static PrivateKey readKey(Path p) throws IOException {
        try (PEMParser parser = new PEMParser(new StringReader(Files.readString(p)))) {
            Object o = parser.readObject();
            JcaPEMKeyConverter conv = new JcaPEMKeyConverter();
            if (o instanceof PEMKeyPair kp) {
                // "EC PRIVATE KEY" files (SEC1), as earlier builds wrote them; the public part may be absent.
                return conv.getPrivateKey(kp.getPrivateKeyInfo());
            }
            if (o instanceof org.bouncycastle.asn1.pkcs.PrivateKeyInfo info) {
                return conv.getPrivateKey(info);
            }
            throw new IOException(p + " does not hold a PEM private key");
        }
    }

    /** Writes a file readable by its owner only (0600), creating it with those permissions. */
    public static void writePrivate(Path p, String content) throws IOException {
        Files.deleteIfExists(p);
        try {
            Files.createFile(p, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            Files.createFile(p);
        }
        Files.writeString(p, content, StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);
    }

    /** Writes a certificate or other public file with mode 0644. */
    public static void writePublic(Path p, String content) throws IOException {
        Files.writeString(p, content, StandardCharsets.UTF_8);
        try {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-r--r--"));
        } catch (UnsupportedOperationException e) {
            // Not a POSIX file system: the platform's defaults apply.
        }
    }

    /** Base64 of the CA PEM, as kubeconfig's certificate-authority-data wants it. */
    public String caPemBase64() {
        return Base64.getEncoder().encodeToString(caPem().getBytes(StandardCharsets.UTF_8));
    }
}
