package io.kaji.cli;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Which kubeconfig the maintenance commands ({@code certs}, {@code diagnose}) use, the way a user of kubectl
 * expects: {@code --kubeconfig}, else {@code $KUBECONFIG} (its first file), else the Kaji data dir's kubeconfig
 * (given, or the root default when present), else {@code ~/.kube/config}.
 */
final class Kubeconfigs {

    private Kubeconfigs() {
    }

    /**
     * The kubeconfig to use, or null when there is none.
     *
     * @throws IllegalArgumentException if {@code given} is set but not readable
     */
    static Path locate(Path given, Path dataDir) {
        if (given != null) {
            if (!Files.isReadable(given)) {
                throw new IllegalArgumentException("cannot read the kubeconfig " + given);
            }
            return given;
        }
        List<Path> candidates = new ArrayList<>();
        String env = System.getenv("KUBECONFIG");
        if (env != null && !env.isBlank()) {
            candidates.add(Path.of(env.split(File.pathSeparator)[0]));
        }
        if (dataDir != null) {
            candidates.add(dataDir.resolve("kubeconfig"));
        } else if (DataDir.isRoot()) {
            candidates.add(DataDir.ROOT_DEFAULT.resolve("kubeconfig"));
        }
        candidates.add(Path.of(System.getProperty("user.home"), ".kube", "config"));
        return candidates.stream().filter(Files::isReadable).findFirst().orElse(null);
    }

    /** A client that fails fast (5 s connect, 15 s per request, no retries) instead of retrying for minutes. */
    static KubernetesClient client(Path kubeconfig) {
        Config config;
        try {
            config = Config.fromKubeconfig(Files.readString(kubeconfig));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + kubeconfig + ": " + e.getMessage(), e);
        }
        config.setConnectionTimeout(5_000);
        config.setRequestTimeout(15_000);
        config.setRequestRetryBackoffLimit(0);
        return new KubernetesClientBuilder().withConfig(config).build();
    }
}
