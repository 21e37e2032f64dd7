package io.kaji.apiserver.registry;

import io.kaji.apiserver.auth.UserInfo;
import tools.jackson.databind.node.ObjectNode;

/**
 * A create-only resource that is answered, not stored (SelfSubjectAccessReview and its kin): its strategy also
 * implements this interface, and the handler returns {@link #answer} with 201 instead of persisting the object.
 */
public interface VirtualResource {

    /**
     * The created object as returned to the client, typically the request with its status filled in.
     *
     * @param user who sent the request (what SelfSubjectAccessReview asks about)
     */
    ObjectNode answer(ObjectNode request, UserInfo user);
}
