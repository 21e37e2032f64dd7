package io.kaji.apiserver.handler;

import io.kaji.apiserver.errors.ApiException;
import java.util.ArrayList;
import java.util.List;

/**
 * The parts of a resource URL: {@code /apis/<group>/<version>[/namespaces/<ns>]/<resource>[/<name>[/<sub>]]},
 * also with the legacy {@code /watch/} segment; a {@code proxy} subresource may have a path after it (the handler
 * reads it from the request's path).
 *
 * @param group       "" for core
 * @param version     e.g. v1
 * @param namespace   the namespace in the URL, or null
 * @param resource    the plural
 * @param name        the object name, or null for collection requests
 * @param subresource e.g. status, scale, binding; or null
 * @param watchPath   true for the legacy {@code /watch/} form
 */
public record RequestInfo(String group, String version, String namespace, String resource, String name,
        String subresource, boolean watchPath) {

    /**
     * Parses a resource path, or returns null when the path is not a resource path (discovery and others).
     *
     * @throws ApiException 404 for resource-shaped paths with too many segments
     */
    public static RequestInfo parse(String path) {
        List<String> segs = new ArrayList<>();
        for (String s : path.split("/")) {
            if (!s.isEmpty()) {
                segs.add(s);
            }
        }
        int start;
        String group;
        String version;
        if (segs.size() >= 3 && segs.get(0).equals("api")) {
            group = "";
            version = segs.get(1);
            start = 2;
        } else if (segs.size() >= 4 && segs.get(0).equals("apis")) {
            group = segs.get(1);
            version = segs.get(2);
            start = 3;
        } else {
            return null;
        }
        List<String> rest = segs.subList(start, segs.size());
        boolean watch = false;
        if (!rest.isEmpty() && rest.get(0).equals("watch")) {
            watch = true;
            rest = rest.subList(1, rest.size());
        }
        String namespace = null;
        if (rest.size() >= 3 && rest.get(0).equals("namespaces")
                && !(rest.size() == 3 && (rest.get(2).equals("status") || rest.get(2).equals("finalize")))) {
            namespace = rest.get(1);
            rest = rest.subList(2, rest.size());
        }
        // A proxy subresource carries the path to proxy to after it (nodes/<name>/proxy/metrics/resource).
        boolean proxy = rest.size() > 3 && rest.get(2).equals("proxy") && !watch;
        if (rest.isEmpty() || (rest.size() > 3 && !proxy)) {
            throw ApiException.notFoundPath();
        }
        return new RequestInfo(group, version, namespace, rest.get(0), rest.size() > 1 ? rest.get(1) : null,
                rest.size() > 2 ? rest.get(2) : null, watch);
    }
}
