package io.kaji.support.assess;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/** Objects from YAML for the check tests, and one-check runs. */
final class Fixtures {

    static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);

    /** A hardened pod spec body (indented for a Pod's spec); every 5.2/5.6/PSS check passes on it. */
    static final String HARDENED_SPEC = """
              automountServiceAccountToken: false
              securityContext:
                runAsNonRoot: true
                runAsUser: 1000
                seccompProfile: {type: RuntimeDefault}
              containers:
              - name: app
                image: registry.example/app:1.0
                securityContext:
                  allowPrivilegeEscalation: false
                  capabilities: {drop: [ALL]}
                resources:
                  requests: {cpu: 10m, memory: 16Mi}
                  limits: {memory: 32Mi}
                livenessProbe: {tcpSocket: {port: 8080}}
                readinessProbe: {tcpSocket: {port: 8080}}
            """;

    private Fixtures() {
    }

    /** Objects from a multi-document YAML string. */
    static List<HasMetadata> objects(String yaml) {
        List<HasMetadata> out = new ArrayList<>();
        for (String doc : yaml.split("(?m)^---\\s*$")) {
            if (!doc.isBlank()) {
                out.add(SERIALIZATION.unmarshal(doc));
            }
        }
        return out;
    }

    /** A Pod {@code name} in namespace {@code app} with {@code spec} (indented as {@link #HARDENED_SPEC}). */
    static String pod(String name, String spec) {
        return "apiVersion: v1\nkind: Pod\nmetadata: {name: " + name + ", namespace: app}\nspec:\n" + spec;
    }

    /** The hardened spec with {@code from} replaced by {@code to} (must occur). */
    static String hardenedWith(String from, String to) {
        if (!HARDENED_SPEC.contains(from)) {
            throw new IllegalArgumentException("not in the hardened spec: " + from);
        }
        return HARDENED_SPEC.replace(from, to);
    }

    static AssessmentContext context(List<HasMetadata> objects) {
        return new AssessmentContext(ClusterSnapshot.of(objects), "v1.32.0", KubeVersion.parse("1.32"),
                HostConfig.absent());
    }

    /** Runs the one built-in check {@code id} over {@code objects}. */
    static CheckResult run(String id, List<HasMetadata> objects) {
        return run(id, context(objects));
    }

    static CheckResult run(String id, AssessmentContext context) {
        Check check = CheckRegistry.builtin().find(id).orElseThrow(() -> new AssertionError("no check " + id));
        return new Assessor(List.of(check), Exemptions.none(), CLOCK).run(context, null).checks().get(0);
    }
}
