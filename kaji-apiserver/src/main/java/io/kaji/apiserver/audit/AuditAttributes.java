package io.kaji.apiserver.audit;

import io.kaji.apiserver.auth.UserInfo;

/**
 * What a policy rule matches on, for one request.
 *
 * @param user        who sent it
 * @param verb        Kubernetes' verb: get, list, watch, create, update, patch, delete, deletecollection for
 *                    resources; the lower-case HTTP method for other paths
 * @param resource    true for resource requests (then group, resource, subresource, namespace and name apply)
 * @param group       the API group, "" for core
 * @param version     the API version
 * @param plural      the resource, e.g. {@code pods}
 * @param subresource e.g. {@code log}, or null
 * @param namespace   "" for cluster-scoped requests
 * @param name        the object name, or null
 * @param path        the request path
 */
public record AuditAttributes(UserInfo user, String verb, boolean resource, String group, String version,
        String plural, String subresource, String namespace, String name, String path) {
}
