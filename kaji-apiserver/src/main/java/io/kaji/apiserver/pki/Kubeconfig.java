package io.kaji.apiserver.pki;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** Writes the admin kubeconfig that kubectl and the Java clients use as is. */
public final class Kubeconfig {

    private Kubeconfig() {
    }

    /** The kubeconfig text for {@code serverUrl} with the cluster CA and the admin token. */
    public static String render(String serverUrl, ClusterPki pki) {
        return """
                apiVersion: v1
                kind: Config
                clusters:
                - name: kaji
                  cluster:
                    server: %s
                    certificate-authority-data: %s
                users:
                - name: kaji-admin
                  user:
                    token: %s
                contexts:
                - name: kaji
                  context:
                    cluster: kaji
                    user: kaji-admin
                    namespace: default
                current-context: kaji
                preferences: {}
                """.formatted(serverUrl, pki.caPemBase64(), pki.adminToken());
    }

    /** Writes {@code file} with mode 0600. */
    public static void write(Path file, String serverUrl, ClusterPki pki) {
        try {
            ClusterPki.writePrivate(file, render(serverUrl, pki));
        } catch (IOException e) {
            throw new UncheckedIOException("write kubeconfig " + file + ": " + e.getMessage(), e);
        }
    }
}
