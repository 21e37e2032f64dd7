package io.kaji.apiserver.auth.rbac;

import io.kaji.apiserver.auth.Attributes;
import io.kaji.apiserver.auth.Authorizer;
import java.util.ArrayList;
import java.util.List;

/**
 * Kubernetes' RBAC authorizer: a request is allowed when any rule that applies to its user in its namespace
 * allows it; otherwise there is no opinion, with {@code RBAC: <errors>} as the reason when bindings referred to
 * missing roles. Reads only the in-memory {@link RbacSource}. Thread-safe.
 */
public final class RbacAuthorizer implements Authorizer {

    private final RuleResolver resolver;

    public RbacAuthorizer(RbacSource source) {
        this.resolver = new RuleResolver(source);
    }

    public RuleResolver resolver() {
        return resolver;
    }

    @Override
    public Decision authorize(Attributes a) {
        List<String> errors = new ArrayList<>();
        String[] allowedBy = new String[1];
        resolver.visitRulesFor(a.user(), a.namespace(), (binding, rule, error) -> {
            if (error != null) {
                errors.add(error);
                return true;
            }
            if (RuleMatcher.allows(a, rule)) {
                allowedBy[0] = describe(binding);
                return false;
            }
            return true;
        });
        if (allowedBy[0] != null) {
            return Decision.allow("RBAC: allowed by " + allowedBy[0]);
        }
        if (errors.isEmpty()) {
            return Decision.NO_OPINION;
        }
        return Decision.deny("RBAC: " + (errors.size() == 1 ? errors.get(0) : "[" + String.join(", ", errors) + "]"));
    }

    private static String describe(RbacSource.Binding b) {
        return b.namespace().isEmpty()
                ? "ClusterRoleBinding \"" + b.name() + "\" of " + b.roleKind() + " \"" + b.roleName() + "\""
                : "RoleBinding \"" + b.name() + "/" + b.namespace() + "\" of " + b.roleKind() + " \"" + b.roleName()
                        + "\"";
    }
}
