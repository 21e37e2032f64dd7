package io.kaji.proxy;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPortBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import java.util.ArrayList;
import java.util.List;

/** Services and EndpointSlices for tests. */
final class Fixtures {

    private Fixtures() {
    }

    /** A ClusterIP (nodePort 0) or NodePort Service with one TCP port named "http" → target port "web". */
    static Service service(String name, String clusterIp, int port, int nodePort) {
        return new ServiceBuilder().withNewMetadata().withNamespace("default").withName(name).endMetadata()
                .withNewSpec().withType(nodePort > 0 ? "NodePort" : "ClusterIP").withClusterIP(clusterIp)
                .withPorts(new ServicePortBuilder().withName("http").withProtocol("TCP").withPort(port)
                        .withTargetPort(new IntOrString("web")).withNodePort(nodePort > 0 ? nodePort : null).build())
                .endSpec().build();
    }

    /** A slice for {@code service} with port "http" = {@code targetPort}; addresses ending in "!" are not ready. */
    static EndpointSlice slice(String service, String sliceName, int targetPort, String... addresses) {
        List<io.fabric8.kubernetes.api.model.discovery.v1.Endpoint> endpoints = new ArrayList<>();
        for (String a : addresses) {
            boolean ready = !a.endsWith("!");
            endpoints.add(new EndpointBuilder().withAddresses(a.replace("!", "")).withNewConditions().withReady(ready)
                    .endConditions().build());
        }
        return new EndpointSliceBuilder().withNewMetadata().withNamespace("default").withName(sliceName)
                .addToLabels("kubernetes.io/service-name", service).endMetadata()
                .withAddressType("IPv4").withEndpoints(endpoints)
                .withPorts(new EndpointPortBuilder().withName("http").withProtocol("TCP").withPort(targetPort).build())
                .build();
    }
}
