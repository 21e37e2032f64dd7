package io.kaji.apiserver.admission.podsecurity;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaji.apiserver.admission.AdmissionAttributes;
import io.kaji.apiserver.admission.AdmissionAttributes.Operation;
import io.kaji.apiserver.admission.ClusterObjects;
import io.kaji.apiserver.admission.Verdict;
import io.kaji.apiserver.auth.UserInfo;
import io.kaji.apiserver.serialization.Json;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

/** The plugin's decisions around the checks: exemptions, updates, audit annotations, label defaults. */
class PodSecurityTest {

    static final String PRIVILEGED_POD = "{\"metadata\":{\"name\":\"p\"},\"spec\":{\"containers\":[{\"name\":\"c\","
            + "\"image\":\"a\",\"securityContext\":{\"privileged\":true}}]}}";

    /** Namespaces with fixed labels; no pods. */
    record Namespaces(Map<String, Map<String, String>> labels) implements ClusterObjects {
        @Override
        public Optional<ObjectNode> get(String group, String resource, String namespace, String name) {
            Map<String, String> l = labels.get(name);
            if (l == null) {
                return Optional.empty();
            }
            ObjectNode ns = Json.object();
            ObjectNode meta = ns.putObject("metadata");
            meta.put("name", name);
            ObjectNode labelsNode = meta.putObject("labels");
            l.forEach(labelsNode::put);
            return Optional.of(ns);
        }

        @Override
        public List<ObjectNode> list(String group, String resource, String namespace) {
            return List.of();
        }

        @Override
        public List<ObjectNode> listFew(String group, String resource, String namespace) {
            return List.of();
        }

        @Override
        public Optional<ObjectNode> update(String group, String resource, String namespace, String name,
                UnaryOperator<ObjectNode> change) {
            return Optional.empty();
        }
    }

    static final Namespaces NAMESPACES = new Namespaces(Map.of(
            "default", Map.of(),
            "audited", Map.of("pod-security.kubernetes.io/audit", "restricted",
                    "pod-security.kubernetes.io/enforce", "privileged", "pod-security.kubernetes.io/warn", "privileged")));

    static AdmissionAttributes pod(Operation op, String ns, String json, String oldJson, String user) {
        return new AdmissionAttributes(op, "", "v1", "Pod", "pods", null, ns, "p", Json.parseTrusted(json),
                oldJson == null ? null : Json.parseTrusted(oldJson),
                new UserInfo(user, "", List.of("system:authenticated"), Map.of()), false);
    }

    PodSecurity plugin = new PodSecurity(PodSecurity.Options.kaji(), NAMESPACES);

    @Test
    void enforcesTheDefaultAndAnnotatesThePolicy() {
        Verdict v = plugin.validate(pod(Operation.CREATE, "default", PRIVILEGED_POD, null, "alice"));
        assertThat(v.denial().getMessage()).isEqualTo("pods \"p\" is forbidden: violates PodSecurity "
                + "\"baseline:latest\": privileged (container \"c\" must not set securityContext.privileged=true)");
        assertThat(v.annotations()).containsEntry("pod-security.kubernetes.io/enforce-policy", "baseline:latest");
        assertThat(v.warnings()).isEmpty();
    }

    @Test
    void auditModeAnnotatesWithoutDenying() {
        Verdict v = plugin.validate(pod(Operation.CREATE, "audited", PRIVILEGED_POD, null, "alice"));
        assertThat(v.isAllowed()).isTrue();
        assertThat(v.annotations().get("pod-security.kubernetes.io/audit-violations"))
                .startsWith("would violate PodSecurity \"restricted:latest\": privileged (container \"c\" must not set "
                        + "securityContext.privileged=true), allowPrivilegeEscalation != false");
    }

    @Test
    void exemptNamespacesUsersAndRuntimeClassesAreNotChecked() {
        PodSecurity exempting = new PodSecurity(new PodSecurity.Options(PodSecurity.Options.kaji().defaults(),
                Set.of("kube-system"), Set.of("system:serviceaccount:kube-system:ds"), Set.of("kata")), NAMESPACES);
        assertThat(exempting.validate(pod(Operation.CREATE, "kube-system", PRIVILEGED_POD, null, "alice"))
                .annotations()).containsEntry("pod-security.kubernetes.io/exempt", "namespace");
        assertThat(exempting.validate(pod(Operation.CREATE, "default", PRIVILEGED_POD, null,
                "system:serviceaccount:kube-system:ds")).annotations())
                .containsEntry("pod-security.kubernetes.io/exempt", "user");
        String kata = PRIVILEGED_POD.replace("\"spec\":{", "\"spec\":{\"runtimeClassName\":\"kata\",");
        assertThat(exempting.validate(pod(Operation.CREATE, "default", kata, null, "alice")).annotations())
                .containsEntry("pod-security.kubernetes.io/exempt", "runtimeClass");
    }

    @Test
    void updatesAreCheckedOnlyWhenImagesOrContainersChange() {
        String relabeled = PRIVILEGED_POD.replace("\"name\":\"p\"}", "\"name\":\"p\",\"labels\":{\"a\":\"b\"}}");
        assertThat(plugin.validate(pod(Operation.UPDATE, "default", relabeled, PRIVILEGED_POD, "alice")).isAllowed())
                .isTrue();
        String newImage = PRIVILEGED_POD.replace("\"image\":\"a\"", "\"image\":\"b\"");
        assertThat(plugin.validate(pod(Operation.UPDATE, "default", newImage, PRIVILEGED_POD, "alice")).isAllowed())
                .isFalse();
    }

    @Test
    void statusAndBindingAreIgnored() {
        AdmissionAttributes status = new AdmissionAttributes(Operation.UPDATE, "", "v1", "Pod", "pods", "status",
                "default", "p", Json.parseTrusted(PRIVILEGED_POD), Json.parseTrusted(PRIVILEGED_POD), null, false);
        assertThat(plugin.validate(status)).isEqualTo(Verdict.allowed());
    }
}
