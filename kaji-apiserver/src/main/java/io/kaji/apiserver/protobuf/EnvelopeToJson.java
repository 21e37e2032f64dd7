package io.kaji.apiserver.protobuf;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Converts a Kubernetes protobuf request body ({@code k8s\0} + runtime.Unknown) into JSON text, generically from the
 * message descriptors of {@code io.kubernetes:client-java-proto}: proto field names are Kubernetes' JSON names, with
 * the few special types (IntOrString, Quantity, Time, MicroTime, RawExtension) mapped to their JSON forms, maps as
 * objects, bytes as base64, and unset or empty values left out.
 *
 * <p>This class runs inside {@link IsolatedProtobuf}'s class loader, linked against the protobuf runtime that
 * client-java-proto was generated for; it only exchanges JDK types with the rest of the server. Failures are
 * {@link IllegalArgumentException}s naming the problem.
 */
public final class EnvelopeToJson implements Function<byte[], String> {

    private static final byte[] MAGIC = {'k', '8', 's', 0};
    /** Outer classes of client-java-proto by API group. */
    private static final Map<String, String> OUTER_CLASSES = Map.ofEntries(
            Map.entry("", "V1"),
            Map.entry("apps", "V1Apps"),
            Map.entry("batch", "V1Batch"),
            Map.entry("autoscaling", "V1Autoscaling"),
            Map.entry("rbac.authorization.k8s.io", "V1Rbac"),
            Map.entry("authorization.k8s.io", "V1Authorization"),
            Map.entry("authentication.k8s.io", "V1Authentication"),
            Map.entry("networking.k8s.io", "V1Networking"),
            Map.entry("policy", "V1Policy"),
            Map.entry("storage.k8s.io", "V1Storage"),
            Map.entry("scheduling.k8s.io", "V1Scheduling"),
            Map.entry("certificates.k8s.io", "V1Certificates"),
            Map.entry("admissionregistration.k8s.io", "V1Admissionregistration"));
    /**
     * Fields that are pointers in Kubernetes' Go types, where 0 or false is a value the user set (replicas: 0).
     * Every other zero number or false is Go's zero value, which Kubernetes' JSON leaves out (omitempty).
     */
    private static final java.util.Set<String> ZERO_MATTERS = java.util.Set.of(
            "replicas", "revisionHistoryLimit", "progressDeadlineSeconds", "parallelism", "completions",
            "backoffLimit", "backoffLimitPerIndex", "maxFailedIndexes", "activeDeadlineSeconds",
            "ttlSecondsAfterFinished", "terminationGracePeriodSeconds", "automountServiceAccountToken",
            "enableServiceLinks", "suspend", "startingDeadlineSeconds", "successfulJobsHistoryLimit",
            "failedJobsHistoryLimit", "runAsUser", "runAsGroup", "runAsNonRoot", "privileged",
            "readOnlyRootFilesystem", "allowPrivilegeEscalation", "fsGroup", "priority", "shareProcessNamespace",
            "hostUsers", "setHostnameAsFQDN", "optional", "defaultMode", "mode", "immutable", "expirationSeconds",
            "gracePeriodSeconds", "seconds", "allowed", "denied", "leaseDurationSeconds", "leaseTransitions",
            "manualSelector", "podReplacementPolicy", "tolerationSeconds", "weight", "port", "value");
    /**
     * Fields of Go structs embedded without a JSON name ({@code json:""} or {@code json:",inline"}): protobuf names
     * them ({@code Volume.volumeSource}), JSON has their fields in the enclosing object ({@code Volume.hostPath}).
     * Every such field of the API groups above, from k8s.io/api's types.
     */
    private static final java.util.Set<String> INLINE = java.util.Set.of(
            "k8s.io.api.core.v1.Volume.volumeSource",
            "k8s.io.api.core.v1.PersistentVolumeSpec.persistentVolumeSource",
            "k8s.io.api.core.v1.SecretProjection.localObjectReference",
            "k8s.io.api.core.v1.ConfigMapVolumeSource.localObjectReference",
            "k8s.io.api.core.v1.ConfigMapProjection.localObjectReference",
            "k8s.io.api.core.v1.ConfigMapKeySelector.localObjectReference",
            "k8s.io.api.core.v1.SecretKeySelector.localObjectReference",
            "k8s.io.api.core.v1.ConfigMapEnvSource.localObjectReference",
            "k8s.io.api.core.v1.SecretEnvSource.localObjectReference",
            "k8s.io.api.core.v1.Probe.handler",
            "k8s.io.api.core.v1.EphemeralContainer.ephemeralContainerCommon",
            "k8s.io.api.networking.v1.IngressRule.ingressRuleValue",
            "k8s.io.api.admissionregistration.v1.NamedRuleWithOperations.ruleWithOperations",
            "k8s.io.api.admissionregistration.v1.RuleWithOperations.rule");
    private static final DateTimeFormatter MICRO =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);

    @Override
    public String apply(byte[] body) {
        if (body.length < 4 || body[0] != MAGIC[0] || body[1] != MAGIC[1] || body[2] != MAGIC[2] || body[3] != 0) {
            throw new IllegalArgumentException("the body does not start with the Kubernetes protobuf prefix k8s\\0");
        }
        try {
            Descriptors.Descriptor unknownType = fileDescriptor("Runtime").findMessageTypeByName("Unknown");
            DynamicMessage unknown = DynamicMessage.parseFrom(unknownType,
                    ByteString.copyFrom(body, 4, body.length - 4));
            DynamicMessage typeMeta = (DynamicMessage) unknown.getField(unknownType.findFieldByName("typeMeta"));
            String apiVersion = (String) typeMeta.getField(typeMeta.getDescriptorForType().findFieldByName("apiVersion"));
            String kind = (String) typeMeta.getField(typeMeta.getDescriptorForType().findFieldByName("kind"));
            ByteString raw = (ByteString) unknown.getField(unknownType.findFieldByName("raw"));
            String group = apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "";
            String version = apiVersion.contains("/") ? apiVersion.substring(apiVersion.indexOf('/') + 1) : apiVersion;
            String outer = OUTER_CLASSES.get(group);
            if (outer == null || !version.equals("v1")) {
                throw new IllegalArgumentException("protobuf bodies of " + apiVersion + " are not supported; send JSON");
            }
            Descriptors.Descriptor type = fileDescriptor(outer).findMessageTypeByName(kind);
            if (type == null) {
                throw new IllegalArgumentException("no protobuf message for " + apiVersion + " " + kind);
            }
            StringBuilder out = new StringBuilder(raw.size() * 2);
            out.append("{\"apiVersion\":");
            string(out, apiVersion);
            out.append(",\"kind\":");
            string(out, kind);
            writeFields(out, DynamicMessage.parseFrom(type, raw), false);
            out.append('}');
            return out.toString();
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("the protobuf body cannot be decoded: " + e.getMessage(), e);
        }
    }

    private static Descriptors.FileDescriptor fileDescriptor(String outerClass) {
        try {
            Class<?> c = Class.forName("io.kubernetes.client.proto." + outerClass, true,
                    EnvelopeToJson.class.getClassLoader());
            Method m = c.getMethod("getDescriptor");
            return (Descriptors.FileDescriptor) m.invoke(null);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("client-java-proto has no " + outerClass + ": " + e, e);
        }
    }

    /** Writes the message's set fields as {@code ,"name":value} (or without the first comma when {@code first}). */
    private static boolean writeFields(StringBuilder out, DynamicMessage m, boolean first) {
        for (Map.Entry<Descriptors.FieldDescriptor, Object> e : m.getAllFields().entrySet()) {
            Descriptors.FieldDescriptor f = e.getKey();
            if (INLINE.contains(f.getFullName()) && e.getValue() instanceof DynamicMessage embedded) {
                first = writeFields(out, embedded, first);
                continue;
            }
            StringBuilder value = new StringBuilder();
            if (!value(value, f, e.getValue())) {
                continue;
            }
            out.append(first ? "" : ",");
            first = false;
            string(out, f.getName());
            out.append(':').append(value);
        }
        return first;
    }

    /** Appends the JSON of a field value; false when it is empty and is left out. */
    private static boolean value(StringBuilder out, Descriptors.FieldDescriptor f, Object v) {
        if (f.isMapField()) {
            List<?> entries = (List<?>) v;
            out.append('{');
            boolean first = true;
            for (Object o : entries) {
                DynamicMessage entry = (DynamicMessage) o;
                Descriptors.Descriptor d = entry.getDescriptorForType();
                Descriptors.FieldDescriptor kf = d.findFieldByName("key");
                Descriptors.FieldDescriptor vf = d.findFieldByName("value");
                out.append(first ? "" : ",");
                first = false;
                string(out, String.valueOf(entry.getField(kf)));
                out.append(':');
                StringBuilder inner = new StringBuilder();
                if (!single(inner, vf, entry.getField(vf))) {
                    inner.setLength(0);
                    inner.append(vf.getJavaType() == Descriptors.FieldDescriptor.JavaType.MESSAGE ? "{}" : "\"\"");
                }
                out.append(inner);
            }
            out.append('}');
            return true;
        }
        if (f.isRepeated()) {
            List<?> items = (List<?>) v;
            if (items.isEmpty()) {
                return false;
            }
            out.append('[');
            for (int i = 0; i < items.size(); i++) {
                out.append(i == 0 ? "" : ",");
                StringBuilder item = new StringBuilder();
                if (!single(item, f, items.get(i))) {
                    item.setLength(0);
                    item.append(f.getJavaType() == Descriptors.FieldDescriptor.JavaType.MESSAGE ? "{}" : "\"\"");
                }
                out.append(item);
            }
            out.append(']');
            return true;
        }
        return single(out, f, v);
    }

    private static boolean single(StringBuilder out, Descriptors.FieldDescriptor f, Object v) {
        switch (f.getJavaType()) {
            case STRING -> {
                if (((String) v).isEmpty()) {
                    return false;
                }
                string(out, (String) v);
            }
            case BYTE_STRING -> string(out, Base64.getEncoder().encodeToString(((ByteString) v).toByteArray()));
            case BOOLEAN, INT, LONG -> {
                boolean zero = v instanceof Boolean b ? !b : ((Number) v).longValue() == 0;
                if (zero && !f.isRepeated() && !ZERO_MATTERS.contains(f.getName())) {
                    return false;
                }
                out.append(v);
            }
            case FLOAT, DOUBLE -> out.append(v);
            case ENUM -> string(out, ((Descriptors.EnumValueDescriptor) v).getName());
            case MESSAGE -> {
                return message(out, (DynamicMessage) v);
            }
            default -> throw new IllegalArgumentException("unsupported protobuf field " + f.getFullName());
        }
        return true;
    }

    private static boolean message(StringBuilder out, DynamicMessage m) {
        Descriptors.Descriptor d = m.getDescriptorForType();
        switch (d.getFullName()) {
            case "k8s.io.apimachinery.pkg.util.intstr.IntOrString" -> {
                long type = number(m, "type");
                if (type == 1) {
                    string(out, (String) m.getField(d.findFieldByName("strVal")));
                } else {
                    out.append(number(m, "intVal"));
                }
                return true;
            }
            case "k8s.io.apimachinery.pkg.api.resource.Quantity" -> {
                String s = (String) m.getField(d.findFieldByName("string"));
                if (s.isEmpty()) {
                    return false;
                }
                string(out, s);
                return true;
            }
            case "k8s.io.apimachinery.pkg.apis.meta.v1.Time" -> {
                long seconds = number(m, "seconds");
                if (seconds == 0 && number(m, "nanos") == 0) {
                    return false;
                }
                string(out, Instant.ofEpochSecond(seconds).toString());
                return true;
            }
            case "k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime" -> {
                long seconds = number(m, "seconds");
                long nanos = number(m, "nanos");
                if (seconds == 0 && nanos == 0) {
                    return false;
                }
                string(out, MICRO.format(Instant.ofEpochSecond(seconds, nanos)));
                return true;
            }
            case "k8s.io.apimachinery.pkg.runtime.RawExtension" -> {
                ByteString raw = (ByteString) m.getField(d.findFieldByName("raw"));
                if (raw.isEmpty()) {
                    return false;
                }
                out.append(raw.toString(StandardCharsets.UTF_8));
                return true;
            }
            default -> {
                out.append('{');
                writeFields(out, m, true);
                out.append('}');
                return true;
            }
        }
    }

    private static long number(DynamicMessage m, String field) {
        Object v = m.getField(m.getDescriptorForType().findFieldByName(field));
        return v instanceof Number n ? n.longValue() : 0;
    }

    private static void string(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
