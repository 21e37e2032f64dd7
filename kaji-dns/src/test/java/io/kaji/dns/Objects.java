package io.kaji.dns;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPortBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import java.util.Arrays;

/** Services and EndpointSlices for the tests, as the API server and the EndpointSlice controller write them. */
final class Objects {

    private Objects() {}

    static Service clusterIp(String ns, String name, String ip, String... namedPorts) {
        ServiceBuilder b = new ServiceBuilder().withNewMetadata().withNamespace(ns).withName(name).endMetadata()
                .withNewSpec().withType("ClusterIP").withClusterIP(ip).withClusterIPs(ip).endSpec();
        int port = 80;
        for (String p : namedPorts) {
            b.editSpec().addToPorts(new ServicePortBuilder().withName(p).withProtocol("TCP").withPort(port++).build())
                    .endSpec();
        }
        return b.build();
    }

    static Service headless(String ns, String name, String... namedPorts) {
        ServiceBuilder b = new ServiceBuilder().withNewMetadata().withNamespace(ns).withName(name).endMetadata()
                .withNewSpec().withType("ClusterIP").withClusterIP("None").withClusterIPs("None").endSpec();
        for (String p : namedPorts) {
            b.editSpec().addToPorts(new ServicePortBuilder().withName(p).withProtocol("TCP").withPort(80).build())
                    .endSpec();
        }
        return b.build();
    }

    static Service externalName(String ns, String name, String target) {
        return new ServiceBuilder().withNewMetadata().withNamespace(ns).withName(name).endMetadata()
                .withNewSpec().withType("ExternalName").withExternalName(target).endSpec().build();
    }

    /** One endpoint: "10.42.0.5", "web-0=10.42.0.5" (hostname) or "!10.42.0.5" (not ready). */
    static EndpointSlice slice(String ns, String sliceName, String service, String portName, int port,
                               String... endpoints) {
        EndpointSliceBuilder b = new EndpointSliceBuilder().withNewMetadata().withNamespace(ns).withName(sliceName)
                .addToLabels(DnsIndex.SERVICE_NAME_LABEL, service).endMetadata().withAddressType("IPv4")
                .withPorts(new EndpointPortBuilder().withName(portName).withProtocol("TCP").withPort(port).build());
        Arrays.stream(endpoints).forEach(e -> {
            boolean ready = !e.startsWith("!");
            String text = ready ? e : e.substring(1);
            int eq = text.indexOf('=');
            b.addToEndpoints(new EndpointBuilder().withAddresses(eq < 0 ? text : text.substring(eq + 1))
                    .withHostname(eq < 0 ? null : text.substring(0, eq))
                    .withNewConditions().withReady(ready).endConditions().build());
        });
        return b.build();
    }
}
