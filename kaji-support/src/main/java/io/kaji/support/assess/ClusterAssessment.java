package io.kaji.support.assess;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;

/**
 * Assesses a live cluster: asks the API server's version (failing fast if it cannot be reached), lists every
 * {@link ResourceKind} once and runs the registry's checks.
 */
public final class ClusterAssessment {

    /** Used when neither {@code --target-version} nor the server's version is known. */
    public static final KubeVersion DEFAULT_TARGET = new KubeVersion(1, 32);

    private ClusterAssessment() {
    }

    /**
     * Runs the assessment.
     *
     * @param target the version to judge API deprecations against; null for the server's own version
     * @throws KubernetesClientException when the API server cannot be reached at all (its /version fails)
     */
    public static Report run(KubernetesClient client, HostConfig host, KubeVersion target, Exemptions exemptions,
                             CheckRegistry registry, Clock clock) {
        String version = client.getKubernetesVersion().getGitVersion();
        KubeVersion effective = target;
        if (effective == null) {
            try {
                effective = KubeVersion.parse(version);
            } catch (IllegalArgumentException e) {
                effective = DEFAULT_TARGET;
            }
        }
        ClusterSnapshot snapshot = ClusterSnapshot.fetch(ResourceLister.of(client));
        AssessmentContext context = new AssessmentContext(snapshot, version, effective, host);
        String url = client.getMasterUrl() == null ? null : client.getMasterUrl().toString().replaceAll("/$", "");
        return new Assessor(registry.checks(), exemptions, clock).run(context, url);
    }
}
