package io.kaji.cli;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.internal.KubeConfigUtils;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.kubernetes.model.jackson.Jackson2JdkTypesModule;
import java.util.List;
import tools.jackson.databind.json.JsonMapper;

/**
 * The node agent's JSON (de)serialization for its API client: fabric8's, except that it does not scan the class
 * path for every kind it could meet. A default {@link KubernetesSerialization} finds the class of a watch event's
 * {@code object} (and of any other field typed {@code KubernetesResource}) by loading every class that every
 * fabric8 model jar lists as a {@code KubernetesResource} service (~350 top-level kinds and lists of ~20 API groups,
 * with their annotations), the first time such a field is read. The agent watches only {@link #WATCHED} kinds,
 * so only those are registered: an object of any other kind still arrives, as a {@code GenericKubernetesResource}
 * that fabric8's watch manager converts to the watched type, as it does for custom resources.
 *
 * <p>Kinds read through typed calls ({@code client.pods().withName(..).get()}, {@code leases()}, ...) never go
 * through this lookup: their class is known from the call.
 *
 * <p>{@link #clientConfig(String)} reads the agent's kubeconfig the same way: fabric8's
 * {@code Config.fromKubeconfig} parses it with its static, scanning serialization, which would load all those
 * classes anyway (and keep a second mapper alive).
 */
final class AgentSerialization {

    /**
     * Every kind the agent and its network services (DNS, service proxy, network policy) watch. {@link #create()}
     * registers {@code Status} too: a watch sends it as an {@code ERROR} event's object, and fabric8 recognises the
     * error only if it is read as a {@code Status}.
     */
    static final List<Class<? extends HasMetadata>> WATCHED = List.of(Pod.class, Node.class, Namespace.class,
            Service.class, EndpointSlice.class, NetworkPolicy.class);

    private AgentSerialization() {
    }

    /** A new serialization that knows {@link #WATCHED} kinds only (thread-safe, as fabric8's). */
    static KubernetesSerialization create() {
        // The same mapper fabric8's no-argument constructor builds; false: no class path scan.
        KubernetesSerialization s = new KubernetesSerialization(JsonMapper.builderWithJackson2Defaults()
                .addModule(new Jackson2JdkTypesModule()).build(), false);
        for (Class<? extends HasMetadata> kind : WATCHED) {
            s.registerKubernetesResource(kind);
        }
        s.registerKubernetesResource(Status.class);
        return s;
    }

    /**
     * The client configuration a kubeconfig describes (its current context), as {@code Config.fromKubeconfig}
     * makes it, without fabric8's static serialization.
     *
     * @throws KubernetesClientException if the text is not a kubeconfig
     */
    static Config clientConfig(String kubeconfig) {
        io.fabric8.kubernetes.api.model.Config parsed;
        try {
            parsed = create().unmarshal(kubeconfig, io.fabric8.kubernetes.api.model.Config.class);
        } catch (RuntimeException e) {
            throw new KubernetesClientException("could not read the kubeconfig: " + e.getMessage(), e);
        }
        if (parsed == null) {
            throw new KubernetesClientException("could not read the kubeconfig: it is empty");
        }
        // What Config.fromKubeconfig(String) does with the parsed file (fabric8 8.0's public helper for it).
        Config config = Config.empty();
        KubeConfigUtils.merge(config, null, parsed);
        return config;
    }
}
