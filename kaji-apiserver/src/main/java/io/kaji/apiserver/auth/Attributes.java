package io.kaji.apiserver.auth;

import java.util.Objects;

/**
 * What a request asks to do, as Kubernetes' {@code authorizer.Attributes}: who, which verb, and either a resource
 * (API group, resource, subresource, namespace, name) or a non-resource path.
 *
 * @param user            who asks
 * @param verb            for resources get, list, watch, create, update, patch, delete, deletecollection (or a
 *                        special verb: impersonate, bind, escalate, use); for paths the lower-case HTTP method
 * @param resourceRequest true for resource requests, false for non-resource paths ({@code /api}, {@code /healthz})
 * @param namespace       the namespace, empty for cluster-scoped requests
 * @param apiGroup        the API group, empty for core
 * @param apiVersion      the API version, empty when unknown
 * @param resource        the plural resource, e.g. {@code pods}
 * @param subresource     e.g. {@code log}, {@code status}; empty when none
 * @param name            the object name, empty for collections
 * @param path            the request path (non-resource requests)
 */
public record Attributes(UserInfo user, String verb, boolean resourceRequest, String namespace, String apiGroup,
        String apiVersion, String resource, String subresource, String name, String path) {

    public Attributes {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(verb, "verb");
        namespace = namespace == null ? "" : namespace;
        apiGroup = apiGroup == null ? "" : apiGroup;
        apiVersion = apiVersion == null ? "" : apiVersion;
        resource = resource == null ? "" : resource;
        subresource = subresource == null ? "" : subresource;
        name = name == null ? "" : name;
        path = path == null ? "" : path;
    }

    /** A resource request. */
    public static Attributes resource(UserInfo user, String verb, String namespace, String apiGroup, String resource,
            String subresource, String name) {
        return new Attributes(user, verb, true, namespace, apiGroup, "", resource, subresource, name, "");
    }

    /** A non-resource request for {@code path}. */
    public static Attributes nonResource(UserInfo user, String verb, String path) {
        return new Attributes(user, verb, false, "", "", "", "", "", "", path);
    }

    /** The same attributes for another user (SubjectAccessReview). */
    public Attributes withUser(UserInfo other) {
        return new Attributes(other, verb, resourceRequest, namespace, apiGroup, apiVersion, resource, subresource,
                name, path);
    }
}
