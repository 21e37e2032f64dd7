package io.kaji.apiserver.server;

import io.kaji.apiserver.auth.AccessReviews;
import io.kaji.apiserver.auth.Authorizer;
import io.kaji.apiserver.auth.AuthorizerChain;
import io.kaji.apiserver.auth.BootstrapTokenCleaner;
import io.kaji.apiserver.auth.BootstrapTokens;
import io.kaji.apiserver.auth.CertificateSigningRequests;
import io.kaji.apiserver.auth.NodeAuthorizer;
import io.kaji.apiserver.auth.RequestAuthenticator;
import io.kaji.apiserver.auth.ServiceAccountTokens;
import io.kaji.apiserver.auth.StaticTokens;
import io.kaji.apiserver.auth.TokenRequests;
import io.kaji.apiserver.auth.TokenFile;
import io.kaji.apiserver.auth.UserInfo;
import io.kaji.apiserver.auth.X509Authenticator;
import io.kaji.apiserver.auth.rbac.BootstrapPolicy;
import io.kaji.apiserver.auth.rbac.ClusterRoleAggregator;
import io.kaji.apiserver.auth.rbac.EscalationCheck;
import io.kaji.apiserver.auth.rbac.PolicyReconciler;
import io.kaji.apiserver.auth.rbac.RbacAuthorizer;
import io.kaji.apiserver.auth.rbac.RbacIndex;
import io.kaji.apiserver.auth.rbac.RbacWatch;
import io.kaji.apiserver.audit.Auditor;
import io.kaji.apiserver.crd.CrdController;
import io.kaji.apiserver.crd.CustomResourceDefinitions;
import io.kaji.apiserver.discovery.Discovery;
import io.kaji.apiserver.encryption.EncryptingStore;
import io.kaji.apiserver.encryption.EncryptionConfiguration;
import io.kaji.apiserver.encryption.EncryptionOptions;
import io.kaji.apiserver.errors.ApiException;
import io.kaji.apiserver.http.ApiRequest;
import io.kaji.apiserver.http.ApiResponse;
import io.kaji.apiserver.http.Exchange;
import io.kaji.apiserver.handler.ResourceHandler;
import io.kaji.apiserver.nodeproxy.AgentClient;
import io.kaji.apiserver.nodeproxy.AgentCredentials;
import io.kaji.apiserver.openapi.OpenApi;
import io.kaji.apiserver.pki.BootstrapToken;
import io.kaji.apiserver.pki.ClusterPki;
import io.kaji.apiserver.pki.Kubeconfig;
import io.kaji.apiserver.pki.NodeToken;
import io.kaji.apiserver.registry.BuiltinResources;
import io.kaji.apiserver.registry.ResourceDefinition;
import io.kaji.apiserver.registry.ResourceRegistry;
import io.kaji.apiserver.watchcache.WatchCache;
import io.kaji.store.Compactor;
import io.kaji.store.RevisionedStore;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kaji API server: the Kubernetes REST API over HTTPS on a {@link RevisionedStore}. {@link #start} creates
 * the PKI and the admin kubeconfig on first use, loads the watch cache, creates the system namespaces, and
 * listens; {@link #close} stops listening, ends every watch and releases threads (it does not close the store,
 * which the caller owns).
 */
public final class ApiServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ApiServer.class);

    private final ApiServerConfig config;
    private final RevisionedStore store;
    /** The store as the API server uses it: {@link #store} with encryption at rest. */
    private RevisionedStore data;
    private final ScheduledExecutorService timer;
    private final ExecutorService handlers;
    private ResourceRegistry registry;
    private WatchCache watchCache;
    private HttpsTransport transport;
    private ServingCertificate serving;
    /** The client of the node agents (pods/log, exec, attach, portforward); closed with the server. */
    private AgentClient agents;
    private ClusterPki pki;
    private InetSocketAddress address;
    private volatile Router router;
    private NodeToken nodeToken;
    private RequestAuthenticator authenticator;
    private Authorizer authorizer;
    private RbacWatch rbacWatch;
    private BootstrapTokenCleaner tokenCleaner;
    private TokenRequests tokenRequests;
    private CertificateSigningRequests csrs;
    /** The audience of service-account tokens this server issues and accepts (Kubernetes' default). */
    public static final String API_AUDIENCE = "https://kubernetes.default.svc.cluster.local";
    private Auditor auditor;
    private CrdController crdController;

    private ApiServer(ApiServerConfig config, RevisionedStore store) {
        this.config = config;
        this.store = store;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "apiserver-timer");
            t.setDaemon(true);
            return t;
        });
        this.handlers = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("apiserver-request-", 0).factory());
    }

    /** Starts a server; blocks until it listens. */
    public static ApiServer start(ApiServerConfig config, RevisionedStore store) {
        ApiServer s = new ApiServer(config, store);
        try {
            s.start();
            return s;
        } catch (RuntimeException | InterruptedException | SSLException e) {
            s.close();
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("start API server on " + config.bindAddress() + ":" + config.httpsPort()
                    + ": " + e.getMessage(), e);
        }
    }

    private void start() throws InterruptedException, SSLException {
        List<String> extraIps = new ArrayList<>(List.of(config.serviceCidr().apiServerIp()));
        if (!isWildcard(config.bindAddress())) {
            extraIps.add(config.bindAddress());
        } else {
            // Listening on every address: agents on other machines connect to one of this host's addresses.
            extraIps.addAll(hostAddresses());
        }
        pki = ClusterPki.loadOrCreate(config.dataDir().resolve("pki"), extraIps);
        ServiceAllocator ips = new ServiceAllocator(config.serviceCidr(), RandomGenerator.getDefault());
        AccessReviews reviews = new AccessReviews();
        registry = BuiltinResources.registry(ips, reviews);
        registry.register(CustomResourceDefinitions.definition(config.clock()));
        data = encrypted(store, registry);
        watchCache = new WatchCache(data, registry, timer, config.watchHistory(), config.bookmarkInterval());
        watchCache.start();
        ResourceDefinition services = registry.find("", "v1", "services").orElseThrow();
        ips.bind(watchCache, services);
        new SystemObjects(data, registry, config.clock()).ensure(config.httpsPort(), config);
        // Like kube-apiserver compacting etcd: keep 5 minutes / 10,000 revisions of history.
        Compactor compactor = new Compactor(store, config.clock(), Compactor.DEFAULT_RETAIN_TIME,
                Compactor.DEFAULT_RETAIN_REVISIONS);
        timer.scheduleWithFixedDelay(() -> {
            try {
                compactor.tick();
            } catch (RuntimeException e) {
                LOG.warn("store compaction failed: {}", e.getMessage());
            }
        }, 10, 10, TimeUnit.SECONDS);
        // Custom resources are served before the server listens (a restart serves every stored CRD first).
        crdController = new CrdController(data, registry, watchCache, config.clock());
        crdController.start();
        ResourceHandler resources = new ResourceHandler(registry, data, watchCache, config.clock(), timer);
        resources.useAdmission(config.policies().admission());
        resources.seedNamespaces(pki.caPem());
        nodeToken = NodeToken.loadOrCreate(nodeTokenPath(), pki.caPem());
        startAuthorization(resources, reviews);
        // pods/log, exec, attach and portforward are served by the node agents; the API server calls them with a
        // cluster-CA client certificate.
        agents = new AgentClient(AgentCredentials.issue(pki), Duration.ofSeconds(5));
        resources.connectAgents(agents);
        // The serving certificate is reloaded from pki/ when renewed (kaji certs renew, or at two thirds of its life).
        serving = new ServingCertificate(config.dataDir().resolve("pki"), pki.servingCertificate(), pki.servingKey(),
                this::servingContext, timer, config.clock());
        transport = new HttpsTransport(handlers);
        String host = isWildcard(config.bindAddress()) ? "127.0.0.1" : config.bindAddress();
        // The port is only known after binding, and discovery reports it: the router is created right after.
        address = transport.start(config.bindAddress(), config.httpsPort(), serving::current, config.maxBodyBytes(),
                this::route);
        Router r = new Router(authenticator, authorizer, tokenRequests, pki.caPem(), new Discovery(registry),
                new OpenApi(registry), resources, config.version(), hostPort(host, address.getPort()),
                new RequestMetrics(registry, watchCache));
        auditor = Auditor.start(config.policies().audit(), config.dataDir(), config.clock());
        r.auditWith(auditor);
        if (config.policies().maxRequestsInflight() > 0) {
            r.flowControlWith(io.kaji.apiserver.flowcontrol.FlowControl.withSeats(config.policies().maxRequestsInflight()));
        }
        router = r;
        writeKubeconfigs();
        LOG.info("API server listening on {}; kubeconfig {}", url(), kubeconfigPath());
    }

    /**
     * Authentication (client certificates from the cluster CA; the admin token, the node token, the token file,
     * bootstrap tokens from kube-system Secrets, with their cleaner; service-account JWTs),
     * the RBAC defaults written and aggregated, the RBAC index fed from the watch cache, escalation prevention on
     * RBAC writes, and the review APIs.
     */
    private void startAuthorization(ResourceHandler resources, AccessReviews reviews) {
        StaticTokens tokens = new StaticTokens()
                .add(pki.adminToken(), new UserInfo(Kubeconfig.ADMIN_USER, "",
                        List.of(BootstrapPolicy.CLUSTER_ADMINS_GROUP), java.util.Map.of()))
                .add(nodeToken.value(), new UserInfo(NodeToken.BOOTSTRAP_USER, "",
                        List.of(NodeToken.BOOTSTRAP_GROUP), java.util.Map.of()));
        if (config.tokenAuthFile() != null) {
            var fromFile = TokenFile.read(config.tokenAuthFile());
            tokens.addAll(fromFile);
            LOG.info("static token file {}: {} tokens", config.tokenAuthFile(), fromFile.size());
        }
        ServiceAccountTokens serviceAccountTokens = new ServiceAccountTokens(pki.serviceAccountKey(), API_AUDIENCE,
                config.clock(), this::cachedObject);
        tokenRequests = new TokenRequests(serviceAccountTokens, this::storedObject, List.of(API_AUDIENCE),
                config.clock());
        BootstrapTokens bootstrapTokens = new BootstrapTokens(this::cachedObject, config.clock());
        authenticator = new RequestAuthenticator(new X509Authenticator(pki.caCertificate(), config.clock()),
                List.of(tokens, bootstrapTokens, serviceAccountTokens), List.of(API_AUDIENCE));
        tokenCleaner = new BootstrapTokenCleaner(new BootstrapTokenCleaner.Secrets() {
            @Override
            public List<BootstrapTokenCleaner.Revisioned> inKubeSystem() {
                ResourceDefinition secrets = registry.find("", "v1", "secrets").orElseThrow();
                var filter = new io.kaji.apiserver.watchcache.WatchFilter(BootstrapToken.NAMESPACE,
                        io.kaji.apiserver.selector.LabelSelector.everything(),
                        io.kaji.apiserver.selector.FieldSelector.everything());
                return watchCache.cache(secrets).list(filter, null).items().stream()
                        .map(o -> new BootstrapTokenCleaner.Revisioned(o.object(), o.revision())).toList();
            }

            @Override
            public boolean delete(String name, long revision) {
                ResourceDefinition secrets = registry.find("", "v1", "secrets").orElseThrow();
                return data.delete(secrets.key(BootstrapToken.NAMESPACE, name), revision)
                        instanceof io.kaji.store.WriteResult.Written;
            }
        }, config.clock());
        tokenCleaner.start(timer, Duration.ofSeconds(10));
        new PolicyReconciler(data, registry, config.clock()).reconcile();
        ClusterRoleAggregator aggregator = new ClusterRoleAggregator(data, registry, timer);
        aggregator.aggregateAll();
        watchCache.awaitFresh(Duration.ofSeconds(10));
        RbacIndex index = new RbacIndex();
        rbacWatch = new RbacWatch(index, watchCache, registry, timer, kind -> {
            if (kind == RbacIndex.Kind.CLUSTER_ROLES) {
                aggregator.changed();
            }
        });
        rbacWatch.start();
        RbacAuthorizer rbac = new RbacAuthorizer(index);
        NodeAuthorizer nodes = new NodeAuthorizer(new NodeAuthorizer.Pods() {
            @Override
            public tools.jackson.databind.node.ObjectNode get(String namespace, String name) {
                return cachedObject("pods", namespace, name);
            }

            @Override
            public List<tools.jackson.databind.node.ObjectNode> inNamespace(String namespace) {
                ResourceDefinition pods = registry.find("", "v1", "pods").orElseThrow();
                var filter = new io.kaji.apiserver.watchcache.WatchFilter(namespace,
                        io.kaji.apiserver.selector.LabelSelector.everything(),
                        io.kaji.apiserver.selector.FieldSelector.everything());
                return watchCache.cache(pods).list(filter, null).items().stream()
                        .map(io.kaji.apiserver.watchcache.CachedObject::object).toList();
            }
        });
        authorizer = new AuthorizerChain(List.of(nodes, rbac));
        EscalationCheck escalation = new EscalationCheck(authorizer, rbac.resolver());
        csrs = new CertificateSigningRequests(data, registry, watchCache, pki, authorizer, timer, config.clock(),
                config.nodeCertificateValidity());
        resources.checkWrites((def, ns, next, current, user) -> {
            escalation.check(def, ns, next, current, user);
            csrs.check(def, ns, next, current, user);
            nodes.check(def, ns, next, current, user);
        });
        csrs.start();
        reviews.bind(authorizer, rbac.resolver(), authenticator);
    }

    /** A core/v1 object from the watch cache (service-account token checks: no store read per request). */
    private tools.jackson.databind.node.ObjectNode cachedObject(String resource, String namespace, String name) {
        ResourceDefinition def = registry.find("", "v1", resource).orElseThrow();
        var o = watchCache.cache(def).get(def.key(namespace, name));
        return o == null ? null : o.object();
    }

    /** A core/v1 object read from the store (TokenRequest: right after the service account was created). */
    private tools.jackson.databind.node.ObjectNode storedObject(String resource, String namespace, String name) {
        ResourceDefinition def = registry.find("", "v1", resource).orElseThrow();
        return data.get(def.key(namespace, name)).map(io.kaji.apiserver.serialization.StoredObjects::decode)
                .orElse(null);
    }

    /**
     * The admin kubeconfig ({@code <data-dir>/kubeconfig}: user kaji-admin in kaji:cluster-admins), the break-glass
     * {@code pki/super-admin.conf} (system:masters, which RBAC cannot take away) and the in-process components'
     * {@code pki/controller-manager.conf} and {@code pki/scheduler.conf}; fresh certificates at every start.
     */
    private void writeKubeconfigs() {
        Kubeconfig.writeClient(kubeconfigPath(), url(), pki, Kubeconfig.ADMIN_USER,
                List.of(BootstrapPolicy.CLUSTER_ADMINS_GROUP));
        Kubeconfig.writeClient(superAdminKubeconfigPath(), url(), pki, "kubernetes-super-admin",
                List.of(AuthorizerChain.PRIVILEGED_GROUP));
        Kubeconfig.writeClient(controllerManagerKubeconfigPath(), url(), pki, "system:kube-controller-manager",
                List.of());
        Kubeconfig.writeClient(schedulerKubeconfigPath(), url(), pki, "system:kube-scheduler", List.of());
    }

    /**
     * The TLS context for serving {@code certificate}: client certificates are requested, not required, and
     * verified by the x509 authenticator, so that a bad one is answered with a 401 Status (as kube-apiserver does)
     * instead of a failed handshake.
     */
    private SslContext servingContext(java.security.cert.X509Certificate certificate, java.security.PrivateKey key) {
        try {
            // BoringSSL (netty-tcnative) when its native library loads: TLS costs a fraction of the JDK engine's.
            return SslContextBuilder.forServer(key, certificate, pki.caCertificate())
                    .sslProvider(io.netty.handler.ssl.OpenSsl.isAvailable() ? io.netty.handler.ssl.SslProvider.OPENSSL
                            : io.netty.handler.ssl.SslProvider.JDK)
                    .trustManager(new ClientCertificateRequest(pki.caCertificate()))
                    .clientAuth(io.netty.handler.ssl.ClientAuth.OPTIONAL)
                    .build();
        } catch (SSLException e) {
            throw new IllegalStateException("cannot serve TLS with " + certificate.getSubjectX500Principal() + ": "
                    + e.getMessage(), e);
        }
    }

    /**
     * Adds Prometheus text to {@code /metrics}: {@code text} is asked at every scrape and must be cheap (return the
     * figures of the last computation, not compute them).
     */
    public void exposeMetrics(java.util.function.Supplier<String> text) {
        router.addMetrics(text);
    }

    /** The certificate new connections are served with (it changes when renewed). */
    public java.security.cert.X509Certificate servingCertificate() {
        return serving.certificate();
    }

    /** {@code <data-dir>/pki/super-admin.conf}: the break-glass kubeconfig (group system:masters). */
    public Path superAdminKubeconfigPath() {
        return config.dataDir().resolve("pki").resolve("super-admin.conf");
    }

    /** {@code <data-dir>/pki/controller-manager.conf}: user system:kube-controller-manager. */
    public Path controllerManagerKubeconfigPath() {
        return config.dataDir().resolve("pki").resolve("controller-manager.conf");
    }

    /** {@code <data-dir>/pki/scheduler.conf}: user system:kube-scheduler. */
    public Path schedulerKubeconfigPath() {
        return config.dataDir().resolve("pki").resolve("scheduler.conf");
    }

    /** The authorizer requests go through (RBAC behind the system:masters group). */
    public Authorizer authorizer() {
        return authorizer;
    }

    /** {@code raw} encrypting what the encryption configuration names (Secrets by default), or raw if disabled. */
    private RevisionedStore encrypted(RevisionedStore raw, ResourceRegistry resources) {
        EncryptionOptions options = config.policies().encryption();
        if (!options.enabled()) {
            LOG.warn("encryption at rest is disabled: Secrets are stored as plain JSON");
            return raw;
        }
        Path file = options.file(config.dataDir());
        EncryptionConfiguration encryption = EncryptionConfiguration.loadOrCreate(file);
        LOG.info("encryption at rest: {}", file);
        return new EncryptingStore(raw, encryption.byKeyPrefix(resources));
    }

    private static List<String> hostAddresses() {
        List<String> out = new ArrayList<>();
        try {
            for (java.net.NetworkInterface nic : java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces())) {
                if (!nic.isUp() || nic.isLoopback()) {
                    continue;
                }
                for (java.net.InetAddress a : java.util.Collections.list(nic.getInetAddresses())) {
                    if (!a.isLinkLocalAddress()) {
                        String ip = a.getHostAddress();
                        int zone = ip.indexOf('%');
                        out.add(zone < 0 ? ip : ip.substring(0, zone));
                    }
                }
            }
        } catch (java.net.SocketException e) {
            LOG.warn("cannot list this host's addresses for the serving certificate: {}", e.getMessage());
        }
        return out;
    }

    private static boolean isWildcard(String address) {
        return address.equals("0.0.0.0") || address.equals("::") || address.equals("[::]");
    }

    private static String hostPort(String host, int port) {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    /** The HTTPS URL clients use. */
    public String url() {
        String host = isWildcard(config.bindAddress()) ? "127.0.0.1" : config.bindAddress();
        return "https://" + hostPort(host, address.getPort());
    }

    public int port() {
        return address.getPort();
    }

    public Path kubeconfigPath() {
        return config.dataDir().resolve("kubeconfig");
    }

    /** {@code <data-dir>/node-token}: the join token for agents (mode 0600). */
    public Path nodeTokenPath() {
        return config.dataDir().resolve(NodeToken.FILE_NAME);
    }

    /** The node join token agents present (never log its value). */
    public NodeToken nodeToken() {
        return nodeToken;
    }

    public ClusterPki pki() {
        return pki;
    }

    /** The audit log, or null when auditing is off. */
    public Auditor auditor() {
        return auditor;
    }

    public ResourceRegistry registry() {
        return registry;
    }

    @Override
    public void close() {
        if (serving != null) {
            serving.close();
        }
        if (transport != null) {
            transport.close();
        }
        if (tokenCleaner != null) {
            tokenCleaner.close();
        }
        if (rbacWatch != null) {
            rbacWatch.close();
        }
        if (csrs != null) {
            csrs.close();
        }
        if (crdController != null) {
            crdController.close();
        }
        if (watchCache != null) {
            watchCache.close();
        }
        if (auditor != null) {
            auditor.close();
        }
        if (agents != null) {
            agents.close();
        }
        handlers.shutdownNow();
        timer.shutdownNow();
        LOG.info("API server stopped");
    }

    private void route(ApiRequest req, java.security.cert.X509Certificate[] clientChain, Exchange ex,
            long receivedNanos) {
        Router r = router;
        if (r == null) {
            ex.respond(ApiResponse.json(503, new ApiException(503, "ServiceUnavailable", "the API server is starting",
                    null).toStatus()));
            return;
        }
        r.handle(req, clientChain, ex, receivedNanos);
    }
}
