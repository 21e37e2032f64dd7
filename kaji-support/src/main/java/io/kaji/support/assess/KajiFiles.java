package io.kaji.support.assess;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Decisions on Kaji's own configuration files: the encryption configuration (CIS 1.2.27-1.2.28) and the audit
 * policy (3.2.1-3.2.2), read the way kube-apiserver reads the same formats
 * ({@code apiserver.config.k8s.io/v1 EncryptionConfiguration}, {@code audit.k8s.io/v1 Policy}).
 */
final class KajiFiles {

    private static final YAMLMapper YAML = YAMLMapper.builder().build();
    private static final Set<String> ENCRYPTING = Set.of("aescbc", "aesgcm", "secretbox", "kms");
    private static final List<String> LEVELS = List.of("None", "Metadata", "Request", "RequestResponse");

    private KajiFiles() {
    }

    static JsonNode read(Path file) throws IOException {
        try {
            return YAML.readTree(Files.readString(file));
        } catch (JacksonException e) {
            throw new IOException("not valid YAML: " + e.getOriginalMessage(), e);
        }
    }

    /** The first provider configured for secrets, or null when no entry covers secrets. */
    static String secretsProvider(JsonNode config) {
        for (JsonNode entry : config.path("resources")) {
            boolean covers = false;
            for (JsonNode r : entry.path("resources")) {
                String s = r.asString();
                covers |= s.equals("secrets") || s.equals("*.*");
            }
            if (covers) {
                JsonNode first = entry.path("providers").path(0);
                return first.isObject() && first.propertyNames().iterator().hasNext()
                        ? first.propertyNames().iterator().next() : null;
            }
        }
        return null;
    }

    static boolean encrypting(String provider) {
        return provider != null && ENCRYPTING.contains(provider);
    }

    /**
     * The level of the first rule that applies to every request for {@code group}/{@code resource}: rules that
     * narrow by user, group, verb or namespace are skipped, as they leave other requests to later rules. The
     * policy's default when no rule applies is None.
     */
    static String auditLevel(JsonNode policy, String group, String resource) {
        for (JsonNode rule : policy.path("rules")) {
            if (rule.has("users") || rule.has("userGroups") || rule.has("verbs") || rule.has("namespaces")
                    || rule.has("nonResourceURLs")) {
                continue;
            }
            JsonNode kinds = rule.path("resources");
            if (kinds.isMissingNode() || kinds.isEmpty()) {
                return rule.path("level").asString("None");
            }
            for (JsonNode k : kinds) {
                if (!k.path("group").asString("").equals(group)) {
                    continue;
                }
                JsonNode names = k.path("resources");
                if (names.isMissingNode() || names.isEmpty()) {
                    return rule.path("level").asString("None");
                }
                for (JsonNode n : names) {
                    String s = n.asString();
                    if (s.equals(resource) || s.equals("*") || (resource.contains("/")
                            && s.equals("*" + resource.substring(resource.indexOf('/'))))) {
                        return rule.path("level").asString("None");
                    }
                }
            }
        }
        return "None";
    }

    /** The gaps of an audit policy against the concerns CIS 3.2.2 names; empty when it covers them. */
    static List<String> auditGaps(JsonNode policy) {
        List<String> gaps = new ArrayList<>();
        for (String res : List.of("secrets", "configmaps")) {
            String level = auditLevel(policy, "", res);
            if (rank(level) > rank("Metadata")) {
                gaps.add(res + " logged at " + level + " (their contents end up in the audit log)");
            } else if (level.equals("None")) {
                gaps.add(res + " not logged");
            }
        }
        for (String res : List.of("pods/exec", "pods/attach", "pods/portforward", "pods/proxy", "services/proxy")) {
            if (auditLevel(policy, "", res).equals("None")) {
                gaps.add(res + " not logged");
            }
        }
        for (String res : List.of("roles", "clusterroles", "rolebindings", "clusterrolebindings")) {
            if (auditLevel(policy, "rbac.authorization.k8s.io", res).equals("None")) {
                gaps.add("rbac " + res + " not logged");
            }
        }
        if (auditLevel(policy, "authentication.k8s.io", "tokenreviews").equals("None")
                && auditLevel(policy, "", "serviceaccounts/token").equals("None")) {
            gaps.add("token requests (serviceaccounts/token, tokenreviews) not logged");
        }
        return gaps;
    }

    /** Whether a policy logs anything at all (a rule with a level other than None). */
    static boolean logsSomething(JsonNode policy) {
        for (JsonNode rule : policy.path("rules")) {
            if (rank(rule.path("level").asString("None")) > 0) {
                return true;
            }
        }
        return false;
    }

    private static int rank(String level) {
        int i = LEVELS.indexOf(level);
        return i < 0 ? LEVELS.indexOf(level.substring(0, 1).toUpperCase(Locale.ROOT) + level.substring(1)) : i;
    }
}
