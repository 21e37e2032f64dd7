package io.kaji.apiserver.encryption;

import io.kaji.apiserver.registry.ResourceDefinition;
import io.kaji.apiserver.registry.ResourceRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * An {@code apiserver.config.k8s.io/v1} EncryptionConfiguration, the file kube-apiserver reads with
 * {@code --encryption-provider-config}: per list of resources, the providers in order (the first writes, all
 * read). Kaji supports the {@code aesgcm}, {@code aescbc} and {@code identity} providers. Immutable.
 */
public final class EncryptionConfiguration {

    public static final String FILE_NAME = "encryption-config.yaml";
    static final String API_VERSION = "apiserver.config.k8s.io/v1";
    static final String KIND = "EncryptionConfiguration";
    private static final YAMLMapper YAML = YAMLMapper.builder().build();
    private static final SecureRandom RANDOM = new SecureRandom();

    /**
     * One key of an AES provider.
     *
     * @param name   its name, part of the stored prefix ({@code k8s:enc:aesgcm:v1:<name>:})
     * @param secret the key, base64 as in the file
     */
    public record Key(String name, String secret) {
        public Key {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(secret, "secret");
        }

        @Override
        public String toString() {
            return "Key[" + name + ", secret redacted]";
        }
    }

    /**
     * One provider: {@code aesgcm}, {@code aescbc} or {@code identity} (which has no keys).
     */
    public record ProviderConfig(String type, List<Key> keys) {
        public ProviderConfig {
            keys = List.copyOf(keys);
        }
    }

    /** Resources (e.g. {@code secrets}, {@code deployments.apps}, {@code *.*}) and their providers. */
    public record ResourceRule(List<String> resources, List<ProviderConfig> providers) {
        public ResourceRule {
            resources = List.copyOf(resources);
            providers = List.copyOf(providers);
        }
    }

    private final List<ResourceRule> rules;

    public EncryptionConfiguration(List<ResourceRule> rules) {
        this.rules = List.copyOf(rules);
    }

    public List<ResourceRule> rules() {
        return rules;
    }

    /** Kaji's default: Secrets with AES-GCM under a new random 256-bit key {@code key1}, identity to read old data. */
    public static EncryptionConfiguration generate() {
        return new EncryptionConfiguration(List.of(new ResourceRule(List.of("secrets"), List.of(
                new ProviderConfig("aesgcm", List.of(new Key("key1", randomKey()))),
                new ProviderConfig("identity", List.of())))));
    }

    static String randomKey() {
        byte[] k = new byte[32];
        RANDOM.nextBytes(k);
        return Base64.getEncoder().encodeToString(k);
    }

    /**
     * Reads {@code file}, or writes {@link #generate()} to it (mode 0600) when it does not exist.
     *
     * @throws EncryptionException naming the file and what is wrong with it
     */
    public static EncryptionConfiguration loadOrCreate(Path file) {
        if (Files.exists(file)) {
            return load(file);
        }
        EncryptionConfiguration generated = generate();
        generated.write(file);
        return generated;
    }

    public static EncryptionConfiguration load(Path file) {
        try {
            return parse(Files.readAllBytes(file), file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("read " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Parses the YAML (or JSON) text of an EncryptionConfiguration.
     *
     * @param source where it came from, for messages
     */
    public static EncryptionConfiguration parse(byte[] text, String source) {
        JsonNode doc;
        try {
            doc = YAML.readTree(text);
        } catch (JacksonException e) {
            throw new EncryptionException(source + ": not YAML: " + e.getOriginalMessage(), e);
        }
        if (doc == null || !doc.isObject()) {
            throw new EncryptionException(source + ": expected an EncryptionConfiguration object");
        }
        if (!KIND.equals(doc.path("kind").asString("")) || !doc.path("apiVersion").asString("").startsWith(
                "apiserver.config.k8s.io/")) {
            throw new EncryptionException(source + ": expected apiVersion " + API_VERSION + ", kind " + KIND);
        }
        List<ResourceRule> rules = new ArrayList<>();
        int i = 0;
        for (JsonNode rule : doc.path("resources")) {
            String where = source + ": resources[" + i++ + "]";
            List<String> resources = new ArrayList<>();
            rule.path("resources").forEach(r -> resources.add(r.asString("")));
            if (resources.isEmpty()) {
                throw new EncryptionException(where + ".resources: must name at least one resource, e.g. secrets");
            }
            List<ProviderConfig> providers = new ArrayList<>();
            int j = 0;
            for (JsonNode p : rule.path("providers")) {
                providers.add(provider(p, where + ".providers[" + j++ + "]"));
            }
            if (providers.isEmpty()) {
                throw new EncryptionException(where + ".providers: at least one provider is required");
            }
            rules.add(new ResourceRule(resources, providers));
        }
        EncryptionConfiguration config = new EncryptionConfiguration(rules);
        config.transformers(); // every key is checked now, not at the first write
        return config;
    }

    private static ProviderConfig provider(JsonNode p, String where) {
        if (!p.isObject() || p.size() != 1) {
            throw new EncryptionException(where + ": exactly one provider type per entry (aesgcm, aescbc or identity)");
        }
        String type = p.propertyNames().iterator().next();
        switch (type) {
            case "identity" -> {
                return new ProviderConfig("identity", List.of());
            }
            case "aesgcm", "aescbc" -> {
                List<Key> keys = new ArrayList<>();
                for (JsonNode k : p.path(type).path("keys")) {
                    String name = k.path("name").asString("");
                    String secret = k.path("secret").asString("");
                    if (name.isEmpty() || secret.isEmpty()) {
                        throw new EncryptionException(where + "." + type + ".keys: every key needs a name and a secret");
                    }
                    keys.add(new Key(name, secret));
                }
                if (keys.isEmpty()) {
                    throw new EncryptionException(where + "." + type + ".keys: at least one key is required");
                }
                return new ProviderConfig(type, keys);
            }
            default -> throw new EncryptionException(where + ": provider \"" + type + "\" is not supported by Kaji "
                    + "(supported: aesgcm, aescbc, identity)");
        }
    }

    /** The transformer of each rule, in order. */
    List<ValueTransformer> transformers() {
        List<ValueTransformer> out = new ArrayList<>();
        for (ResourceRule rule : rules) {
            List<Provider> providers = new ArrayList<>();
            for (ProviderConfig p : rule.providers()) {
                if (p.type().equals("identity")) {
                    providers.add(ValueTransformer.identity());
                    continue;
                }
                for (Key k : p.keys()) {
                    byte[] key;
                    try {
                        key = Base64.getDecoder().decode(k.secret());
                    } catch (IllegalArgumentException e) {
                        throw new EncryptionException(p.type() + " key \"" + k.name() + "\": secret is not base64");
                    }
                    providers.add(p.type().equals("aesgcm") ? AesProviders.gcm(k.name(), key)
                            : AesProviders.cbc(k.name(), key));
                }
            }
            out.add(new ValueTransformer(providers));
        }
        return out;
    }

    /**
     * The transformer for the store key prefix of every resource the rules name ({@code secrets},
     * {@code deployments.apps}, {@code *.apps}, {@code *.} for all core resources, {@code *.*} for all), the first
     * matching rule winning as in Kubernetes.
     *
     * @throws EncryptionException for a rule naming a resource the server does not have
     */
    public Map<String, ValueTransformer> byKeyPrefix(ResourceRegistry registry) {
        List<ValueTransformer> transformers = transformers();
        Map<String, ValueTransformer> out = new LinkedHashMap<>();
        for (int i = 0; i < rules.size(); i++) {
            for (String resource : rules.get(i).resources()) {
                int dot = resource.indexOf('.');
                String plural = dot < 0 ? resource : resource.substring(0, dot);
                String group = dot < 0 ? "" : resource.substring(dot + 1);
                boolean anyGroup = group.equals("*");
                boolean matched = false;
                for (ResourceDefinition def : registry.all()) {
                    if ((anyGroup || def.group().equals(group)) && (plural.equals("*") || def.plural().equals(plural))) {
                        out.putIfAbsent(def.keyPrefix(), transformers.get(i));
                        matched = true;
                    }
                }
                if (!matched && !plural.equals("*")) {
                    throw new EncryptionException("encryption configuration: resource \"" + resource + "\" is not "
                            + "served by this API server (name it as plural[.group], e.g. secrets, deployments.apps)");
                }
            }
        }
        return out;
    }

    /** A copy with a new random key, named after the highest {@code key<N>} plus one, first in each AES provider. */
    public EncryptionConfiguration withNewFirstKey() {
        int highest = 0;
        for (ResourceRule r : rules) {
            for (ProviderConfig p : r.providers()) {
                for (Key k : p.keys()) {
                    if (k.name().matches("key\\d{1,9}")) {
                        highest = Math.max(highest, Integer.parseInt(k.name().substring(3)));
                    }
                }
            }
        }
        Key added = new Key("key" + (highest + 1), randomKey());
        return mapFirstAesProvider(p -> {
            List<Key> keys = new ArrayList<>();
            keys.add(added);
            keys.addAll(p.keys());
            return new ProviderConfig(p.type(), keys);
        });
    }

    /** A copy whose first AES provider keeps only its first key (the old ones dropped after a rotation). */
    public EncryptionConfiguration withOnlyFirstKey() {
        return mapFirstAesProvider(p -> new ProviderConfig(p.type(), List.of(p.keys().getFirst())));
    }

    private EncryptionConfiguration mapFirstAesProvider(java.util.function.UnaryOperator<ProviderConfig> change) {
        List<ResourceRule> out = new ArrayList<>();
        for (ResourceRule r : rules) {
            List<ProviderConfig> providers = new ArrayList<>(r.providers());
            for (int i = 0; i < providers.size(); i++) {
                if (!providers.get(i).type().equals("identity")) {
                    providers.set(i, change.apply(providers.get(i)));
                    break;
                }
            }
            out.add(new ResourceRule(r.resources(), providers));
        }
        return new EncryptionConfiguration(out);
    }

    /** The YAML text of this configuration, as kube-apiserver reads it. */
    public byte[] toYaml() {
        ObjectNode doc = YAML.createObjectNode();
        doc.put("apiVersion", API_VERSION);
        doc.put("kind", KIND);
        ArrayNode resources = doc.putArray("resources");
        for (ResourceRule r : rules) {
            ObjectNode rule = resources.addObject();
            ArrayNode names = rule.putArray("resources");
            r.resources().forEach(names::add);
            ArrayNode providers = rule.putArray("providers");
            for (ProviderConfig p : r.providers()) {
                ObjectNode entry = providers.addObject();
                ObjectNode body = entry.putObject(p.type());
                if (!p.keys().isEmpty()) {
                    ArrayNode keys = body.putArray("keys");
                    for (Key k : p.keys()) {
                        keys.addObject().put("name", k.name()).put("secret", k.secret());
                    }
                }
            }
        }
        return YAML.writeValueAsBytes(doc);
    }

    /** Writes the file atomically with mode 0600 (it holds keys). */
    public void write(Path file) {
        try {
            Path dir = file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, ".encryption-config", ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.write(tmp, toYaml());
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("write " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EncryptionConfiguration other && rules.equals(other.rules);
    }

    @Override
    public int hashCode() {
        return rules.hashCode();
    }

    @Override
    public String toString() {
        return "EncryptionConfiguration" + rules;
    }
}
