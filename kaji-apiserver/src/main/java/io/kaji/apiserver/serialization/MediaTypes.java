package io.kaji.apiserver.serialization;

import java.util.Locale;

/** Content types the API server reads and writes, and parsing of Accept/Content-Type headers. */
public final class MediaTypes {

    public static final String JSON = "application/json";
    public static final String YAML = "application/yaml";
    public static final String PROTOBUF = "application/vnd.kubernetes.protobuf";
    public static final String MERGE_PATCH = "application/merge-patch+json";
    public static final String JSON_PATCH = "application/json-patch+json";
    public static final String STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json";
    public static final String APPLY_PATCH = "application/apply-patch+yaml";

    private MediaTypes() {
    }

    /** The media type without parameters, lower case; {@code ""} for null. */
    public static String base(String contentType) {
        if (contentType == null) {
            return "";
        }
        int semi = contentType.indexOf(';');
        String base = semi < 0 ? contentType : contentType.substring(0, semi);
        return base.trim().toLowerCase(Locale.ROOT);
    }

    /**
     * True when YAML is the first of the Accept header's alternatives that the server writes (JSON, protobuf, YAML,
     * or a wildcard): {@code Accept: application/yaml} gets YAML, {@code application/json, application/yaml} JSON.
     */
    public static boolean wantsYaml(String accept) {
        if (accept == null || !accept.contains("yaml")) {
            return false;
        }
        for (String alternative : accept.split(",")) {
            String b = base(alternative);
            if (b.equals(YAML)) {
                return true;
            }
            if (b.equals(JSON) || b.equals(PROTOBUF) || b.equals("*/*") || b.equals("application/*")) {
                return false;
            }
        }
        return false;
    }

    /**
     * True when the Accept header asks for a meta.k8s.io/v1 Table (or v1beta1) before plain JSON, the way kubectl
     * get does: {@code application/json;as=Table;v=v1;g=meta.k8s.io}.
     */
    public static boolean wantsTable(String accept) {
        return firstMatching(accept, "Table") != null;
    }

    /**
     * The version ("v1" or "v1beta1") of the Accept header's {@code as=PartialObjectMetadata} alternative (a single
     * object, or watch events), or null. What client-go's metadata client and informers ask for.
     */
    public static String partialObjectMetadataVersion(String accept) {
        return accept == null || !accept.contains("PartialObjectMetadata") ? null
                : firstMatching(accept, "PartialObjectMetadata");
    }

    /** Like {@link #partialObjectMetadataVersion} for lists: {@code as=PartialObjectMetadataList}. */
    public static String partialObjectMetadataListVersion(String accept) {
        return accept == null || !accept.contains("PartialObjectMetadataList") ? null
                : firstMatching(accept, "PartialObjectMetadataList");
    }

    /** The version ("v1" or "v1beta1") of the first Table alternative in Accept, or null. */
    public static String tableVersion(String accept) {
        return firstMatching(accept, "Table");
    }

    private static String firstMatching(String accept, String as) {
        if (accept == null) {
            return null;
        }
        for (String alternative : accept.split(",")) {
            String[] parts = alternative.split(";");
            String asParam = null;
            String v = null;
            String g = null;
            for (int i = 1; i < parts.length; i++) {
                String[] kv = parts[i].trim().split("=", 2);
                if (kv.length == 2) {
                    switch (kv[0].trim()) {
                        case "as" -> asParam = kv[1].trim();
                        case "v" -> v = kv[1].trim();
                        case "g" -> g = kv[1].trim();
                        default -> { }
                    }
                }
            }
            if (as.equals(asParam) && "meta.k8s.io".equals(g) && ("v1".equals(v) || "v1beta1".equals(v))) {
                return v;
            }
        }
        return null;
    }

    /**
     * The aggregated discovery version the Accept header prefers ("v2" or "v2beta1"), in the client's order,
     * or null for legacy discovery.
     */
    public static String aggregatedDiscoveryVersion(String accept) {
        if (accept == null) {
            return null;
        }
        for (String alternative : accept.split(",")) {
            String a = alternative.replace(" ", "");
            if (!a.contains("as=APIGroupDiscoveryList") || !a.contains("g=apidiscovery.k8s.io")) {
                if (base(a).equals(JSON) || base(a).equals("*/*")) {
                    return null;
                }
                continue;
            }
            if (a.contains("v=v2beta1")) {
                return "v2beta1";
            }
            if (a.contains("v=v2;") || a.endsWith("v=v2")) {
                return "v2";
            }
        }
        return null;
    }
}
