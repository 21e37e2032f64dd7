package io.kaji.support.diagnose;

import io.kaji.support.certs.CertificateEntry;
import io.kaji.support.certs.ExpiryStatus;
import java.util.ArrayList;
import java.util.List;

/**
 * Certificates that expire soon, have expired or cannot be read, from the same scan as {@code kaji certs
 * check-expiration} (done by the caller, which has the client and the data dir).
 */
public final class CertificateAnalyzer implements Analyzer {

    static final String NAME = "Certificate";
    private final List<CertificateEntry> certificates;

    public CertificateAnalyzer(List<CertificateEntry> certificates) {
        this.certificates = List.copyOf(certificates);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<Diagnosis> analyze(ClusterSnapshot cluster, DiagnoseContext context) {
        List<Diagnosis> out = new ArrayList<>();
        for (CertificateEntry c : certificates) {
            if (c.status() == ExpiryStatus.OK) {
                continue;
            }
            Severity severity = c.status() == ExpiryStatus.WARNING ? Severity.WARNING : Severity.ERROR;
            String symptom = switch (c.status()) {
                case EXPIRED -> "expired on " + c.notAfter();
                case INVALID -> "cannot be read";
                default -> "expires on " + c.notAfter() + " (" + c.status() + ")";
            };
            List<String> evidence = new ArrayList<>();
            evidence.add("source " + c.source().label() + ": " + c.object());
            if (c.subject() != null) {
                evidence.add("subject " + c.subject() + ", issuer " + c.issuer());
            }
            if (c.error() != null) {
                evidence.add(c.error());
            }
            out.add(new Diagnosis(NAME, severity, "Certificate", c.namespace(), c.name(), symptom,
                    c.status() == ExpiryStatus.INVALID ? "the certificate data is malformed"
                            : "clients will refuse it once it has expired",
                    evidence, c.source().label().equals("kaji-pki") ? "restart kaji server: it re-issues its serving "
                            + "certificate within 30 days of expiry (kaji certs check-expiration shows the result)"
                            : "renew it with whatever issued it (cert-manager, your CA) and update the Secret or "
                                    + "caBundle"));
        }
        return out;
    }
}
