package io.kaji.apiserver.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kaji.apiserver.auth.UserInfo;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

class AuditPolicyTest {

    static final UserInfo ALICE = new UserInfo("alice", "", List.of("dev", "system:authenticated"), Map.of());
    static final UserInfo NODE = new UserInfo("system:node:n1", "", List.of("system:nodes"), Map.of());

    static final AuditPolicy POLICY = AuditPolicy.parse("""
            apiVersion: audit.k8s.io/v1
            kind: Policy
            omitStages: ["RequestReceived"]
            rules:
              - level: None
                users: ["system:node:n1"]
                verbs: ["get"]
              - level: RequestResponse
                userGroups: ["dev"]
                resources:
                  - group: apps
                    resources: ["deployments/scale"]
              - level: Request
                resources:
                  - group: ""
                    resources: ["configmaps"]
                    resourceNames: ["special"]
              - level: Metadata
                namespaces: ["kube-system"]
              - level: Request
                resources:
                  - group: ""
                    resources: ["*/log", "services/*"]
              - level: Metadata
                nonResourceURLs: ["/apis*", "/version"]
                omitStages: ["ResponseStarted"]
              - level: RequestResponse
                resources:
                  - group: ""
            """, "test");

    static AuditAttributes resource(UserInfo u, String verb, String group, String plural, String sub, String ns,
            String name) {
        return new AuditAttributes(u, verb, true, group, "v1", plural, sub, ns, name, "/x");
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("user and verb match", resource(NODE, "get", "", "pods", null, "a", "p"), "None"),
                Arguments.of("user matches, verb does not", resource(NODE, "list", "", "pods", null, "a", null),
                        "RequestResponse"),
                Arguments.of("group and subresource", resource(ALICE, "update", "apps", "deployments", "scale", "a",
                        "d"), "RequestResponse"),
                Arguments.of("resourceNames match", resource(ALICE, "get", "", "configmaps", null, "a", "special"),
                        "Request"),
                Arguments.of("resourceNames miss", resource(ALICE, "get", "", "configmaps", null, "a", "other"),
                        "RequestResponse"),
                Arguments.of("namespace", resource(ALICE, "get", "", "configmaps", null, "kube-system", "x"),
                        "Metadata"),
                Arguments.of("*/log", resource(ALICE, "get", "", "pods", "log", "a", "p"), "Request"),
                Arguments.of("services/*", resource(ALICE, "get", "", "services", "status", "a", "s"), "Request"),
                // As in Kubernetes' checker: "res/*" also matches the resource itself.
                Arguments.of("services/* covers services", resource(ALICE, "get", "", "services", null, "a",
                        "s"), "Request"),
                Arguments.of("non-resource prefix", new AuditAttributes(ALICE, "get", false, "", "", null, null, "",
                        null, "/apis/apps/v1"), "Metadata"),
                Arguments.of("non-resource not listed", new AuditAttributes(ALICE, "get", false, "", "", null, null,
                        "", null, "/healthz"), "None"),
                Arguments.of("other group matches no rule", resource(ALICE, "get", "batch", "jobs", null, "a", "j"),
                        "None"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void firstMatchingRuleWins(String name, AuditAttributes attributes, String level) {
        assertThat(POLICY.decide(attributes).level().text()).isEqualTo(level);
    }

    @Test
    void omittedStagesCombinePolicyAndRule() {
        AuditPolicy.Decision d = POLICY.decide(new AuditAttributes(ALICE, "get", false, "", "", null, null, "", null,
                "/version"));
        assertThat(d.logs(AuditPolicy.Stage.RequestReceived)).isFalse();
        assertThat(d.logs(AuditPolicy.Stage.ResponseStarted)).isFalse();
        assertThat(d.logs(AuditPolicy.Stage.ResponseComplete)).isTrue();
    }

    @Test
    void defaultPolicyKeepsSecretBodiesOut() {
        AuditPolicy p = AuditPolicy.parse(AuditPolicy.DEFAULT, "default");
        assertThat(p.decide(resource(ALICE, "create", "", "secrets", null, "a", null)).level())
                .isEqualTo(AuditLevel.METADATA);
        assertThat(p.decide(resource(ALICE, "create", "", "pods", null, "a", null)).level())
                .isEqualTo(AuditLevel.REQUEST);
        assertThat(p.decide(resource(ALICE, "list", "", "pods", null, "a", null)).level())
                .isEqualTo(AuditLevel.METADATA);
        assertThat(p.decide(new AuditAttributes(ALICE, "get", false, "", "", null, null, "", null, "/readyz"))
                .level()).isEqualTo(AuditLevel.NONE);
    }

    @Test
    void badPoliciesSayWhere() {
        assertThatThrownBy(() -> AuditPolicy.parse("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n"
                + "  - level: Everything\n", "p.yaml"))
                .hasMessage("p.yaml: rules[0].level: \"Everything\" is not one of None, Metadata, Request, "
                        + "RequestResponse");
        assertThatThrownBy(() -> AuditPolicy.parse("kind: EncryptionConfiguration", "p.yaml"))
                .hasMessage("p.yaml: expected apiVersion audit.k8s.io/v1, kind Policy");
    }
}
