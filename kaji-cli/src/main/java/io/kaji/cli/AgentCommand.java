package io.kaji.cli;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.kaji.node.NodeLayout;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
                "Authentication: until bootstrap tokens exist, --kubeconfig is the way in",
                "(e.g. the <data-dir>/kubeconfig 'kaji server' writes). --server and --token",
                "build a client with that bearer token; the server's CA then comes from",
                "--kubeconfig, or --insecure-skip-tls-verify skips verification (only allowed",
                "for a loopback server).",
                "",
                "Without --containerd-socket the agent starts and supervises its own containerd",
                "under <data-dir>/containerd. Pods start once the node has a spec.podCIDR",
                "(assigned by the controller manager's node IPAM controller)."})
public final class AgentCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--server", paramLabel = "URL", description = "The API server's URL.")
    String server;

    @Option(names = "--token", paramLabel = "TOKEN", description = "A bearer token for the API server.")
    String token;

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
            description = "How often the node's Lease is renewed (default: ${DEFAULT-VALUE}).")
    String leaseRenewal;

    @Option(names = "--initial-backoff", defaultValue = "10s", paramLabel = "DURATION",
            description = "The first container restart back-off, doubled up to 300s (default: ${DEFAULT-VALUE}).")
    String initialBackOff;

    @Override
    public Integer call() throws Exception {
        Config clientConfig = clientConfig();
        NodeLayout layout = dataDir != null ? new NodeLayout(dataDir) : NodeLayout.defaultLayout();
        String name = nodeName != null ? nodeName : InetAddress.getLocalHost().getHostName().toLowerCase();
        LocalAgent agent = LocalAgent.start(clientConfig, new LocalAgent.Options(name, layout, containerdSocket,
                cniConfDir, bridge, duration(leaseRenewal), duration(initialBackOff), false));
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            agent.close();
            stop.countDown();
        }));
        System.err.printf("kaji agent: node %s registered with %s; containerd %s; data dir %s%n", name,
                clientConfig.getMasterUrl(), agent.socket(), layout.dataDir());
        stop.await();
        return 0;
    }

    private Config clientConfig() throws Exception {
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
            return Config.fromKubeconfig(Files.readString(kubeconfig));
        }
        if (kubeconfig == null && !insecure) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--server needs the server's CA: give --kubeconfig (its CA is used) or, for a loopback server, "
                            + "--insecure-skip-tls-verify");
        }
        if (kubeconfig == null) {
            String host = URI.create(server).getHost();
            if (host == null || !InetAddress.getByName(host).isLoopbackAddress()) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "--insecure-skip-tls-verify is only allowed for a loopback server, not " + server);
            }
            return new ConfigBuilder().withMasterUrl(server).withOauthToken(token).withTrustCerts(true)
                    .withDisableHostnameVerification(true).build();
        }
        Config base = Config.fromKubeconfig(Files.readString(kubeconfig));
        base.setMasterUrl(server);
        base.setOauthToken(token);
        base.setClientCertData(null);
        base.setClientCertFile(null);
        base.setClientKeyData(null);
        base.setClientKeyFile(null);
        return base;
    }

    static Duration duration(String s) {
        String t = s.trim();
        if (t.endsWith("ms")) {
            return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
        }
        if (t.endsWith("s")) {
            return Duration.ofMillis((long) (Double.parseDouble(t.substring(0, t.length() - 1)) * 1000));
        }
        if (t.endsWith("m")) {
            return Duration.ofMinutes(Long.parseLong(t.substring(0, t.length() - 1)));
        }
        return Duration.ofSeconds(Long.parseLong(t));
    }
}
