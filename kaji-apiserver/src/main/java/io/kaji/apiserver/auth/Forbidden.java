package io.kaji.apiserver.auth;

import io.kaji.apiserver.errors.ApiException;
import java.util.List;

/**
 * The 403 Kubernetes answers when authorization says no, with its exact message, e.g.
 * {@code deployments.apps is forbidden: User "jane" cannot create resource "deployments" in API group "apps" in
 * the namespace "default"} (kube-apiserver's {@code responsewriters.Forbidden}), which kubectl prints verbatim.
 */
public final class Forbidden {

    private Forbidden() {
    }

    /** The error for a request with attributes {@code a} that was denied for {@code reason} (may be empty). */
    public static ApiException of(Attributes a, String reason) {
        String msg = message(a);
        if (reason != null && !reason.isEmpty()) {
            msg = msg + ": " + reason;
        }
        String what;
        if (!a.resourceRequest() || a.resource().isEmpty()) {
            what = "forbidden: " + msg;
        } else {
            String qualified = ApiException.qualified(a.resource(), a.apiGroup());
            what = a.name().isEmpty() ? qualified + " is forbidden: " + msg
                    : qualified + " \"" + a.name() + "\" is forbidden: " + msg;
        }
        ApiException.Details details = new ApiException.Details(a.name().isEmpty() ? null : a.name(),
                a.apiGroup(), a.resource().isEmpty() ? null : a.resource(), List.of());
        return new ApiException(403, "Forbidden", what, details);
    }

    /** {@code User "jane" cannot create resource "deployments" in API group "apps" in the namespace "default"}. */
    public static String message(Attributes a) {
        String user = a.user().name();
        if (!a.resourceRequest()) {
            return "User \"" + user + "\" cannot " + a.verb() + " path \"" + a.path() + "\"";
        }
        String resource = a.subresource().isEmpty() ? a.resource() : a.resource() + "/" + a.subresource();
        String base = "User \"" + user + "\" cannot " + a.verb() + " resource \"" + resource + "\" in API group \""
                + a.apiGroup() + "\"";
        return a.namespace().isEmpty() ? base + " at the cluster scope"
                : base + " in the namespace \"" + a.namespace() + "\"";
    }
}
