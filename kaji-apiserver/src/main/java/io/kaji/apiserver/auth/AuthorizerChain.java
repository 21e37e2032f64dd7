package io.kaji.apiserver.auth;

import java.util.ArrayList;
import java.util.List;

/**
 * Kubernetes' union authorizer with the privileged group in front: members of {@code system:masters} may do
 * anything (it is never bound through RBAC, so a break-glass credential keeps working whatever RBAC holds); then
 * each authorizer in order until one allows. The reasons of those that did not are joined for the Forbidden
 * message. Thread-safe.
 */
public final class AuthorizerChain implements Authorizer {

    /** The group that is always allowed, as Kubernetes' {@code user.SystemPrivilegedGroup}. */
    public static final String PRIVILEGED_GROUP = "system:masters";

    private final List<Authorizer> authorizers;

    public AuthorizerChain(List<Authorizer> authorizers) {
        this.authorizers = List.copyOf(authorizers);
    }

    @Override
    public Decision authorize(Attributes a) {
        if (a.user().inGroup(PRIVILEGED_GROUP)) {
            return Decision.allow("");
        }
        List<String> reasons = new ArrayList<>();
        for (Authorizer authorizer : authorizers) {
            Decision d = authorizer.authorize(a);
            if (d.allowed()) {
                return d;
            }
            if (!d.reason().isEmpty()) {
                reasons.add(d.reason());
            }
        }
        return Decision.deny(String.join("\n", reasons));
    }
}
