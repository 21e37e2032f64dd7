package io.kaji.support.certs;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The expiry of certificates as Prometheus gauges: {@code kaji_certificate_expiry_seconds{source,namespace,name}}
 * is the time left in seconds (negative once expired), so an alert is a threshold on it, e.g.
 * {@code kaji_certificate_expiry_seconds < 7 * 86400}. Unreadable certificates are counted in
 * {@code kaji_certificate_invalid{source,namespace,name} 1}.
 */
public final class CertificateGauges {

    private CertificateGauges() {
    }

    /** Prometheus text (format 0.0.4) for {@code entries} as of {@code now}. */
    public static String render(List<CertificateEntry> entries, Instant now) {
        StringBuilder b = new StringBuilder();
        b.append("# HELP kaji_certificate_expiry_seconds Seconds until the certificate expires (negative: expired).\n")
                .append("# TYPE kaji_certificate_expiry_seconds gauge\n");
        for (CertificateEntry e : entries) {
            if (e.notAfter() != null) {
                b.append("kaji_certificate_expiry_seconds").append(labels(e)).append(' ')
                        .append(Duration.between(now, e.notAfter()).getSeconds()).append('\n');
            }
        }
        b.append("# HELP kaji_certificate_invalid 1 for a certificate that is present but cannot be read.\n")
                .append("# TYPE kaji_certificate_invalid gauge\n");
        for (CertificateEntry e : entries) {
            if (e.status() == ExpiryStatus.INVALID) {
                b.append("kaji_certificate_invalid").append(labels(e)).append(" 1\n");
            }
        }
        return b.toString();
    }

    private static String labels(CertificateEntry e) {
        return "{source=\"" + esc(e.source().label()) + "\",namespace=\"" + esc(e.namespace() == null ? ""
                : e.namespace()) + "\",name=\"" + esc(e.name()) + "\"}";
    }

    private static String esc(String v) {
        return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
