package io.kaji.apiserver.admission.podsecurity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class NamespacePolicyTest {

    static final NamespacePolicy KAJI = NamespacePolicy.parseDefaults(PodSecurity.DEFAULT_POLICY);

    @Test
    void defaultsApplyWithoutLabels() {
        assertThat(KAJI.enforce().toString()).isEqualTo("baseline:latest");
        assertThat(KAJI.warn().toString()).isEqualTo("restricted:latest");
        assertThat(KAJI.audit().toString()).isEqualTo("privileged:latest");
        assertThat(NamespacePolicy.fromLabels(Map.of(), KAJI).policy()).isEqualTo(KAJI);
    }

    @Test
    void labelsOverrideAndEnforceRaisesWarnAsKubernetesDoes() {
        var p = NamespacePolicy.fromLabels(Map.of("pod-security.kubernetes.io/enforce", "restricted",
                "pod-security.kubernetes.io/enforce-version", "v1.30"), NamespacePolicy.PRIVILEGED);
        assertThat(p.errors()).isEmpty();
        assertThat(p.policy().enforce().toString()).isEqualTo("restricted:v1.30");
        assertThat(p.policy().warn().toString()).isEqualTo("restricted:v1.30");
        var privileged = NamespacePolicy.fromLabels(Map.of("pod-security.kubernetes.io/enforce", "privileged"), KAJI);
        assertThat(privileged.policy().enforce().level()).isEqualTo(Level.PRIVILEGED);
        assertThat(privileged.policy().warn().level()).isEqualTo(Level.RESTRICTED);
    }

    @Test
    void badLabelsAreErrorsAndFailClosedForEnforce() {
        var p = NamespacePolicy.fromLabels(Map.of("pod-security.kubernetes.io/enforce", "strict",
                "pod-security.kubernetes.io/warn-version", "1.30"), KAJI);
        assertThat(p.policy().enforce().level()).isEqualTo(Level.RESTRICTED);
        assertThat(p.errors()).extracting(c -> c.describe()).containsExactly(
                "metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: \"strict\": must be one of "
                        + "privileged, baseline, restricted",
                "metadata.labels[pod-security.kubernetes.io/warn-version]: Invalid value: \"1.30\": must be "
                        + "\"latest\" or \"v1.x\"");
    }

    @Test
    void serverOptionIsValidated() {
        assertThat(NamespacePolicy.parseDefaults("enforce=restricted,audit=baseline").audit().toString())
                .isEqualTo("baseline:latest");
        assertThatThrownBy(() -> NamespacePolicy.parseDefaults("enforce=strict"))
                .hasMessageContaining("enforce: Invalid value: \"strict\"");
        assertThatThrownBy(() -> NamespacePolicy.parseDefaults("enforced=baseline"))
                .hasMessageContaining("expected enforce|audit|warn[-version]=VALUE");
    }
}
