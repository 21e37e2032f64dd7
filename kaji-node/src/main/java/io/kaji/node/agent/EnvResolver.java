package io.kaji.node.agent;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Resolves a container's {@code env}: literal values (with {@code $(VAR)} references to earlier variables),
 * {@code fieldRef} (downward API), {@code configMapKeyRef} and {@code secretKeyRef} read from the API server.
 * A missing required reference is a {@link ConfigError}, reported as CreateContainerConfigError.
 */
public final class EnvResolver {

    /** The container's configuration cannot be resolved. */
    public static final class ConfigError extends Exception {
        public ConfigError(String message) {
            super(message);
        }
    }

    private static final Pattern REF = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_.-]*)\\)");
    private static final Pattern LABEL = Pattern.compile("metadata\\.(labels|annotations)\\['(.+)'\\]");

    private final KubernetesClient client;

    /** @param client for configMap and secret references; may be null (then those references fail) */
    public EnvResolver(KubernetesClient client) {
        this.client = client;
    }

    /** The environment of {@code c} in {@code pod}, in order; {@code podIp}/{@code hostIp} feed fieldRefs. */
    public Map<String, String> resolve(Pod pod, Container c, String podIp, String hostIp) throws ConfigError {
        Map<String, String> env = new LinkedHashMap<>();
        for (EnvVar v : PodSpecs.env(c)) {
            String value;
            if (v.getValueFrom() == null) {
                value = expand(v.getValue() == null ? "" : v.getValue(), env);
            } else if (v.getValueFrom().getFieldRef() != null) {
                value = field(pod, v.getValueFrom().getFieldRef().getFieldPath(), podIp, hostIp);
            } else if (v.getValueFrom().getConfigMapKeyRef() != null) {
                var ref = v.getValueFrom().getConfigMapKeyRef();
                ConfigMap cm = client == null ? null
                        : client.configMaps().inNamespace(pod.getMetadata().getNamespace()).withName(ref.getName()).get();
                value = cm == null || cm.getData() == null ? null : cm.getData().get(ref.getKey());
                if (value == null) {
                    if (Boolean.TRUE.equals(ref.getOptional())) {
                        continue;
                    }
                    throw new ConfigError(cm == null ? "configmap \"" + ref.getName() + "\" not found"
                            : "couldn't find key " + ref.getKey() + " in ConfigMap " + pod.getMetadata().getNamespace()
                            + "/" + ref.getName());
                }
            } else if (v.getValueFrom().getSecretKeyRef() != null) {
                var ref = v.getValueFrom().getSecretKeyRef();
                Secret s = client == null ? null
                        : client.secrets().inNamespace(pod.getMetadata().getNamespace()).withName(ref.getName()).get();
                String encoded = s == null || s.getData() == null ? null : s.getData().get(ref.getKey());
                if (encoded == null && s != null && s.getStringData() != null) {
                    encoded = Base64.getEncoder().encodeToString(
                            s.getStringData().getOrDefault(ref.getKey(), "").getBytes(StandardCharsets.UTF_8));
                }
                if (encoded == null) {
                    if (Boolean.TRUE.equals(ref.getOptional())) {
                        continue;
                    }
                    throw new ConfigError(s == null ? "secret \"" + ref.getName() + "\" not found"
                            : "couldn't find key " + ref.getKey() + " in Secret " + pod.getMetadata().getNamespace()
                            + "/" + ref.getName());
                }
                value = new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8);
            } else {
                throw new ConfigError("env " + v.getName() + ": unsupported valueFrom");
            }
            env.put(v.getName(), value);
        }
        return env;
    }

    /** The downward API value of {@code path}. */
    static String field(Pod pod, String path, String podIp, String hostIp) throws ConfigError {
        var m = pod.getMetadata();
        switch (path) {
            case "metadata.name": return m.getName();
            case "metadata.namespace": return m.getNamespace();
            case "metadata.uid": return m.getUid();
            case "spec.nodeName": return nz(pod.getSpec().getNodeName());
            case "spec.serviceAccountName": return nz(pod.getSpec().getServiceAccountName());
            case "status.podIP": return nz(podIp);
            case "status.podIPs": return nz(podIp);
            case "status.hostIP": return nz(hostIp);
            case "status.hostIPs": return nz(hostIp);
            default:
                Matcher lm = LABEL.matcher(path);
                if (lm.matches()) {
                    Map<String, String> map = "labels".equals(lm.group(1)) ? m.getLabels() : m.getAnnotations();
                    return map == null ? "" : map.getOrDefault(lm.group(2), "");
                }
                throw new ConfigError("unsupported fieldRef " + path);
        }
    }

    /** Kubernetes' {@code $(VAR)} expansion against earlier variables; {@code $$} escapes; unknown refs stay. */
    static String expand(String s, Map<String, String> env) {
        if (!s.contains("$")) {
            return s;
        }
        StringBuilder out = new StringBuilder();
        Matcher m = REF.matcher(s);
        int last = 0;
        while (m.find()) {
            if (m.start() > 0 && s.charAt(m.start() - 1) == '$') {
                out.append(s, last, m.start() - 1).append(m.group());
            } else {
                out.append(s, last, m.start()).append(env.getOrDefault(m.group(1), m.group()));
            }
            last = m.end();
        }
        return out.append(s.substring(last)).toString();
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }
}
