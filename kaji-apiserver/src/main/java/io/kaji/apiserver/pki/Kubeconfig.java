package io.kaji.apiserver.pki;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;

/**
 * Writes kubeconfigs that kubectl and the Java clients use as is: the cluster CA and either a client certificate
 * issued by it (the admin kubeconfig, the break-glass one, the components') or a bearer token. Files are mode 0600:
 * they hold private keys.
 */
public final class Kubeconfig {

    /** The admin kubeconfig's user, in {@code kaji:cluster-admins}. */
    public static final String ADMIN_USER = "kaji-admin";

    private Kubeconfig() {
    }

    /** The kubeconfig text for {@code serverUrl} with the cluster CA and a client certificate for {@code user}. */
    public static String renderClient(String serverUrl, ClusterPki pki, String user,
            ClusterPki.ClientCredentials credentials) {
        Base64.Encoder b64 = Base64.getEncoder();
        return """
                apiVersion: v1
                kind: Config
                clusters:
                - name: kaji
                  cluster:
                    server: %s
                    certificate-authority-data: %s
                users:
                - name: %s
                  user:
                    client-certificate-data: %s
                    client-key-data: %s
                contexts:
                - name: kaji
                  context:
                    cluster: kaji
                    user: %s
                    namespace: default
                current-context: kaji
                preferences: {}
                """.formatted(serverUrl, pki.caPemBase64(), user,
                b64.encodeToString(credentials.certificatePem().getBytes(StandardCharsets.UTF_8)),
                b64.encodeToString(credentials.keyPem().getBytes(StandardCharsets.UTF_8)), user);
    }

    /**
     * Issues a client certificate for {@code user} in {@code groups} and writes a kubeconfig with it to
     * {@code file} (mode 0600).
     */
    public static void writeClient(Path file, String serverUrl, ClusterPki pki, String user, List<String> groups) {
        ClusterPki.ClientCredentials creds = pki.issueClient(user, groups, ClusterPki.CLIENT_VALIDITY);
        try {
            ClusterPki.writePrivate(file, renderClient(serverUrl, pki, user, creds));
        } catch (IOException e) {
            throw new UncheckedIOException("write kubeconfig " + file + ": " + e.getMessage(), e);
        }
    }
}
