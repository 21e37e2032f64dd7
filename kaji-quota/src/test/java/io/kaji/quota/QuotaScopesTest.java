package io.kaji.quota;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

class QuotaScopesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(String s) {
        return JSON.readTree(s.replace('\'', '"'));
    }

    private static final String BEST_EFFORT = "{'spec':{'containers':[{'name':'c'}]}}";
    private static final String BURSTABLE = "{'spec':{'containers':[{'name':'c','resources':{'requests':{'cpu':'100m'}}}]}}";
    private static final String DEADLINE = "{'spec':{'activeDeadlineSeconds':30,'containers':[{'name':'c'}]}}";
    private static final String HIGH = "{'spec':{'priorityClassName':'high','containers':[{'name':'c'}]}}";
    private static final String CROSS = "{'spec':{'containers':[{'name':'c'}],'affinity':{'podAffinity':{"
            + "'requiredDuringSchedulingIgnoredDuringExecution':[{'topologyKey':'k','namespaces':['other']}]}}}}";

    @ParameterizedTest(name = "{0} selects {1}: {2}")
    @CsvSource(delimiter = '|', value = {
            "{'scopes':['BestEffort']}|" + BEST_EFFORT + "|true",
            "{'scopes':['BestEffort']}|" + BURSTABLE + "|false",
            "{'scopes':['NotBestEffort']}|" + BURSTABLE + "|true",
            "{'scopes':['Terminating']}|" + DEADLINE + "|true",
            "{'scopes':['Terminating']}|" + BEST_EFFORT + "|false",
            "{'scopes':['NotTerminating','BestEffort']}|" + BEST_EFFORT + "|true",
            "{'scopes':['NotTerminating','BestEffort']}|" + DEADLINE + "|false",
            "{'scopeSelector':{'matchExpressions':[{'scopeName':'PriorityClass','operator':'In','values':['high']}]}}|" + HIGH + "|true",
            "{'scopeSelector':{'matchExpressions':[{'scopeName':'PriorityClass','operator':'In','values':['high']}]}}|" + BEST_EFFORT + "|false",
            "{'scopeSelector':{'matchExpressions':[{'scopeName':'PriorityClass','operator':'NotIn','values':['high']}]}}|" + BEST_EFFORT + "|true",
            "{'scopeSelector':{'matchExpressions':[{'scopeName':'PriorityClass','operator':'DoesNotExist'}]}}|" + HIGH + "|false",
            "{'scopes':['PriorityClass']}|" + HIGH + "|true",
            "{'scopeSelector':{'matchExpressions':[{'scopeName':'BestEffort','operator':'DoesNotExist'}]}}|" + BURSTABLE + "|true",
            "{'scopes':['CrossNamespacePodAffinity']}|" + CROSS + "|true",
            "{'scopes':['CrossNamespacePodAffinity']}|" + BEST_EFFORT + "|false",
            "{}|" + BURSTABLE + "|true",
    })
    void selectsPodsAsKubernetesPodEvaluatorDoes(String spec, String pod, boolean expected) {
        assertThat(QuotaScopes.matches(json(spec), "", "pods", json(pod))).isEqualTo(expected);
    }

    @Test
    void aScopedQuotaTracksNoOtherKindAndCountsOnlyItsPods() {
        JsonNode bestEffort = json("{'scopes':['BestEffort']}");
        assertThat(QuotaScopes.matches(bestEffort, "", "configmaps", json("{}"))).isFalse();
        Map<String, BigDecimal> used = QuotaUsage.total(bestEffort, Set.of("pods", "configmaps"), gr -> switch (gr.resource()) {
            case "pods" -> List.of(json(BEST_EFFORT), json(BURSTABLE), json(BEST_EFFORT));
            case "configmaps" -> List.of(json("{}"));
            default -> List.of();
        });
        assertThat(used).containsEntry("pods", BigDecimal.valueOf(2)).doesNotContainKey("configmaps");
        Map<String, BigDecimal> unscoped = QuotaUsage.total(json("{}"), Set.of("pods", "configmaps"), gr ->
                gr.resource().equals("pods") ? List.of(json(BEST_EFFORT), json(BURSTABLE)) : List.of(json("{}")));
        assertThat(unscoped).containsEntry("pods", BigDecimal.valueOf(2)).containsEntry("configmaps", BigDecimal.ONE);
    }
}
