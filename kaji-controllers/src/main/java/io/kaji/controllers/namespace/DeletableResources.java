package io.kaji.controllers.namespace;

import io.fabric8.kubernetes.api.model.APIGroup;
import io.fabric8.kubernetes.api.model.APIResource;
import io.fabric8.kubernetes.api.model.APIResourceList;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Discovery, as the namespace deleter uses it: every namespaced resource of each group's preferred version that
 * supports {@code delete} (custom resources included, since CRDs appear in discovery), with whether it supports
 * {@code list} and {@code deletecollection}. A group that fails to answer is reported, not fatal: the others are
 * still emptied, but the namespace is not finalized (Kubernetes does the same, so content of an unreachable API is
 * never orphaned).
 */
final class DeletableResources {

    /** One resource to empty. {@code group} is empty for the core group. */
    record Resource(String group, String version, String plural, String kind, boolean list,
            boolean deleteCollection) {

        /** {@code pods.} or {@code widgets.example.com}: a GroupResource as Kubernetes prints it. */
        String groupResource() {
            return plural + "." + group;
        }

        String apiVersion() {
            return group.isEmpty() ? version : group + "/" + version;
        }

        /** The collection's path in {@code namespace}. */
        String collectionPath(String namespace) {
            return (group.isEmpty() ? "/api/" : "/apis/" + group + "/") + version + "/namespaces/" + namespace + "/"
                    + plural;
        }

        /** As Kubernetes prints a GroupVersionResource: {@code /v1, Resource=pods}. */
        @Override
        public String toString() {
            return group + "/" + version + ", Resource=" + plural;
        }
    }

    /** What discovery found; {@code discoveryError} is null when every group answered. */
    record Found(List<Resource> resources, String discoveryError, List<String> groupVersionErrors) {
    }

    private final KubernetesClient client;

    DeletableResources(KubernetesClient client) {
        this.client = client;
    }

    Found discover() {
        List<APIResourceList> lists = new ArrayList<>();
        Map<String, String> failed = new LinkedHashMap<>();
        fetch("v1", lists, failed);
        try {
            for (APIGroup g : client.getApiGroups().getGroups()) {
                if (g.getPreferredVersion() != null) {
                    fetch(g.getPreferredVersion().getGroupVersion(), lists, failed);
                }
            }
        } catch (RuntimeException e) {
            return new Found(List.of(), String.valueOf(e.getMessage()), List.of());
        }
        List<Resource> out = new ArrayList<>();
        List<String> parseErrors = new ArrayList<>();
        for (APIResourceList list : lists) {
            String[] gv = parseGroupVersion(list.getGroupVersion());
            if (gv == null) {
                parseErrors.add("unexpected GroupVersion string: " + list.getGroupVersion());
                continue;
            }
            for (APIResource r : list.getResources()) {
                List<String> verbs = r.getVerbs() == null ? List.of() : r.getVerbs();
                if (r.getName().contains("/") || !Boolean.TRUE.equals(r.getNamespaced()) || !verbs.contains("delete")) {
                    continue;
                }
                out.add(new Resource(gv[0], gv[1], r.getName(), r.getKind(), verbs.contains("list"),
                        verbs.contains("deletecollection")));
            }
        }
        String discoveryError = null;
        if (!failed.isEmpty()) {
            List<String> parts = new ArrayList<>();
            failed.forEach((gv, why) -> parts.add(gv + ": " + why));
            discoveryError = "Discovery failed for some groups, " + failed.size() + " failing: unable to retrieve the "
                    + "complete list of server APIs: " + String.join(", ", parts);
        }
        return new Found(out, discoveryError, parseErrors);
    }

    private void fetch(String groupVersion, List<APIResourceList> into, Map<String, String> failed) {
        try {
            APIResourceList list = client.getApiResources(groupVersion);
            if (list == null) {
                failed.put(groupVersion, "the server could not find the requested resource");
            } else {
                if (list.getGroupVersion() == null) {
                    list.setGroupVersion(groupVersion);
                }
                into.add(list);
            }
        } catch (RuntimeException e) {
            failed.put(groupVersion, String.valueOf(e.getMessage()));
        }
    }

    /** {@code v1} → {"", "v1"}, {@code apps/v1} → {"apps", "v1"}; null for anything else. */
    static String[] parseGroupVersion(String gv) {
        if (gv == null || gv.isEmpty()) {
            return null;
        }
        String[] parts = gv.split("/", -1);
        if (parts.length == 1 && !parts[0].isEmpty()) {
            return new String[] {"", parts[0]};
        }
        if (parts.length == 2 && !parts[0].isEmpty() && !parts[1].isEmpty()) {
            return parts;
        }
        return null;
    }
}
