package io.kaji.node.containerd;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.kaji.apiserver.server.ApiServer;
import io.kaji.apiserver.server.ApiServerConfig;
import io.kaji.node.agent.AgentConfig;
import io.kaji.node.agent.HostInfo;
import io.kaji.node.agent.NodeAgent;
import io.kaji.node.runtime.KajiLabels;
import io.kaji.node.runtime.PodLogs;
import io.kaji.node.runtime.SandboxInfo;
import io.kaji.store.sqlite.SqliteStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.UnaryOperator;

/**
 * One node for agent integration tests: a real {@link ContainerdFixture} (its own bridge and pod CIDR inside
 * 100.64.0.0/10), an in-process {@link ApiServer} over a temporary {@link SqliteStore}, a fabric8 client from the
 * server's kubeconfig and, unless {@link Builder#withoutAgent() left out}, a started {@link NodeAgent} whose Node has
 * been given its podCIDR (standing in for the node IPAM controller) and whose first pod sync is done.
 *
 * <p>{@link #close()} stops the agent, removes every sandbox Kaji made, runs the test's own
 * {@link Builder#onClose clean-up steps}, closes client, server and store, closes containerd and then asserts that no
 * shim and no mount of the node is left, and deletes the temporary directory. Every step runs even when an earlier one
 * fails; the first failure is thrown at the end with the others {@linkplain Throwable#addSuppressed suppressed}.
 *
 * <p>Tests in one JVM run one after another and other engineers' tests share the machine: each test class keeps
 * its own node name, bridge and pod CIDR.
 */
public final class AgentFixture implements AutoCloseable {

    /** The kubelet version the agents of these tests report. */
    public static final String KAJI_VERSION = "v1.34.0-kaji-test";

    /** A clean-up step that may throw (closing, asserting). */
    @FunctionalInterface
    public interface Step {
        void run() throws Exception;
    }

    /** What a test adds to its agent before it starts (pod cgroups, eviction, image GC), given the node. */
    @FunctionalInterface
    public interface AgentCustomizer extends BiFunction<NodeAgent, ContainerdFixture, NodeAgent> {
    }

    /** The node's containerd, CNI bridge, images and data dir. */
    public final ContainerdFixture node;
    /** The in-process API server. */
    public final ApiServer server;
    /** A client of {@link #server} with the admin's kubeconfig. */
    public final KubernetesClient client;

    private final Builder spec;
    private final Path apiDir;
    private final SqliteStore store;
    private final List<Step> cleanUps = new ArrayList<>();
    private AgentConfig config;
    private NodeAgent agent;

    private AgentFixture(Builder spec, ContainerdFixture node, Path apiDir, SqliteStore store, ApiServer server,
                         KubernetesClient client) {
        this.spec = spec;
        this.node = node;
        this.apiDir = apiDir;
        this.store = store;
        this.server = server;
        this.client = client;
    }

    /** A node named {@code nodeName} on CNI bridge {@code bridge} with pods in {@code podCidr} (100.64.0.0/10). */
    public static Builder node(String nodeName, String bridge, String podCidr) {
        return new Builder(nodeName, bridge, podCidr);
    }

    /** What differs between the tests; {@link #start()} builds the node. */
    public static final class Builder {
        private final String nodeName;
        private final String bridge;
        private final String podCidr;
        private final List<String> privilegedNamespaces = new ArrayList<>();
        private UnaryOperator<AgentConfig> configCustomizer = UnaryOperator.identity();
        private AgentCustomizer agentCustomizer = (agent, node) -> agent;
        private boolean withAgent = true;
        private boolean assignPodCidr = true;
        private final List<Step> cleanUps = new ArrayList<>();

        private Builder(String nodeName, String bridge, String podCidr) {
            this.nodeName = Objects.requireNonNull(nodeName, "nodeName");
            this.bridge = Objects.requireNonNull(bridge, "bridge");
            this.podCidr = Objects.requireNonNull(podCidr, "podCidr");
        }

        /**
         * Labels {@code namespace} {@code pod-security.kubernetes.io/enforce=privileged} before the agent starts, as
         * a user labels a namespace whose pods need host paths or probes aimed at the host (the baseline level
         * forbids them).
         */
        public Builder withPrivilegedNamespace(String namespace) {
            privilegedNamespaces.add(namespace);
            return this;
        }

        /**
         * Changes the agent's configuration; the default is Kaji's with this node's bridge, a 1 s initial back-off,
         * a 1 s lease renewal and a free kubelet port.
         */
        public Builder withConfig(UnaryOperator<AgentConfig> customizer) {
            configCustomizer = Objects.requireNonNull(customizer);
            return this;
        }

        /** Adds to every agent this fixture starts (also on {@link AgentFixture#startAgent()}), before its start. */
        public Builder withAgent(AgentCustomizer customizer) {
            agentCustomizer = Objects.requireNonNull(customizer);
            return this;
        }

        /** Containerd and the API server only; the test drives the runtime itself. */
        public Builder withoutAgent() {
            withAgent = false;
            return this;
        }

        /** Leaves the Node's spec.podCIDR unset: the agent is started but does not wait for its first pod sync. */
        public Builder withoutPodCidr() {
            assignPodCidr = false;
            return this;
        }

        /**
         * A clean-up step of the test's own, run on close after the agent is stopped and the sandboxes removed, and
         * before the client, the API server and containerd are closed; steps run in the order they were added.
         */
        public Builder onClose(Step step) {
            cleanUps.add(Objects.requireNonNull(step));
            return this;
        }

        /**
         * Starts containerd, the API server and (unless left out) the agent, and waits until the agent has done
         * its first pod sync. Skipped (JUnit assumption) where {@link ContainerdFixture} cannot run; on a failure
         * everything started so far is closed again.
         */
        public AgentFixture start() throws Exception {
            ContainerdFixture node = ContainerdFixture.start(bridge, podCidr);
            Path apiDir = null;
            SqliteStore store = null;
            ApiServer server = null;
            AgentFixture f = null;
            try {
                apiDir = Files.createTempDirectory("kaji-" + nodeName + "-api-");
                store = SqliteStore.open(apiDir.resolve("db"));
                server = ApiServer.start(ApiServerConfig.defaults(apiDir).withPort(0), store);
                KubernetesClient client = new KubernetesClientBuilder()
                        .withConfig(Config.fromKubeconfig(Files.readString(server.kubeconfigPath()))).build();
                f = new AgentFixture(this, node, apiDir, store, server, client);
                f.cleanUps.addAll(cleanUps);
                f.init();
                return f;
            } catch (Exception | Error e) {
                try {
                    if (f != null) {
                        f.close();
                    } else {
                        new Teardown().run(server == null ? null : server::close)
                                .run(store == null ? null : store::close).closeNode(node)
                                .run(apiDir == null ? null : deleteStep(apiDir)).throwIfFailed();
                    }
                } catch (Exception | Error closing) {
                    e.addSuppressed(closing);
                }
                throw e;
            }
        }
    }

    private void init() throws InterruptedException {
        for (String ns : spec.privilegedNamespaces) {
            client.namespaces().withName(ns).edit(n -> {
                Map<String, String> labels = new HashMap<>(
                        n.getMetadata().getLabels() == null ? Map.of() : n.getMetadata().getLabels());
                labels.put("pod-security.kubernetes.io/enforce", "privileged");
                n.getMetadata().setLabels(labels);
                return n;
            });
        }
        config = spec.configCustomizer.apply(AgentConfig.defaults(spec.nodeName, KAJI_VERSION,
                        new PodLogs(node.dataDir.resolve("pods")), node.dataDir.resolve("ipam"), node.config.cniConfDir())
                .withBridgeName(spec.bridge).withBackOff(Duration.ofSeconds(1), Duration.ofSeconds(300))
                .withLeaseRenewal(Duration.ofSeconds(1)).withKubeletPort(0));
        if (!spec.withAgent) {
            return;
        }
        startAgent();
        if (spec.assignPodCidr) {
            client.nodes().withName(spec.nodeName).edit(n -> {
                n.getSpec().setPodCIDR(spec.podCidr);
                n.getSpec().setPodCIDRs(List.of(spec.podCidr));
                return n;
            });
            assertThat(agent.awaitPodsStarted(Duration.ofSeconds(30))).as("first pod sync of " + spec.nodeName)
                    .isTrue();
        }
    }

    /** The node's name. */
    public String nodeName() {
        return spec.nodeName;
    }

    /** The node's pod CIDR. */
    public String podCidr() {
        return spec.podCidr;
    }

    /** The API server's data directory (its PKI under {@code pki/}). */
    public Path apiDir() {
        return apiDir;
    }

    /** The configuration the agents of this fixture run with. */
    public AgentConfig config() {
        return config;
    }

    /** The running agent, or null after {@link #stopAgent()} or {@link Builder#withoutAgent()}. */
    public NodeAgent agent() {
        return agent;
    }

    /** The pod, or null if there is none. */
    public Pod pod(String namespace, String name) {
        return client.pods().inNamespace(namespace).withName(name).get();
    }

    /** The status of the pod's first container; fails (for {@code untilAsserted}) while there is none. */
    public ContainerStatus containerStatus(String namespace, String pod) {
        Pod p = pod(namespace, pod);
        assertThat(p).as("pod " + namespace + "/" + pod).isNotNull();
        assertThat(p.getStatus()).as("status of " + namespace + "/" + pod).isNotNull();
        assertThat(p.getStatus().getContainerStatuses()).as("container statuses of " + namespace + "/" + pod)
                .isNotEmpty();
        return p.getStatus().getContainerStatuses().get(0);
    }

    /** The events about the pod as {@code "<type> <reason> <message>"}, as {@code kubectl describe} lists them. */
    public List<String> events(String namespace, String pod) {
        return client.v1().events().inNamespace(namespace).list().getItems().stream()
                .filter(e -> pod.equals(e.getInvolvedObject().getName()))
                .map(e -> e.getType() + " " + e.getReason() + " " + e.getMessage()).toList();
    }

    /** Registers a clean-up step (see {@link Builder#onClose}) once the fixture runs. */
    public AgentFixture onClose(Step step) {
        cleanUps.add(Objects.requireNonNull(step));
        return this;
    }

    /** Stops the agent, leaving its containers running, as a restarted kubelet would find them. */
    public void stopAgent() {
        if (agent != null) {
            NodeAgent a = agent;
            agent = null;
            a.close();
        }
    }

    /** Builds a new agent over the same runtime, API server and configuration, and starts it. */
    public NodeAgent startAgent() {
        if (agent != null) {
            throw new IllegalStateException("an agent of " + spec.nodeName + " is running; stopAgent() first");
        }
        NodeAgent a = spec.agentCustomizer.apply(
                new NodeAgent(client, node.runtime, node.supervisor::health, config, HostInfo.detect()), node);
        agent = a;
        a.start();
        return a;
    }

    @Override
    public void close() throws Exception {
        Teardown c = new Teardown().run(this::stopAgent);
        c.run(() -> {
            for (SandboxInfo s : node.runtime.listSandboxes(KajiLabels.managed())) {
                c.run(() -> {
                    node.runtime.stopSandbox(s.id());
                    node.runtime.removeSandbox(s.id());
                });
            }
        });
        for (Step step : cleanUps) {
            c.run(step);
        }
        c.run(client::close).run(server::close).run(store::close).closeNode(node).run(deleteStep(apiDir))
                .throwIfFailed();
    }

    static Step deleteStep(Path dir) {
        return () -> ContainerdFixture.deleteTree(dir);
    }
}
