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
 * OpenAPI v3 and v2, generated from the registry and the fabric8 model classes.
 *
 * <p>{@code /openapi/v3} lists one document per group-version with a content hash, and each document has the paths
 * (with {@code x-kubernetes-group-version-kind} and the {@code fieldValidation} parameter kubectl looks for) and
 * component schemas. Documents are built once and cached.
 *
 * <p>{@code /openapi/v2} is the whole API as one Swagger 2.0 document ({@link OpenApiV2Document}), as JSON or, when
 * the client accepts {@code application/com.github.proto-openapi.spec.v2@v1.0+protobuf} (kubectl 1.27 and 1.28
 * always do), as gnostic's protobuf {@code openapi.v2.Document} ({@link GnosticProtobuf}). Each form is built on its
 * first request after a registry change (a CRD came or went) and only its bytes are kept; responses carry an
 * {@code ETag}, and a matching {@code If-None-Match} gets 304 Not Modified. Thread-safe.
 */
public final class OpenApi {

    private static final String V3 = "/openapi/v3";
    private static final String V2 = "/openapi/v2";
    /**
     * The answer's media type for the protobuf form. Clients ask with {@code @v1.0}, but Go's MIME parser rejects
     * {@code @} in a Content-Type, so Kubernetes answers with {@code .v1.0}.
     */
    static final String PROTOBUF_V2 = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";
    private static final String PROTOBUF_V2_ACCEPT = "application/com.github.proto-openapi.spec.v2";

    /** One encoded v2 document: the registry generation it describes, its bytes and its ETag. */
    private record Encoded(long generation, byte[] bytes, String etag) {
    }

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(OpenApi.class);

    private final ResourceRegistry registry;
    private final Map<String, byte[]> documents = new ConcurrentHashMap<>();
    private volatile long builtFor = -1;
    private volatile Encoded v2Json;
    private volatile Encoded v2Protobuf;

    public OpenApi(ResourceRegistry registry) {
        this.registry = registry;
    }

    public ApiResponse serve(String path, ApiRequest req) {
        if (path.equals(V2)) {
            return v2(req);
        }
        if (path.equals(V3)) {
            return new ApiResponse(200, MediaTypes.JSON, Json.bytes(index()), List.of());
        }
        if (path.startsWith(V3 + "/")) {
            String gvPath = path.substring(V3.length() + 1);
            return new ApiResponse(200, MediaTypes.JSON, document(gvPath), List.of());
        }
        throw ApiException.notFoundPath();
    }

    private ApiResponse v2(ApiRequest req) {
        String accept = req.header("Accept");
        boolean protobuf = accept != null && accept.contains(PROTOBUF_V2_ACCEPT);
        Encoded doc = protobuf ? v2Protobuf() : v2Json();
        Map<String, String> headers = Map.of("ETag", doc.etag(), "Vary", "Accept");
        String contentType = protobuf ? PROTOBUF_V2 : MediaTypes.JSON;
        String ifNoneMatch = req.header("If-None-Match");
        if (ifNoneMatch != null && (ifNoneMatch.contains(doc.etag()) || ifNoneMatch.trim().equals("*"))) {
            return new ApiResponse(304, contentType, new byte[0], List.of(), headers);
        }
        return new ApiResponse(200, contentType, doc.bytes(), List.of(), headers);
    }

    /** The v2 document as JSON, built if the registry changed since. */
    Encoded v2Json() {
        long generation = registry.generation();
        Encoded cached = v2Json;
        if (cached != null && cached.generation() == generation) {
            return cached;
        }
        synchronized (this) {
            cached = v2Json;
            if (cached == null || cached.generation() != generation) {
                long start = System.nanoTime();
                byte[] bytes = Json.bytes(new OpenApiV2Document(registry).build());
                cached = new Encoded(generation, bytes, etag(bytes));
                LOG.info("OpenAPI v2 JSON built for registry generation {}: {} bytes in {} ms", generation,
                        bytes.length, (System.nanoTime() - start) / 1_000_000);
                v2Json = cached;
            }
            return cached;
        }
    }

    /** The v2 document as gnostic protobuf, built if the registry changed since. */
    Encoded v2Protobuf() {
        long generation = registry.generation();
        Encoded cached = v2Protobuf;
        if (cached != null && cached.generation() == generation) {
            return cached;
        }
        synchronized (this) {
            cached = v2Protobuf;
            if (cached == null || cached.generation() != generation) {
                long start = System.nanoTime();
                byte[] bytes = GnosticProtobuf.document(new OpenApiV2Document(registry).build()).toByteArray();
                cached = new Encoded(generation, bytes, etag(bytes));
                LOG.info("OpenAPI v2 protobuf built for registry generation {}: {} bytes in {} ms", generation,
                        bytes.length, (System.nanoTime() - start) / 1_000_000);
                v2Protobuf = cached;
            }
            return cached;
        }
    }

    private static String etag(byte[] bytes) {
        return "\"" + hash(bytes) + "\"";
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
