package io.kaji.support.assess;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.kaji.support.assess.report.JsonReport;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The assessment as a running component ({@code kaji server --assess-interval 1h}): every interval it assesses
 * the cluster through the API, writes the JSON report into the ConfigMap {@code kube-system/kaji-assessment},
 * records Events on that ConfigMap for checks that started or stopped failing (and one summary per run), and
 * keeps Prometheus gauges of the latest run ({@link #metrics()}). A failed run is logged and retried at the next
 * tick. Thread-safe; {@link #close} stops the timer (the caller owns the client and the executor's lifetime is
 * this object's).
 */
public final class ContinuousAssessment implements AutoCloseable {

    public static final String NAMESPACE = "kube-system";
    public static final String NAME = "kaji-assessment";
    /** ConfigMaps hold at most 1 MiB; above this the report keeps only findings that did not pass. */
    static final int MAX_REPORT_CHARS = 900_000;
    /** At most this many per-check Events per run, so a first run on a large cluster does not flood the store. */
    static final int MAX_CHECK_EVENTS = 20;
    private static final String COMPONENT = "kaji-assessment";
    private static final Logger log = LoggerFactory.getLogger(ContinuousAssessment.class);

    private final KubernetesClient client;
    private final Supplier<HostConfig> host;
    private final Clock clock;
    private final ScheduledExecutorService timer;
    private volatile Report latest;

    public ContinuousAssessment(KubernetesClient client, Supplier<HostConfig> host, Clock clock,
                                ScheduledExecutorService timer) {
        this.client = client;
        this.host = host;
        this.clock = clock;
        this.timer = timer;
    }

    /** Runs now (after {@code firstDelay}) and then every {@code interval}. */
    public void start(Duration firstDelay, Duration interval) {
        timer.scheduleWithFixedDelay(this::tick, firstDelay.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
        log.info("assessment every {} into ConfigMap {}/{}", interval, NAMESPACE, NAME);
    }

    private void tick() {
        try {
            Report r = runOnce();
            log.info("assessment done: score {}, {} failing checks", r.summary().score(),
                    r.summary().checks().get(Status.FAIL));
        } catch (RuntimeException e) {
            log.warn("assessment failed, retrying at the next interval: {}", e.toString());
        }
    }

    /** One assessment: run, publish the ConfigMap and Events, update the gauges. Blocking. */
    public Report runOnce() {
        Report previous = latest;
        Report report = ClusterAssessment.run(client, host.get(), null, Exemptions.none(), CheckRegistry.builtin(),
                clock);
        writeConfigMap(report);
        recordEvents(previous, report);
        latest = report;
        return report;
    }

    /** The latest report, null before the first run. */
    public Report latest() {
        return latest;
    }

    private void writeConfigMap(Report report) {
        String json = JsonReport.render(report);
        boolean truncated = json.length() > MAX_REPORT_CHARS;
        if (truncated) {
            json = JsonReport.render(withoutPassingFindings(report));
        }
        Report.Summary s = report.summary();
        ConfigMap cm = new ConfigMapBuilder().withNewMetadata().withNamespace(NAMESPACE).withName(NAME)
                .addToLabels("app.kubernetes.io/managed-by", "kaji")
                .addToAnnotations("kaji.io/assessed-at", report.generatedAt().toString())
                .addToAnnotations("kaji.io/report-truncated", Boolean.toString(truncated)).endMetadata()
                .addToData("report.json", json)
                .addToData("summary", "score " + (s.score() == null ? "-" : s.score() + "%") + ": "
                        + s.checks().get(Status.PASS) + " passed, " + s.checks().get(Status.FAIL) + " failed, "
                        + s.checks().get(Status.WARN) + " warned, " + s.checks().get(Status.MANUAL) + " manual, "
                        + s.checks().get(Status.ERROR) + " errors")
                .build();
        ConfigMap existing = client.configMaps().inNamespace(NAMESPACE).withName(NAME).get();
        if (existing == null) {
            client.configMaps().inNamespace(NAMESPACE).resource(cm).create();
        } else {
            cm.getMetadata().setResourceVersion(existing.getMetadata().getResourceVersion());
            client.configMaps().inNamespace(NAMESPACE).resource(cm).update();
        }
    }

    private static Report withoutPassingFindings(Report r) {
        List<CheckResult> checks = new ArrayList<>();
        for (CheckResult c : r.checks()) {
            checks.add(new CheckResult(c.check(), c.status(), c.findings().stream()
                    .filter(f -> f.status() != Status.PASS).limit(50).toList()));
        }
        return new Report(r.generatedAt(), r.server(), r.serverVersion(), r.targetVersion(), r.kajiHost(), checks,
                r.exemptions());
    }

    private void recordEvents(Report previous, Report report) {
        Map<String, Status> before = new HashMap<>();
        if (previous != null) {
            previous.checks().forEach(c -> before.put(c.check().id(), c.status()));
        }
        int sent = 0;
        for (CheckResult c : report.checks()) {
            Status was = before.get(c.check().id());
            boolean nowFailing = c.status() == Status.FAIL && was != Status.FAIL;
            boolean recovered = c.status() != Status.FAIL && was == Status.FAIL;
            if ((nowFailing || recovered) && sent < MAX_CHECK_EVENTS) {
                Finding first = c.findings().stream().filter(f -> f.counts() && f.status() == Status.FAIL)
                        .findFirst().orElse(null);
                String message = nowFailing
                        ? c.check().id() + " " + c.check().title() + " [" + c.check().severity() + "]: "
                        + c.count(Status.FAIL) + " finding(s)" + (first == null ? "" : ", e.g. " + first.object()
                        + ": " + first.message())
                        : c.check().id() + " " + c.check().title() + " no longer fails (" + c.status() + ")";
                event(nowFailing ? "Warning" : "Normal", nowFailing ? "AssessmentCheckFailed"
                        : "AssessmentCheckPassed", message);
                sent++;
            }
        }
        Report.Summary s = report.summary();
        event("Normal", "AssessmentCompleted", "score " + (s.score() == null ? "-" : s.score() + "%") + ", "
                + s.checks().get(Status.FAIL) + " failing checks, " + s.checks().get(Status.ERROR)
                + " not evaluated; report in ConfigMap " + NAMESPACE + "/" + NAME);
    }

    private void event(String type, String reason, String message) {
        Instant now = clock.instant();
        Event e = new EventBuilder().withNewMetadata().withNamespace(NAMESPACE)
                .withName(NAME + "." + UUID.randomUUID().toString().substring(0, 8)).endMetadata()
                .withNewInvolvedObject().withApiVersion("v1").withKind("ConfigMap").withNamespace(NAMESPACE)
                .withName(NAME).endInvolvedObject()
                .withType(type).withReason(reason)
                .withMessage(message.length() > 1000 ? message.substring(0, 1000) : message)
                .withNewSource().withComponent(COMPONENT).endSource()
                .withFirstTimestamp(now.toString()).withLastTimestamp(now.toString()).withCount(1)
                .withReportingComponent(COMPONENT).build();
        try {
            client.v1().events().inNamespace(NAMESPACE).resource(e).create();
        } catch (KubernetesClientException ex) {
            log.warn("cannot record event {}: {}", reason, ex.getMessage());
        }
    }

    /**
     * Prometheus text (format 0.0.4) of the latest run: {@code kaji_assessment_check{id,section,severity,status}}
     * is 1 for the check's status, {@code kaji_assessment_findings{id,severity}} counts its failing findings,
     * {@code kaji_assessment_score{section}} and {@code kaji_assessment_last_run_timestamp_seconds}. Empty before
     * the first run.
     */
    public String metrics() {
        Report r = latest;
        if (r == null) {
            return "";
        }
        StringBuilder b = new StringBuilder();
        b.append("# HELP kaji_assessment_check 1 for the status of each assessment check in the latest run.\n")
                .append("# TYPE kaji_assessment_check gauge\n");
        for (CheckResult c : r.checks()) {
            b.append("kaji_assessment_check{id=\"").append(label(c.check().id())).append("\",section=\"")
                    .append(label(c.check().section())).append("\",severity=\"").append(c.check().severity())
                    .append("\",status=\"").append(c.status()).append("\"} 1\n");
        }
        b.append("# HELP kaji_assessment_findings Failing (not exempted) findings of each check in the latest run.\n")
                .append("# TYPE kaji_assessment_findings gauge\n");
        for (CheckResult c : r.checks()) {
            b.append("kaji_assessment_findings{id=\"").append(label(c.check().id())).append("\",severity=\"")
                    .append(c.check().severity()).append("\"} ").append(c.count(Status.FAIL)).append('\n');
        }
        b.append("# HELP kaji_assessment_score Percentage of decided checks that passed, per section.\n")
                .append("# TYPE kaji_assessment_score gauge\n");
        for (Report.SectionScore s : r.summary().sections()) {
            if (s.score() != null) {
                b.append("kaji_assessment_score{section=\"").append(label(s.section())).append("\"} ")
                        .append(s.score()).append('\n');
            }
        }
        b.append("# HELP kaji_assessment_last_run_timestamp_seconds When the latest assessment finished.\n")
                .append("# TYPE kaji_assessment_last_run_timestamp_seconds gauge\n")
                .append("kaji_assessment_last_run_timestamp_seconds ").append(r.generatedAt().getEpochSecond())
                .append('\n');
        return b.toString();
    }

    private static String label(String v) {
        return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    private static final Pattern INTERVAL = Pattern.compile("(\\d+)(ms|s|m|h)");

    /** Parses {@code 90s}, {@code 30m}, {@code 1h}, {@code 1h30m}; at least one minute. */
    public static Duration parseInterval(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        Matcher m = INTERVAL.matcher(t);
        Duration d = Duration.ZERO;
        int end = 0;
        while (m.find() && m.start() == end) {
            long n = Long.parseLong(m.group(1));
            d = d.plus(switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                default -> Duration.ofHours(n);
            });
            end = m.end();
        }
        if (t.isEmpty() || end != t.length()) {
            throw new IllegalArgumentException("not an interval: \"" + text + "\" (use e.g. 30m or 1h)");
        }
        if (d.compareTo(Duration.ofMinutes(1)) < 0) {
            throw new IllegalArgumentException("interval " + text + " is below the minimum of 1m");
        }
        return d;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
