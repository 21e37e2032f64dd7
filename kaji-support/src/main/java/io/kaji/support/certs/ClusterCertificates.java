package io.kaji.support.certs;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * The certificates a Kubernetes cluster depends on, as seen through its API and a kubeconfig: the kubeconfig's CA
 * and client certificate, the chain the API server presents, every Secret holding a PEM certificate
 * ({@code kubernetes.io/tls} and any other), webhook configurations', APIServices' and CRD conversion webhooks'
 * {@code caBundle}s. Works on any cluster. A source that cannot be read (forbidden, not served, unreachable) is
 * recorded as a {@link Problem} naming the reason rather than silently skipped.
 */
public final class ClusterCertificates {

    /** A source that could not be examined, and why. */
    public record Problem(String source, String reason) {
    }

    /** What a scan found. */
    public record Result(List<CertificateEntry> entries, List<Problem> problems) {
    }

    private final KubernetesClient client;
    private final Config config;
    private final Instant now;
    private final Thresholds thresholds;
    private final List<CertificateEntry> entries = new ArrayList<>();
    private final List<Problem> problems = new ArrayList<>();

    private ClusterCertificates(KubernetesClient client, Instant now, Thresholds thresholds) {
        this.client = client;
        this.config = client.getConfiguration();
        this.now = now;
        this.thresholds = thresholds;
    }

    /** Scans everything the client can see. Never throws for one unreadable source. */
    public static Result scan(KubernetesClient client, Instant now, Thresholds thresholds) {
        ClusterCertificates scan = new ClusterCertificates(client, now, thresholds);
        scan.kubeconfig();
        scan.servingChain();
        scan.attempt("secrets", scan::secrets);
        scan.attempt("validatingwebhookconfigurations", scan::validatingWebhooks);
        scan.attempt("mutatingwebhookconfigurations", scan::mutatingWebhooks);
        scan.attempt("apiservices", scan::apiServices);
        scan.attempt("customresourcedefinitions", scan::crdConversions);
        return new Result(List.copyOf(scan.entries), List.copyOf(scan.problems));
    }

    private void kubeconfig() {
        pem("kubeconfig/cluster-ca", Source.KUBECONFIG, null, "certificate-authority",
                () -> dataOrFile(config.getCaCertData(), config.getCaCertFile()));
        pem("kubeconfig/client", Source.KUBECONFIG, null, "client-certificate",
                () -> dataOrFile(config.getClientCertData(), config.getClientCertFile()));
    }

    private static String dataOrFile(String base64, String file) {
        try {
            if (base64 != null && !base64.isBlank()) {
                return new String(Base64.getMimeDecoder().decode(base64.strip()), StandardCharsets.UTF_8);
            }
            if (file != null && !file.isBlank()) {
                return Files.readString(Path.of(file));
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return null;
    }

    /** Adds every certificate of one PEM text; a present but unreadable value becomes an INVALID entry. */
    private void pem(String name, Source source, String namespace, String object, Supplier<String> text) {
        String pem;
        try {
            pem = text.get();
        } catch (RuntimeException e) {
            entries.add(CertificateEntry.invalid(name, source, namespace, object, e.getMessage()));
            return;
        }
        if (pem == null) {
            return;
        }
        List<PemCertificates.Block> blocks = PemCertificates.parse(pem);
        if (blocks.isEmpty()) {
            entries.add(CertificateEntry.invalid(name, source, namespace, object, "holds no PEM certificate"));
            return;
        }
        for (int i = 0; i < blocks.size(); i++) {
            String n = blocks.size() == 1 ? name : name + "#" + i;
            PemCertificates.Block b = blocks.get(i);
            entries.add(b.valid()
                    ? CertificateEntry.of(n, source, namespace, object, b.certificate(),
                            PemCertificates.commonName(b.certificate().getIssuerX500Principal().getName()), null,
                            now, thresholds)
                    : CertificateEntry.invalid(n, source, namespace, object, b.error()));
        }
    }

    private void pemBytes(String name, Source source, String namespace, String object, String base64) {
        if (base64 == null || base64.isBlank()) {
            return;
        }
        pem(name, source, namespace, object, () -> {
            try {
                return new String(Base64.getMimeDecoder().decode(base64.strip()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException("caBundle is not base64: " + e.getMessage());
            }
        });
    }

    /** The chain the API server presents, read in a handshake that trusts anything (it only looks). */
    private void servingChain() {
        URI url = URI.create(config.getMasterUrl());
        if (!"https".equalsIgnoreCase(url.getScheme())) {
            problems.add(new Problem("apiserver", "the API server URL " + url + " is not HTTPS"));
            return;
        }
        int port = url.getPort() > 0 ? url.getPort() : 443;
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {new LookOnlyTrustManager()}, null);
            try (SSLSocket socket = (SSLSocket) ctx.getSocketFactory().createSocket()) {
                socket.connect(new java.net.InetSocketAddress(url.getHost(), port),
                        (int) Duration.ofSeconds(5).toMillis());
                socket.setSoTimeout((int) Duration.ofSeconds(10).toMillis());
                socket.startHandshake();
                Certificate[] chain = socket.getSession().getPeerCertificates();
                for (int i = 0; i < chain.length; i++) {
                    X509Certificate c = (X509Certificate) chain[i];
                    String name = i == 0 ? "apiserver/serving" : "apiserver/chain#" + i;
                    entries.add(CertificateEntry.of(name, Source.API_SERVER, null, url.getHost() + ":" + port, c,
                            PemCertificates.commonName(c.getIssuerX500Principal().getName()), null, now,
                            thresholds));
                }
            }
        } catch (IOException | GeneralSecurityException e) {
            problems.add(new Problem("apiserver", "TLS handshake with " + url.getHost() + ":" + port + " failed: "
                    + e.getMessage()));
        }
    }

    private void secrets() {
        for (Secret s : client.secrets().inAnyNamespace().list().getItems()) {
            String ns = s.getMetadata().getNamespace();
            String name = s.getMetadata().getName();
            Map<String, String> data = new TreeMap<>(s.getData() == null ? Map.of() : s.getData());
            boolean tls = "kubernetes.io/tls".equals(s.getType());
            for (Map.Entry<String, String> e : data.entrySet()) {
                String key = e.getKey();
                String label = "secret/" + ns + "/" + name + "/" + key;
                String decoded;
                try {
                    decoded = new String(Base64.getMimeDecoder().decode(e.getValue() == null ? "" : e.getValue()),
                            StandardCharsets.UTF_8);
                } catch (IllegalArgumentException bad) {
                    if (tls && key.equals("tls.crt")) {
                        entries.add(CertificateEntry.invalid(label, Source.SECRET, ns, name, "not base64"));
                    }
                    continue;
                }
                if (PemCertificates.containsCertificate(decoded) || (tls && key.equals("tls.crt"))) {
                    pem(label, Source.SECRET, ns, name, () -> decoded);
                }
            }
        }
    }

    private void validatingWebhooks() {
        for (ValidatingWebhookConfiguration c : client.admissionRegistration().v1()
                .validatingWebhookConfigurations().list().getItems()) {
            for (ValidatingWebhook w : c.getWebhooks() == null ? List.<ValidatingWebhook>of() : c.getWebhooks()) {
                if (w.getClientConfig() != null) {
                    pemBytes("webhook/validating/" + c.getMetadata().getName() + "/" + w.getName(), Source.WEBHOOK,
                            null, c.getMetadata().getName(), w.getClientConfig().getCaBundle());
                }
            }
        }
    }

    private void mutatingWebhooks() {
        for (MutatingWebhookConfiguration c : client.admissionRegistration().v1()
                .mutatingWebhookConfigurations().list().getItems()) {
            for (MutatingWebhook w : c.getWebhooks() == null ? List.<MutatingWebhook>of() : c.getWebhooks()) {
                if (w.getClientConfig() != null) {
                    pemBytes("webhook/mutating/" + c.getMetadata().getName() + "/" + w.getName(), Source.WEBHOOK,
                            null, c.getMetadata().getName(), w.getClientConfig().getCaBundle());
                }
            }
        }
    }

    private void apiServices() {
        for (GenericKubernetesResource s : client.genericKubernetesResources("apiregistration.k8s.io/v1",
                "APIService").list().getItems()) {
            Object spec = s.getAdditionalProperties().get("spec");
            if (spec instanceof Map<?, ?> m && m.get("caBundle") instanceof String bundle) {
                pemBytes("apiservice/" + s.getMetadata().getName(), Source.API_SERVICE, null,
                        s.getMetadata().getName(), bundle);
            }
        }
    }

    private void crdConversions() {
        for (CustomResourceDefinition crd : client.apiextensions().v1().customResourceDefinitions().list()
                .getItems()) {
            var conversion = crd.getSpec() == null ? null : crd.getSpec().getConversion();
            if (conversion != null && conversion.getWebhook() != null
                    && conversion.getWebhook().getClientConfig() != null) {
                pemBytes("crd/" + crd.getMetadata().getName(), Source.CRD_CONVERSION, null,
                        crd.getMetadata().getName(), conversion.getWebhook().getClientConfig().getCaBundle());
            }
        }
    }

    /** Runs one list-based source; a failure becomes a {@link Problem} instead of ending the scan. */
    private void attempt(String source, Runnable scan) {
        try {
            scan.run();
        } catch (KubernetesClientException e) {
            String reason = switch (e.getCode()) {
                case 401 -> "unauthorized (the credentials were refused)";
                case 403 -> "forbidden: the user may not list " + source;
                case 404 -> "not served by this API server";
                default -> e.getCode() > 0 ? "HTTP " + e.getCode() + ": " + e.getMessage()
                        : "cannot reach the API server: " + rootMessage(e);
            };
            if (e.getCode() != 404) {
                problems.add(new Problem(source, reason));
            }
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }

    /** Accepts any chain: the handshake is only there to read the certificates, nothing is sent over it. */
    private static final class LookOnlyTrustManager implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
