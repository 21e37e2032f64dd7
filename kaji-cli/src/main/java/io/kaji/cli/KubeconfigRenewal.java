package io.kaji.cli;

import io.fabric8.kubernetes.client.Config;
import io.kaji.apiserver.pki.ClusterPki;
import io.kaji.apiserver.pki.Kubeconfig;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/**
 * Re-issues the client certificate embedded in a kubeconfig of Kaji's PKI (same user and groups, same server),
 * for {@code kaji certs renew} and for the running server's own renewal at two thirds of a certificate's life.
 */
final class KubeconfigRenewal {

    private KubeconfigRenewal() {
    }

    /** The client certificate embedded in {@code file}. */
    static X509Certificate clientCertificate(Path file) throws IOException {
        Config config = Config.fromKubeconfig(Files.readString(file));
        if (config.getClientCertData() == null) {
            throw new IllegalStateException(file + " holds no client certificate");
        }
        return certificate(config.getClientCertData());
    }

    /** True once two thirds of the certificate's lifetime have passed (when Kaji renews its own certificates). */
    static boolean due(X509Certificate cert, Instant now) {
        Instant from = cert.getNotBefore().toInstant();
        Instant to = cert.getNotAfter().toInstant();
        Duration life = Duration.between(from, to);
        return !now.isBefore(from.plus(life.multipliedBy(2).dividedBy(3)));
    }

    /** Rewrites a kubeconfig with a new client certificate for the same user and groups. */
    static X509Certificate renew(Path file, ClusterPki pki) throws IOException {
        if (!Files.exists(file)) {
            throw new IllegalStateException("no such kubeconfig: " + file + " (has the server started once?)");
        }
        Config config = Config.fromKubeconfig(Files.readString(file));
        if (config.getClientCertData() == null) {
            throw new IllegalStateException(file + " holds no client certificate to renew");
        }
        X509Certificate old = certificate(config.getClientCertData());
        String user = null;
        List<String> groups = new ArrayList<>();
        try {
            for (Rdn rdn : new LdapName(old.getSubjectX500Principal().getName()).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN")) {
                    user = rdn.getValue().toString();
                } else if (rdn.getType().equalsIgnoreCase("O")) {
                    groups.add(0, rdn.getValue().toString());
                }
            }
        } catch (InvalidNameException e) {
            throw new IllegalStateException("cannot read the subject of the certificate in " + file, e);
        }
        if (user == null) {
            throw new IllegalStateException("the certificate in " + file + " names no user (CN)");
        }
        String server = config.getMasterUrl().replaceAll("/+$", "");
        Kubeconfig.writeClient(file, server, pki, user, groups);
        return certificate(Config.fromKubeconfig(Files.readString(file)).getClientCertData());
    }

    private static X509Certificate certificate(String base64Pem) {
        try {
            byte[] pem = Base64.getDecoder().decode(base64Pem.strip());
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(pem));
        } catch (CertificateException | IllegalArgumentException e) {
            throw new IllegalStateException("not a certificate: " + e.getMessage(), e);
        }
    }

}
