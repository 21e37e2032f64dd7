package io.kaji.apiserver.auth.rbac;

import java.util.Collection;
import java.util.List;

/**
 * Read access to the RBAC objects the authorizer evaluates: roles by name and bindings by scope. Implementations
 * are thread-safe and answer from memory (never from the store).
 */
public interface RbacSource {

    /** A binding subject: kind User, Group or ServiceAccount; namespace only for service accounts. */
    record Subject(String kind, String name, String namespace) {
        public Subject {
            namespace = namespace == null ? "" : namespace;
        }
    }

    /**
     * A RoleBinding or ClusterRoleBinding.
     *
     * @param namespace "" for a ClusterRoleBinding
     * @param roleKind  Role or ClusterRole
     */
    record Binding(String name, String namespace, String roleKind, String roleName, List<Subject> subjects) {
        public Binding {
            namespace = namespace == null ? "" : namespace;
            subjects = List.copyOf(subjects);
        }
    }

    /** The rules of the ClusterRole {@code name}, or null when there is none. */
    List<PolicyRule> clusterRole(String name);

    /** The rules of the Role {@code namespace/name}, or null when there is none. */
    List<PolicyRule> role(String namespace, String name);

    Collection<Binding> clusterRoleBindings();

    /** The RoleBindings of {@code namespace}. */
    Collection<Binding> roleBindings(String namespace);
}
