package io.kaji.apiserver.audit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * An audit.k8s.io/v1 Policy: rules matched in order, the first match deciding the level (no match: None), each
 * with stages to omit on top of the policy's. Matching is Kubernetes' (users, userGroups, verbs, namespaces,
 * resources including the "any resource's subresource" and "any subresource of a resource" wildcard forms and
 * resourceNames, nonResourceURLs with a trailing {@code *}). Immutable and thread-safe.
 */
public final class AuditPolicy {

    public static final String FILE_NAME = "audit-policy.yaml";
    private static final YAMLMapper YAML = YAMLMapper.builder().build();

    /** The stages an event can be written at. */
    public enum Stage { RequestReceived, ResponseStarted, ResponseComplete, Panic }

    /**
     * The level and omitted stages for one request.
     */
    public record Decision(AuditLevel level, Set<Stage> omitStages) {
        public Decision {
            omitStages = omitStages.isEmpty() ? Set.of() : Set.copyOf(omitStages);
        }

        public boolean logs(Stage stage) {
            return level != AuditLevel.NONE && !omitStages.contains(stage);
        }
    }

    record GroupResources(String group, List<String> resources, List<String> resourceNames) {
    }

    record Rule(AuditLevel level, List<String> users, List<String> userGroups, List<String> verbs,
            List<GroupResources> resources, List<String> namespaces, List<String> nonResourceURLs,
            Set<Stage> omitStages) {
    }

    private final List<Rule> rules;
    private final Set<Stage> omitStages;

    private AuditPolicy(List<Rule> rules, Set<Stage> omitStages) {
        this.rules = List.copyOf(rules);
        this.omitStages = omitStages;
    }

    /**
     * Kaji's default policy, as written to {@code <data-dir>/audit-policy.yaml}: Secrets, ConfigMaps, token requests
     * and reviews only ever at Metadata (their bodies hold credentials); health probes not at all; writes with their
     * request bodies; everything else at Metadata.
     */
    public static final String DEFAULT = """
            apiVersion: audit.k8s.io/v1
            kind: Policy
            # Written once per request, when the response is complete (watches also when their stream starts).
            omitStages:
              - RequestReceived
            rules:
              # Never the bodies of objects that carry credentials.
              - level: Metadata
                resources:
                  - group: ""
                    resources: ["secrets", "configmaps", "serviceaccounts/token"]
                  - group: authentication.k8s.io
                    resources: ["tokenreviews"]
              # Health probes and the version are noise.
              - level: None
                nonResourceURLs: ["/healthz*", "/livez*", "/readyz*", "/version"]
              # Frequent heartbeats: who and when is enough.
              - level: Metadata
                resources:
                  - group: coordination.k8s.io
                    resources: ["leases"]
                  - group: ""
                    resources: ["events"]
                  - group: events.k8s.io
                    resources: ["events"]
              # Changes with what was asked for.
              - level: Request
                verbs: ["create", "update", "patch", "delete", "deletecollection"]
              # Everything else: who did what, when, with what result.
              - level: Metadata
            """;

    /** Reads {@code file}, writing {@link #DEFAULT} to it first (mode 0600) when it does not exist. */
    public static AuditPolicy loadOrCreate(Path file) {
        try {
            if (!Files.exists(file)) {
                Files.createDirectories(file.toAbsolutePath().getParent());
                Files.writeString(file, DEFAULT);
                Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            }
            return parse(Files.readString(file), file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("audit policy " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Parses a Policy.
     *
     * @throws IllegalArgumentException naming the source and what is wrong
     */
    public static AuditPolicy parse(String text, String source) {
        JsonNode doc;
        try {
            doc = YAML.readTree(text);
        } catch (JacksonException e) {
            throw new IllegalArgumentException(source + ": not YAML: " + e.getOriginalMessage(), e);
        }
        if (doc == null || !"Policy".equals(doc.path("kind").asString(""))
                || !doc.path("apiVersion").asString("").startsWith("audit.k8s.io/")) {
            throw new IllegalArgumentException(source + ": expected apiVersion audit.k8s.io/v1, kind Policy");
        }
        List<Rule> rules = new ArrayList<>();
        int i = 0;
        for (JsonNode r : doc.path("rules")) {
            String where = source + ": rules[" + i++ + "]";
            AuditLevel level = AuditLevel.parse(r.path("level").asString(""));
            if (level == null) {
                throw new IllegalArgumentException(where + ".level: \"" + r.path("level").asString("")
                        + "\" is not one of None, Metadata, Request, RequestResponse");
            }
            List<GroupResources> resources = new ArrayList<>();
            for (JsonNode g : r.path("resources")) {
                resources.add(new GroupResources(g.path("group").asString(""), strings(g.path("resources")),
                        strings(g.path("resourceNames"))));
            }
            Rule rule = new Rule(level, strings(r.path("users")), strings(r.path("userGroups")),
                    strings(r.path("verbs")), resources, strings(r.path("namespaces")),
                    strings(r.path("nonResourceURLs")), stages(r.path("omitStages"), where));
            if (!rule.nonResourceURLs().isEmpty() && (!rule.resources().isEmpty() || !rule.namespaces().isEmpty())) {
                throw new IllegalArgumentException(where + ": nonResourceURLs cannot be combined with resources or "
                        + "namespaces");
            }
            rules.add(rule);
        }
        return new AuditPolicy(rules, stages(doc.path("omitStages"), source));
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asString("")));
        return out;
    }

    private static Set<Stage> stages(JsonNode array, String where) {
        Set<Stage> out = EnumSet.noneOf(Stage.class);
        for (JsonNode n : array) {
            try {
                out.add(Stage.valueOf(n.asString("")));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + ".omitStages: unknown stage \"" + n.asString("") + "\"");
            }
        }
        return out;
    }

    /** The first matching rule's level and omitted stages; None when no rule matches. */
    public Decision decide(AuditAttributes a) {
        for (Rule r : rules) {
            if (matches(r, a)) {
                Set<Stage> omit = EnumSet.noneOf(Stage.class);
                omit.addAll(omitStages);
                omit.addAll(r.omitStages());
                return new Decision(r.level(), omit);
            }
        }
        return new Decision(AuditLevel.NONE, omitStages);
    }

    private static boolean matches(Rule r, AuditAttributes a) {
        if (!r.users().isEmpty() && !r.users().contains(a.user().name())) {
            return false;
        }
        if (!r.userGroups().isEmpty() && a.user().groups().stream().noneMatch(r.userGroups()::contains)) {
            return false;
        }
        if (!r.verbs().isEmpty() && !r.verbs().contains(a.verb())) {
            return false;
        }
        if (!r.namespaces().isEmpty() || !r.resources().isEmpty()) {
            return matchesResource(r, a);
        }
        if (!r.nonResourceURLs().isEmpty()) {
            return !a.resource() && r.nonResourceURLs().stream().anyMatch(spec -> pathMatches(a.path(), spec));
        }
        return true;
    }

    private static boolean pathMatches(String path, String spec) {
        return spec.equals("*") || spec.equals(path)
                || (spec.endsWith("*") && path.startsWith(spec.substring(0, spec.length() - 1)));
    }

    private static boolean matchesResource(Rule r, AuditAttributes a) {
        if (!a.resource()) {
            return false;
        }
        if (!r.namespaces().isEmpty() && !r.namespaces().contains(a.namespace() == null ? "" : a.namespace())) {
            return false;
        }
        if (r.resources().isEmpty()) {
            return true;
        }
        String sub = a.subresource();
        String combined = sub == null ? a.plural() : a.plural() + "/" + sub;
        for (GroupResources gr : r.resources()) {
            if (!gr.group().equals(a.group())) {
                continue;
            }
            if (gr.resources().isEmpty()) {
                return true;
            }
            if (!gr.resourceNames().isEmpty() && !gr.resourceNames().contains(a.name())) {
                continue;
            }
            for (String res : gr.resources()) {
                if (res.equals(combined) || res.equals("*")
                        || (sub != null && res.startsWith("*/") && sub.equals(res.substring(2)))
                        || (res.endsWith("/*") && a.plural().equals(res.substring(0, res.length() - 2)))) {
                    return true;
                }
            }
        }
        return false;
    }
}
