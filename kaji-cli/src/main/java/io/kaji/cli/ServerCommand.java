package io.kaji.cli;

import io.kaji.apiserver.admission.AdmissionConfigFile;
import io.kaji.apiserver.admission.AdmissionOptions;
import io.kaji.apiserver.admission.AdmissionPlugins;
import io.kaji.apiserver.admission.podsecurity.NamespacePolicy;
import io.kaji.apiserver.admission.podsecurity.PodSecurity;
import io.kaji.apiserver.audit.AuditOptions;
import io.kaji.apiserver.encryption.EncryptionOptions;
import io.kaji.apiserver.encryption.SharedEncryptionConfig;
import io.kaji.apiserver.pki.ClusterBootstrap;
import io.kaji.apiserver.server.ApiServer;
import io.kaji.apiserver.server.ApiServerConfig;
import io.kaji.apiserver.server.ServerPolicies;
import io.kaji.store.RevisionedStore;
import io.kaji.store.etcd.EtcdOptions;
import io.kaji.store.etcd.EtcdStore;
import io.kaji.store.sqlite.SqliteStore;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code kaji server}: runs the cluster (API server, controller manager, scheduler, a node agent) until SIGTERM or
 * Ctrl-C, and writes an admin kubeconfig to {@code <data-dir>/kubeconfig} and the agents' join token to
 * {@code <data-dir>/node-token}.
 */
@Command(name = "server",
        mixinStandardHelpOptions = true,
        description = {
                "Run a Kaji cluster: API server, controllers, scheduler and a node agent in this process.",
                "The API server speaks the Kubernetes API over HTTPS on the cluster store (embedded SQLite,",
                "or etcd). Writes an admin kubeconfig to <data-dir>/kubeconfig (mode 0600) that kubectl uses as is:",
                "  kubectl --kubeconfig <data-dir>/kubeconfig get ns",
                "(client certificate: user kaji-admin, group kaji:cluster-admins, bound to",
                "cluster-admin), a break-glass pki/super-admin.conf (system:masters, beyond RBAC)",
                "and pki/controller-manager.conf, pki/scheduler.conf for the components.",
                "Without credentials requests get 401, except /healthz, /livez, /readyz, /version",
                "and /cacerts; the rest is authorized by RBAC. --token-auth-file adds static",
                "tokens (docs/security.md).",
                "and the join token for agents to <data-dir>/node-token (mode 0600):",
                "  kaji agent --server https://<this host>:6443 --token $(cat <data-dir>/node-token)",
                "",
                "High availability: several servers with --store etcd on one etcd cluster are one cluster.",
                "The first creates the CA and tokens and stores them in etcd encrypted with its node token;",
                "the others join with --token <its node-token>. Agents take all URLs:",
                "  kaji agent --server https://s1:6443,https://s2:6443 --token ... (see docs/ha.md)",
                "",
                "Every option can also come from a YAML file (--config, default /etc/kaji/config.yaml",
                "when it exists): keys are the long option names without dashes (data-dir: /var/lib/kaji,",
                "lists as YAML lists); the command line wins. 'kaji up' runs this in the background.",
                "",
                "The in-process agent takes kaji agent's eviction and garbage-collection flags",
                "(--eviction-*, --image-gc-*, --image-minimum-gc-age, --maximum-dead-containers*,",
                "--minimum-container-ttl-duration; docs/node.md)."})
public final class ServerCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Where the PKI, the kubeconfig, the node token and the SQLite store live "
                    + "(default: /var/lib/kaji for root, else ~/.kaji).")
    Path dataDir;

    @Option(names = "--config", paramLabel = "FILE",
            description = "A YAML file with option values (default: " + ConfigFile.DEFAULT_FILE + " if it exists).")
    Path config;

    @Option(names = "--https-port", defaultValue = "6443", paramLabel = "PORT",
            description = "The API server's HTTPS port (default: ${DEFAULT-VALUE}).")
    int httpsPort;

    @Option(names = "--bind-address", defaultValue = "127.0.0.1", paramLabel = "ADDRESS",
            description = "The address to listen on (default: ${DEFAULT-VALUE}; single-user mode is meant for "
                    + "loopback).")
    String bindAddress;

    @Option(names = "--store", defaultValue = "sqlite", paramLabel = "KIND",
            description = "The cluster store: sqlite (embedded, in <data-dir>/db) or etcd (default: ${DEFAULT-VALUE}).")
    String store;

    @Option(names = "--etcd-endpoints", paramLabel = "URLS", split = ",",
            description = "etcd client URLs for --store etcd, comma-separated, e.g. http://127.0.0.1:2379.")
    List<String> etcdEndpoints;

    @Option(names = "--token", paramLabel = "TOKEN",
            description = "With --store etcd: join the cluster already in the store (another server's "
                    + "<data-dir>/node-token). The first server creates the cluster's CA and tokens and stores them, "
                    + "encrypted with its node token, for the servers that join later; a restarted server uses its "
                    + "own node-token file.")
    String token;

    @Option(names = "--leader-elect-lease-duration", defaultValue = "15s", paramLabel = "DURATION",
            description = "How long the controller manager's and scheduler's leader Leases last unrenewed; with "
                    + "several servers, a killed leader is replaced about this long after its last renewal "
                    + "(default: ${DEFAULT-VALUE}, as Kubernetes).")
    String leaseDuration;

    @Option(names = "--leader-elect-renew-deadline", defaultValue = "10s", paramLabel = "DURATION",
            description = "How long a leader keeps trying to renew before it steps down (default: ${DEFAULT-VALUE}).")
    String renewDeadline;

    @Option(names = "--leader-elect-retry-period", defaultValue = "2s", paramLabel = "DURATION",
            description = "How often candidates try to acquire and leaders renew (default: ${DEFAULT-VALUE}).")
    String retryPeriod;

    @Option(names = "--node-monitor-grace-period", defaultValue = "10s", paramLabel = "DURATION",
            description = "How long a node's Lease may go unrenewed before the controller manager marks the node "
                    + "NotReady and taints it; the agents renew every 2 s by default (default: ${DEFAULT-VALUE}; "
                    + "Kubernetes: 40s with 10-s renewals).")
    String nodeMonitorGracePeriod;

    @Option(names = "--disable-agent",
            description = "Do not run a node agent in this process (a control-plane-only server; join nodes with "
                    + "'kaji agent'). The in-process agent needs root and containerd (./setup installs it).")
    boolean disableAgent;

    @Option(names = "--disable-controller-manager", description = "Do not run the controller manager in this process.")
    boolean disableControllers;

    @Option(names = "--disable-scheduler", description = "Do not run the scheduler in this process.")
    boolean disableScheduler;

    @Option(names = "--cluster-cidr", defaultValue = "10.42.0.0/16", paramLabel = "CIDR",
            description = "The pod network; each node gets a /24 of it (default: ${DEFAULT-VALUE}).")
    String clusterCidr;

    @Option(names = "--service-cidr", defaultValue = "10.43.0.0/16", paramLabel = "CIDR",
            description = "Where Service cluster IPs come from; the kubernetes Service takes the first address, "
                    + "cluster DNS the tenth (default: ${DEFAULT-VALUE}).")
    String serviceCidr;

    @Option(names = "--cluster-domain", defaultValue = "cluster.local", paramLabel = "DOMAIN",
            description = "The cluster DNS domain (default: ${DEFAULT-VALUE}).")
    String clusterDomain;

    @Option(names = "--token-auth-file", paramLabel = "FILE",
            description = "Static bearer tokens, kube-apiserver's CSV format: token,user,uid[,\"group1,group2\"] "
                    + "per line. Users get no rights until RBAC binds them (see docs/security.md).")
    Path tokenAuthFile;

    @Option(names = "--node-cert-validity", defaultValue = "8760h", paramLabel = "DURATION",
            description = "The lifetime of node client certificates the server signs (kube-controller-manager's "
                    + "--cluster-signing-duration); agents renew theirs at 70-90%% of it (default: ${DEFAULT-VALUE}, "
                    + "a year).")
    String nodeCertValidity;

    @Option(names = "--node-name", paramLabel = "NAME",
            description = "The in-process agent's Node name (default: this machine's hostname).")
    String nodeName;

    @Option(names = "--assess-interval", paramLabel = "DURATION",
            description = "Run the security assessment this often (e.g. 1h) into ConfigMap kube-system/kaji-assessment "
                    + "and Events (default: off; see kaji assess).")
    String assessInterval;

    @Option(names = "--pod-security-default", paramLabel = "MODES",
            description = "The Pod Security levels of namespaces without pod-security.kubernetes.io labels: "
                    + "enforce|audit|warn[-version]=LEVEL|VERSION, comma-separated; modes left out are privileged "
                    + "(default: " + PodSecurity.DEFAULT_POLICY + ", or the --admission-control-config-file's). "
                    + "kube-system is exempt.")
    String podSecurityDefault;

    @Option(names = "--admission-control-config-file", paramLabel = "FILE",
            description = "An AdmissionConfiguration (apiserver.config.k8s.io/v1) as kube-apiserver reads it; Kaji "
                    + "uses its PodSecurity entry (a PodSecurityConfiguration: defaults and exempt namespaces, "
                    + "usernames, runtimeClasses).")
    Path admissionConfigFile;

    @Option(names = "--disable-admission-plugins", paramLabel = "NAMES", split = ",",
            description = "Admission plugins not to run, comma-separated (all run by default: "
                    + "NamespaceLifecycle, DefaultTolerationSeconds, LimitRanger, PodSecurity, ResourceQuota).")
    List<String> disabledAdmissionPlugins;

    @Option(names = "--encryption-provider-config", paramLabel = "FILE",
            description = "An EncryptionConfiguration (apiserver.config.k8s.io/v1) for encryption at rest "
                    + "(default: <data-dir>/encryption-config.yaml, generated at first start: Secrets with AES-GCM; "
                    + "with --store etcd the generated file is shared by every server). Rotate keys with "
                    + "'kaji secrets rotate-key'.")
    Path encryptionConfig;

    @Option(names = "--audit-log-path", paramLabel = "FILE",
            description = "The audit log, JSON lines of audit.k8s.io/v1 Events (default: <data-dir>/logs/audit.log; "
                    + "'-' for standard output).")
    String auditLogPath;

    @Option(names = "--audit-policy-file", paramLabel = "FILE",
            description = "The audit.k8s.io/v1 Policy deciding what is logged at which level (default: "
                    + "<data-dir>/audit-policy.yaml, generated at first start: Metadata for everything, request bodies "
                    + "of writes, never Secret bodies).")
    Path auditPolicyFile;

    @Option(names = "--audit-log-maxsize", defaultValue = "100", paramLabel = "MB",
            description = "Rotate the audit log when it would grow beyond this many megabytes (default: "
                    + "${DEFAULT-VALUE}; 0: never).")
    int auditLogMaxSize;

    @Option(names = "--audit-log-maxbackup", defaultValue = "10", paramLabel = "N",
            description = "Rotated audit log files kept (default: ${DEFAULT-VALUE}; 0: all).")
    int auditLogMaxBackup;

    @Option(names = "--audit-log-maxage", defaultValue = "0", paramLabel = "DAYS",
            description = "Delete rotated audit log files older than this many days (default: ${DEFAULT-VALUE}: "
                    + "never by age).")
    int auditLogMaxAge;

    @Option(names = "--max-requests-inflight", defaultValue = "64", paramLabel = "N",
            description = "API Priority and Fairness: requests executing at once (watches and other long-running "
                    + "requests excluded); more wait, node heartbeats and leader election first, then workloads in "
                    + "turn (default: ${DEFAULT-VALUE}; 0: no limit, no priorities).")
    int maxRequestsInflight;

    /**
     * The in-process agent's eviction and garbage-collection options: the same flags (and config-file keys) as
     * {@code kaji agent}'s.
     */
    @CommandLine.Mixin
    NodeResourceOptions nodeResources;

    private NodeClientCertificate nodeCertificate;
    private java.util.concurrent.ScheduledExecutorService rotation;

    /** The daemon thread that renews the in-process agent's certificate and closes replaced API clients. */
    private java.util.concurrent.ScheduledExecutorService rotationThread() {
        if (rotation == null) {
            rotation = NodeCredentials.rotationExecutor();
        }
        return rotation;
    }

    @Override
    public Integer call() throws Exception {
        Path dir = DataDir.of(dataDir).path();
        ApiServerConfig config;
        try {
            config = ApiServerConfig.defaults(dir.toAbsolutePath()).withPort(httpsPort).withBindAddress(bindAddress)
                    .withVersion(VersionCommand.version()).withServiceCidr(serviceCidr).withClusterCidr(clusterCidr)
                    .withClusterDomain(clusterDomain)
                    .withTokenAuthFile(tokenAuthFile == null ? null : tokenAuthFile.toAbsolutePath());
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--service-cidr: " + e.getMessage());
        }
        try {
            config = config.withNodeCertificateValidity(Durations.parse(nodeCertValidity));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--node-cert-validity: " + e.getMessage());
        }
        if (tokenAuthFile != null && !java.nio.file.Files.isReadable(tokenAuthFile)) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--token-auth-file: cannot read " + tokenAuthFile);
        }
        try {
            // The node IPAM controller's own check, so that a CIDR it would refuse fails here, not in the background.
            new io.kaji.controllers.nodeipam.CidrAllocator(clusterCidr, EmbeddedControlPlane.NODE_CIDR_PREFIX);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--cluster-cidr: " + e.getMessage());
        }
        try {
            config = config.withPolicies(policies());
        } catch (IllegalArgumentException | java.io.UncheckedIOException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        EmbeddedControlPlane.ElectionTimes election;
        try {
            election = new EmbeddedControlPlane.ElectionTimes(Durations.parse(leaseDuration),
                    Durations.parse(renewDeadline), Durations.parse(retryPeriod));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--leader-elect-*: " + e.getMessage());
        }
        java.time.Duration nodeGrace;
        try {
            nodeGrace = Durations.parse(nodeMonitorGracePeriod);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--node-monitor-grace-period: "
                    + e.getMessage());
        }
        if (!nodeGrace.isPositive()) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--node-monitor-grace-period must be longer than 0 (for example 10s or 40s)");
        }
        if (token != null && !store.equals("etcd")) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--token joins a cluster in a shared store: it needs --store etcd");
        }
        java.time.Duration assessEvery = null;
        if (assessInterval != null) {
            try {
                assessEvery = io.kaji.support.assess.ContinuousAssessment.parseInterval(assessInterval);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--assess-interval: " + e.getMessage());
            }
        }
        // The agent's flags are checked before anything starts, also with --disable-agent (a typo stays a typo).
        nodeResources.check();
        RevisionedStore st = openStore(dir);
        ApiServer server;
        try {
            if (store.equals("etcd")) {
                // Several servers on one etcd are one cluster: the same CA, admin token and node token.
                ClusterBootstrap.Data cluster = ClusterBootstrap.join(st, dir.toAbsolutePath(), token);
                EncryptionOptions encryption = config.policies().encryption();
                if (encryption.generated()) {
                    // Every server must read and write Secrets with the same keys.
                    SharedEncryptionConfig.sync(st, encryption.file(dir.toAbsolutePath()), cluster.nodeToken());
                }
            }
            server = ApiServer.start(config, st);
        } catch (RuntimeException e) {
            st.close();
            throw e;
        }
        EmbeddedControlPlane plane;
        LocalAgent agent = null;
        try {
            plane = EmbeddedControlPlane.start(st, new EmbeddedControlPlane.Options(
                    server.controllerManagerKubeconfigPath(), server.schedulerKubeconfigPath(), clusterCidr,
                    !disableControllers, !disableScheduler, leaderIdentity(server.port()), election, nodeGrace),
                    server.pki());
            if (!disableAgent) {
                String node = nodeName != null ? nodeName : java.net.InetAddress.getLocalHost().getHostName().toLowerCase();
                // What 'kaji down' needs to clean only this cluster's host state after a crash.
                HostState.write(dir, new HostState(node, clusterCidr, "kaji0"));
                try {
                    // The agent is a node like any other: its own system:node:<name> certificate (renewed through
                    // CSRs like a joined agent's), so the Node authorizer and NodeRestriction apply to it too.
                    io.kaji.node.NodeLayout layout = new io.kaji.node.NodeLayout(dir.resolve("node"));
                    nodeCertificate = NodeCredentials.issueInProcess(server.pki(),
                            EmbeddedControlPlane.clientConfig(server.kubeconfigPath()), node,
                            layout.dataDir().resolve("pki"), config.nodeCertificateValidity(), rotationThread());
                    agent = LocalAgent.startWithCertificate(nodeCertificate, agentOptions(node, layout), false,
                            rotationThread());
                } catch (RuntimeException e) {
                    if (nodeCertificate != null) {
                        nodeCertificate.close();
                    }
                    plane.close();
                    throw new IllegalStateException("the in-process node agent did not start: " + e.getMessage()
                            + " (run as root after ./setup, or start with --disable-agent)", e);
                }
            }
        } catch (RuntimeException | java.io.IOException e) {
            server.close();
            st.close();
            throw e instanceof RuntimeException re ? re : new IllegalStateException(e);
        }
        ServerAssessment.Running running = assessEvery == null ? null
                : ServerAssessment.start(dir, server.kubeconfigPath(), assessEvery);
        if (running != null) {
            server.exposeMetrics(running::metrics);
        }
        AutoCloseable assessment = running == null ? () -> { } : running;
        CountDownLatch stopped = new CountDownLatch(1);
        LocalAgent runningAgent = agent;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                assessment.close();
            } catch (Exception e) {
                // Stopping: nothing to do about a failed close of the assessment loop.
            }
            if (nodeCertificate != null) {
                nodeCertificate.close();
            }
            if (runningAgent != null) {
                runningAgent.close();
            }
            plane.close();
            server.close();
            st.close();
            stopped.countDown();
        }, "kaji-server-shutdown"));
        PrintWriter out = spec.commandLine().getOut();
        out.println("Kaji API server listening on " + server.url() + " (store: " + describeStore(dir) + ")");
        out.println("Admin kubeconfig: " + server.kubeconfigPath());
        out.println("Node token (for kaji agent --token): " + server.nodeTokenPath());
        out.println("Components: " + (disableControllers ? "" : "controller-manager ") + (disableScheduler ? "" : "scheduler ")
                + (disableAgent ? "(no local node agent)" : "node agent"));
        out.println("Next:");
        out.println("  export KUBECONFIG=" + server.kubeconfigPath());
        out.println("  kubectl get nodes");
        out.flush();
        stopped.await();
        return 0;
    }

    /**
     * The in-process agent's settings: bridge kaji0, Kaji's lease renewal and back-off, the kubelet's port, and the
     * eviction and garbage-collection flags.
     *
     * @throws CommandLine.ParameterException naming the flag whose value is bad
     */
    LocalAgent.Options agentOptions(String node, io.kaji.node.NodeLayout layout) {
        return new LocalAgent.Options(node, layout, null, null, "kaji0", java.time.Duration.ofSeconds(2),
                io.kaji.node.agent.AgentConfig.DEFAULT_INITIAL_BACKOFF,
                io.kaji.node.agent.AgentConfig.DEFAULT_MAX_BACKOFF, true,
                io.kaji.node.agent.AgentConfig.DEFAULT_KUBELET_PORT,
                nodeResources.evictionConfig(), nodeResources.imageGcPolicy(), nodeResources.containerGcPolicy(),
                nodeResources.systemReserved(), nodeResources.kubeReserved(), nodeResources.logRotationPolicy(),
                nodeResources.sysctlAllowlist());
    }

    private ServerPolicies policies() {
        PodSecurity.Options podSecurity = PodSecurity.Options.kaji();
        if (admissionConfigFile != null) {
            podSecurity = AdmissionConfigFile.podSecurity(admissionConfigFile, podSecurity);
        }
        if (podSecurityDefault != null) {
            try {
                podSecurity = podSecurity.withDefaults(NamespacePolicy.parseDefaults(podSecurityDefault));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--pod-security-default: " + e.getMessage(), e);
            }
        }
        List<String> plugins = new java.util.ArrayList<>(AdmissionPlugins.DEFAULT_ENABLED);
        if (disabledAdmissionPlugins != null) {
            for (String name : disabledAdmissionPlugins) {
                if (!plugins.remove(name.trim())) {
                    throw new IllegalArgumentException("--disable-admission-plugins: unknown plugin \"" + name
                            + "\"; known: " + String.join(", ", AdmissionPlugins.names()));
                }
            }
        }
        AuditOptions audit;
        try {
            audit = new AuditOptions(true, auditLogPath, auditPolicyFile == null ? null
                    : auditPolicyFile.toAbsolutePath(), auditLogMaxSize, auditLogMaxBackup, auditLogMaxAge);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--audit-log-*: " + e.getMessage(), e);
        }
        if (maxRequestsInflight < 0) {
            throw new IllegalArgumentException("--max-requests-inflight must be 0 (off) or more, got "
                    + maxRequestsInflight);
        }
        return ServerPolicies.defaults()
                .withMaxRequestsInflight(maxRequestsInflight)
                .withAudit(audit)
                .withAdmission(AdmissionOptions.defaults().withPodSecurity(podSecurity).withEnabled(plugins))
                .withEncryption(new EncryptionOptions(true, encryptionConfig == null ? null
                        : encryptionConfig.toAbsolutePath()));
    }

    /**
     * This server's leader-election identity, {@code <hostname>-<port>}: unique per server on one machine (their
     * ports differ) and telling, in a Lease's holderIdentity, which server leads.
     */
    static String leaderIdentity(int port) {
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName().toLowerCase(java.util.Locale.ROOT);
        } catch (java.net.UnknownHostException e) {
            host = "kaji";
        }
        return host + "-" + port;
    }

    private RevisionedStore openStore(Path dir) {
        return switch (store) {
            case "sqlite" -> SqliteStore.open(dir.resolve("db"));
            case "etcd" -> {
                if (etcdEndpoints == null || etcdEndpoints.isEmpty()) {
                    throw new CommandLine.ParameterException(spec.commandLine(),
                            "--store etcd needs --etcd-endpoints, e.g. --etcd-endpoints http://127.0.0.1:2379");
                }
                yield EtcdStore.connect(EtcdOptions.of(etcdEndpoints));
            }
            default -> throw new CommandLine.ParameterException(spec.commandLine(),
                    "--store: unknown store \"" + store + "\"; expected one of " + Arrays.asList("sqlite", "etcd"));
        };
    }

    private String describeStore(Path dir) {
        return store.equals("etcd") ? "etcd " + String.join(",", etcdEndpoints) : "sqlite " + dir.resolve("db");
    }
}
