package io.kaji.support.assess.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaji.support.assess.Check;
import io.kaji.support.assess.CheckResult;
import io.kaji.support.assess.Exemptions;
import io.kaji.support.assess.Finding;
import io.kaji.support.assess.KubeVersion;
import io.kaji.support.assess.ObjectRef;
import io.kaji.support.assess.Report;
import io.kaji.support.assess.Severity;
import io.kaji.support.assess.Status;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class ReportFormatsTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final ObjectRef EVIL = new ObjectRef("Pod", "app", "<script>alert(1)</script>");

    static Report report() {
        Check hostPid = check("5.2.3", "Minimize hostPID", "5.2 Pod Security Standards", Severity.HIGH);
        Check rbac = check("5.1.1", "cluster-admin only where required", "5.1 RBAC and Service Accounts", Severity.HIGH);
        Check manual = check("5.4.2", "Consider external secret storage", "5.4 Secrets Management", Severity.LOW);
        Check probes = check("rel-probes", "Probes", "REL Reliability", Severity.LOW);
        Exemptions.Rule rule = new Exemptions.Rule("5.2.3", "kube-system", null, null, "node agent needs it");
        List<CheckResult> results = List.of(
                CheckResult.of(rbac, List.of(Finding.error(ObjectRef.CLUSTER,
                        "could not be evaluated: list clusterrolebindings: forbidden (403)"))),
                CheckResult.of(hostPid, List.of(
                        Finding.fail(EVIL, null, "sets hostPID: true", "spec.hostPID=true").withDefaultRemediation("fix"),
                        Finding.fail(new ObjectRef("DaemonSet", "kube-system", "agent"), null, "sets hostPID: true",
                                "spec.template.spec.hostPID=true").withDefaultRemediation("fix")
                                .exempted("node agent needs it"))),
                CheckResult.of(manual, List.of(Finding.manual(ObjectRef.CLUSTER, "Are secrets stored externally?"))),
                CheckResult.of(probes, List.of(Finding.warn(new ObjectRef("Deployment", "app", "web"), "app",
                        "has no liveness probe", "spec.template.spec.containers[app].livenessProbe=<unset>"))));
        return new Report(Instant.parse("2026-01-01T00:00:00Z"), "https://127.0.0.1:6443", "v1.32.0+kaji.test",
                KubeVersion.parse("1.32"), null, results, List.of(new Exemptions.Use(rule, 1)));
    }

    private static Check check(String id, String title, String section, Severity severity) {
        return Check.builder(id, title).section(section).severity(severity).remediation("do the right thing")
                .evaluate(ctx -> List.of());
    }

    @Test
    void jsonFollowsTheDocumentedSchema() {
        JsonNode root = JSON.readTree(JsonReport.render(report()));
        assertThat(root.get("checks")).hasSize(4);
        JsonNode check = root.get("checks").get(1);
        for (String field : List.of("id", "title", "section", "severity", "status", "findings")) {
            assertThat(check.has(field)).as(field).isTrue();
        }
        assertThat(check.get("status").asString()).isEqualTo("FAIL");
        JsonNode finding = check.get("findings").get(0);
        for (String field : List.of("status", "kind", "namespace", "name", "message", "evidence", "remediation")) {
            assertThat(finding.has(field)).as(field).isTrue();
        }
        assertThat(finding.get("evidence").asString()).isEqualTo("spec.hostPID=true");
        assertThat(check.get("findings").get(1).get("exemption").asString()).isEqualTo("node agent needs it");
        JsonNode summary = root.get("summary");
        assertThat(summary.get("checks").get("FAIL").asInt()).isEqualTo(1);
        assertThat(summary.get("checks").get("ERROR").asInt()).isEqualTo(1);
        assertThat(summary.get("exempted").asInt()).isEqualTo(1);
        assertThat(summary.get("sections")).hasSize(4);
        assertThat(root.get("exemptions").get(0).get("matched").asInt()).isEqualTo(1);
    }

    @Test
    void junitIsWellFormedWithAFailureAndAnError() throws Exception {
        Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(JunitReport.render(report()).getBytes(StandardCharsets.UTF_8)));
        assertThat(doc.getElementsByTagName("testcase").getLength()).isEqualTo(4);
        assertThat(doc.getElementsByTagName("failure").getLength()).isEqualTo(1);
        assertThat(doc.getElementsByTagName("error").getLength()).isEqualTo(1);
        assertThat(doc.getElementsByTagName("skipped").getLength()).isEqualTo(1);
        assertThat(doc.getElementsByTagName("failure").item(0).getTextContent())
                .contains("<script>alert(1)</script>").contains("EXEMPT: node agent needs it");
    }

    @Test
    void sarifHasRulesResultsSuppressionsAndNotifications() {
        JsonNode root = JSON.readTree(SarifReport.render(report()));
        assertThat(root.get("version").asString()).isEqualTo("2.1.0");
        JsonNode run = root.get("runs").get(0);
        assertThat(run.get("tool").get("driver").get("rules")).hasSize(4);
        JsonNode results = run.get("results");
        assertThat(results).hasSize(3);
        assertThat(results.get(0).get("ruleId").asString()).isEqualTo("5.2.3");
        assertThat(results.get(0).get("level").asString()).isEqualTo("error");
        assertThat(results.get(0).get("ruleIndex").asInt()).isEqualTo(1);
        assertThat(results.get(0).get("locations").get(0).get("logicalLocations").get(0)
                .get("fullyQualifiedName").asString()).isEqualTo("Pod/app/<script>alert(1)</script>");
        assertThat(results.get(1).get("suppressions").get(0).get("justification").asString())
                .isEqualTo("node agent needs it");
        assertThat(results.get(2).get("level").asString()).isEqualTo("note");
        assertThat(run.get("invocations").get(0).get("toolExecutionNotifications")).hasSize(1);
    }

    @Test
    void htmlIsSelfContainedAndEscaped() {
        String html = HtmlReport.render(report());
        assertThat(html).startsWith("<!DOCTYPE html>").contains("&lt;script&gt;alert(1)&lt;/script&gt;")
                .doesNotContain("<script>alert(1)").doesNotContain("<link").doesNotContain("src=")
                .doesNotContain("url(").contains("id=\"filters\"").contains("node agent needs it");
        assertThat(html.split("<script>", -1)).hasSize(2);
    }

    @Test
    void tableShowsFindingsExemptionsAndScores() {
        String text = TextReport.render(report());
        assertThat(text).contains("[FAIL   ] 5.2.3").contains("spec.hostPID=true")
                .contains("EXEMPT: node agent needs it").contains("could not be evaluated: list clusterrolebindings")
                .contains("5.2 Pod Security Standards").contains("Score ");
    }

    @Test
    void formatsParse() {
        assertThat(ReportFormat.parse("SARIF")).isEqualTo(ReportFormat.SARIF);
        assertThat(ReportFormat.parse("text")).isEqualTo(ReportFormat.TABLE);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ReportFormat.parse("yaml"))
                .hasMessage("unknown format \"yaml\": use table, json, junit, sarif or html");
        assertThat(Status.valueOf("FAIL")).isEqualTo(Status.FAIL);
    }
}
