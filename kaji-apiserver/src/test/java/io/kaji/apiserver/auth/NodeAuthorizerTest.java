package io.kaji.apiserver.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaji.apiserver.serialization.Json;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

class NodeAuthorizerTest {

    static final UserInfo N1 = new UserInfo("system:node:n1", "", List.of("system:nodes"), Map.of());
    static final ObjectNode WEB = Json.parseTrusted("""
            {"metadata":{"name":"web","namespace":"app"},"spec":{"nodeName":"n1",
             "imagePullSecrets":[{"name":"pull"}],
             "volumes":[{"name":"a","secret":{"secretName":"vol"}},{"name":"b","configMap":{"name":"cfg"}},
                        {"name":"c","projected":{"sources":[{"secret":{"name":"proj"}}]}}],
             "containers":[{"name":"c","env":[{"name":"X","valueFrom":{"secretKeyRef":{"name":"env","key":"k"}}}],
                            "envFrom":[{"configMapRef":{"name":"envfrom"}}]}]}}""");
    static final ObjectNode OTHER = Json.parseTrusted("""
            {"metadata":{"name":"db","namespace":"app"},"spec":{"nodeName":"n2","serviceAccountName":"db-admin",
             "volumes":[{"name":"a","secret":{"secretName":"db-secret"}}],"containers":[{"name":"c"}]}}""");

    final NodeAuthorizer authz = new NodeAuthorizer(new NodeAuthorizer.Pods() {
        @Override
        public ObjectNode get(String namespace, String name) {
            return List.of(WEB, OTHER).stream().filter(p -> Json.text(p, "metadata.name").equals(name)
                    && Json.text(p, "metadata.namespace").equals(namespace)).findFirst().orElse(null);
        }

        @Override
        public List<ObjectNode> inNamespace(String namespace) {
            return namespace.equals("app") ? List.of(WEB, OTHER) : List.of();
        }
    });

    boolean allowed(String verb, String ns, String group, String resource, String sub, String name) {
        return authz.authorize(Attributes.resource(N1, verb, ns, group, resource, sub, name)).allowed();
    }

    @Test
    void aNodeGetsOnlySecretsAndConfigMapsItsPodsUse() {
        for (String s : List.of("pull", "vol", "proj", "env")) {
            assertThat(allowed("get", "app", "", "secrets", "", s)).as(s).isTrue();
        }
        assertThat(allowed("get", "app", "", "configmaps", "", "cfg")).isTrue();
        assertThat(allowed("get", "app", "", "configmaps", "", "envfrom")).isTrue();
        assertThat(allowed("get", "app", "", "secrets", "", "db-secret")).as("another node's pod's").isFalse();
        assertThat(allowed("get", "app", "", "secrets", "", "cfg")).as("a config map name as a secret").isFalse();
        assertThat(allowed("list", "app", "", "secrets", "", "")).isFalse();
        assertThat(allowed("watch", "app", "", "configmaps", "", "")).as("every config map").isFalse();
        // One object (fieldSelector metadata.name=): the agent's watch of what its pods' volumes use.
        assertThat(allowed("watch", "app", "", "configmaps", "", "cfg")).isTrue();
        assertThat(allowed("list", "app", "", "configmaps", "", "cfg")).isTrue();
        assertThat(allowed("watch", "app", "", "secrets", "", "db-secret")).as("another node's pod's").isFalse();
        assertThat(authz.authorize(Attributes.resource(N1, "get", "app", "", "secrets", "", "db-secret")).reason())
                .isEqualTo("no relationship found between node 'n1' and this object");
    }

    @Test
    void aNodeRequestsTokensOnlyForTheServiceAccountsItsPodsRunAs() {
        assertThat(allowed("create", "app", "", "serviceaccounts", "token", "default")).as("web runs as default")
                .isTrue();
        assertThat(allowed("create", "app", "", "serviceaccounts", "token", "db-admin")).as("another node's pod's")
                .isFalse();
        assertThat(allowed("create", "other", "", "serviceaccounts", "token", "default")).isFalse();
        assertThat(allowed("get", "app", "", "serviceaccounts", "", "default")).as("left to RBAC").isFalse();
    }

    @Test
    void aNodeReadsAndWritesOnlyItsOwnPodsNodeAndLease() {
        assertThat(allowed("get", "app", "", "pods", "", "web")).isTrue();
        assertThat(allowed("patch", "app", "", "pods", "status", "web")).isTrue();
        assertThat(allowed("delete", "app", "", "pods", "", "web")).isTrue();
        assertThat(allowed("get", "app", "", "pods", "", "db")).isFalse();
        assertThat(allowed("delete", "app", "", "pods", "", "db")).isFalse();
        assertThat(allowed("create", "app", "", "pods", "", "")).isFalse();
        assertThat(allowed("update", "", "", "nodes", "status", "n1")).isTrue();
        assertThat(allowed("patch", "", "", "nodes", "", "n2")).isFalse();
        assertThat(allowed("get", "", "", "nodes", "", "n2")).as("reading other nodes").isTrue();
        assertThat(allowed("update", "kube-node-lease", "coordination.k8s.io", "leases", "", "n1")).isTrue();
        assertThat(allowed("update", "kube-node-lease", "coordination.k8s.io", "leases", "", "n2")).isFalse();
    }

    @Test
    void otherUsersAreLeftToRbac() {
        UserInfo jane = new UserInfo("jane", "", List.of("system:nodes"), Map.of());
        var d = authz.authorize(Attributes.resource(jane, "get", "app", "", "secrets", "", "vol"));
        assertThat(d.allowed()).isFalse();
        assertThat(d.reason()).isEmpty();
        UserInfo notInGroup = new UserInfo("system:node:n1", "", List.of(), Map.of());
        assertThat(NodeAuthorizer.nodeName(notInGroup)).isNull();
    }

    @Test
    void aNodeMayAskTheApiServerWhoCallsItsEndpointAndWhetherTheyMay() {
        assertThat(allowed("create", "", "authentication.k8s.io", "tokenreviews", "", "")).isTrue();
        assertThat(allowed("create", "", "authorization.k8s.io", "subjectaccessreviews", "", "")).isTrue();
        assertThat(allowed("create", "app", "authorization.k8s.io", "localsubjectaccessreviews", "", "")).isTrue();
        assertThat(allowed("create", "", "authorization.k8s.io", "selfsubjectrulesreviews", "", ""))
                .as("left to RBAC").isFalse();
    }
}
