package io.kaji.apiserver.openapi;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaji.apiserver.registry.BuiltinResources;
import io.kaji.apiserver.serialization.Json;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class OpenApiTest {

    final OpenApi openApi = new OpenApi(
            BuiltinResources.registry(io.kaji.apiserver.registry.ServiceAllocations.none()));

    @Test
    void indexListsEveryGroupVersionWithAHash() {
        JsonNode index = openApi.index();
        assertThat(index.at("/paths/api~1v1/serverRelativeURL").asString()).matches("/openapi/v3/api/v1\\?hash=[0-9A-F]{128}");
        assertThat(index.at("/paths/apis~1apps~1v1/serverRelativeURL").asString()).startsWith("/openapi/v3/apis/apps/v1?hash=");
        assertThat(index.get("paths").propertyNames()).contains("apis/batch/v1", "apis/coordination.k8s.io/v1");
    }

    @Test
    void patchOperationsCarryTheKindAndTheFieldValidationParameterKubectlLooksFor() {
        JsonNode doc = Json.MAPPER.readTree(openApi.document("apis/apps/v1"));
        JsonNode patch = doc.at("/paths/~1apis~1apps~1v1~1namespaces~1{namespace}~1deployments~1{name}/patch");
        assertThat(patch.at("/x-kubernetes-group-version-kind/kind").asString()).isEqualTo("Deployment");
        assertThat(patch.get("parameters").valueStream().map(p -> p.get("name").asString()))
                .contains("fieldValidation", "name", "namespace");
        assertThat(patch.at("/requestBody/content").propertyNames())
                .doesNotContain("application/strategic-merge-patch+json");
        JsonNode scale = doc.at("/paths/~1apis~1apps~1v1~1namespaces~1{namespace}~1deployments~1{name}~1scale/patch");
        assertThat(scale.at("/x-kubernetes-group-version-kind/group").asString()).isEqualTo("autoscaling");
    }

    @Test
    void schemasComeFromTheModelClasses() {
        JsonNode doc = Json.MAPPER.readTree(openApi.document("apis/apps/v1"));
        JsonNode schemas = doc.at("/components/schemas");
        JsonNode deployment = schemas.get("io.fabric8.kubernetes.api.model.apps.Deployment");
        assertThat(deployment.at("/x-kubernetes-group-version-kind/0/kind").asString()).isEqualTo("Deployment");
        String specRef = deployment.at("/properties/spec/allOf/0/$ref").asString();
        assertThat(specRef).isEqualTo("#/components/schemas/io.fabric8.kubernetes.api.model.apps.DeploymentSpec");
        JsonNode spec = schemas.get("io.fabric8.kubernetes.api.model.apps.DeploymentSpec");
        assertThat(spec.at("/properties/replicas/type").asString()).isEqualTo("integer");
        assertThat(spec.at("/properties/replicas/format").asString()).isEqualTo("int32");
        JsonNode strategy = schemas.get("io.fabric8.kubernetes.api.model.apps.RollingUpdateDeployment");
        assertThat(strategy.at("/properties/maxSurge/x-kubernetes-int-or-string").asBoolean()).isTrue();
    }
}
