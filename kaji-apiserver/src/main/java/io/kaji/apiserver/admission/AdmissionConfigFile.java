package io.kaji.apiserver.admission;

import io.kaji.apiserver.admission.podsecurity.NamespacePolicy;
import io.kaji.apiserver.admission.podsecurity.PodSecurity;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * kube-apiserver's {@code --admission-control-config-file}: an {@code apiserver.config.k8s.io/v1}
 * AdmissionConfiguration whose {@code plugins} entries configure plugins by name, inline ({@code configuration})
 * or in another file ({@code path}, relative to this one). Kaji reads the PodSecurity entry, a
 * {@code pod-security.admission.config.k8s.io/v1} PodSecurityConfiguration (defaults and exemptions); other
 * entries are ignored.
 */
public final class AdmissionConfigFile {

    private static final YAMLMapper YAML = YAMLMapper.builder().build();

    private AdmissionConfigFile() {
    }

    /**
     * The PodSecurity options {@code file} sets over {@code base}.
     *
     * @throws IllegalArgumentException naming the file and the problem
     */
    public static PodSecurity.Options podSecurity(Path file, PodSecurity.Options base) {
        JsonNode doc = read(file);
        if (!"AdmissionConfiguration".equals(doc.path("kind").asString(""))) {
            throw new IllegalArgumentException(file + ": expected kind AdmissionConfiguration "
                    + "(apiVersion apiserver.config.k8s.io/v1)");
        }
        for (JsonNode plugin : doc.path("plugins")) {
            if (!PodSecurity.NAME.equals(plugin.path("name").asString(""))) {
                continue;
            }
            JsonNode config = plugin.path("configuration");
            String source = file + ": plugins[PodSecurity]";
            if (!config.isObject() && plugin.hasNonNull("path")) {
                Path referenced = file.toAbsolutePath().getParent().resolve(plugin.path("path").asString(""));
                config = read(referenced);
                source = referenced.toString();
            }
            return fromPodSecurityConfiguration(config, base, source);
        }
        return base;
    }

    private static PodSecurity.Options fromPodSecurityConfiguration(JsonNode config, PodSecurity.Options base,
            String source) {
        if (!"PodSecurityConfiguration".equals(config.path("kind").asString(""))) {
            throw new IllegalArgumentException(source + ": expected kind PodSecurityConfiguration "
                    + "(apiVersion pod-security.admission.config.k8s.io/v1)");
        }
        NamespacePolicy defaults = base.defaults();
        JsonNode d = config.path("defaults");
        if (d.isObject()) {
            Map<String, String> labels = new HashMap<>();
            d.properties().forEach(e -> labels.put(NamespacePolicy.LABEL_PREFIX + e.getKey(), e.getValue().asString("")));
            NamespacePolicy.Parsed parsed = NamespacePolicy.fromLabels(labels, NamespacePolicy.PRIVILEGED);
            if (!parsed.errors().isEmpty()) {
                throw new IllegalArgumentException(source + ": defaults: " + parsed.errors().getFirst().describe()
                        .replace("metadata.labels[" + NamespacePolicy.LABEL_PREFIX, "").replace("]:", ":"));
            }
            defaults = parsed.policy();
        }
        JsonNode ex = config.path("exemptions");
        return new PodSecurity.Options(defaults,
                ex.has("namespaces") ? strings(ex.path("namespaces")) : base.exemptNamespaces(),
                ex.has("usernames") ? strings(ex.path("usernames")) : base.exemptUsers(),
                ex.has("runtimeClasses") ? strings(ex.path("runtimeClasses")) : base.exemptRuntimeClasses());
    }

    private static Set<String> strings(JsonNode array) {
        Set<String> out = new HashSet<>();
        array.forEach(n -> out.add(n.asString("")));
        return out;
    }

    private static JsonNode read(Path file) {
        try {
            JsonNode doc = YAML.readTree(Files.readAllBytes(file));
            if (doc == null || !doc.isObject()) {
                throw new IllegalArgumentException(file + ": expected a YAML object");
            }
            return doc;
        } catch (JacksonException e) {
            throw new IllegalArgumentException(file + ": not YAML: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("read " + file + ": " + e.getMessage(), e);
        }
    }
}
