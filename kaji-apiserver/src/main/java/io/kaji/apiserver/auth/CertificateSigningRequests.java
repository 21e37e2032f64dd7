package io.kaji.apiserver.auth;

import io.kaji.apiserver.errors.ApiException;
import io.kaji.apiserver.handler.WriteCheck;
import io.kaji.apiserver.pki.ClusterPki;
import io.kaji.apiserver.registry.ResourceDefinition;
import io.kaji.apiserver.registry.ResourceRegistry;
import io.kaji.apiserver.registry.ResourceStrategy;
import io.kaji.apiserver.serialization.Json;
import io.kaji.apiserver.serialization.StoredObjects;
import io.kaji.apiserver.watchcache.CachedObject;
import io.kaji.apiserver.watchcache.ResourceCache;
import io.kaji.apiserver.watchcache.WatchCache;
import io.kaji.apiserver.watchcache.WatchFilter;
import io.kaji.apiserver.watchcache.Watcher;
import io.kaji.store.KeyValue;
import io.kaji.store.RevisionedStore;
import io.kaji.store.WriteResult;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Node client certificates through {@code certificates.k8s.io/v1} CertificateSigningRequests, as kube-apiserver,
 * the controller manager's csrapproving and csrsigning controllers do together for kubelets:
 * <ul>
 * <li>on create the server records who asked ({@code spec.username}, {@code uid}, {@code groups},
 *     {@code extra}), overwriting what the client sent, and clears the status;</li>
 * <li>a CSR for the signer {@code kubernetes.io/kube-apiserver-client-kubelet} is approved automatically when it
 *     asks for {@code CN=system:node:<name>, O=system:nodes}, client authentication, and its requester may
 *     {@code create certificatesigningrequests/nodeclient} (a bootstrapper) or, asking for its own name,
 *     {@code create certificatesigningrequests/selfnodeclient} (a node renewing); one that does not fit the shape
 *     is denied with the reason;</li>
 * <li>an approved CSR of that signer is signed by the cluster CA: {@code status.certificate}, valid for
 *     {@code spec.expirationSeconds} (at least 600) or the configured signing duration (a year by default),
 *     whichever is shorter.</li>
 * </ul>
 * Runs on the given executor after each CSR change; reads and writes the store. Thread-safe.
 */
public final class CertificateSigningRequests implements WriteCheck, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(CertificateSigningRequests.class);
    public static final String KUBELET_CLIENT_SIGNER = "kubernetes.io/kube-apiserver-client-kubelet";
    public static final String GROUP = "certificates.k8s.io";
    private static final Set<String> ALLOWED_USAGES = Set.of("digital signature", "key encipherment", "client auth");

    /** Clears the status of new CSRs; the status is written by the approver and signer only. */
    public static final ResourceStrategy STRATEGY = new ResourceStrategy() {
        @Override
        public boolean tracksGeneration() {
            return false;
        }

        @Override
        public void prepareForCreate(ObjectNode o) {
            o.remove("status");
        }
    };

    private final RevisionedStore store;
    private final ResourceDefinition csrs;
    private final WatchCache cache;
    private final ClusterPki pki;
    private final Authorizer authorizer;
    private final ExecutorService executor;
    private final Clock clock;
    private final Duration maxValidity;
    private ResourceCache.Registration registration;

    /** @param maxValidity the longest lifetime of a signed certificate (kube-controller-manager's
     *                    {@code --cluster-signing-duration}) */
    public CertificateSigningRequests(RevisionedStore store, ResourceRegistry registry, WatchCache cache,
            ClusterPki pki, Authorizer authorizer, ExecutorService executor, Clock clock, Duration maxValidity) {
        this.store = store;
        this.csrs = registry.find(GROUP, "v1", "certificatesigningrequests").orElseThrow();
        this.cache = cache;
        this.pki = pki;
        this.authorizer = authorizer;
        this.executor = executor;
        this.clock = clock;
        this.maxValidity = maxValidity;
    }

    /** Starts approving and signing: every existing CSR, then each change. */
    public void start() {
        registration = cache.cache(csrs).watch(WatchFilter.EVERYTHING, -1, false, new Watcher() {
            @Override
            public boolean onEvent(String type, CachedObject object, byte[] sharedLine) {
                if (!type.equals("DELETED")) {
                    String name = Json.text(object.object(), "metadata.name");
                    executor.execute(() -> {
                        try {
                            reconcile(name);
                        } catch (RuntimeException e) {
                            LOG.warn("certificate signing request {}: {}", name, e.toString());
                        }
                    });
                }
                return true;
            }

            @Override
            public boolean onBookmark(long revision) {
                return true;
            }

            @Override
            public void onTerminated(String reason) {
                LOG.info("CSR watch ended ({}); pending requests are handled after the next change", reason);
            }
        });
    }

    @Override
    public void close() {
        if (registration != null) {
            registration.close();
        }
    }

    /** Records the requester on create, as Kubernetes' CSR strategy does. */
    @Override
    public void check(ResourceDefinition def, String namespace, ObjectNode next, ObjectNode current, UserInfo user) {
        if (!def.group().equals(GROUP) || !def.plural().equals("certificatesigningrequests") || current != null) {
            return;
        }
        ObjectNode spec = Json.objectAt(next, "spec");
        spec.put("username", user.name());
        if (user.uid().isEmpty()) {
            spec.remove("uid");
        } else {
            spec.put("uid", user.uid());
        }
        ArrayNode groups = spec.putArray("groups");
        user.groups().forEach(groups::add);
        if (user.extra().isEmpty()) {
            spec.remove("extra");
        } else {
            ObjectNode extra = spec.putObject("extra");
            user.extra().forEach((k, v) -> {
                ArrayNode a = extra.putArray(k);
                v.forEach(a::add);
            });
        }
        if (Json.text(next, "spec.signerName") == null) {
            throw ApiException.invalid("CertificateSigningRequest", GROUP, Json.text(next, "metadata.name"),
                    List.of(io.kaji.apiserver.errors.StatusCause.required("spec.signerName", "")));
        }
    }

    /** Approves, denies or signs one CSR as needed; returns true when it wrote. */
    public boolean reconcile(String name) {
        String key = csrs.key(null, name);
        Optional<KeyValue> kv = store.get(key);
        if (kv.isEmpty()) {
            return false;
        }
        ObjectNode csr = StoredObjects.decode(kv.get());
        if (!KUBELET_CLIENT_SIGNER.equals(Json.text(csr, "spec.signerName"))) {
            return false;
        }
        ObjectNode status = Json.objectAt(csr, "status");
        if (hasCondition(status, "Denied") || hasCondition(status, "Failed") || status.has("certificate")) {
            return false;
        }
        if (!hasCondition(status, "Approved")) {
            String problem = approvalProblem(csr);
            if (problem == null) {
                addCondition(status, "Approved", "AutoApproved", "Auto approving kubelet client certificate after "
                        + "SubjectAccessReview.");
                LOG.info("approved node client certificate request {} from {}", name,
                        Json.text(csr, "spec.username"));
            } else {
                addCondition(status, "Denied", "AutoDenied", problem);
                LOG.info("denied certificate signing request {}: {}", name, problem);
                return write(key, kv.get(), csr);
            }
        }
        try {
            Parsed req = parse(csr);
            Duration validity = maxValidity;
            long seconds = Json.longAt(csr, "spec.expirationSeconds", 0);
            if (seconds > 0 && Duration.ofSeconds(seconds).compareTo(validity) < 0) {
                validity = Duration.ofSeconds(Math.max(600, seconds));
            }
            X509Certificate cert = pki.signClient(req.request().getPublicKey(), req.commonName(),
                    req.organizations(), validity);
            status.put("certificate", Base64.getEncoder().encodeToString(
                    ClusterPki.pem(cert).getBytes(StandardCharsets.UTF_8)));
        } catch (IllegalArgumentException | java.security.GeneralSecurityException e) {
            addCondition(status, "Failed", "SignerValidationFailure", e.getMessage());
        }
        return write(key, kv.get(), csr);
    }

    private boolean write(String key, KeyValue current, ObjectNode csr) {
        Json.metadata(csr).remove("resourceVersion");
        boolean written = store.update(key, StoredObjects.encode(csr), current.modRevision())
                instanceof WriteResult.Written;
        if (!written) {
            // Changed meanwhile: the watch event of that change brings it back here.
            LOG.debug("certificate signing request {} changed while being handled", key);
        }
        return written;
    }

    /** Why the CSR may not be approved automatically, or null when it may. */
    private String approvalProblem(ObjectNode csr) {
        Parsed req;
        try {
            req = parse(csr);
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
        if (!req.commonName().startsWith("system:node:") || req.commonName().length() == "system:node:".length()) {
            return "the subject's common name must be system:node:<node name>, not \"" + req.commonName() + "\"";
        }
        if (!req.organizations().equals(List.of("system:nodes"))) {
            return "the subject's organization must be exactly system:nodes, not " + req.organizations();
        }
        List<String> usages = new ArrayList<>();
        csr.path("spec").path("usages").forEach(u -> usages.add(u.asString("")));
        if (!usages.contains("client auth") || !ALLOWED_USAGES.containsAll(usages)) {
            return "usages must include client auth and only digital signature, key encipherment, client auth; got "
                    + usages;
        }
        String username = Json.text(csr, "spec.username");
        List<String> groups = new ArrayList<>();
        csr.path("spec").path("groups").forEach(g -> groups.add(g.asString("")));
        UserInfo requester = new UserInfo(username == null ? "" : username, "", groups, Map.of());
        String sub = req.commonName().equals(username) ? "selfnodeclient" : "nodeclient";
        Attributes a = Attributes.resource(requester, "create", "", GROUP, "certificatesigningrequests", sub, "");
        if (!authorizer.authorize(a).allowed()) {
            return "user \"" + username + "\" may not create certificatesigningrequests/" + sub
                    + " (bind it to system:certificates.k8s.io:certificatesigningrequests:" + sub + ")";
        }
        return null;
    }

    record Parsed(JcaPKCS10CertificationRequest request, String commonName, List<String> organizations) {
    }

    static Parsed parse(ObjectNode csr) {
        String encoded = Json.text(csr, "spec.request");
        if (encoded == null || encoded.isEmpty()) {
            throw new IllegalArgumentException("spec.request is empty");
        }
        String pem;
        try {
            pem = new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("spec.request is not base64");
        }
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            Object o = parser.readObject();
            if (!(o instanceof PKCS10CertificationRequest raw)) {
                throw new IllegalArgumentException("spec.request does not hold a PEM CERTIFICATE REQUEST");
            }
            JcaPKCS10CertificationRequest req = new JcaPKCS10CertificationRequest(raw);
            if (!req.isSignatureValid(new JcaContentVerifierProviderBuilder().build(req.getSubjectPublicKeyInfo()))) {
                throw new IllegalArgumentException("the request's signature does not verify");
            }
            X500Name subject = req.getSubject();
            return new Parsed(req, first(subject.getRDNs(BCStyle.CN)), all(subject.getRDNs(BCStyle.O)));
        } catch (IOException | org.bouncycastle.operator.OperatorCreationException
                | org.bouncycastle.pkcs.PKCSException e) {
            throw new IllegalArgumentException("spec.request is not a valid certificate request: " + e.getMessage());
        }
    }

    private static String first(RDN[] rdns) {
        return rdns.length == 0 ? "" : IETFUtils.valueToString(rdns[0].getFirst().getValue());
    }

    private static List<String> all(RDN[] rdns) {
        List<String> out = new ArrayList<>();
        for (RDN r : rdns) {
            out.add(IETFUtils.valueToString(r.getFirst().getValue()));
        }
        return out;
    }

    private static boolean hasCondition(ObjectNode status, String type) {
        for (JsonNode c : status.path("conditions")) {
            if (type.equals(c.path("type").asString("")) && !"False".equals(c.path("status").asString("True"))) {
                return true;
            }
        }
        return false;
    }

    private void addCondition(ObjectNode status, String type, String reason, String message) {
        String now = Instant.now(clock).truncatedTo(ChronoUnit.SECONDS).toString();
        ObjectNode c = status.withArray("conditions").addObject();
        c.put("type", type);
        c.put("status", "True");
        c.put("reason", reason);
        c.put("message", message);
        c.put("lastUpdateTime", now);
        c.put("lastTransitionTime", now);
    }
}
