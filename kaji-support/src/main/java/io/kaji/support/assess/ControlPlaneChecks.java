package io.kaji.support.assess;

import static io.kaji.support.assess.Severity.HIGH;
import static io.kaji.support.assess.Severity.LOW;
import static io.kaji.support.assess.Severity.MEDIUM;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import tools.jackson.databind.JsonNode;

/**
 * CIS sections 1 to 4 (control plane, etcd, control-plane configuration, worker nodes). On a Kaji server node
 * ({@link HostConfig#present()}) each item is decided from Kaji's equivalent: one process runs the API server,
 * controller manager, scheduler and node agent, so the benchmark's per-component manifests and kubeconfigs map to
 * Kaji's config file, data dir kubeconfig and PKI, and most flags to built-in behaviour. Elsewhere each item is
 * MANUAL with the question to answer on the node.
 */
final class ControlPlaneChecks {

    static final String FILES = "1.1 Control Plane Node Configuration Files";
    static final String API = "1.2 API Server";
    static final String CM = "1.3 Controller Manager";
    static final String SCHED = "1.4 Scheduler";
    static final String ETCD = "2 Etcd Node Configuration";
    static final String AUTHN = "3.1 Authentication and Authorization";
    static final String LOGGING = "3.2 Logging";
    static final String NODE_FILES = "4.1 Worker Node Configuration Files";
    static final String KUBELET = "4.2 Kubelet";
    static final String PROXY = "4.3 kube-proxy";

    private static final String ONE_PROCESS = "Kaji runs the API server, controller manager and scheduler in one "
            + "process configured by flags and its config file; there are no static pod manifests";

    private ControlPlaneChecks() {
    }

    static List<Check> all() {
        List<Check> out = new ArrayList<>();
        files(out);
        apiServer(out);
        controllerManagerAndScheduler(out);
        etcd(out);
        authAndLogging(out);
        node(out);
        return out;
    }

    // ---- 1.1 files ----

    private static void files(List<Check> out) {
        String[][] manifests = {{"1.1.1", "1.1.2", "API server", "kube-apiserver"},
                {"1.1.3", "1.1.4", "controller manager", "kube-controller-manager"},
                {"1.1.5", "1.1.6", "scheduler", "kube-scheduler"}, {"1.1.7", "1.1.8", "etcd", "etcd"}};
        for (String[] m : manifests) {
            String file = "/etc/kubernetes/manifests/" + m[3] + ".yaml";
            out.add(host(m[0], "Ensure that the " + m[2] + " pod specification file permissions are set to 600 or "
                            + "more restrictive", FILES, MEDIUM,
                    "On each control-plane node, is " + file + " (or your distribution's equivalent) mode 600 or "
                            + "stricter? (stat -c %a " + file + ")",
                    "chmod 600 the file that configures the component (Kaji: the config file).",
                    ctx -> configFile(ctx, true)));
            out.add(host(m[1], "Ensure that the " + m[2] + " pod specification file ownership is set to root:root",
                    FILES, MEDIUM, "On each control-plane node, is " + file + " owned by root:root? (stat -c %U:%G "
                            + file + ")",
                    "chown root:root the file that configures the component (Kaji: the config file).",
                    ctx -> configFile(ctx, false)));
        }
        out.add(host("1.1.9", "Ensure that the Container Network Interface file permissions are set to 600 or more "
                        + "restrictive", FILES, MEDIUM,
                "On each node, are the CNI configuration files (/etc/cni/net.d/*) mode 600 or stricter?",
                "chmod 600 the CNI configuration files.",
                ctx -> cniFiles(ctx, true)));
        out.add(host("1.1.10", "Ensure that the Container Network Interface file ownership is set to root:root", FILES,
                MEDIUM, "On each node, are the CNI configuration files (/etc/cni/net.d/*) owned by root:root?",
                "chown root:root the CNI configuration files.", ctx -> cniFiles(ctx, false)));
        out.add(host("1.1.11", "Ensure that the etcd data directory permissions are set to 700 or more restrictive",
                FILES, HIGH, "On each etcd member, is the data directory (--data-dir, usually /var/lib/etcd) mode 700 "
                        + "or stricter?",
                "chmod 700 the store's data directory (Kaji: <data-dir>/db).",
                ctx -> storeFiles(ctx, true)));
        out.add(host("1.1.12", "Ensure that the etcd data directory ownership is set to etcd:etcd", FILES, MEDIUM,
                "On each etcd member, is the data directory owned by the etcd user (etcd:etcd)?",
                "chown the store's data directory to the user the store runs as (Kaji: root, which runs kaji server).",
                ctx -> storeFiles(ctx, false)));
        out.add(host("1.1.13", "Ensure that the default administrative credential file permissions are set to 600",
                FILES, HIGH, "On each control-plane node, are /etc/kubernetes/admin.conf and super-admin.conf mode 600?",
                "chmod 600 <data-dir>/kubeconfig and <data-dir>/pki/admin.token.",
                ctx -> adminCredentials(ctx, true)));
        out.add(host("1.1.14", "Ensure that the default administrative credential file ownership is set to root:root",
                FILES, HIGH, "On each control-plane node, are /etc/kubernetes/admin.conf and super-admin.conf owned "
                        + "by root:root?",
                "chown root:root <data-dir>/kubeconfig and <data-dir>/pki/admin.token.",
                ctx -> adminCredentials(ctx, false)));
        String[][] confs = {{"1.1.15", "1.1.16", "scheduler.conf", "scheduler"},
                {"1.1.17", "1.1.18", "controller-manager.conf", "controller manager"}};
        for (String[] c : confs) {
            out.add(host(c[0], "Ensure that the " + c[2] + " file permissions are set to 600 or more restrictive",
                    FILES, HIGH, "On each control-plane node, is /etc/kubernetes/" + c[2] + " mode 600 or stricter?",
                    "chmod 600 <data-dir>/kubeconfig (the " + c[3] + "'s credential in Kaji).",
                    ctx -> componentKubeconfig(ctx, c[3], true)));
            out.add(host(c[1], "Ensure that the " + c[2] + " file ownership is set to root:root", FILES, HIGH,
                    "On each control-plane node, is /etc/kubernetes/" + c[2] + " owned by root:root?",
                    "chown root:root <data-dir>/kubeconfig.", ctx -> componentKubeconfig(ctx, c[3], false)));
        }
        out.add(host("1.1.19", "Ensure that the Kubernetes PKI directory and file ownership is set to root:root", FILES,
                HIGH, "On each control-plane node, are /etc/kubernetes/pki and every file in it owned by root:root?",
                "chown -R root:root <data-dir>/pki.", ControlPlaneChecks::pkiOwnership));
        out.add(host("1.1.20", "Ensure that the Kubernetes PKI certificate file permissions are set to 644 or more "
                        + "restrictive", FILES, MEDIUM,
                "On each control-plane node, are /etc/kubernetes/pki/*.crt mode 644 or stricter?",
                "chmod 644 <data-dir>/pki/*.crt.", ctx -> pkiModes(ctx, ".crt", 0644)));
        out.add(host("1.1.21", "Ensure that the Kubernetes PKI key file permissions are set to 600", FILES, HIGH,
                "On each control-plane node, are /etc/kubernetes/pki/*.key mode 600?",
                "chmod 600 <data-dir>/pki/*.key <data-dir>/pki/admin.token <data-dir>/node-token.",
                ctx -> pkiModes(ctx, ".key", 0600)));
    }

    private static List<Finding> configFile(AssessmentContext ctx, boolean mode) {
        Path config = ctx.host().configFile() != null ? ctx.host().configFile() : HostConfig.DEFAULT_CONFIG;
        Finding f = mode ? HostFiles.modeAtMost(config, 0600, false) : HostFiles.ownedByRoot(config, false);
        if (f.status() == Status.PASS && !Files.exists(config)) {
            return List.of(Finding.pass(HostFiles.ref(config), ONE_PROCESS + "; its config file " + config
                    + " does not exist, so flags come only from the command line", f.evidence()));
        }
        return List.of(f);
    }

    private static List<Finding> cniFiles(AssessmentContext ctx, boolean mode) {
        List<Path> files = new ArrayList<>(HostFiles.find(ctx.host().dataDir(), 6, ".conflist"));
        files.addAll(HostFiles.find(Path.of("/etc/cni/net.d"), 1, ".conflist"));
        if (files.isEmpty()) {
            return List.of(Finding.pass(ObjectRef.CLUSTER, "no CNI configuration file on this node (the agent "
                    + "writes one when it starts pods)", "*.conflist under " + ctx.host().dataDir() + ": 0"));
        }
        List<Finding> out = new ArrayList<>();
        for (Path p : files.stream().distinct().toList()) {
            out.add(mode ? HostFiles.modeAtMost(p, 0600, true) : HostFiles.ownedByRoot(p, true));
        }
        return out;
    }

    private static List<Finding> storeFiles(AssessmentContext ctx, boolean mode) {
        String store = ctx.host().flag("store").orElse("sqlite");
        if (store.equals("etcd")) {
            return List.of(Finding.manual(ObjectRef.CLUSTER, "Kaji stores in an external etcd ("
                    + ctx.host().flag("etcd-endpoints").orElse("?") + "): on each etcd member, is the data directory "
                    + (mode ? "mode 700 or stricter?" : "owned by the etcd user?")));
        }
        Path db = ctx.host().dataDir().resolve("db");
        return List.of(mode ? HostFiles.modeAtMost(db, 0700, true) : HostFiles.ownedByRoot(db, true));
    }

    private static List<Finding> adminCredentials(AssessmentContext ctx, boolean mode) {
        List<Finding> out = new ArrayList<>();
        Path kubeconfig = ctx.host().dataDir().resolve("kubeconfig");
        Path token = ctx.host().dataDir().resolve("pki/admin.token");
        out.add(mode ? HostFiles.modeAtMost(kubeconfig, 0600, true) : HostFiles.ownedByRoot(kubeconfig, true));
        out.add(mode ? HostFiles.modeAtMost(token, 0600, false) : HostFiles.ownedByRoot(token, false));
        return out;
    }

    private static List<Finding> componentKubeconfig(AssessmentContext ctx, String component, boolean mode) {
        Path kubeconfig = ctx.host().dataDir().resolve("kubeconfig");
        Finding f = mode ? HostFiles.modeAtMost(kubeconfig, 0600, true) : HostFiles.ownedByRoot(kubeconfig, true);
        return List.of(new Finding(f.status(), f.kind(), f.namespace(), f.name(), null, "the in-process "
                + component + " uses " + kubeconfig + ": " + f.message(), f.evidence(), null, null));
    }

    private static List<Finding> pkiOwnership(AssessmentContext ctx) {
        Path pki = ctx.host().dataDir().resolve("pki");
        List<Finding> out = new ArrayList<>();
        out.add(HostFiles.ownedByRoot(pki, true));
        for (Path p : HostFiles.filesIn(pki, "")) {
            out.add(HostFiles.ownedByRoot(p, true));
        }
        return out;
    }

    private static List<Finding> pkiModes(AssessmentContext ctx, String suffix, int max) {
        Path pki = ctx.host().dataDir().resolve("pki");
        List<Finding> out = new ArrayList<>();
        List<Path> files = new ArrayList<>(HostFiles.filesIn(pki, suffix));
        if (suffix.equals(".key")) {
            files.addAll(HostFiles.filesIn(pki, ".token"));
            Path nodeToken = ctx.host().dataDir().resolve("node-token");
            if (Files.exists(nodeToken)) {
                files.add(nodeToken);
            }
        }
        if (files.isEmpty()) {
            return List.of(Finding.fail(HostFiles.ref(pki), null, "holds no " + suffix + " files: is this Kaji's "
                    + "data dir?", pki + "/*" + suffix + ": 0"));
        }
        for (Path p : files) {
            out.add(HostFiles.modeAtMost(p, max, true));
        }
        return out;
    }

    // ---- 1.2 API server ----

    private static void apiServer(List<Check> out) {
        out.add(host("1.2.1", "Ensure that the --anonymous-auth argument is set to false", API, HIGH,
                "Is kube-apiserver started with --anonymous-auth=false (or anonymous access limited to health "
                        + "endpoints by an AuthenticationConfiguration)?",
                "Start kaji server without --anonymous-auth=true.",
                ctx -> List.of(ctx.host().flag("anonymous-auth").map(v -> v.equals("true")).orElse(false)
                        ? setting(Status.FAIL, "anonymous-auth", "anonymous requests are authenticated as "
                        + "system:anonymous for every path", "--anonymous-auth=true")
                        : setting(Status.PASS, "anonymous-auth", "anonymous requests reach only /healthz, /livez, "
                        + "/readyz and /version", "--anonymous-auth=" + ctx.host().flag("anonymous-auth")
                        .orElse("false (default)")))));
        out.add(host("1.2.2", "Ensure that the --token-auth-file parameter is not set", API, HIGH,
                "Is kube-apiserver started without --token-auth-file?",
                "Remove --token-auth-file; use client certificates or service account tokens, which can be revoked.",
                ControlPlaneChecks::tokenAuthFile));
        out.add(host("1.2.3", "Ensure that the --DenyServiceExternalIPs is set", API, MEDIUM,
                "Does kube-apiserver's --enable-admission-plugins include DenyServiceExternalIPs?",
                "Kaji has no DenyServiceExternalIPs admission plugin: remove spec.externalIPs from Services, or "
                        + "exempt them if the addresses are yours.",
                ControlPlaneChecks::externalIps));
        out.add(host("1.2.4", "Ensure that the --kubelet-client-certificate and --kubelet-client-key arguments are set "
                        + "as appropriate", API, HIGH,
                "Is kube-apiserver started with --kubelet-client-certificate and --kubelet-client-key?",
                "Nothing to do in Kaji.",
                ctx -> List.of(builtIn("apiserver-kubelet-client", "the API server authenticates to node agents with "
                        + "a client certificate (CN kube-apiserver-kubelet-client) issued by the cluster CA",
                        "nodeproxy.AgentCredentials"))));
        out.add(host("1.2.5", "Ensure that the --kubelet-certificate-authority argument is set as appropriate", API,
                HIGH, "Is kube-apiserver started with --kubelet-certificate-authority?",
                "Not configurable in Kaji yet: agents serve self-signed certificates the API server does not verify. "
                        + "Keep the node network trusted, or exempt with a reason.",
                ctx -> List.of(Finding.fail(new ObjectRef("Component", null, "apiserver-to-agent"), null,
                        "the API server does not verify node agents' serving certificates (agents serve "
                                + "self-signed certificates)", "nodeproxy.AgentClient trusts any agent certificate"))));
        out.add(host("1.2.6", "Ensure that the --authorization-mode argument is not set to AlwaysAllow", API, HIGH,
                "Is kube-apiserver's --authorization-mode free of AlwaysAllow?", "Nothing to do in Kaji.",
                ctx -> List.of(authorization("Kaji always authorizes with Node,RBAC; there is no AlwaysAllow mode"))));
        out.add(host("1.2.7", "Ensure that the --authorization-mode argument includes Node", API, HIGH,
                "Does kube-apiserver's --authorization-mode include Node?", "Nothing to do in Kaji.",
                ctx -> List.of(authorization("Kaji's authorization always includes the Node authorizer"))));
        out.add(host("1.2.8", "Ensure that the --authorization-mode argument includes RBAC", API, HIGH,
                "Does kube-apiserver's --authorization-mode include RBAC?", "Nothing to do in Kaji.",
                ctx -> List.of(authorization("Kaji's authorization always includes RBAC"))));
        out.add(host("1.2.9", "Ensure that the admission control plugin EventRateLimit is set", API, LOW,
                "Does --enable-admission-plugins include EventRateLimit, with a configuration in "
                        + "--admission-control-config-file?",
                "Kaji has no EventRateLimit admission plugin; limit event producers (API priority and fairness is "
                        + "not available either) or exempt with a reason.",
                ctx -> List.of(setting(Status.WARN, "admission", "Kaji has no EventRateLimit admission plugin: a "
                        + "client can flood the store with events", "admission plugins: no EventRateLimit"))));
        out.add(host("1.2.10", "Ensure that the admission control plugin AlwaysAdmit is not set", API, HIGH,
                "Is AlwaysAdmit absent from --enable-admission-plugins?", "Nothing to do in Kaji.",
                ctx -> List.of(builtIn("admission", "Kaji has no AlwaysAdmit plugin", "admission plugins: no "
                        + "AlwaysAdmit"))));
        out.add(host("1.2.11", "Ensure that the admission control plugin AlwaysPullImages is set", API, LOW,
                "Does --enable-admission-plugins include AlwaysPullImages (so pods cannot use another tenant's "
                        + "cached private image)?",
                "Kaji has no AlwaysPullImages plugin: set imagePullPolicy: Always on workloads using private images.",
                ctx -> List.of(setting(Status.WARN, "admission", "Kaji has no AlwaysPullImages admission plugin: a "
                        + "pod can start an image already on the node without pull credentials",
                        "admission plugins: no AlwaysPullImages"))));
        out.add(host("1.2.12", "Ensure that the admission control plugin ServiceAccount is set", API, MEDIUM,
                "Is ServiceAccount admission enabled (not in --disable-admission-plugins)?", "Nothing to do in Kaji.",
                ctx -> List.of(builtIn("serviceaccount", "every namespace gets a default ServiceAccount and the "
                        + "kube-root-ca.crt ConfigMap (ServiceAccountController); pods default to it",
                        "controllers.serviceaccount.ServiceAccountController"))));
        out.add(host("1.2.13", "Ensure that the admission control plugin NamespaceLifecycle is set", API, MEDIUM,
                "Is NamespaceLifecycle admission enabled (not in --disable-admission-plugins)?", "Nothing to do in Kaji.",
                ctx -> List.of(builtIn("namespace-lifecycle", "the API server rejects objects in a missing or "
                        + "terminating namespace", "ResourceHandler: \"... because it is being terminated\""))));
        out.add(asked("1.2.14", "Ensure that the admission control plugin NodeRestriction is set", API, HIGH,
                "Does --enable-admission-plugins include NodeRestriction?",
                "Kaji authorizes agents with the Node authorizer but has no NodeRestriction admission plugin: do "
                        + "agents of this cluster run on trusted machines only? (A compromised agent can modify other "
                        + "nodes' Node objects and pods' status.)",
                "Run agents only on trusted machines until Kaji restricts what an agent may change."));
        out.add(host("1.2.15", "Ensure that the --profiling argument is set to false", API, LOW,
                "Is kube-apiserver started with --profiling=false?", "Nothing to do in Kaji.",
                ctx -> List.of(builtIn("profiling", "Kaji serves no profiling endpoint (no /debug/pprof)",
                        "API server paths: no /debug"))));
        out.add(host("1.2.16", "Ensure that the --audit-log-path argument is set", API, HIGH,
                "Is kube-apiserver started with --audit-log-path?",
                "Start kaji server with --audit-log-path (default <data-dir>/logs/audit.log), not an empty value.",
                ControlPlaneChecks::auditLogPath));
        out.add(host("1.2.17", "Ensure that the --audit-log-maxage argument is set to 30 or as appropriate", API, LOW,
                "Is --audit-log-maxage 30 or more?", "Set --audit-log-maxage 30 (days) or more.",
                ctx -> auditRetention(ctx, "audit-log-maxage", 30)));
        out.add(host("1.2.18", "Ensure that the --audit-log-maxbackup argument is set to 10 or as appropriate", API, LOW,
                "Is --audit-log-maxbackup 10 or more?", "Set --audit-log-maxbackup 10 or more.",
                ctx -> auditRetention(ctx, "audit-log-maxbackup", 10)));
        out.add(host("1.2.19", "Ensure that the --audit-log-maxsize argument is set to 100 or as appropriate", API, LOW,
                "Is --audit-log-maxsize 100 (MB) or more?", "Set --audit-log-maxsize 100 (MB) or more.",
                ctx -> auditRetention(ctx, "audit-log-maxsize", 100)));
        out.add(asked("1.2.20", "Ensure that the --request-timeout argument is set as appropriate", API, LOW,
                "Is kube-apiserver's --request-timeout (default 60s) appropriate for the largest lists and slowest "
                        + "clients?",
                "Kaji's request timeout is built in: do clients with very large lists complete within it?",
                "Raise the timeout only if large lists time out."));
        out.add(asked("1.2.21", "Ensure that the --service-account-lookup argument is set to true", API, MEDIUM,
                "Is kube-apiserver started with --service-account-lookup=true (the default)?",
                "Does Kaji reject service account tokens of deleted ServiceAccounts? Delete a test ServiceAccount and "
                        + "retry a request with its token.",
                "Make the API server validate tokens against existing ServiceAccounts."));
        out.add(asked("1.2.22", "Ensure that the --service-account-key-file argument is set as appropriate", API,
                MEDIUM, "Is kube-apiserver's --service-account-key-file the public key matching the controller "
                        + "manager's --service-account-private-key-file?",
                "Which key signs Kaji's service account tokens, and is its private half readable by root only?",
                "Keep the signing key private (mode 600) and rotate it with overlapping verification keys."));
        out.add(host("1.2.23", "Ensure that the --etcd-certfile and --etcd-keyfile arguments are set as appropriate",
                API, HIGH, "Is kube-apiserver started with --etcd-certfile and --etcd-keyfile?",
                "Use https:// etcd endpoints with client certificates, or the embedded SQLite store.",
                ctx -> etcdClient(ctx, "client certificate")));
        out.add(host("1.2.24", "Ensure that the --tls-cert-file and --tls-private-key-file arguments are set as "
                        + "appropriate", API, HIGH,
                "Is kube-apiserver started with --tls-cert-file and --tls-private-key-file?",
                "Restore <data-dir>/pki/apiserver.crt and .key (kaji server re-issues them when missing).",
                ctx -> pkiPair(ctx, "apiserver", "the API server serves HTTPS with this certificate")));
        out.add(host("1.2.25", "Ensure that the --client-ca-file argument is set as appropriate", API, HIGH,
                "Is kube-apiserver started with --client-ca-file?",
                "Restore <data-dir>/pki/ca.crt.",
                ctx -> List.of(HostFiles.modeAtMost(ctx.host().dataDir().resolve("pki/ca.crt"), 0644, true))
                        .stream().map(f -> f.status() == Status.PASS ? Finding.pass(f.object(), "client certificates "
                                + "are verified against the cluster CA", f.evidence()) : f).toList()));
        out.add(host("1.2.26", "Ensure that the --etcd-cafile argument is set as appropriate", API, HIGH,
                "Is kube-apiserver started with --etcd-cafile?",
                "Use https:// etcd endpoints verified against etcd's CA, or the embedded SQLite store.",
                ctx -> etcdClient(ctx, "server certificate verification")));
        out.add(host("1.2.27", "Ensure that the --encryption-provider-config argument is set as appropriate", API,
                HIGH, "Is kube-apiserver started with --encryption-provider-config?",
                "Create <data-dir>/encryption-config.yaml (or pass --encryption-provider-config) so Secrets are "
                        + "encrypted at rest.",
                ControlPlaneChecks::encryptionConfig));
        out.add(host("1.2.28", "Ensure that encryption providers are appropriately configured", API, HIGH,
                "Does the encryption configuration list aescbc, aesgcm, secretbox or kms first for secrets?",
                "Put an encrypting provider (kms v2, aesgcm, aescbc or secretbox) first for secrets; keep identity "
                        + "last only while migrating.",
                ControlPlaneChecks::encryptionProviders));
        out.add(asked("1.2.29", "Ensure that the API Server only makes use of Strong Cryptographic Ciphers", API,
                MEDIUM, "Is kube-apiserver's --tls-cipher-suites limited to strong AEAD suites (TLS 1.2 ECDHE with "
                        + "AES-GCM or ChaCha20, and TLS 1.3)?",
                "Kaji serves TLS with the JDK's default protocols and cipher suites (TLS 1.2 and 1.3): does the JDK's "
                        + "java.security (jdk.tls.disabledAlgorithms) on this node disable CBC and non-ECDHE suites?",
                "Restrict cipher suites to ECDHE with AES-GCM or ChaCha20-Poly1305."));
        out.add(asked("1.2.30", "Ensure that the --service-account-extend-token-expiration parameter is set to false",
                API, LOW, "Is kube-apiserver started with --service-account-extend-token-expiration=false?",
                "Do Kaji's projected service account tokens expire at the requested expirationSeconds (not extended)?",
                "Do not extend projected token lifetimes beyond what pods request."));
    }

    private static Finding setting(Status status, String flag, String message, String evidence) {
        return Finding.of(status, new ObjectRef("Setting", null, "--" + flag), null, message, evidence);
    }

    private static Finding builtIn(String component, String message, String evidence) {
        return Finding.pass(new ObjectRef("Component", null, component), message, evidence);
    }

    private static Finding authorization(String message) {
        return builtIn("authorization", message, "authorization modes: Node,RBAC (not configurable)");
    }

    private static List<Finding> tokenAuthFile(AssessmentContext ctx) {
        var file = ctx.host().flag("token-auth-file").filter(s -> !s.isBlank());
        if (file.isPresent()) {
            return List.of(setting(Status.FAIL, "token-auth-file", "static bearer tokens from a file are accepted; "
                    + "they cannot be revoked without a restart", "--token-auth-file=" + file.get()));
        }
        Path token = ctx.host().dataDir().resolve("pki/admin.token");
        if (Files.exists(token)) {
            return List.of(Finding.warn(HostFiles.ref(token), null, "no --token-auth-file, but the admin kubeconfig "
                    + "uses a static bearer token: rotate it if the kubeconfig leaked", token + " exists"));
        }
        return List.of(setting(Status.PASS, "token-auth-file", "not set", "--token-auth-file=<unset>"));
    }

    private static List<Finding> externalIps(AssessmentContext ctx) {
        List<Finding> out = new ArrayList<>();
        for (var s : ctx.cluster().services()) {
            if (s.getSpec() != null && s.getSpec().getExternalIPs() != null && !s.getSpec().getExternalIPs().isEmpty()) {
                out.add(Finding.fail(ObjectRef.of(s), null, "sets externalIPs, which no admission plugin restricts "
                        + "in Kaji (CVE-2020-8554)", "spec.externalIPs=" + s.getSpec().getExternalIPs()));
            }
        }
        if (out.isEmpty()) {
            out.add(setting(Status.PASS, "admission", "no Service uses externalIPs (Kaji has no "
                    + "DenyServiceExternalIPs plugin; this check reports any Service that does)",
                    "services with spec.externalIPs: 0"));
        }
        return out;
    }

    private static List<Finding> auditLogPath(AssessmentContext ctx) {
        var flag = ctx.host().flag("audit-log-path");
        if (flag.isPresent() && (flag.get().isBlank() || flag.get().equals("false"))) {
            return List.of(setting(Status.FAIL, "audit-log-path", "auditing is switched off",
                    "--audit-log-path=" + flag.get()));
        }
        Path log = ctx.host().path("audit-log-path", "logs/audit.log");
        return List.of(setting(Status.PASS, "audit-log-path", "audit events are written to " + log
                        + (Files.exists(log) ? "" : " (not written yet)"),
                "--audit-log-path=" + flag.orElse(log + " (default)")));
    }

    private static List<Finding> auditRetention(AssessmentContext ctx, String flag, int minimum) {
        var value = ctx.host().flag(flag);
        if (value.isEmpty()) {
            return List.of(setting(Status.WARN, flag, "not set: Kaji's default applies (see kaji server --help); "
                    + "set it explicitly to at least " + minimum, "--" + flag + "=<unset>"));
        }
        try {
            int n = Integer.parseInt(value.get().trim());
            return List.of(setting(n >= minimum ? Status.PASS : Status.FAIL, flag, n >= minimum
                    ? "keeps at least " + minimum : "keeps less than " + minimum, "--" + flag + "=" + n));
        } catch (NumberFormatException e) {
            return List.of(setting(Status.FAIL, flag, "is not a number", "--" + flag + "=" + value.get()));
        }
    }

    private static List<Finding> etcdClient(AssessmentContext ctx, String what) {
        String store = ctx.host().flag("store").orElse("sqlite");
        if (!store.equals("etcd")) {
            return List.of(setting(Status.PASS, "store", "the embedded SQLite store is a local file: there is no "
                    + "network connection to protect", "--store=" + store));
        }
        String endpoints = ctx.host().flag("etcd-endpoints").orElse("");
        if (endpoints.contains("http://")) {
            return List.of(setting(Status.FAIL, "etcd-endpoints", "the store is reached over plain HTTP: no " + what,
                    "--etcd-endpoints=" + endpoints));
        }
        return List.of(Finding.manual(new ObjectRef("Setting", null, "--etcd-endpoints"), "Kaji reaches etcd at "
                + endpoints + " over TLS: does etcd require client certificates (--client-cert-auth) and is its "
                + "server certificate verified against etcd's own CA?"));
    }

    private static List<Finding> pkiPair(AssessmentContext ctx, String name, String message) {
        Path crt = ctx.host().dataDir().resolve("pki/" + name + ".crt");
        Path key = ctx.host().dataDir().resolve("pki/" + name + ".key");
        Finding c = HostFiles.modeAtMost(crt, 0644, true);
        Finding k = HostFiles.modeAtMost(key, 0600, true);
        if (c.status() == Status.PASS && k.status() == Status.PASS) {
            return List.of(Finding.pass(HostFiles.ref(crt), message, c.evidence() + ", " + k.evidence()));
        }
        return List.of(c, k);
    }

    private static List<Finding> encryptionConfig(AssessmentContext ctx) {
        Path file = ctx.host().path("encryption-provider-config", "encryption-config.yaml");
        if (!Files.isRegularFile(file)) {
            return List.of(Finding.fail(HostFiles.ref(file), null, "no encryption configuration: Secrets are stored "
                    + "in plain text in the store", file + " missing"));
        }
        Finding mode = HostFiles.modeAtMost(file, 0600, true);
        return List.of(mode.status() == Status.PASS ? Finding.pass(mode.object(), "encryption configuration present",
                mode.evidence()) : mode);
    }

    private static List<Finding> encryptionProviders(AssessmentContext ctx) {
        Path file = ctx.host().path("encryption-provider-config", "encryption-config.yaml");
        if (!Files.isRegularFile(file)) {
            return List.of(Finding.fail(HostFiles.ref(file), null, "no encryption configuration, so no provider "
                    + "encrypts Secrets", file + " missing"));
        }
        try {
            String provider = KajiFiles.secretsProvider(KajiFiles.read(file));
            String evidence = file + ": resources[secrets].providers[0]=" + RbacChecks.unset(provider);
            return List.of(KajiFiles.encrypting(provider)
                    ? Finding.pass(HostFiles.ref(file), "Secrets are written with " + provider, evidence)
                    : Finding.fail(HostFiles.ref(file), null, provider == null ? "no entry covers secrets"
                    : "Secrets are written with " + provider + " (not encrypted)", evidence));
        } catch (IOException e) {
            return List.of(Finding.error(HostFiles.ref(file), "could not be evaluated: " + e.getMessage()));
        }
    }

    // ---- 1.3, 1.4 ----

    private static void controllerManagerAndScheduler(List<Check> out) {
        out.add(asked("1.3.1", "Ensure that the --terminated-pod-gc-threshold argument is set as appropriate", CM, LOW,
                "Is kube-controller-manager's --terminated-pod-gc-threshold set to a value that keeps the store small "
                        + "(e.g. 10 per node)?",
                "How many terminated pods does the cluster keep (kubectl get pods -A --field-selector "
                        + "status.phase!=Running | wc -l), and is that acceptable for the store's size?",
                "Delete finished pods (ttlSecondsAfterFinished on Jobs) so the store stays small."));
        out.add(host("1.3.2", "Ensure that the --profiling argument is set to false", CM, LOW,
                "Is kube-controller-manager started with --profiling=false?", "Nothing to do in Kaji.",
                ctx -> List.of(builtIn("profiling", "the controller manager serves no profiling endpoint",
                        "no /debug/pprof"))));
        out.add(host("1.3.3", "Ensure that the --use-service-account-credentials argument is set to true", CM, MEDIUM,
                "Is kube-controller-manager started with --use-service-account-credentials=true?",
                "Not configurable in Kaji yet: the controllers share the admin credential. Run kaji "
                        + "controller-manager separately with a kubeconfig bound to a narrower role if needed.",
                ctx -> List.of(Finding.fail(new ObjectRef("Component", null, "controller-manager"), null,
                        "the in-process controllers share one admin credential instead of one service account each",
                        "controllers use " + ctx.host().dataDir().resolve("kubeconfig")))));
        out.add(asked("1.3.4", "Ensure that the --service-account-private-key-file argument is set as appropriate", CM,
                MEDIUM, "Is kube-controller-manager started with --service-account-private-key-file?",
                "Which key signs Kaji's service account tokens, and is it mode 600, owned by root?",
                "Keep the token signing key private and rotate it."));
        out.add(host("1.3.5", "Ensure that the --root-ca-file argument is set as appropriate", CM, MEDIUM,
                "Is kube-controller-manager started with --root-ca-file?", "Restore <data-dir>/pki/ca.crt.",
                ctx -> List.of(Files.isRegularFile(ctx.host().dataDir().resolve("pki/ca.crt"))
                        ? builtIn("root-ca", "the cluster CA is published to every namespace as the kube-root-ca.crt "
                        + "ConfigMap", ctx.host().dataDir().resolve("pki/ca.crt") + " exists")
                        : Finding.fail(HostFiles.ref(ctx.host().dataDir().resolve("pki/ca.crt")), null,
                        "the cluster CA is missing", "pki/ca.crt missing"))));
        out.add(asked("1.3.6", "Ensure that the RotateKubeletServerCertificate argument is set to true", CM, MEDIUM,
                "Does kube-controller-manager run with --feature-gates=RotateKubeletServerCertificate=true and approve "
                        + "kubelet serving CSRs?",
                "Kaji agents serve self-signed certificates that are not rotated through CSRs: is the agent "
                        + "port (10250) reachable only from the control plane?",
                "Restrict access to the agents' port to the control plane."));
        out.add(host("1.3.7", "Ensure that the --bind-address argument is set to 127.0.0.1", CM, MEDIUM,
                "Is kube-controller-manager started with --bind-address=127.0.0.1?", "Nothing to do in Kaji.",
                ctx -> List.of(builtIn("controller-manager", "the controller manager opens no port of its own (it runs "
                        + "in the server process and talks to the API)", "no listener"))));
        out.add(host("1.4.1", "Ensure that the --profiling argument is set to false", SCHED, LOW,
                "Is kube-scheduler started with --profiling=false?", "Nothing to do in Kaji.",
                ctx -> List.of(builtIn("profiling", "the scheduler serves no profiling endpoint", "no /debug/pprof"))));
        out.add(host("1.4.2", "Ensure that the --bind-address argument is set to 127.0.0.1", SCHED, MEDIUM,
                "Is kube-scheduler started with --bind-address=127.0.0.1?", "Nothing to do in Kaji.",
                ctx -> List.of(builtIn("scheduler", "the scheduler opens no port of its own", "no listener"))));
    }

    // ---- 2 etcd ----

    private static void etcd(List<Check> out) {
        String[][] items = {
                {"2.1", "Ensure that the --cert-file and --key-file arguments are set as appropriate",
                        "Is etcd started with --cert-file and --key-file (clients connect over TLS)?"},
                {"2.2", "Ensure that the --client-cert-auth argument is set to true",
                        "Is etcd started with --client-cert-auth=true?"},
                {"2.3", "Ensure that the --auto-tls argument is not set to true",
                        "Is etcd started without --auto-tls=true?"},
                {"2.4", "Ensure that the --peer-cert-file and --peer-key-file arguments are set as appropriate",
                        "Is etcd started with --peer-cert-file and --peer-key-file?"},
                {"2.5", "Ensure that the --peer-client-cert-auth argument is set to true",
                        "Is etcd started with --peer-client-cert-auth=true?"},
                {"2.6", "Ensure that the --peer-auto-tls argument is not set to true",
                        "Is etcd started without --peer-auto-tls=true?"},
                {"2.7", "Ensure that a unique Certificate Authority is used for etcd",
                        "Is etcd's --trusted-ca-file a CA used only for etcd, not the cluster CA?"}};
        for (String[] i : items) {
            out.add(host(i[0], i[1], ETCD, HIGH, "On each etcd member: " + i[2],
                    "Use the embedded SQLite store, or secure the external etcd cluster as the benchmark describes.",
                    ctx -> etcdMember(ctx, i[2])));
        }
    }

    private static List<Finding> etcdMember(AssessmentContext ctx, String question) {
        String store = ctx.host().flag("store").orElse("sqlite");
        if (!store.equals("etcd")) {
            return List.of(setting(Status.PASS, "store", "no etcd: the embedded SQLite store is a file in the data "
                    + "dir, with no network listener, peers or certificates", "--store=" + store));
        }
        return List.of(Finding.manual(new ObjectRef("Setting", null, "--etcd-endpoints"), "Kaji uses the external "
                + "etcd at " + ctx.host().flag("etcd-endpoints").orElse("?") + ". On each etcd member: " + question));
    }

    // ---- 3 ----

    private static void authAndLogging(List<Check> out) {
        out.add(asked("3.1.1", "Client certificate authentication should not be used for users", AUTHN, MEDIUM,
                "Do people authenticate with client certificates (which cannot be revoked)? List issued certificates "
                        + "and move users to OIDC or another revocable method.",
                "Kaji's admin kubeconfig is for the cluster owner: do other people use copies of it or client "
                        + "certificates signed by the cluster CA?",
                "Give people revocable credentials (OIDC, short-lived tokens); keep client certificates for "
                        + "components."));
        out.add(asked("3.1.2", "Service account token authentication should not be used for users", AUTHN, MEDIUM,
                "Do people use service account tokens (kubectl config with a ServiceAccount token) for their own "
                        + "access?",
                "Do people use service account tokens for their own access to this Kaji cluster?",
                "Give people user credentials; service accounts are for workloads."));
        out.add(asked("3.1.3", "Bootstrap token authentication should not be used for users", AUTHN, MEDIUM,
                "Are bootstrap tokens (kube-system secrets of type bootstrap.kubernetes.io/token) used by people?",
                "Is Kaji's node join token (<data-dir>/node-token) used only to join agents, and kept mode 600?",
                "Use join tokens only for joining nodes and rotate them after use."));
        out.add(host("3.2.1", "Ensure that a minimal audit policy is created", LOGGING, HIGH,
                "Is kube-apiserver started with --audit-policy-file pointing to a policy that logs requests?",
                "Create <data-dir>/audit-policy.yaml (or pass --audit-policy-file) with at least a Metadata-level rule.",
                ControlPlaneChecks::auditPolicy));
        out.add(host("3.2.2", "Ensure that the audit policy covers key security concerns", LOGGING, MEDIUM,
                "Does the audit policy log secrets, configmaps and tokenreviews at Metadata level only, and log "
                        + "pods/exec, pods/portforward, pods/proxy, services/proxy and RBAC changes?",
                "Log secrets and configmaps at Metadata (never Request), and exec/attach/portforward/proxy and RBAC "
                        + "changes at Metadata or above.",
                ControlPlaneChecks::auditCoverage));
    }

    private static List<Finding> auditPolicy(AssessmentContext ctx) {
        Path file = ctx.host().path("audit-policy-file", "audit-policy.yaml");
        if (!Files.isRegularFile(file)) {
            return List.of(Finding.fail(HostFiles.ref(file), null, "no audit policy: nothing is audited",
                    file + " missing"));
        }
        try {
            JsonNode policy = KajiFiles.read(file);
            return List.of(KajiFiles.logsSomething(policy)
                    ? Finding.pass(HostFiles.ref(file), "the audit policy logs requests", file + ": "
                    + policy.path("rules").size() + " rules")
                    : Finding.fail(HostFiles.ref(file), null, "every rule has level None: nothing is audited",
                    file + ": rules[].level=None"));
        } catch (IOException e) {
            return List.of(Finding.error(HostFiles.ref(file), "could not be evaluated: " + e.getMessage()));
        }
    }

    private static List<Finding> auditCoverage(AssessmentContext ctx) {
        Path file = ctx.host().path("audit-policy-file", "audit-policy.yaml");
        if (!Files.isRegularFile(file)) {
            return List.of(Finding.fail(HostFiles.ref(file), null, "no audit policy", file + " missing"));
        }
        try {
            List<String> gaps = KajiFiles.auditGaps(KajiFiles.read(file));
            return List.of(gaps.isEmpty() ? Finding.pass(HostFiles.ref(file), "covers secrets, exec/attach/proxy, "
                    + "RBAC and token requests", file.toString())
                    : Finding.fail(HostFiles.ref(file), null, String.join("; ", gaps), file.toString()));
        } catch (IOException e) {
            return List.of(Finding.error(HostFiles.ref(file), "could not be evaluated: " + e.getMessage()));
        }
    }

    // ---- 4 worker nodes ----

    private static void node(List<Check> out) {
        out.add(host("4.1.1", "Ensure that the kubelet service file permissions are set to 600 or more restrictive",
                NODE_FILES, MEDIUM, "On each node, is the kubelet's systemd unit (e.g. /etc/systemd/system/"
                        + "kubelet.service.d/10-kubeadm.conf) mode 600 or stricter?",
                "chmod 600 the kaji systemd unit files.", ctx -> units(ctx, true)));
        out.add(host("4.1.2", "Ensure that the kubelet service file ownership is set to root:root", NODE_FILES, MEDIUM,
                "On each node, is the kubelet's systemd unit owned by root:root?",
                "chown root:root the kaji systemd unit files.", ctx -> units(ctx, false)));
        out.add(host("4.1.3", "If proxy kubeconfig file exists ensure permissions are set to 600 or more restrictive",
                NODE_FILES, MEDIUM, "On each node, is kube-proxy's kubeconfig mode 600 or stricter?",
                "chmod 600 <data-dir>/kubeconfig (the service proxy's credential in Kaji).",
                ctx -> componentKubeconfig(ctx, "service proxy", true)));
        out.add(host("4.1.4", "If proxy kubeconfig file exists ensure ownership is set to root:root", NODE_FILES, MEDIUM,
                "On each node, is kube-proxy's kubeconfig owned by root:root?", "chown root:root <data-dir>/kubeconfig.",
                ctx -> componentKubeconfig(ctx, "service proxy", false)));
        out.add(host("4.1.5", "Ensure that the --kubeconfig kubelet.conf file permissions are set to 600 or more "
                        + "restrictive", NODE_FILES, HIGH,
                "On each node, is /etc/kubernetes/kubelet.conf mode 600 or stricter?",
                "chmod 600 <data-dir>/kubeconfig (the node agent's credential in Kaji).",
                ctx -> componentKubeconfig(ctx, "node agent", true)));
        out.add(host("4.1.6", "Ensure that the --kubeconfig kubelet.conf file ownership is set to root:root", NODE_FILES,
                HIGH, "On each node, is /etc/kubernetes/kubelet.conf owned by root:root?",
                "chown root:root <data-dir>/kubeconfig.", ctx -> componentKubeconfig(ctx, "node agent", false)));
        out.add(host("4.1.7", "Ensure that the certificate authorities file permissions are set to 644 or more "
                        + "restrictive", NODE_FILES, MEDIUM,
                "On each node, is the kubelet's --client-ca-file mode 644 or stricter?",
                "chmod 644 <data-dir>/pki/ca.crt.",
                ctx -> List.of(HostFiles.modeAtMost(ctx.host().dataDir().resolve("pki/ca.crt"), 0644, true))));
        out.add(host("4.1.8", "Ensure that the client certificate authorities file ownership is set to root:root",
                NODE_FILES, MEDIUM, "On each node, is the kubelet's --client-ca-file owned by root:root?",
                "chown root:root <data-dir>/pki/ca.crt.",
                ctx -> List.of(HostFiles.ownedByRoot(ctx.host().dataDir().resolve("pki/ca.crt"), true))));
        out.add(host("4.1.9", "If the kubelet config.yaml configuration file is being used validate permissions set to "
                        + "600 or more restrictive", NODE_FILES, MEDIUM,
                "On each node, is /var/lib/kubelet/config.yaml mode 600 or stricter?",
                "chmod 600 the Kaji config file.", ctx -> configFile(ctx, true)));
        out.add(host("4.1.10", "If the kubelet config.yaml configuration file is being used validate file ownership is "
                        + "set to root:root", NODE_FILES, MEDIUM,
                "On each node, is /var/lib/kubelet/config.yaml owned by root:root?",
                "chown root:root the Kaji config file.", ctx -> configFile(ctx, false)));

        out.add(host("4.2.1", "Ensure that the --anonymous-auth argument is set to false", KUBELET, HIGH,
                "Is the kubelet's authentication.anonymous.enabled false?", "Nothing to do in Kaji.",
                ctx -> List.of(builtIn("agent-api", "the node agent's port answers 401 to callers without a client "
                        + "certificate or a bearer token the API server authenticates (TokenReview)",
                        "AgentServer: no credentials -> 401"))));
        out.add(host("4.2.2", "Ensure that the --authorization-mode argument is not set to AlwaysAllow", KUBELET, HIGH,
                "Is the kubelet's authorization.mode Webhook (not AlwaysAllow)?", "Nothing to do in Kaji.",
                ctx -> List.of(builtIn("agent-api", "the node agent authorizes as the kubelet's Webhook mode: the "
                        + "API server's kubelet client and system:masters, anyone else as a SubjectAccessReview on "
                        + "nodes/<subresource> allows", "AgentAuth: Webhook"))));
        out.add(host("4.2.3", "Ensure that the --client-ca-file argument is set as appropriate", KUBELET, HIGH,
                "Is the kubelet's authentication.x509.clientCAFile set?", "Nothing to do in Kaji.",
                ctx -> List.of(builtIn("agent-api", "the node agent verifies client certificates against the "
                        + "cluster CA", "AgentTls trusts the cluster CA"))));
        out.add(host("4.2.4", "Verify that if defined, the --read-only-port argument is set to 0", KUBELET, MEDIUM,
                "Is the kubelet's readOnlyPort 0 (or unset)?", "Nothing to do in Kaji.",
                ctx -> List.of(builtIn("agent-api", "the node agent has no unauthenticated read-only port",
                        "AgentServer: HTTPS only"))));
        out.add(asked("4.2.5", "Ensure that the --streaming-connection-idle-timeout argument is not set to 0", KUBELET,
                LOW, "Is the kubelet's streamingConnectionIdleTimeout non-zero (e.g. 4h)?",
                "Kaji's agent relays exec, attach and port-forward to containerd's streaming server, which closes "
                        + "idle streams after its stream_idle_timeout (4h; Kaji's generated containerd configuration "
                        + "leaves the default): is that the limit you want, also for a containerd of your own?",
                "Set an idle timeout for streaming connections."));
        out.add(host("4.2.6", "Ensure that the --make-iptables-util-chains argument is set to true", KUBELET, LOW,
                "Is the kubelet's makeIPTablesUtilChains true (the default)?", "Nothing to do in Kaji.",
                ctx -> List.of(builtIn("iptables", "kaji-proxy and kaji-netpol create and own their iptables chains",
                        "KAJI-* chains"))));
        out.add(host("4.2.7", "Ensure that the --hostname-override argument is not set", KUBELET, LOW,
                "Is the kubelet started without --hostname-override?",
                "Start kaji without --node-name unless the host name is not unique; certificates and node "
                        + "identity follow the host name.",
                ctx -> List.of(ctx.host().flag("node-name").map(n -> setting(Status.FAIL, "node-name",
                                "the node name is overridden", "--node-name=" + n))
                        .orElse(setting(Status.PASS, "node-name", "the node name is the host name",
                                "--node-name=<unset>")))));
        out.add(asked("4.2.8", "Ensure that the eventRecordQPS argument is set to a level which ensures appropriate "
                        + "event capture", KUBELET, LOW,
                "Is the kubelet's eventRecordQPS set so events are neither dropped nor flooding the API server?",
                "Are node agent events (kubectl get events --field-selector source=kaji-agent) complete during a "
                        + "busy rollout?",
                "Tune event rates so important events are kept."));
        out.add(host("4.2.9", "Ensure that the --tls-cert-file and --tls-private-key-file arguments are set as "
                        + "appropriate", KUBELET, MEDIUM,
                "Is the kubelet's serving certificate (tlsCertFile/tlsPrivateKeyFile or serverTLSBootstrap) signed "
                        + "by a CA the API server trusts?",
                "Not configurable in Kaji yet: agents serve self-signed certificates.",
                ctx -> List.of(Finding.fail(new ObjectRef("Component", null, "agent-api"), null, "the node agent "
                        + "serves a self-signed certificate that callers cannot verify", "AgentTls: self-signed"))));
        out.add(asked("4.2.10", "Ensure that the --rotate-certificates argument is not set to false", KUBELET, MEDIUM,
                "Is the kubelet's rotateCertificates true (client certificate rotation)?",
                "How are Kaji agents' credentials to the API server rotated (the agent kubeconfig or join token), "
                        + "and when was it last done?",
                "Rotate node credentials regularly."));
        out.add(asked("4.2.11", "Verify that the RotateKubeletServerCertificate argument is set to true", KUBELET,
                MEDIUM, "Is the kubelet's serverTLSBootstrap true with RotateKubeletServerCertificate enabled?",
                "Kaji agents issue their own serving certificate at start: do agents restart often enough to renew it?",
                "Rotate serving certificates before they expire."));
        out.add(asked("4.2.12", "Ensure that the Kubelet only makes use of Strong Cryptographic Ciphers", KUBELET,
                MEDIUM, "Is the kubelet's tlsCipherSuites limited to strong AEAD suites?",
                "Kaji agents use the JDK's default TLS suites: does the JDK's jdk.tls.disabledAlgorithms on this node "
                        + "disable CBC and non-ECDHE suites?",
                "Restrict cipher suites to ECDHE with AES-GCM or ChaCha20-Poly1305."));
        out.add(host("4.2.13", "Ensure that a limit is set on pod PIDs", KUBELET, MEDIUM,
                "Is the kubelet's podPidsLimit set (e.g. 4096)?",
                "Not available in Kaji yet: the agent sets no PID limit on pods; set a system-wide limit "
                        + "(kernel.pid_max, systemd TasksMax for containerd) meanwhile.",
                ctx -> List.of(Finding.fail(new ObjectRef("Component", null, "agent"), null, "the node agent sets no "
                        + "PID limit on pods: one pod can exhaust the node's PIDs", "pod pids limit: none"))));
        out.add(host("4.2.14", "Ensure that the --seccomp-default parameter is set to true", KUBELET, MEDIUM,
                "Is the kubelet started with seccompDefault: true?",
                "Not available in Kaji yet: set seccompProfile.type: RuntimeDefault in pod specs (see 5.6.2).",
                ctx -> List.of(Finding.fail(new ObjectRef("Component", null, "agent"), null, "the node agent does "
                        + "not default containers to the RuntimeDefault seccomp profile", "seccomp default: none"))));
        out.add(host("4.3.1", "Ensure that the kube-proxy metrics service is bound to localhost", PROXY, LOW,
                "Is kube-proxy's metricsBindAddress 127.0.0.1:10249 (not 0.0.0.0)?", "Nothing to do in Kaji.",
                ctx -> List.of(builtIn("service-proxy", "kaji-proxy opens no metrics port", "no listener"))));
    }

    private static List<Finding> units(AssessmentContext ctx, boolean mode) {
        if (ctx.host().unitFiles().isEmpty()) {
            return List.of(Finding.pass(ObjectRef.CLUSTER, "no kaji systemd unit on this node (Kaji is started by "
                    + "hand or by kaji up)", "/etc/systemd/system/kaji*.service: 0"));
        }
        List<Finding> out = new ArrayList<>();
        for (Path p : ctx.host().unitFiles()) {
            out.add(mode ? HostFiles.modeAtMost(p, 0600, true) : HostFiles.ownedByRoot(p, true));
        }
        return out;
    }

    // ---- builders ----

    /** A check Kaji decides with {@code kaji}; elsewhere MANUAL with {@code question}. */
    private static Check host(String id, String title, String section, Severity severity, String question,
                              String remediation, Function<AssessmentContext, List<Finding>> kaji) {
        return Check.builder(id, title).section(section).severity(severity).remediation(remediation)
                .evaluate(ctx -> ctx.host().present() ? kaji.apply(ctx)
                        : List.of(Finding.manual(ObjectRef.CLUSTER, question)));
    }

    /** A check that is a question everywhere: {@code kajiQuestion} on a Kaji node, {@code question} elsewhere. */
    private static Check asked(String id, String title, String section, Severity severity, String question,
                               String kajiQuestion, String remediation) {
        return Check.builder(id, title).section(section).severity(severity).manual().remediation(remediation)
                .evaluate(ctx -> List.of(Finding.manual(ObjectRef.CLUSTER,
                        ctx.host().present() ? kajiQuestion : question)));
    }
}
