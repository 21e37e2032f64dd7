package io.kaji.controllers.runtime;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.WatchEvent;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.kubernetes.internal.KubernetesDeserializer;
import java.util.concurrent.atomic.LongAdder;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.annotation.JsonDeserialize;
import tools.jackson.databind.node.ObjectNode;

/**
 * fabric8's serialization for the clients of Kaji's control-plane components (scheduler, controller manager), which
 * decode every Pod and Node of the cluster, many times over, and never read the field manager's record.
 *
 * <ul>
 *   <li><b>Watch events in one pass.</b> fabric8 reads a watch event's {@code object} into a JSON tree to learn its
 *   apiVersion and kind, then converts the tree into the model class: every event parsed twice, half of the
 *   scheduler's informer thread. The API server writes apiVersion and kind first (kube-apiserver always does, and
 *   so do objects created through fabric8 and kubectl), so the class is known before the rest of the object is
 *   read and it is decoded straight from the stream. An object that starts with other fields, or whose kind fabric8
 *   has no class for, is decoded the way fabric8 does it.</li>
 *   <li><b>No managedFields.</b> {@code metadata.managedFields} is skipped while decoding, as client-go's
 *   {@code TransformStripManagedFields} drops it from kube-scheduler's and kube-controller-manager's informers: the
 *   record (one entry per writer, each a tree of the fields it set) is often as large as the rest of a Pod, and an
 *   informer keeps one per object. Writing such an object back is safe (an update without managedFields keeps the
 *   stored ones); a client with this serialization must not be used to read or copy managedFields.</li>
 * </ul>
 *
 * Everything else is fabric8's own {@link KubernetesSerialization}. Use: {@code new KubernetesClientBuilder()
 * .withKubernetesSerialization(new ComponentSerialization())}.
 */
public final class ComponentSerialization extends KubernetesSerialization {

    public ComponentSerialization() {
        super();
    }

    @Override
    protected ObjectMapper configureMapper(ObjectMapper mapper) {
        return super.configureMapper(mapper).rebuild()
                .addMixIn(WatchEvent.class, WatchEventMixIn.class)
                .addMixIn(ObjectMeta.class, ObjectMetaMixIn.class)
                .build();
    }

    /** Skips {@code managedFields} when decoding (objects still serialize whatever they hold). */
    @JsonIgnoreProperties(value = "managedFields", allowGetters = true)
    abstract static class ObjectMetaMixIn {
    }

    /** Replaces the deserializer of {@link WatchEvent#getObject()}. */
    abstract static class WatchEventMixIn {
        @JsonDeserialize(using = KindFirstDeserializer.class)
        private Object object;

        @JsonDeserialize(using = KindFirstDeserializer.class)
        abstract void setObject(Object object);
    }

    /**
     * A Kubernetes object whose leading apiVersion and kind name its class: decoded by that class's deserializer
     * from the next field on; otherwise (other first fields, an unknown kind, not an object) by fabric8's
     * {@link KubernetesDeserializer}, from a tree of what was read.
     */
    static final class KindFirstDeserializer extends ValueDeserializer<Object> {

        /** Objects decoded through a tree, as fabric8 does (for tests: the others were streamed). */
        static final LongAdder FALLBACKS = new LongAdder();

        @Override
        public Object deserialize(JsonParser p, DeserializationContext ctxt) {
            if (!p.isExpectedStartObjectToken()) {
                FALLBACKS.increment();
                return ctxt.readValue(p, KubernetesResource.class);
            }
            String apiVersion = null;
            String kind = null;
            JsonToken t = p.nextToken();
            while (t == JsonToken.PROPERTY_NAME && (apiVersion == null || kind == null)) {
                String name = p.currentName();
                boolean isApiVersion = "apiVersion".equals(name) && apiVersion == null;
                if (!isApiVersion && !("kind".equals(name) && kind == null)) {
                    break;
                }
                if (p.nextToken() != JsonToken.VALUE_STRING) {
                    return fallback(p, ctxt, apiVersion, kind, name);
                }
                if (isApiVersion) {
                    apiVersion = p.getString();
                } else {
                    kind = p.getString();
                }
                t = p.nextToken();
            }
            KubernetesDeserializer registry = apiVersion == null || kind == null ? null : registry(ctxt);
            Class<? extends KubernetesResource> type = registry == null ? null
                    : registry.getRegisteredKind(apiVersion, kind);
            if (type == null || !HasMetadata.class.isAssignableFrom(type)) {
                return fallback(p, ctxt, apiVersion, kind, null);
            }
            // The bean deserializer goes on from a property name (or the end of the object), as it does after
            // polymorphic handling consumed a type property.
            Object value = ctxt.findRootValueDeserializer(ctxt.constructType(type)).deserialize(p, ctxt);
            if (value instanceof HasMetadata resource) {
                resource.setApiVersion(apiVersion);
            }
            return value;
        }

        /**
         * The serialization's own deserializer of resources, which knows the kinds registered with it; null if the
         * mapper resolves resources some other way.
         */
        private static KubernetesDeserializer registry(DeserializationContext ctxt) {
            Object d = ctxt.findRootValueDeserializer(ctxt.constructType(KubernetesResource.class));
            return d instanceof KubernetesDeserializer k ? k : null;
        }

        /**
         * Reads the rest of the object (the parser is on its next token after what was read: a property name or the
         * end; or, with {@code pendingName}, on the value of that property) into a tree with the fields read so far,
         * and decodes it as fabric8 does.
         */
        private static Object fallback(JsonParser p, DeserializationContext ctxt, String apiVersion, String kind,
                String pendingName) {
            FALLBACKS.increment();
            ObjectNode node = ctxt.getNodeFactory().objectNode();
            if (apiVersion != null) {
                node.put("apiVersion", apiVersion);
            }
            if (kind != null) {
                node.put("kind", kind);
            }
            JsonToken t;
            if (pendingName != null) {
                node.set(pendingName, ctxt.readTree(p));
                t = p.nextToken();
            } else {
                t = p.currentToken();
            }
            while (t == JsonToken.PROPERTY_NAME) {
                String name = p.currentName();
                p.nextToken();
                node.set(name, ctxt.readTree(p));
                t = p.nextToken();
            }
            return ctxt.readTreeAsValue(node, KubernetesResource.class);
        }
    }
}
