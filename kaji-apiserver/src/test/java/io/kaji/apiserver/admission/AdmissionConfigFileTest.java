package io.kaji.apiserver.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kaji.apiserver.admission.podsecurity.PodSecurity;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdmissionConfigFileTest {

    @Test
    void readsKubernetesPodSecurityConfigurationInlineOrByPath(@TempDir Path dir) throws Exception {
        Path inline = dir.resolve("admission.yaml");
        Files.writeString(inline, """
                apiVersion: apiserver.config.k8s.io/v1
                kind: AdmissionConfiguration
                plugins:
                - name: EventRateLimit
                  path: eventconfig.yaml
                - name: PodSecurity
                  configuration:
                    apiVersion: pod-security.admission.config.k8s.io/v1
                    kind: PodSecurityConfiguration
                    defaults:
                      enforce: "restricted"
                      enforce-version: "v1.30"
                      audit: "restricted"
                      warn: "restricted"
                    exemptions:
                      usernames: ["ci-bot"]
                      runtimeClasses: []
                      namespaces: ["kube-system", "monitoring"]
                """);
        PodSecurity.Options o = AdmissionConfigFile.podSecurity(inline, PodSecurity.Options.kaji());
        assertThat(o.defaults().enforce().toString()).isEqualTo("restricted:v1.30");
        assertThat(o.defaults().audit().toString()).isEqualTo("restricted:latest");
        assertThat(o.exemptNamespaces()).containsExactlyInAnyOrder("kube-system", "monitoring");
        assertThat(o.exemptUsers()).containsExactly("ci-bot");

        Files.writeString(dir.resolve("podsecurity.yaml"), """
                apiVersion: pod-security.admission.config.k8s.io/v1
                kind: PodSecurityConfiguration
                defaults:
                  enforce: privileged
                """);
        Path byPath = dir.resolve("by-path.yaml");
        Files.writeString(byPath, """
                apiVersion: apiserver.config.k8s.io/v1
                kind: AdmissionConfiguration
                plugins:
                - name: PodSecurity
                  path: podsecurity.yaml
                """);
        PodSecurity.Options p = AdmissionConfigFile.podSecurity(byPath, PodSecurity.Options.kaji());
        assertThat(p.defaults().enforce().toString()).isEqualTo("privileged:latest");
        assertThat(p.exemptNamespaces()).containsExactly("kube-system");
    }

    @Test
    void badValuesNameTheFile(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("a.yaml");
        Files.writeString(f, """
                apiVersion: apiserver.config.k8s.io/v1
                kind: AdmissionConfiguration
                plugins:
                - name: PodSecurity
                  configuration:
                    kind: PodSecurityConfiguration
                    defaults: {enforce: strict}
                """);
        assertThatThrownBy(() -> AdmissionConfigFile.podSecurity(f, PodSecurity.Options.kaji()))
                .hasMessage(f + ": plugins[PodSecurity]: defaults: enforce: Invalid value: \"strict\": must be one of "
                        + "privileged, baseline, restricted");
    }
}
