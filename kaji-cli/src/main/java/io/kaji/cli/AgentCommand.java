package io.kaji.cli;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.kaji.apiserver.pki.BootstrapToken;
import io.kaji.apiserver.pki.NodeToken;
import io.kaji.node.NodeLayout;
import io.kaji.node.agent.HeapTrimmer;
import io.kaji.node.containergc.ContainerGcPolicy;
import io.kaji.node.eviction.EvictionConfig;
import io.kaji.node.imagegc.ImageGcPolicy;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code kaji agent}: the node agent, running the pods bound to this node as containers through containerd. */
@Command(name = "agent",
        mixinStandardHelpOptions = true,
        description = {
                "Run the node agent: join this machine as a Node and run its pods through containerd.",
                "It registers the Node, renews its Lease, and runs the pods bound to it as real",
                "containers through containerd's CRI.",
                "",
                "Joining: --server https://HOST:6443 --token <the server's <data-dir>/node-token>,",
                "or a bootstrap token from 'kaji token create' (expires, can be deleted).",
                "With several servers (--server https://A:6443,https://B:6443) the agent connects",
                "through a local TCP load balancer that fails over between them.",
                "The agent fetches the cluster CA from the server's /cacerts, checks it against",
                "the hash in the token, and then talks TLS verified with that CA. The token only",
                "bootstraps: the agent requests a client certificate (CN system:node:<name>) with a",
                "CertificateSigningRequest that the server approves, keeps it in <data-dir>/pki/",
                "and works with it, renewing it at 70-90%% of its lifetime (docs/security.md). --kubeconfig",
                "(e.g. the server's admin kubeconfig) works too; with --server and a plain token",
                "the CA comes from --kubeconfig, or --insecure-skip-tls-verify (loopback only).",
                "",
                "Every option can also come from a YAML file (--config, default",
                "/etc/kaji/config.yaml when it exists): keys are the long option names without",
                "dashes (node-name: n1); the command line wins.",
                "",
                "Without --containerd-socket the agent starts and supervises its own containerd",
                "under <data-dir>/containerd. Pods start once the node has a spec.podCIDR",
                "(assigned by the controller manager's node IPAM controller)."})
public final class AgentCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--server", paramLabel = "URL", split = ",",
            description = "The API server's URL. Several, comma-separated (a YAML list in the config file), for a "
                    + "highly available control plane: the agent then talks to them through a local load balancer "
                    + "on 127.0.0.1 that uses the first healthy one and fails over to the next.")
    List<String> servers;

    @Option(names = "--token", paramLabel = "TOKEN",
            description = "The join token: the server's <data-dir>/node-token or one from 'kaji token create' "
                    + "(K10<CA hash>::...), a bootstrap token <id>.<secret>, or another bearer token.")
    String token;

    @Option(names = "--config", paramLabel = "FILE",
            description = "A YAML file with option values (default: " + ConfigFile.DEFAULT_FILE + " if it exists).")
    Path config;

    @Option(names = "--runtime", defaultValue = "cri", paramLabel = "KIND",
            description = "cri: run pods as containers through containerd (default); simulated: run nothing, only "
                    + "report pods Running (many simulated nodes on one machine test the control plane at scale).")
    String runtime;

    @Option(names = "--port", defaultValue = "10250", paramLabel = "PORT",
            description = "The agent's HTTPS port (the kubelet port: kubectl logs goes through it), unique per "
                    + "agent on one machine; a taken port or 0 means a free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--kubeconfig", paramLabel = "FILE",
            description = "A kubeconfig for the API server (credentials, or only its CA with --server/--token).")
    Path kubeconfig;

    @Option(names = "--insecure-skip-tls-verify",
            description = "With --server on a loopback address: do not verify the server's certificate.")
    boolean insecure;

    @Option(names = "--node-name", paramLabel = "NAME", description = "The Node's name (default: the hostname).")
    String nodeName;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "The node's data dir (default: ~/.kaji/node).")
    Path dataDir;

    @Option(names = "--containerd-socket", paramLabel = "PATH",
            description = "Use this containerd instead of starting one (its CNI conf dir: --cni-conf-dir).")
    Path containerdSocket;

    @Option(names = "--cni-conf-dir", paramLabel = "DIR",
            description = "Where to write the bridge conflist (default: <data-dir>/containerd/cni).")
    Path cniConfDir;

    @Option(names = "--bridge", defaultValue = "kaji0", paramLabel = "NAME",
            description = "The node's Linux bridge (default: ${DEFAULT-VALUE}).")
    String bridge;

    @Option(names = "--lease-renewal", defaultValue = "2s", paramLabel = "DURATION",
            converter = DurationConverter.class,
            description = "How often the node's Lease is renewed (default: ${DEFAULT-VALUE}).")
    Duration leaseRenewal;

    @Option(names = "--initial-backoff", defaultValue = "10s", paramLabel = "DURATION",
            converter = DurationConverter.class,
            description = "The first container restart back-off, doubled per crash up to --max-backoff "
                    + "(default: ${DEFAULT-VALUE}).")
    Duration initialBackOff;

    @Option(names = "--max-backoff", defaultValue = "300s", paramLabel = "DURATION",
            converter = DurationConverter.class,
            description = "The longest container restart back-off (default: ${DEFAULT-VALUE}, as Kubernetes).")
    Duration maxBackOff;

    private NodeClientCertificate certificate;
    private java.util.concurrent.ScheduledExecutorService rotation;

    /** Eviction, image and dead-container garbage collection: the kubelet's flags, shared with kaji server. */
    @CommandLine.Mixin
    NodeResourceOptions nodeResources;

    /** {@code 20s}, {@code 1m30s}, {@code 0.5s}: a duration as it is written on the command line. */
    private static String goDuration(Duration d) {
        return d.toString().substring(2).toLowerCase(java.util.Locale.ROOT);
    }

    @Override
    public Integer call() throws Exception {
        if (port < 0 || port > 65535) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--port: " + port
                    + " is not between 0 (any free port) and 65535");
        }
        if (!runtime.equals("cri") && !runtime.equals("simulated")) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--runtime: unknown runtime \"" + runtime
                    + "\"; expected cri or simulated");
        }
        if (initialBackOff.isZero() || maxBackOff.compareTo(initialBackOff) < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--initial-backoff "
                    + goDuration(initialBackOff) + " and --max-backoff " + goDuration(maxBackOff)
                    + ": the initial back-off must be above 0 and not above the maximum");
        }
        EvictionConfig eviction = nodeResources.evictionConfig();
        ImageGcPolicy imageGc = nodeResources.imageGcPolicy();
        ContainerGcPolicy containerGc = nodeResources.containerGcPolicy();
        java.util.Map<String, Long> systemReserved = nodeResources.systemReserved();
        java.util.Map<String, Long> kubeReserved = nodeResources.kubeReserved();
        Config clientConfig = clientConfig();
        ServerLoadBalancer balancer = null;
        if (servers != null && servers.size() > 1) {
            balancer = ServerLoadBalancer.start(servers, ServerLoadBalancer.Options.defaults());
            clientConfig.setMasterUrl(balancer.localUrl());
        }
        NodeLayout layout = dataDir != null ? new NodeLayout(dataDir) : NodeLayout.defaultLayout();
        String name = nodeName != null ? nodeName : InetAddress.getLocalHost().getHostName().toLowerCase();
        LocalAgent agent;
        try {
            LocalAgent.Options options = new LocalAgent.Options(name, layout, containerdSocket, cniConfDir, bridge,
                    leaseRenewal, initialBackOff, maxBackOff, true, port, eviction, imageGc,
                    containerGc, systemReserved, kubeReserved, nodeResources.logRotationPolicy(),
                    nodeResources.sysctlAllowlist());
            if (bootstraps()) {
                // The token only bootstraps: the agent works with its own system:node:<name> certificate, which it
                // renews before it expires, switching its API clients over without a restart.
                certificate = NodeCredentials.obtainRotating(clientConfig, name, layout.dataDir().resolve("pki"),
                        Duration.ofSeconds(60), rotationThread());
                agent = LocalAgent.startWithCertificate(certificate, options, runtime.equals("simulated"),
                        rotationThread());
            } else {
                agent = runtime.equals("simulated") ? LocalAgent.startSimulated(clientConfig, options)
                        : LocalAgent.start(clientConfig, options);
            }
        } catch (RuntimeException e) {
            if (certificate != null) {
                certificate.close();
            }
            if (balancer != null) {
                balancer.close();
            }
            throw e;
        }
        // The Serial collector only shrinks its old generation at a full collection: give back what promoted
        // garbage made it grow (docs/footprint.md, "The heap").
        HeapTrimmer trimmer = HeapTrimmer.start(HeapTrimmer.Settings.defaults());
        CountDownLatch stop = new CountDownLatch(1);
        ServerLoadBalancer runningBalancer = balancer;
        NodeClientCertificate runningCertificate = certificate;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            trimmer.close();
            if (runningCertificate != null) {
                runningCertificate.close();
            }
            agent.close();
            if (runningBalancer != null) {
                runningBalancer.close();
            }
            stop.countDown();
        }));
        String via = balancer == null ? "" : " (load balancer for " + String.join(", ", servers) + ", using "
                + balancer.serverInUse() + ")";
        System.err.printf("kaji agent: node %s registered with %s%s; %s; data dir %s%n", name,
                clientConfig.getMasterUrl(), via, agent.socket() == null ? "simulated runtime (runs nothing)"
                        : "containerd " + agent.socket(), layout.dataDir());
        stop.await();
        return 0;
    }

    /**
     * True when the agent joins with --server and a bootstrap credential: a K10 join token (node token or
     * {@code kaji token create}'s) or a bare bootstrap token {@code <id>.<secret>}.
     */
    private boolean bootstraps() {
        return servers != null && !servers.isEmpty() && token != null
                && ((kubeconfig == null && token.startsWith(NodeToken.PREFIX))
                        || BootstrapToken.parse(token.trim()).isPresent());
    }

    /** The daemon thread that renews the node certificate and closes replaced API clients. */
    private java.util.concurrent.ScheduledExecutorService rotationThread() {
        if (rotation == null) {
            rotation = NodeCredentials.rotationExecutor();
        }
        return rotation;
    }

    private Config clientConfig() throws Exception {
        if (servers != null && servers.isEmpty()) {
            servers = null;
        }
        String server = servers == null ? null : servers.get(0);
        if (server == null && kubeconfig == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "give --kubeconfig, or --server and --token");
        }
        if (server != null && token == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--server needs --token");
        }
        if (kubeconfig != null && !Files.isReadable(kubeconfig)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--kubeconfig: cannot read " + kubeconfig);
        }
        if (server == null) {
            return AgentSerialization.clientConfig(Files.readString(kubeconfig));
        }
        if (kubeconfig == null && token.startsWith(NodeToken.PREFIX)) {
            JoinToken nodeToken;
            try {
                nodeToken = JoinToken.parse(token);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--token: " + e.getMessage());
            }
            if (servers.size() == 1) {
                return NodeJoin.clientConfig(server, nodeToken);
            }
            String caPem;
            try {
                caPem = NodeJoin.fetchVerifiedCa(servers, nodeToken);
            } catch (IllegalStateException e) {
                throw new IllegalStateException("no server of " + servers + " served this cluster's CA: "
                        + e.getMessage(), e);
            }
            return new ConfigBuilder().withMasterUrl(server)
                    .withCaCertData(java.util.Base64.getEncoder().encodeToString(
                            caPem.getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                    .withOauthToken(nodeToken.bearer()).build();
        }
        if (kubeconfig == null && !insecure) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--server needs the server's CA: give the node token (K10..., from the server's "
                            + "<data-dir>/node-token), --kubeconfig (its CA is used) or, for a loopback server, "
                            + "--insecure-skip-tls-verify");
        }
        if (kubeconfig == null) {
            for (String s : servers) {
                String host = URI.create(s).getHost();
                if (host == null || !InetAddress.getByName(host).isLoopbackAddress()) {
                    throw new CommandLine.ParameterException(spec.commandLine(),
                            "--insecure-skip-tls-verify is only allowed for a loopback server, not " + s);
                }
            }
            return new ConfigBuilder().withMasterUrl(server).withOauthToken(token).withTrustCerts(true)
                    .withDisableHostnameVerification(true).build();
        }
        Config base = AgentSerialization.clientConfig(Files.readString(kubeconfig));
        base.setMasterUrl(server);
        // A K10 token's bearer part (its CA comes from the kubeconfig here), or the token as given.
        base.setOauthToken(token.startsWith(NodeToken.PREFIX) ? JoinToken.parse(token).bearer() : token.trim());
        base.setClientCertData(null);
        base.setClientCertFile(null);
        base.setClientKeyData(null);
        base.setClientKeyFile(null);
        return base;
    }
}
