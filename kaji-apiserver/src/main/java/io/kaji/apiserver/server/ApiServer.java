package io.kaji.apiserver.server;

import io.kaji.apiserver.audit.Auditor;
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
    private ClusterPki pki;
    private InetSocketAddress address;
    private volatile Router router;
    private NodeToken nodeToken;
    private Auditor auditor;

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
        registry = BuiltinResources.registry(ips);
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
        ResourceHandler resources = new ResourceHandler(registry, data, watchCache, config.clock(), timer);
        resources.useAdmission(config.policies().admission());
        // pods/log is served by the node agents; the API server calls them with a cluster-CA client certificate.
        resources.connectAgents(new AgentClient(AgentCredentials.issue(pki), Duration.ofSeconds(5)));
        SslContext ssl = SslContextBuilder.forServer(pki.servingKey(), pki.servingCertificate(), pki.caCertificate())
                .build();
        transport = new HttpsTransport(handlers);
        String host = isWildcard(config.bindAddress()) ? "127.0.0.1" : config.bindAddress();
        // The port is only known after binding, and discovery reports it: the router is created right after.
        address = transport.start(config.bindAddress(), config.httpsPort(), ssl, config.maxBodyBytes(),
                this::route);
        nodeToken = NodeToken.loadOrCreate(nodeTokenPath(), pki.caPem());
        Router r = new Router(pki.adminToken(), nodeToken.value(), pki.caPem(), new Discovery(registry), new OpenApi(registry), resources,
                config.version(), hostPort(host, address.getPort()), new RequestMetrics(registry, watchCache));
        auditor = Auditor.start(config.policies().audit(), config.dataDir(), config.clock());
        r.auditWith(auditor);
        router = r;
        Kubeconfig.write(kubeconfigPath(), url(), pki);
        LOG.info("API server listening on {}; kubeconfig {}", url(), kubeconfigPath());
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
        if (transport != null) {
            transport.close();
        }
        if (watchCache != null) {
            watchCache.close();
        }
        if (auditor != null) {
            auditor.close();
        }
        handlers.shutdownNow();
        timer.shutdownNow();
        LOG.info("API server stopped");
    }

    private void route(ApiRequest req, Exchange ex) {
        Router r = router;
        if (r == null) {
            ex.respond(ApiResponse.json(503, new ApiException(503, "ServiceUnavailable", "the API server is starting",
                    null).toStatus()));
            return;
        }
        r.handle(req, ex);
    }
}
