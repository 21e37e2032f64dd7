package io.kaji.node.agent;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kaji.node.volume.ResourceFieldRefs;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Resolves a container's environment as the kubelet does: first {@code envFrom} (every key of a ConfigMap or
 * Secret, with its {@code prefix}; keys that are not valid variable names are skipped), then {@code env} in order
 * — literal values with {@code $(VAR)} references to earlier variables and to the service variables,
 * {@code fieldRef} and {@code resourceFieldRef} (downward API), {@code configMapKeyRef} and {@code secretKeyRef} — and last the service
 * environment variables that neither set: {@code <SVC>_SERVICE_HOST}, {@code <SVC>_SERVICE_PORT[_<PORT>]} and the
 * Docker-link style {@code <SVC>_PORT...} of every Service with a cluster IP in the pod's namespace (unless
 * {@code enableServiceLinks: false}), and always those of {@code default/kubernetes}. A missing required reference
 * is a {@link ConfigError} with the kubelet's message, reported as CreateContainerConfigError. Services come from
 * a {@link ServiceLister} (the agent's shared Service informer) when one is given and synced, as the kubelet's come
 * from its informer; otherwise from the API server.
 */
public final class EnvResolver {

    /** The container's configuration cannot be resolved. */
    public static final class ConfigError extends Exception {
        public ConfigError(String message) {
            super(message);
        }
    }

    private static final Pattern REF = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_.-]*)\\)");
    private static final Pattern ENV_NAME = Pattern.compile("[-._a-zA-Z][-._a-zA-Z0-9]*");
    private static final Pattern LABEL = Pattern.compile("metadata\\.(labels|annotations)\\['(.+)'\\]");

    /** The namespace and name of the Service every pod gets variables for (the kubelet's master services). */
    private static final String MASTER_NAMESPACE = "default";
    private static final String MASTER_SERVICE = "kubernetes";

    private final KubernetesClient client;
    private final ServiceLister lister;
    /** The node's allocatable, for resourceFieldRef limits a container does not set. */
    private volatile java.util.function.Supplier<Map<String, Quantity>> allocatable = Map::of;

    /**
     * Reads Services from the API server (a GET and a LIST per container start).
     *
     * @param client for configMap, secret and service references; may be null (then those references fail and
     *               there are no service variables)
     */
    public EnvResolver(KubernetesClient client) {
        this(client, null);
    }

    /**
     * Reads Services from {@code lister} once it has synced, from the API server before.
     *
     * @param client for configMap and secret references (and Services until {@code lister} synced); may be null
     * @param lister the process's Service cache, or null to read Services from the API server always
     */
    public EnvResolver(KubernetesClient client, ServiceLister lister) {
        this.client = client;
        this.lister = lister;
    }

    /** Where the node's allocatable comes from (for resourceFieldRef limits a container does not set). */
    public EnvResolver allocatable(java.util.function.Supplier<Map<String, Quantity>> source) {
        this.allocatable = source;
        return this;
    }

    /** The environment of {@code c} in {@code pod}, in order; {@code podIp}/{@code hostIp} feed fieldRefs. */
    public Map<String, String> resolve(Pod pod, Container c, String podIp, String hostIp) throws ConfigError {
        return resolve(pod, c, podIp, hostIp, warning -> { });
    }

    /**
     * As above; {@code skipped} gets the kubelet's {@code InvalidEnvironmentVariableNames} message for each envFrom
     * source with keys that are no variable names.
     */
    public Map<String, String> resolve(Pod pod, Container c, String podIp, String hostIp,
                                       java.util.function.Consumer<String> skipped) throws ConfigError {
        Map<String, String> services = serviceVariables(services(pod));
        Map<String, String> env = new LinkedHashMap<>();
        if (c.getEnvFrom() != null) {
            for (EnvFromSource source : c.getEnvFrom()) {
                envFrom(pod, source, env, skipped);
            }
        }
        for (EnvVar v : PodSpecs.env(c)) {
            String value;
            if (v.getValueFrom() == null) {
                Map<String, String> known = new HashMap<>(services);
                known.putAll(env);
                value = expand(v.getValue() == null ? "" : v.getValue(), known);
            } else if (v.getValueFrom().getFieldRef() != null) {
                value = field(pod, v.getValueFrom().getFieldRef().getFieldPath(), podIp, hostIp);
            } else if (v.getValueFrom().getResourceFieldRef() != null) {
                var ref = v.getValueFrom().getResourceFieldRef();
                String container = ref.getContainerName() == null || ref.getContainerName().isEmpty() ? c.getName()
                        : ref.getContainerName();
                try {
                    value = ResourceFieldRefs.value(pod, container, ref.getResource(), ref.getDivisor(),
                            allocatable.get());
                } catch (IllegalArgumentException e) {
                    throw new ConfigError("env " + v.getName() + ": " + e.getMessage());
                }
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
        services.forEach(env::putIfAbsent);
        return env;
    }

    /** Adds every key of the ConfigMap or Secret {@code source} names, with its prefix. */
    private void envFrom(Pod pod, EnvFromSource source, Map<String, String> env,
                         java.util.function.Consumer<String> skipped) throws ConfigError {
        String ns = pod.getMetadata().getNamespace();
        String prefix = source.getPrefix() == null ? "" : source.getPrefix();
        Map<String, String> values = new TreeMap<>();
        if (source.getConfigMapRef() != null) {
            var ref = source.getConfigMapRef();
            ConfigMap cm = client == null ? null : client.configMaps().inNamespace(ns).withName(ref.getName()).get();
            if (cm == null) {
                if (Boolean.TRUE.equals(ref.getOptional())) {
                    return;
                }
                throw new ConfigError("configmap \"" + ref.getName() + "\" not found");
            }
            if (cm.getData() != null) {
                values.putAll(cm.getData());
            }
        } else if (source.getSecretRef() != null) {
            var ref = source.getSecretRef();
            Secret s = client == null ? null : client.secrets().inNamespace(ns).withName(ref.getName()).get();
            if (s == null) {
                if (Boolean.TRUE.equals(ref.getOptional())) {
                    return;
                }
                throw new ConfigError("secret \"" + ref.getName() + "\" not found");
            }
            if (s.getData() != null) {
                s.getData().forEach((k, v) -> values.put(k, new String(Base64.getDecoder().decode(v),
                        StandardCharsets.UTF_8)));
            }
            if (s.getStringData() != null) {
                values.putAll(s.getStringData());
            }
        } else {
            return;
        }
        List<String> invalid = new ArrayList<>();
        for (var e : values.entrySet()) {
            String name = prefix + e.getKey();
            // The kubelet skips keys that are no variable names, and says so in an event.
            if (ENV_NAME.matcher(name).matches()) {
                env.put(name, e.getValue());
            } else {
                invalid.add(name);
            }
        }
        if (!invalid.isEmpty()) {
            boolean configMap = source.getConfigMapRef() != null;
            skipped.accept("Keys [" + String.join(", ", invalid) + "] from the EnvFrom " + (configMap ? "configMap "
                    : "secret ") + pod.getMetadata().getNamespace() + "/" + (configMap
                    ? source.getConfigMapRef().getName() : source.getSecretRef().getName())
                    + " were skipped since they are considered invalid environment variable names.");
        }
    }

    /**
     * The Services whose variables a container of {@code pod} gets, as the kubelet's {@code getServiceEnvVarMap}
     * picks them: {@code default/kubernetes} always, and with service links enabled (the default) every Service of
     * the pod's namespace, whose own {@code kubernetes} wins; Services without a cluster IP (none or headless) never.
     * Read from the {@link ServiceLister} once it has synced, else from the API server (one GET, one LIST).
     */
    private List<Service> services(Pod pod) throws ConfigError {
        String ns = pod.getMetadata().getNamespace();
        boolean links = !Boolean.FALSE.equals(pod.getSpec().getEnableServiceLinks());
        List<Service> candidates = new ArrayList<>();
        if (lister != null && lister.hasSynced()) {
            candidates.addAll(lister.list(MASTER_NAMESPACE));
            if (links && !MASTER_NAMESPACE.equals(ns)) {
                candidates.addAll(lister.list(ns));
            }
        } else if (client != null) {
            // The kubelet has no such fallback (it fails the container until its informer synced); the agent's
            // informer starts with it, so this is a short window at start-up, or the informer could not list.
            try {
                Service master = client.services().inNamespace(MASTER_NAMESPACE).withName(MASTER_SERVICE).get();
                if (master != null) {
                    candidates.add(master);
                }
                if (links) {
                    candidates.addAll(client.services().inNamespace(ns).list().getItems());
                }
            } catch (KubernetesClientException e) {
                throw new ConfigError("cannot list the services of namespace " + ns + " for the service environment "
                        + "variables: " + e.getMessage());
            }
        }
        return visible(candidates, ns, links);
    }

    /**
     * Of {@code candidates}, those a pod in {@code namespace} sees, by name: {@code default/kubernetes} unless the
     * namespace has its own {@code kubernetes}, and with {@code links} the namespace's Services; only those with a
     * cluster IP. The result does not depend on the candidates' order.
     */
    static List<Service> visible(List<Service> candidates, String namespace, boolean links) {
        Map<String, Service> byName = new TreeMap<>();
        for (Service s : candidates) {
            if (!hasClusterIp(s)) {
                continue;
            }
            String name = s.getMetadata().getName();
            String ns = s.getMetadata().getNamespace();
            if (MASTER_NAMESPACE.equals(ns) && MASTER_SERVICE.equals(name)) {
                byName.putIfAbsent(name, s);
            } else if (links && namespace.equals(ns)) {
                byName.put(name, s);
            }
        }
        return new ArrayList<>(byName.values());
    }

    private static boolean hasClusterIp(Service s) {
        String ip = s.getSpec() == null ? null : s.getSpec().getClusterIP();
        return ip != null && !ip.isEmpty() && !"None".equals(ip);
    }

    /** The kubelet's service variables (envvars.FromServices) of {@code services}; headless ones have none. */
    static Map<String, String> serviceVariables(List<Service> services) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Service s : services) {
            if (!hasClusterIp(s)) {
                continue;
            }
            String ip = s.getSpec().getClusterIP();
            String prefix = s.getMetadata().getName().replace('-', '_').toUpperCase(Locale.ROOT);
            List<ServicePort> ports = s.getSpec().getPorts() == null ? List.of() : s.getSpec().getPorts();
            out.put(prefix + "_SERVICE_HOST", ip);
            if (!ports.isEmpty()) {
                out.put(prefix + "_SERVICE_PORT", String.valueOf(ports.get(0).getPort()));
            }
            for (ServicePort p : ports) {
                if (p.getName() != null && !p.getName().isEmpty()) {
                    out.put(prefix + "_SERVICE_PORT_" + p.getName().replace('-', '_').toUpperCase(Locale.ROOT),
                            String.valueOf(p.getPort()));
                }
            }
            for (int i = 0; i < ports.size(); i++) {
                ServicePort p = ports.get(i);
                String protocol = p.getProtocol() == null || p.getProtocol().isEmpty() ? "TCP" : p.getProtocol();
                String lower = protocol.toLowerCase(Locale.ROOT);
                String hostPort = (ip.contains(":") ? "[" + ip + "]" : ip) + ":" + p.getPort();
                if (i == 0) {
                    // Docker special-cases the first port.
                    out.put(prefix + "_PORT", lower + "://" + hostPort);
                }
                String portPrefix = prefix + "_PORT_" + p.getPort() + "_" + protocol.toUpperCase(Locale.ROOT);
                out.put(portPrefix, lower + "://" + hostPort);
                out.put(portPrefix + "_PROTO", lower);
                out.put(portPrefix + "_PORT", String.valueOf(p.getPort()));
                out.put(portPrefix + "_ADDR", ip);
            }
        }
        return out;
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
