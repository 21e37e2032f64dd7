package io.kaji.support.bundle;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kaji.apiserver.server.TestServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A bundle of a real API server with planted secret values: none of them may be in the archive. */
class SupportBundleTest {

    static final List<String> PLANTED = List.of("planted-secret-1", "planted-env-2", "planted-cm-3",
            "planted-arg-4", "planted-config-5");

    @TempDir
    static Path dir;
    static TestServer server;
    static KubernetesClient client;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start(dir.resolve("server"));
        client = server.newKubernetesClient();
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("shop").endMetadata().build())
                .create();
        client.secrets().inNamespace("shop").resource(new SecretBuilder().withNewMetadata().withName("db")
                .endMetadata().addToData("password", b64(PLANTED.get(0))).build()).create();
        client.pods().inNamespace("shop").resource(new PodBuilder().withNewMetadata().withName("web").endMetadata()
                .withNewSpec().addNewContainer().withName("app").withImage("busybox")
                .withArgs("--admin-password=" + PLANTED.get(3))
                .addNewEnv().withName("DB_PASSWORD").withValue(PLANTED.get(1)).endEnv().endContainer().endSpec()
                .build()).create();
        client.configMaps().inNamespace("shop").resource(new ConfigMapBuilder().withNewMetadata().withName("app")
                .endMetadata().addToData("api-token", PLANTED.get(2)).addToData("greeting", "hello").build())
                .create();
        Files.writeString(dir.resolve("config.yaml"), "data-dir: /var/lib/kaji\ntoken: " + PLANTED.get(4) + "\n");
    }

    @AfterAll
    static void stop() {
        client.close();
        server.close();
    }

    @Test
    void holdsTheClusterButNoPlantedSecret() throws IOException {
        Path out = dir.resolve("bundle.tar.gz");
        List<String> steps = new ArrayList<>();
        SupportBundle.Result r = SupportBundle.collect(client, new SupportBundle.Options(out, null, 100,
                64L << 20, server.dataDir(), dir.resolve("config.yaml")), (done, total, what) -> steps.add(what));
        Map<String, String> files = untar(out);
        assertThat(r.files()).isEqualTo(files.size());
        String root = files.keySet().iterator().next().split("/")[0];
        assertThat(root).startsWith("kaji-support-bundle-");
        assertThat(files).containsKeys(root + "/version.json", root + "/index.html", root + "/diagnosis.txt",
                root + "/certificates.txt", root + "/redactions.txt",
                root + "/cluster/namespaces.yaml", root + "/namespaces/shop/pods.yaml",
                root + "/namespaces/shop/secrets.yaml", root + "/namespaces/shop/configmaps.yaml",
                root + "/kaji/config.yaml");
        for (Map.Entry<String, String> f : files.entrySet()) {
            for (String planted : PLANTED) {
                assertThat(f.getValue()).as(f.getKey()).doesNotContain(planted)
                        .doesNotContain(b64(planted));
            }
        }
        assertThat(files.get(root + "/namespaces/shop/configmaps.yaml")).contains("greeting: \"hello\"");
        assertThat(files.get(root + "/kaji/config.yaml")).contains("data-dir: /var/lib/kaji", "token: [REDACTED]");
        assertThat(files.get(root + "/redactions.txt")).contains("Secret/shop/db .data.password\tsecret-data",
                "Pod/shop/web .spec.containers[0].env[0][DB_PASSWORD]\tsensitive-name");
        assertThat(files.get(root + "/index.html")).contains("<h1>Kaji support bundle</h1>",
                "href=\"namespaces/shop/pods.yaml\"").doesNotContain("http://", "https://");
        assertThat(r.redactions()).isGreaterThanOrEqualTo(5);
        assertThat(steps).contains("version", "diagnosis", "done");
    }

    @Test
    void theSizeLimitLeavesFilesOutAndSaysSo() throws IOException {
        Path out = dir.resolve("small.tar.gz");
        SupportBundle.Result r = SupportBundle.collect(client, new SupportBundle.Options(out, "shop", 100,
                2_000, null, null), (d, t, w) -> { });
        assertThat(r.truncated()).isNotEmpty().allSatisfy(t -> assertThat(t).contains("size limit"));
        Map<String, String> files = untar(out);
        String truncated = files.entrySet().stream().filter(e -> e.getKey().endsWith("/truncated.txt"))
                .map(Map.Entry::getValue).findFirst().orElse("(truncated.txt missing: over the limit itself)");
        assertThat(files.keySet()).anyMatch(k -> k.endsWith("/version.json"));
        assertThat(truncated).isNotEqualTo("Nothing was left out.\n");
    }

    static Map<String, String> untar(Path file) throws IOException {
        Map<String, String> files = new LinkedHashMap<>();
        try (InputStream in = Files.newInputStream(file);
                TarArchiveInputStream tar = new TarArchiveInputStream(new GzipCompressorInputStream(in))) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                ByteArrayOutputStream b = new ByteArrayOutputStream();
                tar.transferTo(b);
                files.put(e.getName(), b.toString(StandardCharsets.UTF_8));
            }
        }
        return files;
    }

    static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }
}
