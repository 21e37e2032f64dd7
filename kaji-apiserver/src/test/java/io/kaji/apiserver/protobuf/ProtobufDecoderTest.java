package io.kaji.apiserver.protobuf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kaji.apiserver.errors.ApiException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

/** Decodes hand-encoded Kubernetes protobuf envelopes (field numbers from Kubernetes' generated.proto). */
class ProtobufDecoderTest {

    /** A tiny protobuf writer: length-delimited and varint fields. */
    static final class Proto {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Proto bytes(int field, byte[] value) {
            varint((field << 3) | 2);
            varint(value.length);
            out.writeBytes(value);
            return this;
        }

        Proto string(int field, String value) {
            return bytes(field, value.getBytes(StandardCharsets.UTF_8));
        }

        Proto message(int field, Proto value) {
            return bytes(field, value.out.toByteArray());
        }

        Proto number(int field, long value) {
            varint(field << 3);
            varint(value);
            return this;
        }

        void varint(long v) {
            while ((v & ~0x7FL) != 0) {
                out.write((int) ((v & 0x7F) | 0x80));
                v >>>= 7;
            }
            out.write((int) v);
        }

        byte[] toBytes() {
            return out.toByteArray();
        }
    }

    static byte[] envelope(String apiVersion, String kind, Proto raw) {
        Proto unknown = new Proto()
                .message(1, new Proto().string(1, apiVersion).string(2, kind))
                .message(2, raw)
                .string(3, "")
                .string(4, "");
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(new byte[] {'k', '8', 's', 0});
        b.writeBytes(unknown.toBytes());
        return b.toByteArray();
    }

    @Test
    void decodesANamespaceWithLabelsAndTimestamps() {
        Proto meta = new Proto()
                .string(1, "team-a")
                .string(2, "")
                .message(8, new Proto())
                .message(11, new Proto().string(1, "owner").string(2, "me"))
                .string(14, "example.com/hold");
        ObjectNode ns = ProtobufDecoder.decode(envelope("v1", "Namespace", new Proto().message(1, meta)));
        assertThat(ns.toString()).isEqualTo("{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":"
                + "\"team-a\",\"labels\":{\"owner\":\"me\"},\"finalizers\":[\"example.com/hold\"]}}");
    }

    @Test
    void embeddedStructsAreInlinedAsKubernetesJsonHasThem() {
        // What kubectl debug node/... and Go clients send: volume sources, object references and probe handlers are
        // embedded structs, fields of their own in protobuf (Volume.volumeSource 2, *.localObjectReference 1,
        // Probe.handler 1) and inline in JSON.
        Proto hostRoot = new Proto().string(1, "host-root")
                .message(2, new Proto().message(1, new Proto().string(1, "/")));
        Proto config = new Proto().string(1, "cfg")
                .message(2, new Proto().message(19, new Proto().message(1, new Proto().string(1, "app-config"))));
        Proto env = new Proto().string(1, "TOKEN").message(3, new Proto().message(4,
                new Proto().message(1, new Proto().string(1, "creds")).string(2, "token")));
        Proto liveness = new Proto().message(1, new Proto().message(3,
                new Proto().message(1, new Proto().number(1, 0).number(2, 8080))));
        Proto container = new Proto().string(1, "c").string(2, "busybox").message(7, env).message(10, liveness);
        Proto pod = new Proto().message(1, new Proto().string(1, "dbg"))
                .message(2, new Proto().message(1, hostRoot).message(1, config).message(2, container));
        ObjectNode decoded = ProtobufDecoder.decode(envelope("v1", "Pod", pod));
        assertThat(decoded.toString()).isEqualTo("{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":"
                + "\"dbg\"},\"spec\":{\"volumes\":[{\"name\":\"host-root\",\"hostPath\":{\"path\":\"/\"}},{\"name\":"
                + "\"cfg\",\"configMap\":{\"name\":\"app-config\"}}],\"containers\":[{\"name\":\"c\",\"image\":"
                + "\"busybox\",\"env\":[{\"name\":\"TOKEN\",\"valueFrom\":{\"secretKeyRef\":{\"name\":\"creds\","
                + "\"key\":\"token\"}}}],\"livenessProbe\":{\"tcpSocket\":{\"port\":8080}}}]}}");
    }

    @Test
    void decodesTimesAndKeepsMeaningfulZeros() {
        // Deployment: metadata 1, spec 2 {replicas 1, minReadySeconds 5}; ObjectMeta.creationTimestamp 8.
        Proto raw = new Proto()
                .message(1, new Proto().string(1, "web").message(8, new Proto().number(1, 1_700_000_000L)))
                .message(2, new Proto().number(1, 0).number(5, 0));
        ObjectNode d = ProtobufDecoder.decode(envelope("apps/v1", "Deployment", raw));
        assertThat(d.at("/metadata/creationTimestamp").asString()).isEqualTo("2023-11-14T22:13:20Z");
        assertThat(d.at("/spec/replicas").asInt(-1)).as("replicas: 0 is a user's choice").isZero();
        assertThat(d.at("/spec").has("minReadySeconds")).as("Go zero values are left out").isFalse();
    }

    @Test
    void rejectsBodiesWithoutThePrefixAndUnsupportedGroups() {
        assertThatThrownBy(() -> ProtobufDecoder.decode(new byte[] {1, 2, 3, 4, 5}))
                .isInstanceOf(ApiException.class).hasMessageContaining("k8s\\0");
        assertThatThrownBy(() -> ProtobufDecoder.decode(envelope("coordination.k8s.io/v1", "Lease", new Proto())))
                .isInstanceOf(ApiException.class)
                .satisfies(e -> assertThat(((ApiException) e).code()).isEqualTo(415));
    }
}
