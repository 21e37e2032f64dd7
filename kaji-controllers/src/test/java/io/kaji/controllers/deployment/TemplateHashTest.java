package io.kaji.controllers.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TemplateHashTest {

    static PodTemplateSpec template(Map<String, String> labels, String image) {
        return new PodTemplateSpecBuilder().withNewMetadata().withLabels(labels).endMetadata()
                .withNewSpec().addNewContainer().withName("c").withImage(image).endContainer().endSpec().build();
    }

    @Test
    void theHashIsStableAcrossMapOrderAndIgnoresItsOwnLabel() {
        Map<String, String> a = new LinkedHashMap<>();
        a.put("app", "web");
        a.put("tier", "front");
        Map<String, String> b = new LinkedHashMap<>();
        b.put("tier", "front");
        b.put("app", "web");
        b.put(TemplateHash.LABEL, "whatever");
        assertThat(TemplateHash.of(template(a, "busybox:1"), null)).isEqualTo(TemplateHash.of(template(b, "busybox:1"), null));
    }

    @Test
    void aChangedTemplateOrCollisionCountChangesTheHash() {
        Map<String, String> l = Map.of("app", "web");
        String h = TemplateHash.of(template(l, "busybox:1"), null);
        assertThat(TemplateHash.of(template(l, "busybox:2"), null)).isNotEqualTo(h);
        assertThat(TemplateHash.of(template(l, "busybox:1"), 1)).isNotEqualTo(h);
        assertThat(h).matches("[bcdfghjklmnpqrstvwxz2456789]{1,10}");
    }
}
