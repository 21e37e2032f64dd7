package io.kaji.apiserver.auth.rbac;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaji.apiserver.auth.Attributes;
import io.kaji.apiserver.auth.UserInfo;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RuleMatcherTest {

    static final UserInfo JANE = new UserInfo("jane", "", List.of("system:authenticated"), Map.of());

    static PolicyRule rule(List<String> verbs, List<String> groups, List<String> resources, List<String> names) {
        return new PolicyRule(verbs, groups, resources, names, List.of());
    }

    static Attributes res(String verb, String group, String resource, String sub, String name) {
        return Attributes.resource(JANE, verb, "default", group, resource, sub, name);
    }

    static Arguments allow(String why, PolicyRule r, Attributes a) {
        return Arguments.of(why, r, a, true);
    }

    static Arguments deny(String why, PolicyRule r, Attributes a) {
        return Arguments.of(why, r, a, false);
    }

    static Stream<Arguments> cases() {
        PolicyRule podsRead = rule(List.of("get", "list", "watch"), List.of(""), List.of("pods"), List.of());
        return Stream.of(
                allow("exact verb, group, resource", podsRead, res("list", "", "pods", "", "")),
                deny("verb not listed", podsRead, res("create", "", "pods", "", "")),
                deny("group differs (apps vs core)", podsRead, res("get", "apps", "pods", "", "x")),
                deny("a resource rule does not grant its subresources", podsRead,
                        res("get", "", "pods", "log", "web")),
                allow("plural/subresource", rule(List.of("get"), List.of(""), List.of("pods/log"), List.of()),
                        res("get", "", "pods", "log", "web")),
                deny("a subresource rule does not grant the resource",
                        rule(List.of("get"), List.of(""), List.of("pods/log"), List.of()),
                        res("get", "", "pods", "", "web")),
                allow("*/scale matches every scale subresource",
                        rule(List.of("update"), List.of("apps"), List.of("*/scale"), List.of()),
                        res("update", "apps", "deployments", "scale", "web")),
                deny("*/scale does not match the resource itself",
                        rule(List.of("update"), List.of("apps"), List.of("*/scale"), List.of()),
                        res("update", "apps", "deployments", "", "web")),
                deny("*/scale does not match another subresource",
                        rule(List.of("update"), List.of("apps"), List.of("*/scale"), List.of()),
                        res("update", "apps", "deployments", "status", "web")),
                allow("* resource matches subresources too",
                        rule(List.of("get"), List.of(""), List.of("*"), List.of()),
                        res("get", "", "pods", "log", "web")),
                allow("* verb and * group", rule(List.of("*"), List.of("*"), List.of("deployments"), List.of()),
                        res("deletecollection", "apps", "deployments", "", "")),
                allow("resourceNames contains the name",
                        rule(List.of("get"), List.of(""), List.of("configmaps"), List.of("a", "b")),
                        res("get", "", "configmaps", "", "b")),
                deny("resourceNames without the name",
                        rule(List.of("get"), List.of(""), List.of("configmaps"), List.of("a")),
                        res("get", "", "configmaps", "", "c")),
                deny("resourceNames never match a collection request",
                        rule(List.of("list"), List.of(""), List.of("configmaps"), List.of("a")),
                        res("list", "", "configmaps", "", "")),
                deny("a resource rule does not match non-resource URLs", podsRead,
                        Attributes.nonResource(JANE, "get", "/pods")),
                allow("exact non-resource URL", PolicyRule.urls(List.of("get"), List.of("/healthz")),
                        Attributes.nonResource(JANE, "get", "/healthz")),
                deny("non-resource URL is not a prefix without *", PolicyRule.urls(List.of("get"),
                        List.of("/healthz")), Attributes.nonResource(JANE, "get", "/healthz/etcd")),
                allow("trailing * is a prefix", PolicyRule.urls(List.of("get"), List.of("/apis/*")),
                        Attributes.nonResource(JANE, "get", "/apis/apps/v1")),
                deny("trailing * does not match the bare prefix without slash",
                        PolicyRule.urls(List.of("get"), List.of("/apis/*")),
                        Attributes.nonResource(JANE, "get", "/apis")),
                allow("* URL matches everything", PolicyRule.urls(List.of("*"), List.of("*")),
                        Attributes.nonResource(JANE, "post", "/anything")),
                deny("a URL rule grants no resources", PolicyRule.urls(List.of("*"), List.of("*")),
                        res("get", "", "pods", "", "x")),
                deny("empty verbs grant nothing", rule(List.of(), List.of("*"), List.of("*"), List.of()),
                        res("get", "", "pods", "", "x")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void matchesAsKubernetes(String why, PolicyRule rule, Attributes request, boolean allowed) {
        assertThat(RuleMatcher.allows(request, rule)).as(why).isEqualTo(allowed);
    }
}
