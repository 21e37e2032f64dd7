package io.kaji.apiserver.audit;

import io.kaji.apiserver.auth.UserInfo;
import io.kaji.apiserver.handler.RequestInfo;
import io.kaji.apiserver.http.ApiRequest;
import io.kaji.apiserver.http.Exchange;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The API server's audit: every answered request (also the 401s and 403s) becomes an audit.k8s.io/v1 Event line at
 * the level the policy gives it. {@link #wrap} is called once per request before anything else; the returned
 * exchange records the response and hands the event to the {@link AuditLog} queue, never blocking the request.
 * Thread-safe.
 */
public final class Auditor implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Auditor.class);

    private final AuditPolicy policy;
    private final AuditLog log;
    private final Clock clock;

    Auditor(AuditPolicy policy, AuditLog log, Clock clock) {
        this.policy = policy;
        this.log = log;
        this.clock = clock;
    }

    /** Reads the policy (generating the default one) and opens the log, as {@code options} say; null if disabled. */
    public static Auditor start(AuditOptions options, Path dataDir, Clock clock) {
        if (!options.enabled()) {
            return null;
        }
        AuditPolicy policy = AuditPolicy.loadOrCreate(options.policy(dataDir));
        Path file = options.logFile(dataDir);
        AuditLog log = new AuditLog(file, options.maxSizeMb() * 1024L * 1024L, options.maxBackups(),
                Duration.ofDays(options.maxAgeDays()), clock);
        LOG.info("audit log {} with policy {}", file == null ? "on standard output" : file, options.policy(dataDir));
        return new Auditor(policy, log, clock);
    }

    /** The exchange that audits {@code req}; it forwards everything to {@code ex}. */
    public Exchange wrap(ApiRequest req, Exchange ex) {
        return new AuditedExchange(this, req, ex, clock.instant());
    }

    AuditPolicy policy() {
        return policy;
    }

    Clock clock() {
        return clock;
    }

    void emit(byte[] line) {
        log.offer(line);
    }

    /** Kubernetes' audit counters, in Prometheus text format, for {@code /metrics}. */
    public String metrics() {
        return "# HELP apiserver_audit_event_total Counter of audit events generated and sent to the audit backend.\n"
                + "# TYPE apiserver_audit_event_total counter\n"
                + "apiserver_audit_event_total " + log.written() + "\n"
                + "# HELP apiserver_audit_error_total Counter of audit events that failed to be audited properly.\n"
                + "# TYPE apiserver_audit_error_total counter\n"
                + "apiserver_audit_error_total{plugin=\"log\"} " + (log.dropped() + log.failed()) + "\n"
                + "# HELP kaji_audit_events_dropped_total Audit events dropped because the log writer was behind.\n"
                + "# TYPE kaji_audit_events_dropped_total counter\n"
                + "kaji_audit_events_dropped_total " + log.dropped() + "\n";
    }

    /** The log, for tests and metrics. */
    public AuditLog log() {
        return log;
    }

    /** What the policy matches on for {@code req} sent by {@code user}. */
    static AuditAttributes attributes(ApiRequest req, UserInfo user) {
        RequestInfo info;
        try {
            info = RequestInfo.parse(req.path());
        } catch (RuntimeException e) {
            info = null;
        }
        if (info == null) {
            return new AuditAttributes(user, req.method().toLowerCase(Locale.ROOT), false, "", "", null, null, "",
                    null, req.path());
        }
        return new AuditAttributes(user, verb(req, info), true, info.group(), info.version(), info.resource(),
                info.subresource(), info.namespace() == null ? "" : info.namespace(), info.name(), req.path());
    }

    /** Kubernetes' request verb. */
    static String verb(ApiRequest req, RequestInfo info) {
        return switch (req.method()) {
            case "GET", "HEAD" -> info.name() != null ? (req.flag("watch") ? "watch" : "get")
                    : info.watchPath() || req.flag("watch") ? "watch" : "list";
            case "POST" -> "create";
            case "PUT" -> "update";
            case "PATCH" -> "patch";
            case "DELETE" -> info.name() == null ? "deletecollection" : "delete";
            default -> req.method().toLowerCase(Locale.ROOT);
        };
    }

    /** Writes what is queued and closes the log. */
    @Override
    public void close() {
        log.close();
    }
}
