package io.kaji.apiserver.auth.rbac;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kaji.apiserver.auth.Attributes;
import io.kaji.apiserver.auth.AuthorizerChain;
import io.kaji.apiserver.auth.UserInfo;
import io.kaji.apiserver.errors.ApiException;
import io.kaji.apiserver.registry.BuiltinResources;
import io.kaji.apiserver.registry.ResourceDefinition;
import io.kaji.apiserver.registry.ResourceRegistry;
import io.kaji.apiserver.serialization.Json;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

/** Bindings, role references and escalation prevention over an in-memory RBAC index. */
class RbacAuthorizerTest {

    static final UserInfo JANE = new UserInfo("jane", "", List.of("devs", "system:authenticated"), Map.of());
    final RbacIndex index = new RbacIndex();
    final RbacAuthorizer rbac = new RbacAuthorizer(index);
    final AuthorizerChain chain = new AuthorizerChain(List.of(rbac));
    static final ResourceRegistry REGISTRY = BuiltinResources.registry(null);

    static ObjectNode parse(String json) {
        return Json.parseTrusted(json.replace('\'', '"'));
    }

    @BeforeEach
    void policy() {
        index.put(RbacIndex.Kind.CLUSTER_ROLES, parse("{'metadata':{'name':'pod-reader'},'rules':[{'verbs':['get',"
                + "'list'],'apiGroups':[''],'resources':['pods']}]}"));
        index.put(RbacIndex.Kind.ROLES, parse("{'metadata':{'name':'cm-editor','namespace':'team'},'rules':[{'verbs':"
                + "['*'],'apiGroups':[''],'resources':['configmaps']}]}"));
        index.put(RbacIndex.Kind.CLUSTER_ROLE_BINDINGS, parse("{'metadata':{'name':'devs-read'},'roleRef':{'kind':"
                + "'ClusterRole','name':'pod-reader'},'subjects':[{'kind':'Group','name':'devs'}]}"));
        index.put(RbacIndex.Kind.ROLE_BINDINGS, parse("{'metadata':{'name':'jane-cm','namespace':'team'},'roleRef':"
                + "{'kind':'Role','name':'cm-editor'},'subjects':[{'kind':'User','name':'jane'}]}"));
        index.put(RbacIndex.Kind.ROLE_BINDINGS, parse("{'metadata':{'name':'sa-read','namespace':'team'},'roleRef':"
                + "{'kind':'ClusterRole','name':'pod-reader'},'subjects':[{'kind':'ServiceAccount','name':'bot'}]}"));
    }

    static Attributes res(UserInfo u, String verb, String ns, String resource) {
        return Attributes.resource(u, verb, ns, "", resource, "", "");
    }

    @Test
    void clusterBindingsApplyEverywhereAndRoleBindingsOnlyInTheirNamespace() {
        assertThat(rbac.authorize(res(JANE, "list", "other", "pods")).allowed()).isTrue();
        assertThat(rbac.authorize(res(JANE, "list", "", "pods")).allowed()).isTrue();
        assertThat(rbac.authorize(res(JANE, "delete", "team", "configmaps")).allowed()).isTrue();
        assertThat(rbac.authorize(res(JANE, "delete", "other", "configmaps")).allowed()).isFalse();
        assertThat(rbac.authorize(res(JANE, "delete", "team", "pods")).allowed()).isFalse();
    }

    @Test
    void anUnqualifiedServiceAccountSubjectMeansTheBindingsNamespace() {
        UserInfo bot = new UserInfo("system:serviceaccount:team:bot", "", List.of(), Map.of());
        UserInfo otherBot = new UserInfo("system:serviceaccount:other:bot", "", List.of(), Map.of());
        assertThat(rbac.authorize(res(bot, "get", "team", "pods")).allowed()).isTrue();
        assertThat(rbac.authorize(res(otherBot, "get", "team", "pods")).allowed()).isFalse();
    }

    @Test
    void aBindingToAMissingRoleIsReportedAsTheReason() {
        index.put(RbacIndex.Kind.ROLE_BINDINGS, parse("{'metadata':{'name':'dangling','namespace':'team'},"
                + "'roleRef':{'kind':'ClusterRole','name':'gone'},'subjects':[{'kind':'User','name':'jane'}]}"));
        var d = rbac.authorize(res(JANE, "create", "team", "secrets"));
        assertThat(d.allowed()).isFalse();
        assertThat(d.reason()).isEqualTo("RBAC: clusterrole.rbac.authorization.k8s.io \"gone\" not found");
        index.remove(RbacIndex.Kind.ROLE_BINDINGS, parse("{'metadata':{'name':'dangling','namespace':'team'}}"));
        assertThat(rbac.authorize(res(JANE, "create", "team", "secrets")).reason()).isEmpty();
    }

    @Test
    void systemMastersIsAlwaysAllowed() {
        UserInfo root = new UserInfo("root", "", List.of("system:masters"), Map.of());
        assertThat(chain.authorize(res(root, "delete", "kube-system", "secrets")).allowed()).isTrue();
        assertThat(rbac.authorize(res(root, "delete", "kube-system", "secrets")).allowed()).isFalse();
    }

    ResourceDefinition def(String plural) {
        return REGISTRY.find("rbac.authorization.k8s.io", "v1", plural).orElseThrow();
    }

    @Test
    void creatingARoleWithRulesNotHeldIsForbiddenWithKubernetesMessage() {
        EscalationCheck check = new EscalationCheck(chain, rbac.resolver());
        ObjectNode held = parse("{'metadata':{'name':'ok','namespace':'team'},'rules':[{'verbs':['get'],"
                + "'apiGroups':[''],'resources':['configmaps']},{'verbs':['list'],'apiGroups':[''],"
                + "'resources':['pods']}]}");
        check.check(def("roles"), "team", held, null, JANE);
        ObjectNode escalating = parse("{'metadata':{'name':'bad','namespace':'team'},'rules':[{'verbs':['create',"
                + "'delete'],'apiGroups':['apps'],'resources':['deployments']},{'verbs':['get'],'apiGroups':[''],"
                + "'resources':['secrets'],'resourceNames':['db']}]}");
        assertThatThrownBy(() -> check.check(def("roles"), "team", escalating, null, JANE))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.code()).isEqualTo(403);
                    assertThat(e.getMessage()).isEqualTo("roles.rbac.authorization.k8s.io \"bad\" is forbidden: "
                            + "user \"jane\" (groups=[\"devs\" \"system:authenticated\"]) is attempting to grant RBAC "
                            + "permissions not currently held:\n"
                            + "{APIGroups:[\"\"], Resources:[\"secrets\"], ResourceNames:[\"db\"], Verbs:[\"get\"]}\n"
                            + "{APIGroups:[\"apps\"], Resources:[\"deployments\"], Verbs:[\"create\" \"delete\"]}");
                });
    }

    @Test
    void escalateVerbAndSystemMastersBypassTheCheck() {
        EscalationCheck check = new EscalationCheck(chain, rbac.resolver());
        ObjectNode everything = parse("{'metadata':{'name':'all'},'rules':[{'verbs':['*'],'apiGroups':['*'],"
                + "'resources':['*']}]}");
        UserInfo root = new UserInfo("root", "", List.of("system:masters"), Map.of());
        check.check(def("clusterroles"), null, everything, null, root);
        assertThatThrownBy(() -> check.check(def("clusterroles"), null, everything, null, JANE))
                .hasMessageContaining("is attempting to grant RBAC permissions not currently held");
        index.put(RbacIndex.Kind.CLUSTER_ROLES, parse("{'metadata':{'name':'escalator'},'rules':[{'verbs':"
                + "['escalate'],'apiGroups':['rbac.authorization.k8s.io'],'resources':['clusterroles']}]}"));
        index.put(RbacIndex.Kind.CLUSTER_ROLE_BINDINGS, parse("{'metadata':{'name':'jane-esc'},'roleRef':{'kind':"
                + "'ClusterRole','name':'escalator'},'subjects':[{'kind':'User','name':'jane'}]}"));
        check.check(def("clusterroles"), null, everything, null, JANE);
    }

    @Test
    void bindingARoleNeedsItsRulesOrTheBindVerb() {
        EscalationCheck check = new EscalationCheck(chain, rbac.resolver());
        index.put(RbacIndex.Kind.CLUSTER_ROLES, parse("{'metadata':{'name':'secret-admin'},'rules':[{'verbs':['*'],"
                + "'apiGroups':[''],'resources':['secrets']}]}"));
        ObjectNode bindReader = parse("{'metadata':{'name':'b1','namespace':'team'},'roleRef':{'kind':'ClusterRole',"
                + "'name':'pod-reader'},'subjects':[{'kind':'User','name':'joe'}]}");
        check.check(def("rolebindings"), "team", bindReader, null, JANE);
        ObjectNode bindSecrets = parse("{'metadata':{'name':'b2','namespace':'team'},'roleRef':{'kind':"
                + "'ClusterRole','name':'secret-admin'},'subjects':[{'kind':'User','name':'joe'}]}");
        assertThatThrownBy(() -> check.check(def("rolebindings"), "team", bindSecrets, null, JANE))
                .hasMessageStartingWith("rolebindings.rbac.authorization.k8s.io \"b2\" is forbidden: user \"jane\"");
        index.put(RbacIndex.Kind.ROLES, parse("{'metadata':{'name':'binder','namespace':'team'},'rules':[{'verbs':"
                + "['bind'],'apiGroups':['rbac.authorization.k8s.io'],'resources':['clusterroles'],"
                + "'resourceNames':['secret-admin']}]}"));
        index.put(RbacIndex.Kind.ROLE_BINDINGS, parse("{'metadata':{'name':'jane-binder','namespace':'team'},"
                + "'roleRef':{'kind':'Role','name':'binder'},'subjects':[{'kind':'User','name':'jane'}]}"));
        check.check(def("rolebindings"), "team", bindSecrets, null, JANE);
    }

    @Test
    void ownerRulesCoverSubresourcesThroughStarSlash() {
        List<PolicyRule> owner = List.of(PolicyRule.resources(List.of("get"), List.of("apps"), List.of("*/scale")));
        assertThat(Coverage.missing(owner, List.of(PolicyRule.resources(List.of("get"), List.of("apps"),
                List.of("deployments/scale"))))).isEmpty();
        assertThat(Coverage.missing(owner, List.of(PolicyRule.resources(List.of("get"), List.of("apps"),
                List.of("deployments"))))).hasSize(1);
        List<PolicyRule> urls = List.of(PolicyRule.urls(List.of("get"), List.of("/logs/*")));
        assertThat(Coverage.missing(urls, List.of(PolicyRule.urls(List.of("get"), List.of("/logs/a/b"))))).isEmpty();
        assertThat(Coverage.missing(urls, List.of(PolicyRule.urls(List.of("get", "post"), List.of("/logs/a")))))
                .containsExactly(PolicyRule.urls(List.of("post"), List.of("/logs/a")));
    }
}
