package io.kaji.support.diagnose;

import static io.kaji.support.diagnose.Fixtures.pod;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ServiceAnalyzerTest {

    private static Service service(Map<String, String> selector, IntOrString targetPort) {
        return new ServiceBuilder().withNewMetadata().withName("web").withNamespace("shop").endMetadata()
                .withNewSpec().withSelector(selector).addNewPort().withName("http").withPort(80)
                .withTargetPort(targetPort).endPort().endSpec().build();
    }

    private static List<Diagnosis> analyze(Fixtures.Snap snap) {
        return new ServiceAnalyzer().analyze(snap.build(), Fixtures.context(LogReader.NONE));
    }

    @Test
    void aSelectorTypoIsShownNextToTheLabelItMissed() {
        Fixtures.Snap snap = new Fixtures.Snap();
        snap.services.add(service(Map.of("app", "wbe"), new IntOrString(8080)));
        snap.pods.add(pod("web-1").build());
        assertThat(analyze(snap)).singleElement().satisfies(d -> {
            assertThat(d.severity()).isEqualTo(Severity.ERROR);
            assertThat(d.symptom()).startsWith("selects no pods");
            assertThat(d.cause()).isEqualTo("the selector does not match the pods' labels: the selector has app=wbe "
                    + "but pod web-1 has app=web");
        });
    }

    @Test
    void aSelectorFarFromEveryLabelIsNotCalledATypo() {
        Fixtures.Snap snap = new Fixtures.Snap();
        snap.services.add(service(Map.of("app", "payments"), new IntOrString(8080)));
        snap.pods.add(pod("web-1").build());
        assertThat(analyze(snap)).singleElement()
                .satisfies(d -> assertThat(d.cause()).isEqualTo("no pod carries the labels {app=payments}"));
    }

    @Test
    void selectedButUnreadyPodsAndUndeclaredNamedPorts() {
        Fixtures.Snap snap = new Fixtures.Snap();
        snap.unavailable.put("endpointslices", "forbidden"); // falls back to the pods' Ready condition
        snap.services.add(service(Map.of("app", "web"), new IntOrString("http-alt")));
        snap.pods.add(pod("web-1").editSpec().editFirstContainer().addNewPort().withName("http").withContainerPort(8080)
                .endPort().endContainer().endSpec().build());
        List<Diagnosis> found = analyze(snap);
        assertThat(found).extracting(Diagnosis::symptom).containsExactly(
                "has no ready endpoints: connections to it fail",
                "port http targets the named port 'http-alt' that no selected pod declares");
        assertThat(found.get(1).evidence()).contains("container ports of the selected pods: [http=8080]");
    }

    @Test
    void levenshtein() {
        assertThat(ServiceAnalyzer.distance("web", "wbe")).isEqualTo(2);
        assertThat(ServiceAnalyzer.distance("frontend", "frontned")).isEqualTo(2);
        assertThat(ServiceAnalyzer.distance("", "abc")).isEqualTo(3);
    }
}
