package io.kaji.apiserver.handler;

import io.kaji.apiserver.auth.UserInfo;
import io.kaji.apiserver.registry.ResourceDefinition;
import tools.jackson.databind.node.ObjectNode;

/**
 * A check of the object about to be stored by a create or update, with the requesting user; it throws an
 * {@link io.kaji.apiserver.errors.ApiException} to refuse the write. RBAC's escalation prevention and the node
 * name rule are checks; the CertificateSigningRequest one also records the requester in the object, as
 * Kubernetes' CSR strategy does (the only kind of change a check may make: fields the server owns).
 * Implementations are thread-safe; they may be called again when an update is retried after a conflict.
 */
@FunctionalInterface
public interface WriteCheck {

    /** Allows everything. */
    WriteCheck NONE = (def, namespace, next, current, user) -> { };

    /**
     * @param next    the object to be stored
     * @param current the stored object for updates, null for creates
     */
    void check(ResourceDefinition def, String namespace, ObjectNode next, ObjectNode current, UserInfo user);
}
