package io.kaji.apiserver.openapi;

import io.kaji.apiserver.errors.ApiException;
import io.kaji.apiserver.http.ApiRequest;
import io.kaji.apiserver.http.ApiResponse;
import io.kaji.apiserver.registry.ResourceDefinition;
import io.kaji.apiserver.registry.ResourceRegistry;
import io.kaji.apiserver.serialization.Json;
import io.kaji.apiserver.serialization.MediaTypes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import tools.jackson.databind.node.ObjectNode;

/**
 * OpenAPI v3, generated from the registry and the fabric8 model classes: {@code /openapi/v3} lists one document
 * per group-version with a content hash, and each document has the paths (with {@code x-kubernetes-group-version-kind}
 * and the {@code fieldValidation} parameter kubectl looks for) and component schemas. Documents are built once
 * and cached. Thread-safe.
 */
public final class OpenApi {

    private static final String V3 = "/openapi/v3";

    private final ResourceRegistry registry;
    private final Map<String, byte[]> documents = new ConcurrentHashMap<>();
    private volatile long builtFor = -1;

    public OpenApi(ResourceRegistry registry) {
        this.registry = registry;
    }

    public ApiResponse serve(String path, ApiRequest req) {
        if (path.equals(V3)) {
            return new ApiResponse(200, MediaTypes.JSON, Json.bytes(index()), List.of());
        }
        if (path.startsWith(V3 + "/")) {
            String gvPath = path.substring(V3.length() + 1);
            return new ApiResponse(200, MediaTypes.JSON, document(gvPath), List.of());
        }
        throw ApiException.notFoundPath();
    }

    /** The index: {@code {"paths":{"apis/apps/v1":{"serverRelativeURL":"/openapi/v3/apis/apps/v1?hash=..."}}}}. */
    ObjectNode index() {
        ObjectNode o = Json.object();
        ObjectNode paths = o.putObject("paths");
        registry.groupVersions().forEach((group, versions) -> {
            for (String v : versions) {
                String gvPath = group.isEmpty() ? "api/" + v : "apis/" + group + "/" + v;
                paths.putObject(gvPath).put("serverRelativeURL", V3 + "/" + gvPath + "?hash=" + hash(document(gvPath)));
            }
        });
        return o;
    }

    /** The document of {@code api/v1} or {@code apis/<group>/<version>}. */
    byte[] document(String gvPath) {
        long generation = registry.generation();
        if (generation != builtFor) {
            // Custom resources came or went: rebuild every document (and so every hash kubectl caches by).
            documents.clear();
            builtFor = generation;
        }
        // Keyed by the registry generation too: a document built while the registry changed is never served later.
        return documents.computeIfAbsent(generation + " " + gvPath, key -> {
            String p = gvPath;
            String[] s = p.split("/");
            List<ResourceDefinition> defs;
            if (s.length == 2 && s[0].equals("api")) {
                defs = registry.resources("", s[1]);
            } else if (s.length == 3 && s[0].equals("apis")) {
                defs = registry.resources(s[1], s[2]);
            } else {
                defs = List.of();
            }
            if (defs.isEmpty()) {
                throw ApiException.notFoundPath();
            }
            return Json.bytes(new OpenApiV3Document(defs).build());
        });
    }

    private static String hash(byte[] doc) {
        try {
            return HexFormat.of().withUpperCase().formatHex(MessageDigest.getInstance("SHA-512").digest(doc));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
