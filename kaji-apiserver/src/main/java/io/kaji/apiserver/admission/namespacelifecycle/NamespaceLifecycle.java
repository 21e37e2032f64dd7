package io.kaji.apiserver.admission.namespacelifecycle;

import io.kaji.apiserver.admission.AdmissionAttributes;
import io.kaji.apiserver.admission.AdmissionAttributes.Operation;
import io.kaji.apiserver.admission.ClusterObjects;
import io.kaji.apiserver.admission.ValidatingPlugin;
import io.kaji.apiserver.admission.Verdict;
import io.kaji.apiserver.errors.ApiException;
import io.kaji.apiserver.errors.StatusCause;
import java.util.List;
import java.util.Optional;
import tools.jackson.databind.node.ObjectNode;

/**
 * The NamespaceLifecycle admission plugin: nothing is created in a namespace that does not exist
 * ({@code namespaces "x" not found}) or is being deleted ({@code unable to create new content in namespace x because
 * it is being terminated}). (Refusing to delete default, kube-system and kube-public is done by the delete handler.)
 */
public final class NamespaceLifecycle implements ValidatingPlugin {

    public static final String NAME = "NamespaceLifecycle";

    private final ClusterObjects objects;

    public NamespaceLifecycle(ClusterObjects objects) {
        this.objects = objects;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Verdict validate(AdmissionAttributes a) {
        if (a.operation() != Operation.CREATE || a.namespace() == null || a.namespace().isEmpty()
                || a.isMain("", "namespaces")) {
            return Verdict.allowed();
        }
        Optional<ObjectNode> namespace = objects.get("", "namespaces", null, a.namespace());
        if (namespace.isEmpty()) {
            return Verdict.denied(ApiException.notFound("namespaces", "", a.namespace()));
        }
        if (namespace.get().path("metadata").has("deletionTimestamp")) {
            // With Kubernetes' NamespaceTerminating cause, which controllers check to stop retrying such creates.
            ApiException refused = ApiException.forbidden(a.resource(), a.group(), a.name(),
                    "unable to create new content in namespace " + a.namespace() + " because it is being terminated");
            return Verdict.denied(new ApiException(403, "Forbidden", refused.getMessage(), new ApiException.Details(
                    a.name(), a.group(), a.resource(), List.of(new StatusCause("NamespaceTerminating",
                            "namespace " + a.namespace() + " is being terminated", "metadata.namespace")))));
        }
        return Verdict.allowed();
    }
}
