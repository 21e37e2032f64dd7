package io.kaji.cli;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.kaji.node.server.AgentTls;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The node agent trusts only its cluster's certificate authority for the API server, as client-go does when a
 * kubeconfig names one. fabric8 instead adds the kubeconfig's CA to the JDK's default trust store (cacerts, ~150
 * public authorities) unless the configuration names a trust store file; this class writes the cluster CA into
 * {@code <pki>/cluster-ca-truststore.p12} and names it. Besides trusting less, the agent no longer parses and
 * keeps the JDK's authorities (~0.8 MB of its heap, docs/footprint.md).
 */
final class ClusterTrust {

    /** The trust store's file name under the agent's pki directory. */
    static final String FILE = "cluster-ca-truststore.p12";
    /**
     * The trust store's password: it holds public certificates only, so the password protects nothing secret; the
     * file is as writable as the rest of the agent's data directory.
     */
    static final String PASSWORD = "kaji-cluster-ca";

    private ClusterTrust() {
    }

    /**
     * {@code config} with a trust store of only its CA certificates, or {@code config} itself when it names no CA
     * (or a trust store of its own already, or skips verification).
     *
     * @throws UncheckedIOException if the CA cannot be read or the trust store cannot be written
     */
    static Config onlyClusterCa(Config config, Path pkiDir) {
        if (config.isTrustCerts() || (config.getTrustStoreFile() != null && !config.getTrustStoreFile().isEmpty())) {
            return config;
        }
        List<? extends Certificate> cas;
        try {
            cas = AgentTls.configuredCa(config.getCaCertData(), config.getCaCertFile());
        } catch (IOException | IllegalArgumentException e) {
            throw new UncheckedIOException(new IOException("read the cluster CA of the API client configuration: "
                    + e.getMessage(), e));
        }
        if (cas.isEmpty()) {
            return config;
        }
        Path file = pkiDir.resolve(FILE);
        try {
            if (!holdsExactly(file, cas)) {
                write(file, cas);
            }
        } catch (IOException | GeneralSecurityException e) {
            throw new UncheckedIOException(new IOException("write the cluster CA trust store " + file + ": "
                    + e.getMessage(), e));
        }
        return new ConfigBuilder(config).withTrustStoreFile(file.toString()).withTrustStorePassphrase(PASSWORD)
                .build();
    }

    private static boolean holdsExactly(Path file, List<? extends Certificate> cas) throws IOException {
        if (!Files.isRegularFile(file)) {
            return false;
        }
        try (InputStream in = Files.newInputStream(file)) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(in, PASSWORD.toCharArray());
            List<Certificate> kept = new ArrayList<>();
            for (String alias : Collections.list(ks.aliases())) {
                kept.add(ks.getCertificate(alias));
            }
            return kept.size() == cas.size() && kept.containsAll(cas);
        } catch (GeneralSecurityException | IOException e) {
            return false; // unreadable or from another password: written anew
        }
    }

    private static void write(Path file, List<? extends Certificate> cas) throws IOException, GeneralSecurityException {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        for (int i = 0; i < cas.size(); i++) {
            ks.setCertificateEntry("cluster-ca-" + i, cas.get(i));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ks.store(out, PASSWORD.toCharArray());
        Files.createDirectories(file.getParent());
        Path tmp = Files.createTempFile(file.getParent(), FILE, ".tmp");
        try {
            Files.write(tmp, out.toByteArray());
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
