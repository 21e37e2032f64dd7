package io.kaji.apiserver.auth.rbac;

import io.kaji.apiserver.auth.Attributes;
import io.kaji.apiserver.auth.Authorizer;
import io.kaji.apiserver.auth.AuthorizerChain;
import io.kaji.apiserver.auth.UserInfo;
import io.kaji.apiserver.errors.ApiException;
import io.kaji.apiserver.handler.WriteCheck;
import io.kaji.apiserver.registry.ResourceDefinition;
import io.kaji.apiserver.serialization.Json;
import java.util.List;
import java.util.stream.Collectors;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * RBAC's escalation prevention, as Kubernetes' policy-based RBAC storage: nobody can create or update a Role or
 * ClusterRole with rules they do not hold themselves (in that namespace, or cluster-wide for a ClusterRole), unless
 * they have the {@code escalate} verb on it; nobody can create or update a binding to a role whose rules they do
 * not hold, unless they have the {@code bind} verb on that role; only holders of every permission may set an
 * aggregationRule. Members of {@code system:masters} are exempt, and updates that only touch the fields the garbage
 * collector edits are not checked. Thread-safe.
 */
public final class EscalationCheck implements WriteCheck {

    private static final String GROUP = "rbac.authorization.k8s.io";
    private static final List<PolicyRule> FULL_AUTHORITY = List.of(
            PolicyRule.resources(List.of("*"), List.of("*"), List.of("*")),
            PolicyRule.urls(List.of("*"), List.of("*")));

    private final Authorizer authorizer;
    private final RuleResolver resolver;

    public EscalationCheck(Authorizer authorizer, RuleResolver resolver) {
        this.authorizer = authorizer;
        this.resolver = resolver;
    }

    @Override
    public void check(ResourceDefinition def, String namespace, ObjectNode next, ObjectNode current,
            UserInfo user) {
        if (!def.group().equals(GROUP) || user.inGroup(AuthorizerChain.PRIVILEGED_GROUP)) {
            return;
        }
        if (current != null && onlyGarbageCollectorFields(next, current)) {
            return;
        }
        String ns = namespace == null ? "" : namespace;
        String name = Json.text(next, "metadata.name");
        switch (def.plural()) {
            case "roles", "clusterroles" -> checkRole(def.plural(), ns, name, next, user);
            case "rolebindings", "clusterrolebindings" -> checkBinding(def.plural(), ns, name, next, user);
            default -> { }
        }
    }

    private void checkRole(String plural, String ns, String name, ObjectNode role, UserInfo user) {
        if (authorizer.authorize(Attributes.resource(user, "escalate", ns, GROUP, plural, "", name)).allowed()) {
            return;
        }
        if (plural.equals("clusterroles") && role.has("aggregationRule")
                && !role.get("aggregationRule").isNull()
                && !Coverage.missing(resolver.rulesFor(user, "").rules(), FULL_AUTHORITY).isEmpty()) {
            throw ApiException.forbidden(plural, GROUP, name, "must have cluster-admin privileges to use the "
                    + "aggregationRule");
        }
        confirmNoEscalation(plural, ns, name, PolicyRule.rulesOf(role), user);
    }

    private void checkBinding(String plural, String ns, String name, ObjectNode binding, UserInfo user) {
        JsonNode ref = binding.path("roleRef");
        String kind = ref.path("kind").asString("");
        String roleName = ref.path("name").asString("");
        String roleResource = kind.equals("Role") ? "roles" : "clusterroles";
        // Kubernetes asks about the role in the binding's namespace for both kinds of roleRef.
        if (authorizer.authorize(Attributes.resource(user, "bind", ns, GROUP, roleResource, "",
                roleName)).allowed()) {
            return;
        }
        List<PolicyRule> rules;
        try {
            rules = resolver.roleReferenceRules(kind, roleName, ns);
        } catch (IllegalArgumentException e) {
            throw ApiException.forbidden(plural, GROUP, name, e.getMessage());
        }
        confirmNoEscalation(plural, ns, name, rules, user);
    }

    private void confirmNoEscalation(String plural, String ns, String name, List<PolicyRule> wanted, UserInfo user) {
        RuleResolver.Rules owned = resolver.rulesFor(user, ns);
        List<PolicyRule> missing = Coverage.missing(owned.rules(), wanted);
        if (missing.isEmpty()) {
            return;
        }
        String groups = user.groups().stream().map(g -> "\"" + g + "\"").collect(Collectors.joining(" ", "[", "]"));
        String msg = "user \"" + user.name() + "\" (groups=" + groups + ") is attempting to grant RBAC permissions "
                + "not currently held:\n" + Coverage.describe(missing);
        if (!owned.errors().isEmpty()) {
            msg = msg + "; resolution errors: [" + String.join(" ", owned.errors()) + "]";
        }
        throw ApiException.forbidden(plural, GROUP, name, msg);
    }

    /** True when the two objects differ at most in ownerReferences, finalizers and bookkeeping metadata. */
    static boolean onlyGarbageCollectorFields(ObjectNode next, ObjectNode current) {
        return stripped(next).equals(stripped(current));
    }

    private static ObjectNode stripped(ObjectNode o) {
        ObjectNode c = o.deepCopy();
        ObjectNode meta = Json.metadata(c);
        for (String f : List.of("ownerReferences", "finalizers", "resourceVersion", "managedFields", "generation",
                "uid", "creationTimestamp")) {
            meta.remove(f);
        }
        return Json.parseTrusted(Json.bytes(c));
    }
}
