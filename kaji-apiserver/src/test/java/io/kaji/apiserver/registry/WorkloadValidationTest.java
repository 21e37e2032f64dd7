package io.kaji.apiserver.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaji.apiserver.errors.StatusCause;
import io.kaji.apiserver.serialization.Json;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

/** Deployment and StatefulSet validation: the whole selector against the template, mounts of claim templates. */
class WorkloadValidationTest {

    private static List<String> errors(String kind, String spec) {
        ObjectNode o = Json.parseTrusted("""
                {"apiVersion":"apps/v1","kind":"%s","metadata":{"name":"web","namespace":"default"},"spec":%s}"""
                .formatted(kind, spec));
        ResourceStrategy strategy = Strategies.workload(kind);
        strategy.prepareForCreate(o);
        return strategy.validate(o).stream().map(StatusCause::describe).toList();
    }

    /** A selector and the pod template it selects, as every workload below has them. */
    private static final String SELECTED_TEMPLATE = "\"selector\":{\"matchLabels\":{\"app\":\"web\"}},"
            + "\"template\":{\"metadata\":{\"labels\":{\"app\":\"web\"}},\"spec\":{\"containers\":"
            + "[{\"name\":\"c\",\"image\":\"i\"}]}}";

    /** An apps/v1 {@code kind} named {@code name} whose spec has {@code fields} (each followed by a comma) first. */
    private static ObjectNode workload(String kind, String name, String fields) {
        return Json.parseTrusted("{\"apiVersion\":\"apps/v1\",\"kind\":\"" + kind + "\",\"metadata\":{\"name\":\""
                + name + "\"},\"spec\":{" + fields + SELECTED_TEMPLATE + "}}");
    }

    @Test
    void matchExpressionsMustSelectTheTemplateToo() {
        String template = "\"template\":{\"metadata\":{\"labels\":{\"app\":\"web\",\"tier\":\"front\"}},"
                + "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"i\"}]}}";
        assertThat(errors("Deployment", "{\"selector\":{\"matchLabels\":{\"app\":\"web\"},\"matchExpressions\":["
                + "{\"key\":\"tier\",\"operator\":\"In\",\"values\":[\"front\",\"back\"]}]}," + template + "}"))
                .isEmpty();
        assertThat(errors("Deployment", "{\"selector\":{\"matchLabels\":{\"app\":\"web\"},\"matchExpressions\":["
                + "{\"key\":\"tier\",\"operator\":\"NotIn\",\"values\":[\"front\"]}]}," + template + "}"))
                .containsExactly("spec.template.metadata.labels: Invalid value: "
                        + "\"map[string]string{\"app\":\"web\", \"tier\":\"front\"}\": `selector` does not"
                        + " match template `labels`");
    }

    @Test
    void aStatefulSetsContainersMountItsClaimTemplatesButNothingElseUndeclared() {
        String spec = """
                {"serviceName":"db","selector":{"matchLabels":{"app":"db"}},
                 "template":{"metadata":{"labels":{"app":"db"}},"spec":{"containers":[{"name":"c","image":"i",
                   "volumeMounts":[{"name":"data","mountPath":"/data"},{"name":"%s","mountPath":"/x"}]}]}},
                 "volumeClaimTemplates":[{"metadata":{"name":"data"},"spec":{"accessModes":["ReadWriteOnce"],
                   "resources":{"requests":{"storage":"1Gi"}}}}]}""";
        assertThat(errors("StatefulSet", spec.formatted("data"))).isEmpty();
        assertThat(errors("StatefulSet", spec.formatted("scratch"))).containsExactly(
                "spec.template.spec.containers[0].volumeMounts[1].name: Not found: \"scratch\"");
    }

    @Test
    void statefulSetsAndDaemonSetsGetTheUpdateStrategyKubectlRolloutStatusReads() {
        ObjectNode sts = workload("StatefulSet", "db", "");
        Strategies.workload("StatefulSet").prepareForCreate(sts);
        assertThat(sts.at("/spec/updateStrategy").toString())
                .isEqualTo("{\"type\":\"RollingUpdate\",\"rollingUpdate\":{\"partition\":0}}");
        assertThat(sts.at("/spec/podManagementPolicy").asString()).isEqualTo("OrderedReady");
        assertThat(sts.at("/spec/revisionHistoryLimit").asInt()).isEqualTo(10);
        assertThat(sts.at("/spec/persistentVolumeClaimRetentionPolicy").toString())
                .isEqualTo("{\"whenDeleted\":\"Retain\",\"whenScaled\":\"Retain\"}");
        ObjectNode ds = workload("DaemonSet", "agent", "\"updateStrategy\":{\"type\":\"OnDelete\"},");
        Strategies.workload("DaemonSet").prepareForCreate(ds);
        assertThat(ds.at("/spec/updateStrategy").toString()).as("a given type is kept, no rollingUpdate for OnDelete")
                .isEqualTo("{\"type\":\"OnDelete\"}");
        ObjectNode rolling = workload("DaemonSet", "agent", "");
        Strategies.workload("DaemonSet").prepareForUpdate(rolling, rolling.deepCopy());
        assertThat(rolling.at("/spec/updateStrategy").toString()).as("objects stored before get them on update")
                .isEqualTo("{\"type\":\"RollingUpdate\",\"rollingUpdate\":{\"maxUnavailable\":1,\"maxSurge\":0}}");
    }

    @Test
    void deploymentsGetTheirDefaultsOnCreateAndAgainOnEveryUpdate() {
        ObjectNode created = workload("Deployment", "web", "");
        Strategies.workload("Deployment").prepareForCreate(created);
        assertThat(created.at("/spec/replicas").asInt()).isEqualTo(1);
        assertThat(created.at("/spec/revisionHistoryLimit").asInt()).isEqualTo(10);
        assertThat(created.at("/spec/progressDeadlineSeconds").asInt()).isEqualTo(600);
        assertThat(created.at("/spec/strategy").toString()).isEqualTo(
                "{\"type\":\"RollingUpdate\",\"rollingUpdate\":{\"maxUnavailable\":\"25%\",\"maxSurge\":\"25%\"}}");

        // A PUT of a manifest without them (kubectl replace) gets them again, as Kubernetes decodes every body.
        ObjectNode replaced = workload("Deployment", "web", "\"strategy\":{\"rollingUpdate\":{\"maxSurge\":2}},");
        Strategies.workload("Deployment").prepareForUpdate(replaced, created);
        assertThat(replaced.at("/spec/replicas").asInt()).isEqualTo(1);
        assertThat(replaced.at("/spec/progressDeadlineSeconds").asInt()).isEqualTo(600);
        assertThat(replaced.at("/spec/strategy").toString()).as("the given maxSurge is kept, the rest defaulted")
                .isEqualTo("{\"rollingUpdate\":{\"maxSurge\":2,\"maxUnavailable\":\"25%\"},"
                        + "\"type\":\"RollingUpdate\"}");

        ObjectNode recreate = workload("Deployment", "web", "\"replicas\":3,\"strategy\":{\"type\":\"Recreate\"},");
        Strategies.workload("Deployment").prepareForUpdate(recreate, created);
        assertThat(recreate.at("/spec/replicas").asInt()).isEqualTo(3);
        assertThat(recreate.at("/spec/strategy").toString()).isEqualTo("{\"type\":\"Recreate\"}");

        ObjectNode rs = workload("ReplicaSet", "web", "");
        Strategies.workload("ReplicaSet").prepareForUpdate(rs, rs.deepCopy());
        assertThat(rs.at("/spec/replicas").asInt()).isEqualTo(1);
        assertThat(rs.at("/spec").has("revisionHistoryLimit")).as("no such field in a ReplicaSet").isFalse();
    }
}
