package io.kaji.support.bundle;

import io.fabric8.kubernetes.api.model.APIGroup;
import io.fabric8.kubernetes.api.model.APIResource;
import io.fabric8.kubernetes.api.model.APIResourceList;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.kaji.support.certs.ExpiryReport;
import io.kaji.support.certs.Thresholds;
import io.kaji.support.diagnose.ClusterLogReader;
import io.kaji.support.diagnose.ClusterSnapshot;
import io.kaji.support.diagnose.DiagnoseContext;
import io.kaji.support.diagnose.Diagnoser;
import io.kaji.support.diagnose.DiagnosisReport;
import io.kaji.support.diagnose.LogReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLMapper;
import tools.jackson.dataformat.yaml.YAMLWriteFeature;

/**
 * {@code kaji support-bundle}: one tar.gz for a support case. It holds the cluster's version, every resource the
 * user may list (as YAML, one file per resource type and namespace), the last lines of every container's log (and
 * of the previous container after a restart), the diagnosis, the certificate expiry report, and — with a Kaji data
 * dir — the server's log tail and configuration; plus {@code index.html} to browse it, {@code redactions.txt}
 * (what was removed: place and rule, never the value) and {@code truncated.txt} (what the size limit left out).
 *
 * <p>Every piece of text passes through the {@link Redactor} before it is written.
 */
public final class SupportBundle {

    /**
     * What to collect.
     *
     * @param output     the tar.gz to write
     * @param namespace  only this namespace's objects and logs (null: all)
     * @param logLines   lines per container log
     * @param maxBytes   the size budget, uncompressed
     * @param dataDir    a Kaji data dir whose server log, configuration and PKI report to include (null: none)
     * @param configFile a Kaji configuration file to include, redacted (null: none)
     */
    public record Options(Path output, String namespace, int logLines, long maxBytes, Path dataDir, Path configFile) {
    }

    /** Progress of a collection: {@code done} of {@code total} steps, the current one named. */
    @FunctionalInterface
    public interface Progress {
        void step(int done, int total, String what);
    }

    /** What was written. */
    public record Result(Path file, int files, long bytes, List<String> truncated, int redactions) {
    }

    private static final YAMLMapper YAML = YAMLMapper.builder().disable(YAMLWriteFeature.WRITE_DOC_START_MARKER)
            .build();
    private static final JsonMapper JSON = JsonMapper.shared();

    private final KubernetesClient client;
    private final Options options;
    private final Progress progress;
    private final Redactor redactor = new Redactor();
    private final Map<String, String> notCollected = new LinkedHashMap<>();

    private SupportBundle(KubernetesClient client, Options options, Progress progress) {
        this.client = client;
        this.options = options;
        this.progress = progress;
    }

    /** Collects and writes the bundle. */
    public static Result collect(KubernetesClient client, Options options, Progress progress) throws IOException {
        return new SupportBundle(client, options, progress).run();
    }

    private Result run() throws IOException {
        Instant now = Instant.now();
        String root = "kaji-support-bundle-" + DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")
                .withZone(ZoneOffset.UTC).format(now);
        progress.step(0, 1, "discovering the API");
        List<Resource> resources = discover();
        progress.step(0, 1, "reading the cluster's state");
        ClusterSnapshot snapshot = ClusterSnapshot.fetch(client, options.namespace());
        int total = resources.size() + snapshot.pods().size() + 4;
        int done = 0;
        try (BundleWriter out = new BundleWriter(options.output(), root, options.maxBytes())) {
            progress.step(done++, total, "version");
            out.add("version.json", version());
            for (Resource r : resources) {
                progress.step(done++, total, r.path());
                dump(r, out);
            }
            LogReader logs = new ClusterLogReader(client);
            for (Pod pod : snapshot.pods()) {
                progress.step(done++, total, "logs of " + pod.getMetadata().getNamespace() + "/"
                        + pod.getMetadata().getName());
                podLogs(pod, logs, out);
            }
            progress.step(done++, total, "diagnosis");
            Diagnoser.Result diagnosis = new Diagnoser(Diagnoser.defaults()).run(snapshot,
                    new DiagnoseContext(now, logs));
            out.add("diagnosis.txt", redactor.text(DiagnosisReport.text(diagnosis), "diagnosis.txt", ""));
            out.add("diagnosis.json", redactor.text(DiagnosisReport.json(diagnosis), "diagnosis.json", ""));
            progress.step(done++, total, "certificates");
            certificates(now, out);
            progress.step(done++, total, "Kaji's logs and configuration");
            kajiFiles(out);
            progress.step(done++, total, "index");
            out.add("redactions.txt", redactions());
            out.add("not-collected.txt", notCollectedText());
            List<String> truncated = new ArrayList<>(out.truncated());
            out.add("truncated.txt", truncated.isEmpty() ? "Nothing was left out.\n"
                    : String.join("\n", truncated) + "\n");
            out.add("index.html", Index.html(root, now, out.entries(), truncated, redactor.report().size(),
                    notCollected, diagnosis));
            progress.step(total, total, "done");
            out.close();
            return new Result(options.output(), out.entries().size(), Files.size(options.output()), truncated,
                    redactor.report().size());
        }
    }

    /** One listable resource: its list path and where its objects go. */
    private record Resource(String group, String version, String name, boolean namespaced) {
        String path() {
            String base = group.isEmpty() ? "/api/" + version : "/apis/" + group + "/" + version;
            return base + "/" + name;
        }

        String fileName() {
            return group.isEmpty() ? name + ".yaml" : name + "." + group + ".yaml";
        }
    }

    /** Every resource with the list verb, from discovery (each group's preferred version). */
    private List<Resource> discover() {
        List<Resource> out = new ArrayList<>();
        addResources(out, "", "v1");
        try {
            for (APIGroup g : client.getApiGroups().getGroups()) {
                String version = g.getPreferredVersion() != null ? g.getPreferredVersion().getVersion()
                        : g.getVersions().get(0).getVersion();
                addResources(out, g.getName(), version);
            }
        } catch (KubernetesClientException e) {
            notCollected.put("/apis", reason(e));
        }
        return out;
    }

    private void addResources(List<Resource> out, String group, String version) {
        String gv = group.isEmpty() ? version : group + "/" + version;
        try {
            APIResourceList list = client.getApiResources(gv);
            if (list == null) {
                return;
            }
            for (APIResource r : list.getResources()) {
                if (!r.getName().contains("/") && r.getVerbs() != null && r.getVerbs().contains("list")) {
                    out.add(new Resource(group, version, r.getName(), Boolean.TRUE.equals(r.getNamespaced())));
                }
            }
        } catch (KubernetesClientException e) {
            notCollected.put(gv, reason(e));
        }
    }

    private String version() {
        try {
            var v = client.getKubernetesVersion();
            ObjectNode n = JSON.createObjectNode();
            n.put("gitVersion", v.getGitVersion());
            n.put("platform", v.getPlatform());
            n.put("goVersion", v.getGoVersion());
            n.put("server", client.getMasterUrl().toString());
            n.put("collectedBy", "kaji support-bundle");
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(n) + "\n";
        } catch (KubernetesClientException e) {
            return "{\"error\": \"" + reason(e) + "\"}\n";
        }
    }

    /** Lists one resource and writes its objects grouped by namespace, redacted. */
    private void dump(Resource r, BundleWriter out) throws IOException {
        String path = r.namespaced() && options.namespace() != null
                ? r.path().replaceFirst("/" + r.name() + "$", "/namespaces/" + options.namespace() + "/" + r.name())
                : r.path();
        if (!r.namespaced() && options.namespace() != null && !r.name().equals("nodes")
                && !r.name().equals("namespaces")) {
            return; // a namespaced bundle keeps only nodes and namespaces of the cluster-scoped objects
        }
        String body;
        try {
            body = client.raw(client.getMasterUrl().toString().replaceAll("/$", "") + path);
        } catch (KubernetesClientException e) {
            notCollected.put(path, reason(e));
            return;
        }
        if (body == null) {
            notCollected.put(path, "no answer (forbidden or not found)");
            return;
        }
        JsonNode list = JSON.readTree(body);
        String kind = list.path("kind").asString("").replaceAll("List$", "");
        String apiVersion = list.path("apiVersion").asString(r.group().isEmpty() ? r.version()
                : r.group() + "/" + r.version());
        Map<String, ArrayNode> byNamespace = new TreeMap<>();
        for (JsonNode item : list.path("items")) {
            if (!(item instanceof ObjectNode obj)) {
                continue;
            }
            if (!obj.has("kind")) {
                obj.put("kind", kind);
            }
            if (!obj.has("apiVersion")) {
                obj.put("apiVersion", apiVersion);
            }
            if (obj.path("metadata") instanceof ObjectNode meta) {
                meta.remove("managedFields");
            }
            String ns = obj.path("metadata").path("namespace").asString("");
            String file = ns.isEmpty() ? "cluster/" + r.fileName() : "namespaces/" + ns + "/" + r.fileName();
            redactor.object(obj, file);
            byNamespace.computeIfAbsent(file, f -> JSON.createArrayNode()).add(obj);
        }
        for (Map.Entry<String, ArrayNode> e : byNamespace.entrySet()) {
            ObjectNode doc = JSON.createObjectNode();
            doc.put("apiVersion", "v1");
            doc.put("kind", "List");
            doc.set("items", e.getValue());
            out.add(e.getKey(), YAML.writeValueAsString(doc));
        }
    }

    private void podLogs(Pod pod, LogReader logs, BundleWriter out) throws IOException {
        if (pod.getSpec().getNodeName() == null || pod.getStatus() == null
                || pod.getStatus().getContainerStatuses() == null) {
            return; // never started: no logs to read
        }
        String ns = pod.getMetadata().getNamespace();
        String name = pod.getMetadata().getName();
        List<Container> containers = new ArrayList<>(pod.getSpec().getContainers());
        if (pod.getSpec().getInitContainers() != null) {
            containers.addAll(pod.getSpec().getInitContainers());
        }
        for (Container c : containers) {
            String file = "logs/" + ns + "/" + name + "/" + c.getName() + ".log";
            List<String> lines = logs.tail(ns, name, c.getName(), false, options.logLines());
            if (!lines.isEmpty()) {
                out.add(file, redactLines(lines, file));
            }
            if (restarted(pod, c.getName())) {
                String prev = "logs/" + ns + "/" + name + "/" + c.getName() + ".previous.log";
                List<String> previous = logs.tail(ns, name, c.getName(), true, options.logLines());
                if (!previous.isEmpty()) {
                    out.add(prev, redactLines(previous, prev));
                }
            }
            if (lines.size() >= options.logLines()) {
                out.truncated(file + ": only the last " + options.logLines() + " lines (--log-lines)");
            }
        }
    }

    private static boolean restarted(Pod pod, String container) {
        List<ContainerStatus> all = new ArrayList<>();
        if (pod.getStatus() != null && pod.getStatus().getContainerStatuses() != null) {
            all.addAll(pod.getStatus().getContainerStatuses());
        }
        if (pod.getStatus() != null && pod.getStatus().getInitContainerStatuses() != null) {
            all.addAll(pod.getStatus().getInitContainerStatuses());
        }
        return all.stream().anyMatch(s -> container.equals(s.getName()) && s.getRestartCount() != null
                && s.getRestartCount() > 0);
    }

    private String redactLines(List<String> lines, String file) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < lines.size(); i++) {
            sb.append(redactor.text(lines.get(i), file, "line " + (i + 1))).append('\n');
        }
        return sb.toString();
    }

    private void certificates(Instant now, BundleWriter out) throws IOException {
        ExpiryReport report = ExpiryReport.scan(client, options.dataDir(), now, Thresholds.DEFAULT);
        out.add("certificates.txt", report.text());
        out.add("certificates.json", report.json());
    }

    /** The server's log tail and configuration files of a Kaji data dir; never keys, tokens or the store. */
    private void kajiFiles(BundleWriter out) throws IOException {
        if (options.dataDir() != null) {
            Path log = options.dataDir().resolve("server.log");
            if (Files.isReadable(log)) {
                List<String> lines = tail(log, 5000);
                out.add("kaji/server.log", redactLines(lines, "kaji/server.log"));
            }
            Path nodeLog = options.dataDir().resolve("agent.log");
            if (Files.isReadable(nodeLog)) {
                out.add("kaji/agent.log", redactLines(tail(nodeLog, 5000), "kaji/agent.log"));
            }
        }
        if (options.configFile() != null && Files.isReadable(options.configFile())) {
            List<String> lines = Files.readAllLines(options.configFile(), StandardCharsets.UTF_8);
            StringBuilder sb = new StringBuilder();
            for (String l : lines) {
                sb.append(configLine(l)).append('\n');
            }
            out.add("kaji/config.yaml", sb.toString());
        }
    }

    /** A YAML line of a configuration file with the value of any sensitive key masked. */
    private String configLine(String line) {
        int colon = line.indexOf(':');
        if (colon > 0) {
            String key = line.substring(0, colon).strip().replaceFirst("^-\\s*", "");
            if (Redactor.sensitiveKey(key) && !line.substring(colon + 1).isBlank()) {
                redactor.record("kaji/config.yaml", key, "sensitive-name");
                return line.substring(0, colon + 1) + " " + Redactor.MASK;
            }
        }
        return redactor.text(line, "kaji/config.yaml", "");
    }

    private static List<String> tail(Path file, int n) throws IOException {
        List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
        return all.size() <= n ? all : all.subList(all.size() - n, all.size());
    }

    private String redactions() {
        StringBuilder sb = new StringBuilder("# What was removed from this bundle: file, place, rule. Values are"
                + " never listed.\n");
        for (Redactor.Redaction r : redactor.report()) {
            sb.append(r.file()).append('\t').append(r.path()).append('\t').append(r.rule()).append('\n');
        }
        return sb.toString();
    }

    private String notCollectedText() {
        if (notCollected.isEmpty()) {
            return "Everything listable was collected.\n";
        }
        StringBuilder sb = new StringBuilder();
        notCollected.forEach((k, v) -> sb.append(k).append(": ").append(v).append('\n'));
        return sb.toString();
    }

    private static String reason(KubernetesClientException e) {
        return switch (e.getCode()) {
            case 401 -> "unauthorized";
            case 403 -> "forbidden";
            case 404 -> "not served";
            default -> e.getCode() > 0 ? "HTTP " + e.getCode() : String.valueOf(e.getMessage());
        };
    }
}
