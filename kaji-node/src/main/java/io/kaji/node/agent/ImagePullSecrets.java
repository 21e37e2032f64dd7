package io.kaji.node.agent;

import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.kaji.node.image.DockerKeyring;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a pod's {@code spec.imagePullSecrets} into a {@link DockerKeyring}, as the kubelet does before a pull.
 * Secrets that are missing or unreadable are named in a {@code FailedToRetrieveImagePullSecret} warning and
 * skipped: the pull is still tried, with what is left or anonymously (the kubelet's behaviour).
 */
final class ImagePullSecrets {

    /** The keyring and the secrets that could not be used (each with the reason). */
    record Result(DockerKeyring keyring, List<String> problems) {}

    private final KubernetesClient client;

    ImagePullSecrets(KubernetesClient client) {
        this.client = client;
    }

    Result read(Pod pod) {
        DockerKeyring keyring = new DockerKeyring();
        List<String> problems = new ArrayList<>();
        List<LocalObjectReference> refs = pod.getSpec().getImagePullSecrets();
        if (refs == null) {
            return new Result(keyring, problems);
        }
        String ns = pod.getMetadata().getNamespace();
        for (LocalObjectReference ref : refs) {
            String name = ref.getName();
            if (name == null || name.isEmpty()) {
                continue;
            }
            Secret s;
            try {
                s = client.secrets().inNamespace(ns).withName(name).get();
            } catch (KubernetesClientException e) {
                problems.add(name + ": " + e.getMessage());
                continue;
            }
            if (s == null) {
                problems.add(name + ": not found");
                continue;
            }
            try {
                keyring.addSecret(s.getType(), io.kaji.node.volume.PodVolumes.secretData(s));
            } catch (IllegalArgumentException e) {
                problems.add(name + ": " + e.getMessage());
            }
        }
        return new Result(keyring, problems);
    }

    /** The kubelet's event message for secrets it could not use. */
    static String warning(List<String> problems) {
        List<String> names = problems.stream().map(p -> p.substring(0, p.indexOf(':'))).toList();
        return "Unable to retrieve some image pull secrets (" + String.join(", ", names)
                + "); attempting to pull the image may not succeed.";
    }
}
