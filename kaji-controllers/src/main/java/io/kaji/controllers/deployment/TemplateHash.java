package io.kaji.controllers.deployment;

import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The {@code pod-template-hash} of a Deployment's pod template: a 32-bit FNV-1a hash of the template in a
 * canonical form (object keys sorted), plus the collision count, written with Kubernetes' "safe" alphabet (no
 * vowels, no confusable digits) so that it can be part of a name and a label value. The value differs from
 * kube-controller-manager's (which hashes Go's printed form of the struct) but has the same shape and purpose.
 */
public final class TemplateHash {

    public static final String LABEL = "pod-template-hash";
    private static final String ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

    private TemplateHash() {
    }

    public static String of(PodTemplateSpec template, Integer collisionCount) {
        int hash = 0x811c9dc5;
        for (byte b : canonical(template).getBytes(StandardCharsets.UTF_8)) {
            hash ^= b & 0xff;
            hash *= 0x01000193;
        }
        if (collisionCount != null) {
            int c = collisionCount;
            for (int i = 0; i < 4; i++) {
                hash ^= (c >>> (8 * i)) & 0xff;
                hash *= 0x01000193;
            }
        }
        String digits = Long.toString(Integer.toUnsignedLong(hash));
        StringBuilder out = new StringBuilder(digits.length());
        for (char ch : digits.toCharArray()) {
            out.append(ALPHABET.charAt(ch % ALPHABET.length()));
        }
        return out.toString();
    }

    /** The template as JSON with every object's keys sorted and the hash label left out. */
    public static String canonical(PodTemplateSpec template) {
        @SuppressWarnings("unchecked")
        Map<String, Object> tree = Serialization.unmarshal(Serialization.asJson(template), Map.class);
        Object meta = tree.get("metadata");
        if (meta instanceof Map<?, ?> m && m.get("labels") instanceof Map<?, ?> labels) {
            labels.remove(LABEL);
            if (labels.isEmpty()) {
                m.remove("labels");
            }
        }
        StringBuilder sb = new StringBuilder();
        write(tree, sb);
        return sb.toString();
    }

    private static void write(Object o, StringBuilder sb) {
        if (o instanceof Map<?, ?> map) {
            Map<String, Object> sorted = new TreeMap<>();
            map.forEach((k, v) -> {
                if (v != null) {
                    sorted.put(String.valueOf(k), v);
                }
            });
            sb.append('{');
            boolean first = true;
            for (Map.Entry<String, Object> e : sorted.entrySet()) {
                if (!first) {
                    sb.append(',');
                }
                first = false;
                sb.append(Serialization.asJson(e.getKey())).append(':');
                write(e.getValue(), sb);
            }
            sb.append('}');
        } else if (o instanceof List<?> list) {
            sb.append('[');
            for (int i = 0; i < list.size(); i++) {
                if (i > 0) {
                    sb.append(',');
                }
                write(list.get(i), sb);
            }
            sb.append(']');
        } else {
            sb.append(Serialization.asJson(o));
        }
    }
}
