package io.kaji.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.kaji.apiserver.server.ApiServer;
import io.kaji.apiserver.server.ApiServerConfig;
import io.kaji.store.sqlite.SqliteStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** {@code kaji assess} end to end against a real in-process API server: exit codes, formats, errors. */
class AssessCommandTest {

    @TempDir
    static Path dir;
    static SqliteStore store;
    static ApiServer server;
    static Path kubeconfig;

    @BeforeAll
    static void startWithAPrivilegedPod() {
        Path data = dir.resolve("server");
        store = SqliteStore.open(data.resolve("db"));
        server = ApiServer.start(ApiServerConfig.defaults(data).withPort(0).withVersion("test"), store);
        kubeconfig = server.kubeconfigPath();
        try (KubernetesClient client = ClusterClient.open(kubeconfig)) {
            // Kaji enforces Pod Security baseline by default; a privileged pod needs a privileged namespace.
            client.namespaces().withName("default").edit(ns -> {
                ns.getMetadata().setLabels(java.util.Map.of("pod-security.kubernetes.io/enforce", "privileged"));
                return ns;
            });
            client.resource((Pod) new KubernetesSerialization().unmarshal("""
                    apiVersion: v1
                    kind: Pod
                    metadata: {name: priv, namespace: default}
                    spec:
                      containers:
                      - {name: app, image: "busybox:latest", securityContext: {privileged: true}}
                    """)).create();
        }
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        if (store != null) {
            store.close();
        }
    }

    @Test
    void jsonReportFollowsTheSchemaAndExitsZeroWithoutFailOn() {
        KajiCommandTest.Run r = KajiCommandTest.run("assess", "--kubeconfig", kubeconfig.toString(),
                "--data-dir", dir.resolve("none").toString(), "--format", "json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode root = JsonMapper.builder().build().readTree(r.out());
        JsonNode privileged = null;
        for (JsonNode c : root.get("checks")) {
            for (String field : List.of("id", "title", "section", "severity", "status", "findings")) {
                assertThat(c.has(field)).as(c.get("id") + " " + field).isTrue();
            }
            if (c.get("id").asString().equals("5.2.2")) {
                privileged = c;
            }
        }
        assertThat(privileged).isNotNull();
        assertThat(privileged.get("status").asString()).isEqualTo("FAIL");
        JsonNode f = privileged.get("findings").get(0);
        assertThat(f.get("kind").asString()).isEqualTo("Pod");
        assertThat(f.get("namespace").asString()).isEqualTo("default");
        assertThat(f.get("name").asString()).isEqualTo("priv");
        assertThat(f.get("evidence").asString()).isEqualTo("spec.containers[app].securityContext.privileged=true");
        assertThat(f.get("remediation").asString()).isNotBlank();
        assertThat(root.get("summary").get("checks").get("FAIL").asInt()).isPositive();
        // No Kaji data dir: the control-plane and node sections are questions, nothing breaks.
        for (JsonNode c : root.get("checks")) {
            if (c.get("id").asString().startsWith("1.") || c.get("id").asString().startsWith("4.")) {
                assertThat(c.get("status").asString()).as(c.get("id").asString()).isEqualTo("MANUAL");
            }
        }
        assertThat(root.get("kajiHost").isNull()).isTrue();
    }

    @Test
    void onTheServersDataDirKajisConfigurationDecidesTheNodeSections() {
        Path data = dir.resolve("server");
        KajiCommandTest.Run r = KajiCommandTest.run("assess", "--data-dir", data.toString(), "--format", "json");
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode root = JsonMapper.builder().build().readTree(r.out());
        assertThat(root.get("kajiHost").asString()).startsWith(data.toString());
        java.util.Map<String, String> status = new java.util.HashMap<>();
        root.get("checks").forEach(c -> status.put(c.get("id").asString(), c.get("status").asString()));
        assertThat(status).containsEntry("1.1.21", "PASS").containsEntry("1.1.13", "PASS")
                .containsEntry("1.2.5", "FAIL").containsEntry("2.1", "PASS");
        assertThat(status.values()).doesNotContain("ERROR");
    }

    @Test
    void failOnExitsOneAtOrAboveTheSeverityAndExemptionsLiftIt() throws Exception {
        String[] base = {"assess", "--kubeconfig", kubeconfig.toString(), "--data-dir", dir.resolve("none").toString()};
        assertThat(KajiCommandTest.run(concat(base, "--fail-on", "critical")).exitCode()).isEqualTo(1);
        Path exemptions = dir.resolve("exemptions.yaml");
        Files.writeString(exemptions, """
                exemptions:
                  - check: "5.2.2"
                    kind: Pod
                    name: priv
                    reason: test fixture
                """);
        KajiCommandTest.Run r = KajiCommandTest.run(concat(base, "--fail-on", "critical", "--exemptions",
                exemptions.toString()));
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("EXEMPT: test fixture").contains("check=5.2.2 kind=Pod name=priv");
    }

    @Test
    void htmlGoesToTheOutputFile() throws Exception {
        Path out = dir.resolve("report.html");
        KajiCommandTest.Run r = KajiCommandTest.run("assess", "--kubeconfig", kubeconfig.toString(), "--data-dir",
                dir.resolve("none").toString(), "-o", "html", "--output", out.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("wrote html report to " + out);
        assertThat(Files.readString(out)).startsWith("<!DOCTYPE html>").contains("5.2.2");
    }

    @Test
    void anUnreachableServerIsOneActionableLineAndExitTwo() throws Exception {
        Path config = dir.resolve("unreachable.kubeconfig");
        Files.writeString(config, Files.readString(kubeconfig)
                .replaceAll("server: https://127\\.0\\.0\\.1:\\d+", "server: https://127.0.0.1:1"));
        KajiCommandTest.Run r = KajiCommandTest.run("assess", "--kubeconfig", config.toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err().strip()).doesNotContain("\n")
                .startsWith("kaji assess: cannot reach the API server at https://127.0.0.1:1: ")
                .endsWith("(check --kubeconfig)");
    }

    @Test
    void usageErrorsExitTwo() {
        KajiCommandTest.Run missing = KajiCommandTest.run("assess", "--kubeconfig", dir.resolve("nope").toString());
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.err()).contains("cannot read the kubeconfig").contains("nope");
        Path garbage = dir.resolve("garbage.kubeconfig");
        try {
            Files.writeString(garbage, "clusters: [ {");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        KajiCommandTest.Run malformed = KajiCommandTest.run("assess", "--kubeconfig", garbage.toString());
        assertThat(malformed.exitCode()).isEqualTo(2);
        assertThat(malformed.err().strip()).doesNotContain("\n").startsWith("kaji assess: cannot use kubeconfig "
                + garbage).endsWith("(check --kubeconfig)");
        KajiCommandTest.Run badSeverity = KajiCommandTest.run("assess", "--fail-on", "urgent");
        assertThat(badSeverity.exitCode()).isEqualTo(2);
        assertThat(badSeverity.err()).contains("unknown severity \"urgent\"");
        KajiCommandTest.Run badFormat = KajiCommandTest.run("assess", "--format", "yaml");
        assertThat(badFormat.exitCode()).isEqualTo(2);
        KajiCommandTest.Run badExemptions = KajiCommandTest.run("assess", "--kubeconfig", kubeconfig.toString(),
                "--exemptions", dir.resolve("missing.yaml").toString());
        assertThat(badExemptions.exitCode()).isEqualTo(2);
        assertThat(badExemptions.err()).contains("cannot read exemptions file");
    }

    @Test
    void aTooShortAssessIntervalIsAServerUsageError() {
        KajiCommandTest.Run r = KajiCommandTest.run("server", "--data-dir", dir.resolve("never").toString(),
                "--assess-interval", "5s");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("--assess-interval: interval 5s is below the minimum of 1m");
        assertThat(Files.exists(dir.resolve("never"))).isFalse();
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
