package io.kaji.apiserver.auth;

import io.kaji.apiserver.handler.RequestInfo;
import io.kaji.apiserver.http.ApiRequest;
import java.util.Locale;

/**
 * The authorization attributes of an HTTP request, derived as kube-apiserver's {@code RequestInfoFactory} does:
 * GET is get, list or watch ({@code watch=true} or the {@code /watch/} path), POST create, PUT update, PATCH patch,
 * DELETE delete or deletecollection (pods/exec, attach and portforward are create for GET too); a list or watch
 * restricted by the field selector {@code metadata.name=x} is about the object x; a namespace is its own namespace.
 * Paths that are not resource paths are non-resource requests with the lower-case method as verb.
 */
public final class RequestAttributes {

    private RequestAttributes() {
    }

    /**
     * @param path the normalized path (no trailing slash)
     * @param info the parsed resource path, or null for non-resource paths
     */
    public static Attributes of(ApiRequest req, UserInfo user, String path, RequestInfo info) {
        if (info == null) {
            return Attributes.nonResource(user, req.method().toLowerCase(Locale.ROOT), path);
        }
        String name = info.name();
        String verb = switch (req.method()) {
            case "GET", "HEAD" -> {
                if (info.watchPath() || req.flag("watch")) {
                    yield "watch";
                }
                yield name == null ? "list" : "get";
            }
            case "POST" -> "create";
            case "PUT" -> "update";
            case "PATCH" -> "patch";
            case "DELETE" -> name == null ? "deletecollection" : "delete";
            default -> req.method().toLowerCase(Locale.ROOT);
        };
        if (info.group().isEmpty() && info.resource().equals("pods") && isConnection(info.subresource())) {
            // Opening a shell or a tunnel is a write whatever the method: WebSocket clients send GET, SPDY POST.
            // Kubernetes 1.35 (AuthorizePodWebsocketUpgradeCreatePermission) likewise requires create for both.
            verb = "create";
        }
        if (name == null && (verb.equals("list") || verb.equals("watch"))) {
            name = nameFromFieldSelector(req.param("fieldSelector"));
        }
        String namespace = info.namespace();
        if (namespace == null && info.group().isEmpty() && info.resource().equals("namespaces") && name != null) {
            namespace = name;
        }
        return new Attributes(user, verb, true, namespace, info.group(), info.version(), info.resource(),
                info.subresource(), name, path);
    }

    private static boolean isConnection(String subresource) {
        return "exec".equals(subresource) || "attach".equals(subresource) || "portforward".equals(subresource);
    }

    private static String nameFromFieldSelector(String selector) {
        if (selector == null || selector.isEmpty()) {
            return null;
        }
        for (String term : selector.split(",")) {
            String t = term.trim();
            for (String op : new String[] {"metadata.name==", "metadata.name="}) {
                if (t.startsWith(op) && !t.startsWith("metadata.name!=")) {
                    return t.substring(op.length());
                }
            }
        }
        return null;
    }
}
