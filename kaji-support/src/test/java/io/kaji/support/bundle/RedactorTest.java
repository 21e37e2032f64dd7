package io.kaji.support.bundle;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

class RedactorTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "login with password=hunter22 ok                  | login with password=[REDACTED] ok",
            "--db-password=hunter22 --port=5432                | --db-password=[REDACTED] --port=5432",
            "\"api_key\": \"abc123def\"                         | \"api_key\": \"[REDACTED]\"",
            "Authorization: Bearer abcdefghijklmnop           | Authorization: Bearer [REDACTED]",
            "fetching https://bob:hunter22@git.example/repo   | fetching https://bob:[REDACTED]@git.example/repo",
            "key AKIAABCDEFGHIJKLMNOP used                     | key [REDACTED] used",
            "token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.sig_x   | token [REDACTED]",
            "connected to db:5432 in 3 ms                      | connected to db:5432 in 3 ms"})
    void freeTextKeepsItsShapeAndLosesTheSecret(String in, String out) {
        Redactor r = new Redactor();
        assertThat(r.text(in, "f", "w")).isEqualTo(out);
        assertThat(r.report()).hasSize(in.equals(out) ? 0 : 1);
    }

    @Test
    void privateKeysAreRemovedWhole() {
        Redactor r = new Redactor();
        String pem = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIB\n-----END EC PRIVATE KEY-----";
        assertThat(r.text("x\n" + pem + "\ny", "f", "w")).isEqualTo("x\n[REDACTED]\ny");
    }

    @Test
    void secretsLoseEveryValueAndTheirLastAppliedCopy() {
        ObjectNode secret = (ObjectNode) JsonMapper.shared().readTree("""
                {"kind":"Secret","metadata":{"name":"db","namespace":"shop","annotations":{
                  "kubectl.kubernetes.io/last-applied-configuration":"{\\"data\\":{\\"password\\":\\"aHVudGVyMjI=\\"}}"}},
                 "data":{"password":"aHVudGVyMjI=","user":"Ym9i"},"type":"Opaque"}""");
        Redactor r = new Redactor();
        r.object(secret, "namespaces/shop/secrets.yaml");
        String s = secret.toString();
        assertThat(s).doesNotContain("aHVudGVyMjI=", "Ym9i").contains("\"user\":\"[REDACTED]\"");
        assertThat(r.report()).extracting(Redactor.Redaction::path).contains("Secret/shop/db .data.password",
                "Secret/shop/db .data.user", "Secret/shop/db .metadata.annotations[last-applied-configuration]");
    }

    @Test
    void sensitiveEnvVarsAndConfigMapKeysButNotReferences() {
        ObjectNode pod = (ObjectNode) JsonMapper.shared().readTree("""
                {"kind":"Pod","metadata":{"name":"web","namespace":"shop"},"spec":{"containers":[{"name":"app",
                  "args":["--client-secret=s3cr3t-x"],
                  "env":[{"name":"DB_PASSWORD","value":"hunter22"},{"name":"LOG_LEVEL","value":"debug"},
                         {"name":"API_TOKEN","valueFrom":{"secretKeyRef":{"name":"api-token","key":"token"}}}]}]}}""");
        ObjectNode cm = (ObjectNode) JsonMapper.shared().readTree("""
                {"kind":"ConfigMap","metadata":{"name":"c","namespace":"shop"},
                 "data":{"smtp_password":"p4ss","greeting":"hello"}}""");
        Redactor r = new Redactor();
        r.object(pod, "p");
        r.object(cm, "c");
        assertThat(pod.toString()).doesNotContain("hunter22", "s3cr3t-x").contains("\"value\":\"debug\"")
                .contains("\"name\":\"api-token\",\"key\":\"token\"");
        assertThat(cm.toString()).doesNotContain("p4ss").contains("\"greeting\":\"hello\"");
    }

    @Test
    void jsonInsideAStringIsRedactedAsAnObject() {
        ObjectNode pod = (ObjectNode) JsonMapper.shared().readTree("""
                {"kind":"Pod","metadata":{"name":"t","namespace":"shop","annotations":{
                  "kubectl.kubernetes.io/last-applied-configuration":
                  "{\\"kind\\":\\"Pod\\",\\"spec\\":{\\"containers\\":[{\\"env\\":[{\\"name\\":\\"API_TOKEN\\",\\"value\\":\\"tok-123\\"}]}]}}\\n"}}}""");
        Redactor r = new Redactor();
        r.object(pod, "p");
        String annotation = pod.path("metadata").path("annotations")
                .path("kubectl.kubernetes.io/last-applied-configuration").asString();
        assertThat(annotation).doesNotContain("tok-123").contains("\"API_TOKEN\"", "[REDACTED]");
    }
}
