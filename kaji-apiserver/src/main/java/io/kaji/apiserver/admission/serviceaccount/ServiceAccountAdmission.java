package io.kaji.apiserver.admission.serviceaccount;

import io.kaji.apiserver.admission.AdmissionAttributes;
import io.kaji.apiserver.admission.AdmissionAttributes.Operation;
import io.kaji.apiserver.admission.ClusterObjects;
import io.kaji.apiserver.admission.MutatingPlugin;
import io.kaji.apiserver.admission.Verdict;
import io.kaji.apiserver.errors.ApiException;
import io.kaji.apiserver.registry.ContainerLists;
import java.util.Optional;
import java.util.random.RandomGenerator;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The ServiceAccount admission plugin, as Kubernetes': a new pod runs as {@code default} unless it names a service
 * account, which must exist ({@code error looking up service account ns/name: serviceaccount "name" not found});
 * unless the pod or its service account opt out ({@code automountServiceAccountToken: false}) or a container
 * already mounts something at {@value #MOUNT_PATH}, the pod gets the projected volume {@code kube-api-access-xxxxx}
 * — a service-account token bound to the pod (the node agent requests and refreshes it), the cluster CA from
 * {@code kube-root-ca.crt} and the namespace — mounted read-only at {@value #MOUNT_PATH} in every container and
 * init container.
 */
public final class ServiceAccountAdmission implements MutatingPlugin {

    public static final String NAME = "ServiceAccount";
    public static final String MOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount";
    public static final String VOLUME_PREFIX = "kube-api-access-";
    /** Kubernetes' token lifetime for these volumes: an hour and seven seconds (the seven seconds mark it). */
    public static final long TOKEN_SECONDS = 3607;
    private static final String ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

    private final ClusterObjects objects;
    private final RandomGenerator random;

    public ServiceAccountAdmission(ClusterObjects objects) {
        this(objects, RandomGenerator.getDefault());
    }

    ServiceAccountAdmission(ClusterObjects objects, RandomGenerator random) {
        this.objects = objects;
        this.random = random;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Verdict admit(AdmissionAttributes a) {
        if (a.operation() != Operation.CREATE || !a.isMain("", "pods") || a.object() == null) {
            return Verdict.allowed();
        }
        ObjectNode pod = a.object();
        ObjectNode spec = pod.withObject("spec");
        if (pod.path("metadata").path("annotations").has("kubernetes.io/config.mirror")) {
            return Verdict.allowed();
        }
        String sa = spec.path("serviceAccountName").asString("");
        if (sa.isEmpty()) {
            sa = spec.path("serviceAccount").asString("");
        }
        if (sa.isEmpty()) {
            sa = "default";
        }
        spec.put("serviceAccountName", sa);
        spec.put("serviceAccount", sa);
        String namespace = a.namespace();
        Optional<ObjectNode> account = objects.get("", "serviceaccounts", namespace, sa);
        if (account.isEmpty()) {
            String podName = a.name() != null ? a.name() : pod.path("metadata").path("name").asString("");
            return Verdict.denied(ApiException.forbidden("pods", "", podName, "error looking up service account "
                    + namespace + "/" + sa + ": serviceaccount \"" + sa + "\" not found"));
        }
        if (!automount(spec, account.get()) || alreadyMounted(spec)) {
            return Verdict.allowed();
        }
        String volume = VOLUME_PREFIX + suffix();
        spec.withArray("volumes").add(projectedVolume(volume));
        for (String list : ContainerLists.INIT_AND_REGULAR) {
            for (JsonNode c : spec.path(list)) {
                if (c instanceof ObjectNode container) {
                    ObjectNode mount = container.withArray("volumeMounts").addObject();
                    mount.put("name", volume);
                    mount.put("readOnly", true);
                    mount.put("mountPath", MOUNT_PATH);
                }
            }
        }
        return Verdict.allowed();
    }

    /** The pod's setting wins over its service account's; both absent means mount. */
    private static boolean automount(ObjectNode spec, ObjectNode account) {
        JsonNode podSetting = spec.get("automountServiceAccountToken");
        if (podSetting != null && podSetting.isBoolean()) {
            return podSetting.asBoolean();
        }
        JsonNode saSetting = account.get("automountServiceAccountToken");
        return saSetting == null || !saSetting.isBoolean() || saSetting.asBoolean();
    }

    private static boolean alreadyMounted(ObjectNode spec) {
        for (String list : ContainerLists.INIT_AND_REGULAR) {
            for (JsonNode c : spec.path(list)) {
                for (JsonNode m : c.path("volumeMounts")) {
                    if (MOUNT_PATH.equals(m.path("mountPath").asString(""))) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /** Kubernetes' projected service-account volume: token, CA bundle, namespace. */
    static ObjectNode projectedVolume(String name) {
        ObjectNode v = tools.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        v.put("name", name);
        ObjectNode projected = v.putObject("projected");
        projected.put("defaultMode", 420);
        ArrayNode sources = projected.putArray("sources");
        ObjectNode token = sources.addObject().putObject("serviceAccountToken");
        token.put("expirationSeconds", TOKEN_SECONDS);
        token.put("path", "token");
        ObjectNode ca = sources.addObject().putObject("configMap");
        ca.put("name", "kube-root-ca.crt");
        ObjectNode item = ca.putArray("items").addObject();
        item.put("key", "ca.crt");
        item.put("path", "ca.crt");
        ObjectNode ns = sources.addObject().putObject("downwardAPI").putArray("items").addObject();
        ns.put("path", "namespace");
        ObjectNode ref = ns.putObject("fieldRef");
        ref.put("apiVersion", "v1");
        ref.put("fieldPath", "metadata.namespace");
        return v;
    }

    private String suffix() {
        StringBuilder sb = new StringBuilder(5);
        for (int i = 0; i < 5; i++) {
            sb.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
        }
        return sb.toString();
    }
}
