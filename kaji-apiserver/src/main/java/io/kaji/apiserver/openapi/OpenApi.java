package io.kaji.apiserver.openapi;

import io.kaji.apiserver.errors.ApiException;
import io.kaji.apiserver.http.ApiRequest;
import io.kaji.apiserver.http.ApiResponse;
import io.kaji.apiserver.registry.ResourceRegistry;

/** OpenAPI documents generated from the registry. Not served yet: every path is 404. */
public final class OpenApi {

    private final ResourceRegistry registry;

    public OpenApi(ResourceRegistry registry) {
        this.registry = registry;
    }

    public ApiResponse serve(String path, ApiRequest req) {
        throw ApiException.notFoundPath();
    }

    ResourceRegistry registry() {
        return registry;
    }
}
