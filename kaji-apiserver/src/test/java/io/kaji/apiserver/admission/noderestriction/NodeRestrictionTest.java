package io.kaji.apiserver.admission.noderestriction;

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
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.node.ObjectNode;

class NodeRestrictionTest {

    static final UserInfo N1 = new UserInfo("system:node:n1", "", List.of("system:nodes", "system:authenticated"),
            Map.of());
    static final UserInfo ADMIN = new UserInfo("kaji-admin", "", List.of("kaji:cluster-admins"), Map.of());
    static final UserInfo NAMELESS = new UserInfo("system:node:", "", List.of("system:nodes"), Map.of());

    static final ObjectNode NODE_N1 = Json.parseTrusted("""
            {"metadata":{"name":"n1","uid":"uid-n1","labels":{"kubernetes.io/hostname":"n1","team":"a"}},
             "spec":{"taints":[{"key":"k","effect":"NoSchedule"}]}}""");
    static final ObjectNode MINE = Json.parseTrusted("""
            {"metadata":{"name":"web","namespace":"app","labels":{"app":"web"}},"spec":{"nodeName":"n1"},
             "status":{"phase":"Running"}}""");
    static final ObjectNode THEIRS = Json.parseTrusted("""
            {"metadata":{"name":"db","namespace":"app"},"spec":{"nodeName":"n2"},"status":{"phase":"Running"}}""");

    static final ClusterObjects OBJECTS = new ClusterObjects() {
        @Override
        public Optional<ObjectNode> get(String group, String resource, String namespace, String name) {
            if (resource.equals("nodes") && name.equals("n1")) {
                return Optional.of(NODE_N1.deepCopy());
            }
            if (resource.equals("pods")) {
                return Stream.of(MINE, THEIRS).filter(p -> Json.text(p, "metadata.name").equals(name))
                        .findFirst().map(ObjectNode::deepCopy);
            }
            return Optional.empty();
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
            throw new UnsupportedOperationException();
        }
    };

    final NodeRestriction plugin = new NodeRestriction(OBJECTS);

    static ObjectNode with(ObjectNode o, String json) {
        ObjectNode copy = o.deepCopy();
        Json.parseTrusted(json).properties().forEach(e -> {
            if (copy.get(e.getKey()) instanceof ObjectNode target && e.getValue() instanceof ObjectNode patch) {
                target.setAll(patch);
            } else {
                copy.set(e.getKey(), e.getValue());
            }
        });
        return copy;
    }

    static final ObjectNode MIRROR = Json.parseTrusted("""
            {"metadata":{"name":"static-web-n1","namespace":"app","annotations":{"kubernetes.io/config.mirror":"x"},
             "ownerReferences":[{"apiVersion":"v1","kind":"Node","name":"n1","uid":"uid-n1","controller":true}]},
             "spec":{"nodeName":"n1","containers":[{"name":"c","image":"nginx"}]}}""");

    static AdmissionAttributes attrs(Operation op, String group, String resource, String sub, String ns, String name,
            ObjectNode object, ObjectNode old, UserInfo user) {
        return new AdmissionAttributes(op, group, "v1", "X", resource, sub, ns, name, object, old, user, false);
    }

    /** case, attributes, the expected denial message (null: allowed). */
    static Stream<Arguments> decisions() {
        return Stream.of(
                Arguments.of("admin is not restricted", attrs(Operation.UPDATE, "", "nodes", null, null, "n2",
                        NODE_N1, NODE_N1, ADMIN), null),
                Arguments.of("a node user without a name", attrs(Operation.UPDATE, "", "nodes", null, null, "n1",
                        NODE_N1, NODE_N1, NAMELESS), "nodes \"n1\" is forbidden: could not determine node from user "
                        + "\"system:node:\""),
                // Nodes
                Arguments.of("own node status", attrs(Operation.UPDATE, "", "nodes", "status", null, "n1",
                        with(NODE_N1, "{\"status\":{\"phase\":\"x\"}}"), NODE_N1, N1), null),
                Arguments.of("another node", attrs(Operation.UPDATE, "", "nodes", "status", null, "n2",
                        NODE_N1, NODE_N1, N1), "nodes \"n2\" is forbidden: node \"n1\" is not allowed to modify node "
                        + "\"n2\""),
                Arguments.of("delete another node", attrs(Operation.DELETE, "", "nodes", null, null, "n2",
                        null, NODE_N1, N1), "nodes \"n2\" is forbidden: node \"n1\" is not allowed to modify node "
                        + "\"n2\""),
                Arguments.of("register with kubelet labels", attrs(Operation.CREATE, "", "nodes", null, null, "n1",
                        Json.parseTrusted("{\"metadata\":{\"name\":\"n1\",\"labels\":{\"kubernetes.io/os\":\"linux\","
                                + "\"node.kubernetes.io/instance-type\":\"vm\",\"example.com/x\":\"y\"}}}"), null, N1),
                        null),
                Arguments.of("register with restricted labels", attrs(Operation.CREATE, "", "nodes", null, null, "n1",
                        Json.parseTrusted("{\"metadata\":{\"name\":\"n1\",\"labels\":{"
                                + "\"node-restriction.kubernetes.io/secure\":\"1\",\"node-role.kubernetes.io/master\":\"\","
                                + "\"example.node-restriction.kubernetes.io/a\":\"b\"}}}"), null, N1),
                        "nodes \"n1\" is forbidden: node \"n1\" is not allowed to set the following labels: "
                                + "example.node-restriction.kubernetes.io/a, node-restriction.kubernetes.io/secure, "
                                + "node-role.kubernetes.io/master"),
                Arguments.of("remove a restricted label", attrs(Operation.UPDATE, "", "nodes", null, null, "n1",
                        NODE_N1, with(NODE_N1, "{\"metadata\":{\"labels\":{\"kubernetes.io/hostname\":\"n1\","
                                + "\"team\":\"a\",\"node-restriction.kubernetes.io/pci\":\"true\"}}}"), N1),
                        "nodes \"n1\" is forbidden: is not allowed to modify labels: node-restriction.kubernetes.io/pci"),
                Arguments.of("change an ordinary label", attrs(Operation.UPDATE, "", "nodes", null, null, "n1",
                        with(NODE_N1, "{\"metadata\":{\"labels\":{\"team\":\"b\"}}}"), NODE_N1, N1), null),
                Arguments.of("remove own taints", attrs(Operation.UPDATE, "", "nodes", null, null, "n1",
                        with(NODE_N1, "{\"spec\":{\"taints\":[]}}"), NODE_N1, N1),
                        "nodes \"n1\" is forbidden: node \"n1\" is not allowed to modify taints"),
                // Pods
                Arguments.of("status of own pod", attrs(Operation.UPDATE, "", "pods", "status", "app", "web",
                        with(MINE, "{\"status\":{\"phase\":\"Succeeded\"}}"), MINE, N1), null),
                Arguments.of("status of another node's pod", attrs(Operation.UPDATE, "", "pods", "status", "app",
                        "db", with(THEIRS, "{\"status\":{\"phase\":\"Failed\"}}"), THEIRS, N1),
                        "pods \"db\" is forbidden: node \"n1\" can only update pod status for pods with spec.nodeName "
                                + "set to itself"),
                Arguments.of("labels through pod status", attrs(Operation.UPDATE, "", "pods", "status", "app", "web",
                        with(MINE, "{\"metadata\":{\"labels\":{\"app\":\"evil\"}}}"), MINE, N1),
                        "pods \"web\" is forbidden: node \"n1\" cannot update labels through pod status"),
                Arguments.of("update a pod", attrs(Operation.UPDATE, "", "pods", null, "app", "web", MINE, MINE, N1),
                        "pods \"web\" is forbidden: unexpected operation \"UPDATE\", node \"n1\" can only create and "
                                + "delete mirror pods"),
                Arguments.of("delete own pod", attrs(Operation.DELETE, "", "pods", null, "app", "web", null, MINE,
                        N1), null),
                Arguments.of("delete another node's pod", attrs(Operation.DELETE, "", "pods", null, "app", "db",
                        null, THEIRS, N1), "pods \"db\" is forbidden: node \"n1\" can only delete pods with "
                        + "spec.nodeName set to itself"),
                Arguments.of("evict own pod", attrs(Operation.CREATE, "", "pods", "eviction", "app", "web", null,
                        null, N1), null),
                Arguments.of("evict another node's pod", attrs(Operation.CREATE, "", "pods", "eviction", "app", "db",
                        null, null, N1), "pods \"db\" is forbidden: node n1 can only evict pods with spec.nodeName "
                        + "set to itself"),
                Arguments.of("another subresource", attrs(Operation.UPDATE, "", "pods", "ephemeralcontainers", "app",
                        "web", MINE, MINE, N1), "pods \"web\" is forbidden: unexpected pod subresource "
                        + "\"ephemeralcontainers\", only 'status' and 'eviction' are allowed"),
                Arguments.of("a mirror pod", attrs(Operation.CREATE, "", "pods", null, "app", "static-web-n1",
                        MIRROR, null, N1), null),
                Arguments.of("a pod that is not a mirror pod", attrs(Operation.CREATE, "", "pods", null, "app", "p",
                        Json.parseTrusted("{\"metadata\":{\"name\":\"p\"},\"spec\":{\"nodeName\":\"n1\"}}"), null, N1),
                        "pods \"p\" is forbidden: pod does not have \"kubernetes.io/config.mirror\" annotation, node "
                                + "\"n1\" can only create mirror pods"),
                Arguments.of("a mirror pod for another node", attrs(Operation.CREATE, "", "pods", null, "app",
                        "static-web-n1", with(MIRROR, "{\"spec\":{\"nodeName\":\"n2\"}}"), null, N1),
                        "pods \"static-web-n1\" is forbidden: node \"n1\" can only create pods with spec.nodeName set "
                                + "to itself"),
                Arguments.of("a mirror pod with a stale node uid", attrs(Operation.CREATE, "", "pods", null, "app",
                        "static-web-n1", with(MIRROR, "{\"metadata\":{\"ownerReferences\":[{\"apiVersion\":\"v1\","
                                + "\"kind\":\"Node\",\"name\":\"n1\",\"uid\":\"old\",\"controller\":true}]}}"), null, N1),
                        "pods \"static-web-n1\" is forbidden: node n1 UID mismatch: expected old got uid-n1"),
                Arguments.of("a mirror pod using a secret", attrs(Operation.CREATE, "", "pods", null, "app",
                        "static-web-n1", with(MIRROR, "{\"spec\":{\"nodeName\":\"n1\",\"volumes\":[{\"name\":\"s\","
                                + "\"secret\":{\"secretName\":\"db\"}}]}}"), null, N1),
                        "pods \"static-web-n1\" is forbidden: node \"n1\" can not create pods that reference secrets"),
                // Leases and claims
                Arguments.of("own lease", attrs(Operation.UPDATE, "coordination.k8s.io", "leases", null,
                        "kube-node-lease", "n1", Json.object(), Json.object(), N1), null),
                Arguments.of("another node's lease", attrs(Operation.CREATE, "coordination.k8s.io", "leases", null,
                        "kube-node-lease", "n2", Json.object(), null, N1), "leases.coordination.k8s.io \"n2\" is "
                        + "forbidden: can only access node lease with the same name as the requesting node"),
                Arguments.of("a lease elsewhere", attrs(Operation.CREATE, "coordination.k8s.io", "leases", null,
                        "default", "n1", Json.object(), null, N1), "leases.coordination.k8s.io \"n1\" is forbidden: "
                        + "can only access leases in the \"kube-node-lease\" system namespace"),
                Arguments.of("claim spec", attrs(Operation.UPDATE, "", "persistentvolumeclaims", null, "app", "data",
                        Json.object(), Json.object(), N1), "persistentvolumeclaims \"data\" is forbidden: may only "
                        + "update PVC status"),
                Arguments.of("claim capacity", attrs(Operation.UPDATE, "", "persistentvolumeclaims", "status", "app",
                        "data", Json.parseTrusted("{\"status\":{\"capacity\":{\"storage\":\"2Gi\"}}}"),
                        Json.parseTrusted("{\"status\":{\"capacity\":{\"storage\":\"1Gi\"}}}"), N1), null),
                Arguments.of("claim phase", attrs(Operation.UPDATE, "", "persistentvolumeclaims", "status", "app",
                        "data", Json.parseTrusted("{\"status\":{\"phase\":\"Lost\"}}"),
                        Json.parseTrusted("{\"status\":{\"phase\":\"Bound\"}}"), N1),
                        "persistentvolumeclaims \"data\" is forbidden: node \"n1\" is not allowed to update fields "
                                + "other than status.capacity and status.conditions"),
                Arguments.of("other resources are not restricted", attrs(Operation.CREATE, "", "events", null, "app",
                        "e1", Json.object(), null, N1), null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("decisions")
    void decides(String name, AdmissionAttributes a, String denial) {
        Verdict v = plugin.validate(a);
        if (denial == null) {
            assertThat(v.isAllowed()).as(name + ": " + (v.denial() == null ? "" : v.denial().getMessage())).isTrue();
        } else {
            assertThat(v.isAllowed()).as(name).isFalse();
            assertThat(v.denial().getMessage()).isEqualTo(denial);
            assertThat(v.denial().code()).isEqualTo(403);
        }
    }

    @Test
    void handlesDeletesAndEvictionsUnlikeOtherPlugins() {
        AdmissionAttributes delete = attrs(Operation.DELETE, "", "pods", null, "app", "web", null, MINE, N1);
        assertThat(plugin.handles(delete)).isTrue();
        assertThat(new io.kaji.apiserver.admission.AdmissionPlugin() {
            @Override
            public String name() {
                return "Other";
            }
        }.handles(delete)).isFalse();
    }

    @Test
    void labelDifferencesAreAddedRemovedAndChangedKeys() {
        assertThat(NodeRestriction.modifiedLabels(Map.of("a", "1", "b", "2"), Map.of("b", "3", "c", "4")))
                .containsExactly("a", "b", "c");
        assertThat(NodeRestriction.forbiddenLabels(java.util.Set.of("kubelet.kubernetes.io/x", "k8s.io/y",
                "sub.k8s.io/z", "beta.kubernetes.io/arch", "example.com/ok"))).containsExactly("k8s.io/y",
                "sub.k8s.io/z");
    }
}
