package io.kaji.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.WatchEvent;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AgentSerializationTest {

    private final KubernetesSerialization serialization = AgentSerialization.create();

    @ParameterizedTest
    @CsvSource({"v1, Pod, io.fabric8.kubernetes.api.model.Pod",
            "v1, Node, io.fabric8.kubernetes.api.model.Node",
            "v1, Namespace, io.fabric8.kubernetes.api.model.Namespace",
            "v1, Service, io.fabric8.kubernetes.api.model.Service",
            "discovery.k8s.io/v1, EndpointSlice, io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice",
            "networking.k8s.io/v1, NetworkPolicy, io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy",
            "v1, Status, io.fabric8.kubernetes.api.model.Status"})
    void watchEventsOfTheWatchedKindsBecomeTheirClasses(String apiVersion, String kind, String className) {
        WatchEvent event = serialization.unmarshal("{\"type\":\"ADDED\",\"object\":{\"apiVersion\":\"" + apiVersion
                + "\",\"kind\":\"" + kind + "\",\"metadata\":{\"name\":\"x\"}}}", WatchEvent.class);
        assertThat(event.getObject().getClass().getName()).isEqualTo(className);
    }

    @Test
    void aWatchErrorIsAStatusSoThatTheWatchManagerSeesTheError() {
        WatchEvent event = serialization.unmarshal("{\"type\":\"ERROR\",\"object\":{\"apiVersion\":\"v1\","
                + "\"kind\":\"Status\",\"status\":\"Failure\",\"code\":410,\"reason\":\"Expired\"}}", WatchEvent.class);
        assertThat(event.getObject()).isInstanceOfSatisfying(Status.class, s -> {
            assertThat(s.getCode()).isEqualTo(410);
            assertThat(s.getReason()).isEqualTo("Expired");
        });
    }

    @Test
    void otherKindsAreNotLookedUpOnTheClassPathButStillRead() {
        // fabric8's default serialization finds ConfigMap by scanning every model jar; the agent's does not
        assertThat(new KubernetesSerialization().getRegisteredKubernetesResource("v1", "ConfigMap"))
                .isEqualTo(ConfigMap.class);
        assertThat(serialization.getRegisteredKubernetesResource("v1", "ConfigMap")).isNull();
        WatchEvent event = serialization.unmarshal("{\"type\":\"ADDED\",\"object\":{\"apiVersion\":\"v1\","
                + "\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\"},\"data\":{\"k\":\"v\"}}}", WatchEvent.class);
        assertThat(event.getObject()).isInstanceOf(GenericKubernetesResource.class);
        // what fabric8's watch manager does with an object of a kind it did not expect as such
        ConfigMap cm = serialization.convertValue(event.getObject(), ConfigMap.class);
        assertThat(cm.getData()).containsEntry("k", "v");
    }

    @Test
    void theKubeconfigGivesTheSameClientConfigAsFabric8sOwnReading() {
        String kubeconfig = """
                apiVersion: v1
                kind: Config
                clusters:
                - name: kaji
                  cluster:
                    server: https://127.0.0.1:6443
                    certificate-authority-data: Q0EtREFUQQ==
                users:
                - name: node
                  user:
                    client-certificate-data: Q0VSVA==
                    client-key-data: S0VZ
                - name: other
                  user:
                    token: not-this-one
                contexts:
                - name: other
                  context: {cluster: kaji, user: other, namespace: elsewhere}
                - name: kaji
                  context: {cluster: kaji, user: node, namespace: kube-system}
                current-context: kaji
                """;
        Config ours = AgentSerialization.clientConfig(kubeconfig);
        Config fabric8s = Config.fromKubeconfig(kubeconfig);
        assertThat(ours.getMasterUrl()).isEqualTo(fabric8s.getMasterUrl()).isEqualTo("https://127.0.0.1:6443/");
        assertThat(ours.getCaCertData()).isEqualTo(fabric8s.getCaCertData()).isEqualTo("Q0EtREFUQQ==");
        assertThat(ours.getClientCertData()).isEqualTo(fabric8s.getClientCertData()).isEqualTo("Q0VSVA==");
        assertThat(ours.getClientKeyData()).isEqualTo(fabric8s.getClientKeyData()).isEqualTo("S0VZ");
        assertThat(ours.getNamespace()).isEqualTo(fabric8s.getNamespace()).isEqualTo("kube-system");
        assertThat(ours.getOauthToken()).isEqualTo(fabric8s.getOauthToken()).isNull();
        assertThat(ours.getCurrentContext().getName()).isEqualTo("kaji");
    }

    @Test
    void aFileThatIsNotAKubeconfigSaysSo() {
        assertThatThrownBy(() -> AgentSerialization.clientConfig("clusters: [unclosed"))
                .isInstanceOf(KubernetesClientException.class).hasMessageStartingWith("could not read the kubeconfig: ");
        assertThatThrownBy(() -> AgentSerialization.clientConfig(""))
                .isInstanceOf(KubernetesClientException.class).hasMessageStartingWith("could not read the kubeconfig");
    }

    @Test
    void typedReadsAndWritesAreFabric8sOwn() {
        String json = "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\",\"namespace\":\"d\"},"
                + "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]},\"status\":{\"phase\":\"Running\"}}";
        Pod pod = serialization.unmarshal(json, Pod.class);
        assertThat(serialization.asJson(pod)).isEqualTo(new KubernetesSerialization().asJson(pod));
        EndpointSlice slice = serialization.unmarshal("{\"apiVersion\":\"discovery.k8s.io/v1\",\"kind\":"
                + "\"EndpointSlice\",\"addressType\":\"IPv4\",\"endpoints\":[]}", EndpointSlice.class);
        assertThat(slice.getAddressType()).isEqualTo("IPv4");
        assertThat(serialization.unmarshal("{\"kind\":\"NetworkPolicy\",\"apiVersion\":\"networking.k8s.io/v1\"}",
                NetworkPolicy.class)).isNotNull();
    }
}
