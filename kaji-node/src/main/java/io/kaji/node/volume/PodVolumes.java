package io.kaji.node.volume;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.DownwardAPIVolumeFile;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.ProjectedVolumeSource;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.ServiceAccountTokenProjection;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeProjection;
import io.fabric8.kubernetes.api.model.authentication.TokenRequest;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.kaji.node.host.HostCommand;
import io.kaji.node.runtime.ContainerSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's pod volumes, in the kubelet's layout under {@code root}: {@code <uid>/kubernetes.io~empty-dir/<name>},
 * {@code kubernetes.io~configmap}, {@code kubernetes.io~secret}, {@code kubernetes.io~downward-api},
 * {@code kubernetes.io~projected}; secret and projected volumes, which hold credentials, under
 * {@code <root>/.memory/<uid>/...} instead: one tmpfs for the whole node, mounted once (see {@link #credentialDir}).
 * Supported: emptyDir (a directory, or tmpfs for {@code medium: Memory} with its
 * sizeLimit), configMap and secret (items, mode, defaultMode, optional; files written by {@link AtomicWriter},
 * refreshed at most every {@link #REFRESH} while the pod lives, so containers see changes), downwardAPI (fieldRef
 * items), projected (those three plus service-account tokens bound to the pod and renewed at 80% of their
 * lifetime), hostPath (with its type check). Every other
 * type fails with a clear {@link VolumeError}. {@link #mounts} turns a container's volumeMounts into bind mounts
 * (subPath, readOnly; configMap, secret and downwardAPI volumes are always read-only). {@link #tearDown} unmounts
 * and deletes what a pod had. Thread-safe per pod (one pod worker at a time).
 */
public final class PodVolumes implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PodVolumes.class);
    /** How often configMap, secret and downwardAPI volumes are rewritten from the API (the kubelet: ~1 min). */
    public static final Duration REFRESH = Duration.ofSeconds(10);
    /** How long a ConfigMap or Secret read from the API server serves every pod of the node. */
    static final Duration OBJECT_TTL = Duration.ofSeconds(5);
    private static final int DEFAULT_MODE = 0644;
    /** The directory under the volume root that holds the node's tmpfs for secret and projected volumes. */
    static final String MEMORY_DIR = ".memory";

    /** A set-up volume: its directory on the host and whether containers must mount it read-only. */
    public record HostVolume(Path path, boolean readOnly) {}

    private record Prepared(Instant at, Map<String, HostVolume> volumes) {}

    private final KubernetesClient client;
    private final Path root;
    private final Clock clock;
    /** The node's tmpfs for secret and projected volumes ({@link #credentialDir}). */
    private final Path memoryRoot;
    private final Map<String, Prepared> prepared = new ConcurrentHashMap<>();
    /** Volume directories known to have their tmpfs mounted ({@link #memoryBacked}). */
    private final Set<String> tmpfs = ConcurrentHashMap.newKeySet();
    /** The /etc/hosts content last written per pod uid. */
    private final Map<String, String> hostsWritten = new ConcurrentHashMap<>();
    /** The node's allocatable, for resourceFieldRef limits a container does not set. */
    private volatile java.util.function.Supplier<Map<String, Quantity>> allocatable = Map::of;
    /** ConfigMaps and Secrets as last read, by {@code resource/namespace/name}; see {@link #shared}. */
    private final Map<String, Fetched> fetched = new ConcurrentHashMap<>();
    /** The ConfigMaps and Secrets the node's pods use, each kept by a watch; null: read them ({@link #shared}). */
    private final WatchedObjects<ConfigMap> watchedConfigMaps;
    private final WatchedObjects<Secret> watchedSecrets;

    /** Volumes whose ConfigMaps and Secrets are watched, as the kubelet's default strategy keeps them. */
    public PodVolumes(KubernetesClient client, Path root, Clock clock) {
        this(client, root, clock, client != null);
    }

    /**
     * @param watch whether ConfigMaps and Secrets are watched (else read at most once per {@link #OBJECT_TTL}, the
     *              kubelet's TTL-cache strategy)
     */
    PodVolumes(KubernetesClient client, Path root, Clock clock, boolean watch) {
        this.client = client;
        this.root = root;
        this.memoryRoot = root.resolve(MEMORY_DIR);
        this.clock = clock;
        this.watchedConfigMaps = watch ? new WatchedObjects<>("configmap",
                (ns, name) -> client.configMaps().inNamespace(ns).withName(name).runnableInformer(0), clock) : null;
        this.watchedSecrets = watch ? new WatchedObjects<>("secret",
                (ns, name) -> client.secrets().inNamespace(ns).withName(name).runnableInformer(0), clock) : null;
    }

    /** How many ConfigMaps and Secrets are watched now. */
    int watchedObjects() {
        return watchedConfigMaps == null ? 0 : watchedConfigMaps.size() + watchedSecrets.size();
    }

    /** Stops the watches of ConfigMaps and Secrets. */
    @Override
    public void close() {
        if (watchedConfigMaps != null) {
            watchedConfigMaps.close();
            watchedSecrets.close();
        }
    }

    /** Where the time each volume's set-up took goes: the kubelet's storage operation histogram. */
    public interface Timings {
        /** Volume plugin {@code plugin}'s {@code operation} ended, successfully or not, after {@code seconds}. */
        void observe(String plugin, String operation, boolean ok, double seconds);
    }

    private volatile Timings timings = (plugin, operation, ok, seconds) -> { };

    /** Reports the time of every volume set-up ({@code volume_mount}) to {@code t}. */
    public void timings(Timings t) {
        this.timings = t;
    }

    /** The kubelet's name of the volume plugin of {@code v}'s type, or null for a type this node has none for. */
    static String pluginName(Volume v) {
        if (v.getEmptyDir() != null) {
            return "kubernetes.io/empty-dir";
        }
        if (v.getConfigMap() != null) {
            return "kubernetes.io/configmap";
        }
        if (v.getSecret() != null) {
            return "kubernetes.io/secret";
        }
        if (v.getDownwardAPI() != null) {
            return "kubernetes.io/downward-api";
        }
        if (v.getProjected() != null) {
            return "kubernetes.io/projected";
        }
        return v.getHostPath() != null ? "kubernetes.io/host-path" : null;
    }

    /** Where the node's allocatable comes from (for downwardAPI resourceFieldRef files); call before use. */
    public void allocatable(java.util.function.Supplier<Map<String, Quantity>> source) {
        this.allocatable = source;
    }

    /**
     * Sets up every volume of {@code pod} (again after {@link #REFRESH}, which rewrites changed configMap, secret
     * and downwardAPI files) and returns them by name.
     */
    public Map<String, HostVolume> setUp(Pod pod) throws VolumeError {
        String uid = pod.getMetadata().getUid();
        Prepared p = prepared.get(uid);
        Instant now = clock.instant();
        if (p != null && Duration.between(p.at(), now).compareTo(REFRESH) < 0) {
            return p.volumes();
        }
        Map<String, HostVolume> out = new LinkedHashMap<>();
        List<Volume> volumes = pod.getSpec().getVolumes() == null ? List.of() : pod.getSpec().getVolumes();
        for (Volume v : volumes) {
            long start = System.nanoTime();
            boolean ok = false;
            try {
                out.put(v.getName(), setUp(pod, v));
                ok = true;
            } catch (UncheckedIOException | IllegalArgumentException e) {
                throw new VolumeError("MountVolume.SetUp failed for volume \"" + v.getName() + "\" : "
                        + e.getMessage());
            } catch (VolumeError e) {
                throw new VolumeError("MountVolume.SetUp failed for volume \"" + v.getName() + "\" : "
                        + e.getMessage());
            } finally {
                String plugin = pluginName(v);
                if (plugin != null) {
                    timings.observe(plugin, "volume_mount", ok, (System.nanoTime() - start) / 1e9);
                }
            }
        }
        prepared.put(uid, new Prepared(now, out));
        return out;
    }

    private HostVolume setUp(Pod pod, Volume v) throws VolumeError {
        Path podDir = root.resolve(pod.getMetadata().getUid());
        Long fsGroup = fsGroup(pod);
        if (v.getEmptyDir() != null) {
            Path dir = emptyDir(root, pod.getMetadata().getUid(), v.getName());
            boolean fresh = !Files.isDirectory(dir) || "Memory".equals(v.getEmptyDir().getMedium())
                    && !tmpfs.contains(dir.toAbsolutePath().toString());
            if ("Memory".equals(v.getEmptyDir().getMedium())) {
                memoryBacked(dir, "rwxrwxrwx", "mode=1777", pod, v.getEmptyDir().getSizeLimit());
            } else {
                createDirectory(dir, "rwxrwxrwx");
            }
            if (fresh && fsGroup != null) {
                ownByGroup(dir, fsGroup);
            }
            return new HostVolume(dir, false);
        }
        if (v.getConfigMap() != null) {
            var src = v.getConfigMap();
            Path dir = configMapDir(root, pod.getMetadata().getUid(), v.getName());
            write(dir, configMapFiles(pod, src.getName(), src.getItems(), src.getDefaultMode(),
                    Boolean.TRUE.equals(src.getOptional())), fsGroup);
            return new HostVolume(dir, true);
        }
        if (v.getSecret() != null) {
            var src = v.getSecret();
            Path dir = credentialDir(pod, "kubernetes.io~secret", v.getName());
            write(dir, secretFiles(pod, src.getSecretName(), src.getItems(), src.getDefaultMode(),
                    Boolean.TRUE.equals(src.getOptional())), fsGroup);
            return new HostVolume(dir, true);
        }
        if (v.getDownwardAPI() != null) {
            Path dir = podDir.resolve("kubernetes.io~downward-api").resolve(v.getName());
            int dflt = v.getDownwardAPI().getDefaultMode() == null ? DEFAULT_MODE : v.getDownwardAPI().getDefaultMode();
            write(dir, downwardFiles(pod, v.getDownwardAPI().getItems(), dflt, allocatable), fsGroup);
            return new HostVolume(dir, true);
        }
        if (v.getProjected() != null) {
            Path dir = credentialDir(pod, "kubernetes.io~projected", v.getName());
            write(dir, projectedFiles(pod, v.getProjected()), fsGroup);
            return new HostVolume(dir, true);
        }
        if (v.getHostPath() != null) {
            Path path = Path.of(v.getHostPath().getPath());
            HostPathType.check(path, v.getHostPath().getType());
            return new HostVolume(path, false);
        }
        throw new VolumeError("this node supports emptyDir, configMap, secret, downwardAPI, projected and hostPath "
                + "volumes; "
                + "volume \"" + v.getName() + "\" is of another type");
    }

    private Map<String, AtomicWriter.File> configMapFiles(Pod pod, String name, List<KeyToPath> items,
                                                         Integer defaultMode, boolean optional) throws VolumeError {
        ConfigMap cm = watchedOrShared(watchedConfigMaps, "configmaps", pod, name, () -> client.configMaps()
                .inNamespace(pod.getMetadata().getNamespace())
                .withName(name).get());
        Map<String, byte[]> data = new TreeMap<>();
        if (cm != null) {
            if (cm.getData() != null) {
                cm.getData().forEach((k, x) -> data.put(k, x.getBytes(StandardCharsets.UTF_8)));
            }
            if (cm.getBinaryData() != null) {
                cm.getBinaryData().forEach((k, x) -> data.put(k, Base64.getDecoder().decode(x)));
            }
        } else if (!optional) {
            throw new VolumeError("configmap \"" + name + "\" not found");
        }
        return files(data, items, defaultMode, optional, "configmap");
    }

    private Map<String, AtomicWriter.File> secretFiles(Pod pod, String name, List<KeyToPath> items,
                                                      Integer defaultMode, boolean optional) throws VolumeError {
        Secret s = watchedOrShared(watchedSecrets, "secrets", pod, name,
                () -> client.secrets().inNamespace(pod.getMetadata().getNamespace()).withName(name).get());
        if (s == null && !optional) {
            throw new VolumeError("secret \"" + name + "\" not found");
        }
        return files(s == null ? new TreeMap<>() : secretData(s), items, defaultMode, optional, "secret");
    }

    /** A Secret's values, decoded: {@code data} (base64) and {@code stringData}, by key. */
    public static Map<String, byte[]> secretData(Secret s) {
        Map<String, byte[]> data = new TreeMap<>();
        if (s.getData() != null) {
            s.getData().forEach((k, x) -> data.put(k, Base64.getDecoder().decode(x)));
        }
        if (s.getStringData() != null) {
            s.getStringData().forEach((k, x) -> data.put(k, x.getBytes(StandardCharsets.UTF_8)));
        }
        return data;
    }

    private static Map<String, AtomicWriter.File> downwardFiles(Pod pod, List<DownwardAPIVolumeFile> items, int dflt,
            java.util.function.Supplier<Map<String, Quantity>> allocatable) throws VolumeError {
        Map<String, AtomicWriter.File> files = new TreeMap<>();
        for (DownwardAPIVolumeFile f : items == null ? List.<DownwardAPIVolumeFile>of() : items) {
            String value;
            if (f.getFieldRef() != null) {
                value = field(pod, f.getFieldRef().getFieldPath());
            } else if (f.getResourceFieldRef() != null) {
                var r = f.getResourceFieldRef();
                try {
                    value = ResourceFieldRefs.value(pod, r.getContainerName(), r.getResource(), r.getDivisor(),
                            allocatable.get());
                } catch (IllegalArgumentException e) {
                    throw new VolumeError("downwardAPI item " + f.getPath() + ": " + e.getMessage());
                }
            } else {
                throw new VolumeError("downwardAPI item " + f.getPath() + ": needs a fieldRef or a resourceFieldRef");
            }
            files.put(f.getPath(), new AtomicWriter.File(value.getBytes(StandardCharsets.UTF_8),
                    f.getMode() == null ? dflt : f.getMode()));
        }
        return files;
    }

    /**
     * A projected volume's files: every source's files in one directory (configMap, secret, downwardAPI, and a
     * service-account token requested for the pod through the TokenRequest API, bound to it, and requested again
     * once 80% of its lifetime has passed, as the kubelet does).
     */
    private Map<String, AtomicWriter.File> projectedFiles(Pod pod, ProjectedVolumeSource projected) throws VolumeError {
        int dflt = projected.getDefaultMode() == null ? DEFAULT_MODE : projected.getDefaultMode();
        Map<String, AtomicWriter.File> files = new TreeMap<>();
        for (VolumeProjection src : projected.getSources() == null ? List.<VolumeProjection>of() : projected.getSources()) {
            if (src.getConfigMap() != null) {
                var cm = src.getConfigMap();
                files.putAll(configMapFiles(pod, cm.getName(), cm.getItems(), dflt, Boolean.TRUE.equals(cm.getOptional())));
            } else if (src.getSecret() != null) {
                var sec = src.getSecret();
                files.putAll(secretFiles(pod, sec.getName(), sec.getItems(), dflt, Boolean.TRUE.equals(sec.getOptional())));
            } else if (src.getDownwardAPI() != null) {
                files.putAll(downwardFiles(pod, src.getDownwardAPI().getItems(), dflt, allocatable));
            } else if (src.getServiceAccountToken() != null) {
                var t = src.getServiceAccountToken();
                files.put(t.getPath(), new AtomicWriter.File(token(pod, t).getBytes(StandardCharsets.UTF_8), dflt));
            } else {
                throw new VolumeError("projected sources may be configMap, secret, downwardAPI or serviceAccountToken");
            }
        }
        return files;
    }

    /** A token issued for the pod, and when to ask for a new one. */
    private record Token(String value, Instant refreshAt) {}

    private final Map<String, Token> tokens = new ConcurrentHashMap<>();

    private String token(Pod pod, ServiceAccountTokenProjection source) throws VolumeError {
        String uid = pod.getMetadata().getUid();
        long seconds = source.getExpirationSeconds() == null ? 3600 : source.getExpirationSeconds();
        String key = uid + "/" + source.getPath() + "/" + source.getAudience() + "/" + seconds;
        Instant now = clock.instant();
        Token cached = tokens.get(key);
        if (cached != null && now.isBefore(cached.refreshAt())) {
            return cached.value();
        }
        String account = pod.getSpec().getServiceAccountName() == null ? "default" : pod.getSpec().getServiceAccountName();
        var spec = new TokenRequestBuilder().withNewSpec().withExpirationSeconds(seconds)
                .withNewBoundObjectRef().withApiVersion("v1").withKind("Pod").withName(pod.getMetadata().getName())
                .withUid(uid).endBoundObjectRef().endSpec();
        if (source.getAudience() != null && !source.getAudience().isEmpty()) {
            spec.editSpec().withAudiences(source.getAudience()).endSpec();
        }
        TokenRequest issued;
        try {
            issued = client.serviceAccounts().inNamespace(pod.getMetadata().getNamespace()).withName(account)
                    .tokenRequest(spec.build());
        } catch (KubernetesClientException e) {
            if (cached != null && e.getCode() != 404) {
                log.warn("pod {}: cannot renew its service-account token (keeping the current one): {}", uid,
                        e.getMessage());
                return cached.value();
            }
            throw new VolumeError("failed to fetch token: " + e.getMessage());
        }
        String value = issued.getStatus().getToken();
        Instant expires = issued.getStatus().getExpirationTimestamp() == null ? now.plusSeconds(seconds)
                : Instant.parse(issued.getStatus().getExpirationTimestamp());
        Duration ttl = Duration.between(now, expires);
        tokens.put(key, new Token(value, now.plus(ttl.multipliedBy(8).dividedBy(10))));
        return value;
    }

    /** The files of a configMap or secret volume: all keys, or the listed items. */
    private static Map<String, AtomicWriter.File> files(Map<String, byte[]> data, List<KeyToPath> items,
                                                        Integer defaultMode, boolean optional, String kind)
            throws VolumeError {
        int dflt = defaultMode == null ? DEFAULT_MODE : defaultMode;
        Map<String, AtomicWriter.File> files = new TreeMap<>();
        if (items == null || items.isEmpty()) {
            data.forEach((k, x) -> files.put(k, new AtomicWriter.File(x, dflt)));
            return files;
        }
        for (KeyToPath item : items) {
            byte[] x = data.get(item.getKey());
            if (x == null) {
                if (optional) {
                    continue;
                }
                throw new VolumeError(kind + " references non-existent config key: " + item.getKey());
            }
            files.put(item.getPath(), new AtomicWriter.File(x, item.getMode() == null ? dflt : item.getMode()));
        }
        return files;
    }

    /**
     * Writes a configMap, secret, downwardAPI or projected volume. With an {@code fsGroup} its files belong to that
     * group and are readable by it, as the kubelet's SetVolumeOwnership leaves a read-only volume (mode | 0440).
     */
    private void write(Path dir, Map<String, AtomicWriter.File> files, Long fsGroup) {
        Map<String, AtomicWriter.File> owned = files;
        if (fsGroup != null) {
            owned = new TreeMap<>();
            for (var e : files.entrySet()) {
                owned.put(e.getKey(), new AtomicWriter.File(e.getValue().data(), e.getValue().mode() | 0440));
            }
        }
        if (new AtomicWriter(dir, clock, fsGroup).write(owned)) {
            log.debug("volume {} written ({} files)", dir, files.size());
        }
    }

    private static Long fsGroup(Pod pod) {
        var sc = pod.getSpec().getSecurityContext();
        return sc == null ? null : sc.getFsGroup();
    }

    /**
     * A writable volume's directory handed to the pod's fsGroup when it is created, as the kubelet's
     * SetVolumeOwnership: group {@code gid}, group read-write, and the set-group-ID bit so that what the containers
     * create in it belongs to the group too.
     */
    private static void ownByGroup(Path dir, long gid) {
        try {
            Files.setAttribute(dir, "unix:gid", (int) gid);
            int mode = (Integer) Files.getAttribute(dir, "unix:mode") & 07777;
            Files.setAttribute(dir, "unix:mode", mode | 02070);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot give " + dir + " to fsGroup " + gid + ": " + e.getMessage(), e);
        }
    }

    /**
     * The bind mounts of container {@code c}: each volumeMount's volume directory (plus its subPath, created in
     * writable volumes if missing; resolved to the file itself in the atomic-writer layout).
     */
    public List<ContainerSpec.Mount> mounts(Container c, Map<String, HostVolume> volumes) throws VolumeError {
        return mounts(c, volumes, java.util.function.UnaryOperator.identity());
    }

    /**
     * As above; a volumeMount's {@code subPathExpr} is expanded by {@code expand} (the container's environment
     * variables, {@code $(POD_NAME)}) into its subPath.
     */
    public List<ContainerSpec.Mount> mounts(Container c, Map<String, HostVolume> volumes,
                                            java.util.function.UnaryOperator<String> expand) throws VolumeError {
        List<ContainerSpec.Mount> out = new ArrayList<>();
        for (VolumeMount m : c.getVolumeMounts() == null ? List.<VolumeMount>of() : c.getVolumeMounts()) {
            HostVolume v = volumes.get(m.getName());
            if (v == null) {
                throw new VolumeError("unable to find volume \"" + m.getName() + "\" for container \"" + c.getName()
                        + "\"");
            }
            Path host = v.path();
            String sub = m.getSubPath();
            if ((sub == null || sub.isEmpty()) && m.getSubPathExpr() != null && !m.getSubPathExpr().isEmpty()) {
                sub = expand.apply(m.getSubPathExpr());
            }
            if (sub != null && !sub.isEmpty()) {
                Path p = v.path().resolve(sub).normalize();
                if (sub.startsWith("/") || !p.startsWith(v.path())) {
                    throw new VolumeError("subPath \"" + sub + "\" of volume \"" + m.getName()
                            + "\" must be a relative path inside the volume");
                }
                try {
                    if (!Files.exists(p) && !v.readOnly()) {
                        createDirectory(p, "rwxrwxrwx");
                    }
                    host = p.toRealPath();
                } catch (IOException | UncheckedIOException e) {
                    throw new VolumeError("subPath \"" + sub + "\" of volume \"" + m.getName() + "\": " + e.getMessage());
                }
            }
            boolean readOnly = v.readOnly() || Boolean.TRUE.equals(m.getReadOnly());
            out.add(new ContainerSpec.Mount(host.toString(), m.getMountPath(), readOnly, propagation(m)));
        }
        return out;
    }

    /**
     * Writes pod {@code uid}'s {@code /etc/hosts} ({@code <root>/<uid>/etc-hosts}, as the kubelet keeps it beside
     * the pod's volumes) when its content changed, and returns the file, for a bind mount into each container.
     */
    public Path etcHosts(String uid, String content) throws VolumeError {
        Path file = root.resolve(uid).resolve("etc-hosts");
        if (content.equals(hostsWritten.get(uid))) {
            return file;
        }
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling("etc-hosts.tmp");
            Files.writeString(tmp, content);
            Files.setPosixFilePermissions(tmp, AtomicWriter.permissions(0644));
            Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new VolumeError("cannot write the pod's /etc/hosts " + file + ": " + e.getMessage());
        }
        hostsWritten.put(uid, content);
        return file;
    }

    /**
     * The file that attempt {@code attempt} of container {@code name} of pod {@code uid} writes its termination
     * message into ({@code <root>/<uid>/containers/<name>/<attempt>}, as the kubelet keeps one per container
     * start); with {@code create}, made empty and writable by any user (a container may run as any uid), as the
     * kubelet makes it.
     */
    public Path terminationLog(String uid, String name, int attempt, boolean create) throws VolumeError {
        Path file = root.resolve(uid).resolve("containers").resolve(name).resolve(Integer.toString(attempt));
        if (create) {
            try {
                Files.createDirectories(file.getParent());
                Files.deleteIfExists(file);
                Files.createFile(file);
                Files.setPosixFilePermissions(file, AtomicWriter.permissions(0666));
            } catch (IOException e) {
                throw new VolumeError("cannot create the termination log " + file + ": " + e.getMessage());
            }
        }
        return file;
    }

    private static ContainerSpec.Propagation propagation(VolumeMount m) {
        String p = m.getMountPropagation();
        return "HostToContainer".equals(p) ? ContainerSpec.Propagation.HOST_TO_CONTAINER
                : "Bidirectional".equals(p) ? ContainerSpec.Propagation.BIDIRECTIONAL : ContainerSpec.Propagation.PRIVATE;
    }

    /** Unmounts and deletes every volume of pod {@code uid} (hostPath volumes are left alone). */
    public void tearDown(String uid) {
        if (watchedConfigMaps != null) {
            watchedConfigMaps.release(uid);
            watchedSecrets.release(uid);
        }
        prepared.remove(uid);
        hostsWritten.remove(uid);
        tmpfs.removeIf(d -> d.startsWith(root.resolve(uid).toAbsolutePath() + "/"));
        tokens.keySet().removeIf(k -> k.startsWith(uid + "/"));
        deleteTree(uid, memoryRoot.resolve(uid));
        Path podDir = root.resolve(uid);
        if (!Files.isDirectory(podDir)) {
            return;
        }
        if (mayHoldMounts(podDir)) {
            for (String mount : mountsUnder(podDir)) {
                HostCommand.Result r = HostCommand.run(List.of("umount", mount), Duration.ofSeconds(10));
                if (!r.ok()) {
                    log.warn("pod {}: cannot unmount {}: {}", uid, mount, r.stderr().strip());
                }
            }
        }
        deleteTree(uid, podDir);
    }

    private static void deleteTree(String uid, Path dir) {
        if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try {
            AtomicWriter.deleteTree(dir);
        } catch (IOException e) {
            log.warn("pod {}: cannot remove its volumes {}: {}", uid, dir, e.getMessage());
        }
    }

    /**
     * Whether anything may be mounted under a pod's volume directory: a tmpfs on one of its volumes (an emptyDir of
     * medium Memory, or a secret or projected volume set up by an agent before {@link #credentialDir}), or what a
     * container mounted into an emptyDir with Bidirectional propagation. Only then is /proc/self/mountinfo read,
     * which costs a parse of every mount on the node.
     */
    private static boolean mayHoldMounts(Path podDir) {
        if (Files.isDirectory(podDir.resolve("kubernetes.io~empty-dir"))) {
            return true;
        }
        for (String plugin : List.of("kubernetes.io~secret", "kubernetes.io~projected")) {
            try (var volumes = Files.list(podDir.resolve(plugin))) {
                if (volumes.anyMatch(PodVolumes::mounted)) {
                    return true;
                }
            } catch (IOException | UncheckedIOException e) {
                // no such volumes
            }
        }
        return false;
    }

    /**
     * Where the files of pod {@code uid}'s volume {@code v} are on the node, under volume root {@code root}: an
     * emptyDir's, configMap's or downwardAPI's directory; a secret's or projected volume's on the node's tmpfs for
     * credentials, or on a tmpfs of its own where an earlier agent mounted one. Null for a volume whose files are not
     * the node's to keep (hostPath, or a type this node does not set up).
     */
    public static Path dataDir(Path root, String uid, Volume v) {
        if (v.getEmptyDir() != null) {
            return emptyDir(root, uid, v.getName());
        }
        if (v.getConfigMap() != null) {
            return configMapDir(root, uid, v.getName());
        }
        if (v.getDownwardAPI() != null) {
            return root.resolve(uid).resolve("kubernetes.io~downward-api").resolve(v.getName());
        }
        String plugin = v.getSecret() != null ? "kubernetes.io~secret"
                : v.getProjected() != null ? "kubernetes.io~projected" : null;
        if (plugin == null) {
            return null;
        }
        Path own = root.resolve(uid).resolve(plugin).resolve(v.getName());
        return Files.isDirectory(own) ? own : root.resolve(MEMORY_DIR).resolve(uid).resolve(plugin)
                .resolve(v.getName());
    }

    /** Where pod {@code uid}'s configMap volume {@code name} lives under volume root {@code root}. */
    public static Path configMapDir(Path root, String uid, String name) {
        return root.resolve(uid).resolve("kubernetes.io~configmap").resolve(name);
    }

    /** Where pod {@code uid}'s emptyDir volume {@code name} lives under volume root {@code root}. */
    public static Path emptyDir(Path root, String uid, String name) {
        return root.resolve(uid).resolve("kubernetes.io~empty-dir").resolve(name);
    }

    /** The volume root of a node whose pod logs are under {@code podLogsRoot}: {@code <data-dir>/volumes}. */
    public static Path rootBeside(Path podLogsRoot) {
        return podLogsRoot.resolveSibling("volumes");
    }

    /** Tears down the volumes of pods not in {@code liveUids}; returns how many. */
    public int removeOrphans(Set<String> liveUids) {
        Set<String> orphans = new java.util.TreeSet<>();
        for (Path dir : List.of(root, memoryRoot)) {
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (var dirs = Files.list(dir)) {
                dirs.map(d -> d.getFileName().toString())
                        .filter(name -> !name.equals(MEMORY_DIR) && !liveUids.contains(name))
                        .forEach(orphans::add);
            } catch (IOException | UncheckedIOException e) {
                log.warn("cannot list {}: {}", dir, e.getMessage());
            }
        }
        orphans.forEach(this::tearDown);
        return orphans.size();
    }

    /**
     * The tmpfs size of a memory-backed volume, as the kubelet sizes it: the node's allocatable memory, or the
     * pod's memory limit if it has one and it is smaller, or the volume's own {@code sizeLimit} if that is smaller
     * still (a secret or projected volume has none). Empty (the kernel's default, half the RAM) when none is known.
     * Without a pod: the node's allocatable memory (the node's tmpfs for credentials).
     */
    private String sizeOption(Pod pod, Quantity sizeLimit) {
        long size = -1;
        Quantity node = allocatable.get().get("memory");
        if (node != null) {
            size = Quantity.getAmountInBytes(node).longValue();
        }
        long podLimit = pod == null ? -1 : io.kaji.node.cgroup.PodResources.of(pod).memoryLimit();
        if (podLimit > 0 && (size < 0 || podLimit < size)) {
            size = podLimit;
        }
        if (sizeLimit != null) {
            long own = Quantity.getAmountInBytes(sizeLimit).longValue();
            if (own > 0 && (size < 0 || own < size)) {
                size = own;
            }
        }
        return size > 0 ? ",size=" + size : "";
    }

    /**
     * The directory of pod volume {@code plugin/name} that holds credentials (a secret or projected volume, the
     * service-account token's among them): {@code <root>/.memory/<uid>/<plugin>/<name>}, on one tmpfs for the whole
     * node, mounted once ({@code mode=0700}, sized to the node's allocatable memory), so that credentials never reach
     * the node's disk, as the kubelet keeps them in memory. The kubelet mounts a tmpfs for each such volume; that
     * cost every pod's start a mount (a process: the agent's JVM cannot call mount(2)) and its removal an unmount and
     * a parse of every mount on the node (docs/benchmarks.md, session 21), for nothing a container can tell apart:
     * the volume is mounted read-only into the container either way. A volume that has a tmpfs of its own at {@code <root>/<uid>/<plugin>/<name>}
     * (set up by an earlier agent for a pod that still runs) is used where it is.
     */
    private Path credentialDir(Pod pod, String plugin, String name) {
        String uid = pod.getMetadata().getUid();
        Path own = root.resolve(uid).resolve(plugin).resolve(name);
        if (tmpfs.contains(own.toAbsolutePath().toString())) {
            return own;
        }
        if (Files.isDirectory(own) && mounted(own)) {
            tmpfs.add(own.toAbsolutePath().toString());
            return own;
        }
        mountMemoryRoot();
        Path dir = memoryRoot.resolve(uid).resolve(plugin).resolve(name);
        createDirectory(dir, "rwxr-xr-x");
        return dir;
    }

    /** Mounts the node's tmpfs for credentials once; every pod worker shares it, so one mounts at a time. */
    private void mountMemoryRoot() {
        synchronized (memoryRoot) {
            memoryBacked(memoryRoot, "rwx------", "mode=0700", null, null);
        }
    }

    /**
     * Creates {@code dir} with {@code perms} and mounts a tmpfs on it ({@code mode} and the pod's {@link #sizeOption}),
     * once: for an emptyDir of medium Memory (writable by the pod, so it gets a tmpfs of its own and its size limit,
     * as the kubelet does), and for the node's tmpfs for credentials (no pod: the node's allocatable memory).
     */
    private void memoryBacked(Path dir, String perms, String mode, Pod pod, Quantity sizeLimit) {
        String key = dir.toAbsolutePath().toString();
        if (tmpfs.contains(key)) {
            return;
        }
        createDirectory(dir, perms);
        if (!mounted(dir)) {
            HostCommand.run(List.of("mount", "-t", "tmpfs", "-o", mode + sizeOption(pod, sizeLimit), "tmpfs", key),
                    Duration.ofSeconds(10)).orThrow();
        }
        tmpfs.add(key);
    }

    /**
     * Whether {@code dir} is a mount point (after an agent restart its tmpfs is still there): its device differs from
     * its parent's. Two stat calls; reading /proc/self/mountinfo instead cost each pod's start a parse of every mount
     * on the node (docs/benchmarks.md, session 17). mountinfo decides where the device cannot be read.
     */
    static boolean mounted(Path dir) {
        try {
            return !Files.getAttribute(dir, "unix:dev").equals(Files.getAttribute(dir.getParent(), "unix:dev"));
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return mountsUnder(dir).contains(dir.toAbsolutePath().toString());
        }
    }

    /** Mount points at or under {@code dir}, deepest first; none when /proc/self/mountinfo cannot be read. */
    static List<String> mountsUnder(Path dir) {
        try {
            return io.kaji.node.host.Mounts.under(List.of(dir));
        } catch (UncheckedIOException e) {
            return List.of();
        }
    }

    private static void createDirectory(Path dir, String perms) {
        try {
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString(perms));
        } catch (IOException e) {
            throw new UncheckedIOException("create " + dir + ": " + e.getMessage(), e);
        }
    }

    private interface Call<T> {
        T get();
    }

    /**
     * A ConfigMap or Secret (or null: absent) as its watch has it, or, where it is not watched (watches off or
     * refused), {@link #shared read}.
     */
    private <T extends io.fabric8.kubernetes.api.model.HasMetadata> T watchedOrShared(WatchedObjects<T> watched,
            String resource, Pod pod, String name, Call<T> read) throws VolumeError {
        if (watched != null) {
            var seen = watched.get(pod.getMetadata().getUid(), pod.getMetadata().getNamespace(), name);
            if (seen.isPresent()) {
                return seen.get().orElse(null);
            }
        }
        return shared(resource, pod.getMetadata().getNamespace(), name, read);
    }

    /**
     * A ConfigMap or Secret (or its absence) read at most once per {@link #OBJECT_TTL} for all the node's pods, as
     * the kubelet's TTL-cache strategy for configMap and secret managers does: without it, every pod's volume
     * refresh read the same objects again (100 pods of a namespace: ten reads of its {@code kube-root-ca.crt} a
     * second, and as many during a burst of starts). A change reaches the files within
     * {@link #REFRESH} + {@link #OBJECT_TTL}.
     */
    @SuppressWarnings("unchecked")
    private <T> T shared(String resource, String namespace, String name, Call<T> call) throws VolumeError {
        String key = resource + "/" + namespace + "/" + name;
        Instant now = clock.instant();
        Fetched f = fetched.get(key);
        if (f != null && Duration.between(f.at(), now).compareTo(OBJECT_TTL) < 0) {
            return (T) f.value();
        }
        T value = get(call);
        fetched.put(key, new Fetched(now, value));
        if (fetched.size() > 64) {
            fetched.values().removeIf(old -> Duration.between(old.at(), now).compareTo(OBJECT_TTL) >= 0);
        }
        return value;
    }

    private record Fetched(Instant at, Object value) {}

    private static <T> T get(Call<T> call) throws VolumeError {
        try {
            return call.get();
        } catch (KubernetesClientException e) {
            throw new VolumeError("cannot read it from the API server: " + e.getMessage());
        }
    }

    /** A downwardAPI file's contents: labels and annotations as sorted {@code key="value"} lines. */
    static String field(Pod pod, String path) throws VolumeError {
        var m = pod.getMetadata();
        switch (path) {
            case "metadata.name": return m.getName();
            case "metadata.namespace": return m.getNamespace();
            case "metadata.uid": return m.getUid();
            case "metadata.labels": return lines(m.getLabels());
            case "metadata.annotations": return lines(m.getAnnotations());
            case "spec.nodeName": return String.valueOf(pod.getSpec().getNodeName());
            case "spec.serviceAccountName": return pod.getSpec().getServiceAccountName() == null ? ""
                    : pod.getSpec().getServiceAccountName();
            default:
                var matcher = java.util.regex.Pattern.compile("metadata\\.(labels|annotations)\\['(.+)'\\]")
                        .matcher(path);
                if (matcher.matches()) {
                    Map<String, String> map = "labels".equals(matcher.group(1)) ? m.getLabels() : m.getAnnotations();
                    return map == null ? "" : map.getOrDefault(matcher.group(2), "");
                }
                throw new VolumeError("unsupported fieldRef " + path + " in a downwardAPI volume");
        }
    }

    private static String lines(Map<String, String> map) {
        if (map == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder();
        new TreeMap<>(map).forEach((k, v) -> sb.append(k).append("=\"").append(v.replace("\\", "\\\\")
                .replace("\n", "\\n").replace("\"", "\\\"")).append("\"\n"));
        return sb.toString().stripTrailing();
    }
}
