package io.kaji.support.certs;

import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLMapper;
import tools.jackson.dataformat.yaml.YAMLWriteFeature;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * The result of {@code kaji certs check-expiration}: every certificate found, the sources that could not be
 * examined, and renderings as a terminal table (kubeadm's layout: certificates, then certificate authorities, with a
 * STATUS column), JSON and YAML.
 *
 * @param generated  when the report was made (RESIDUAL TIME counts from it)
 * @param thresholds the WARNING/CRITICAL thresholds used
 * @param entries    certificates, in the order found
 * @param problems   sources that could not be examined
 */
public record ExpiryReport(Instant generated, Thresholds thresholds, List<CertificateEntry> entries,
        List<ClusterCertificates.Problem> problems) {

    private static final DateTimeFormatter EXPIRES = DateTimeFormatter.ofPattern("MMM dd, yyyy HH:mm 'UTC'",
            Locale.ROOT).withZone(ZoneOffset.UTC);

    public ExpiryReport {
        entries = List.copyOf(entries);
        problems = List.copyOf(problems);
    }

    /**
     * The certificates of a Kaji data dir's PKI (when {@code dataDir} is given) and then of the cluster behind
     * {@code client} (when given): what {@code kaji certs check-expiration}, {@code kaji diagnose}, the support
     * bundle and the continuous assessment all look at. A data dir that cannot be read is a "kaji-pki" problem.
     */
    public static ExpiryReport scan(io.fabric8.kubernetes.client.KubernetesClient client, java.nio.file.Path dataDir,
            Instant now, Thresholds thresholds) {
        List<CertificateEntry> entries = new ArrayList<>();
        List<ClusterCertificates.Problem> problems = new ArrayList<>();
        if (dataDir != null) {
            try {
                entries.addAll(new KajiPkiScanner(dataDir).scan(now, thresholds));
            } catch (java.io.IOException e) {
                problems.add(new ClusterCertificates.Problem("kaji-pki", e.getMessage()));
            }
        }
        if (client != null) {
            ClusterCertificates.Result r = ClusterCertificates.scan(client, now, thresholds);
            entries.addAll(r.entries());
            problems.addAll(r.problems());
        }
        return new ExpiryReport(now, thresholds, entries, problems);
    }

    /** The worst status of all entries, OK when there are none. */
    public ExpiryStatus worst() {
        return entries.stream().map(CertificateEntry::status).max(Comparator.naturalOrder()).orElse(ExpiryStatus.OK);
    }

    /** The terminal table. */
    public String text() {
        List<String[]> leaves = new ArrayList<>();
        List<String[]> cas = new ArrayList<>();
        for (CertificateEntry e : entries) {
            String expires = e.notAfter() == null ? "-" : EXPIRES.format(e.notAfter());
            String residual = e.notAfter() == null ? "-" : residual(Duration.between(generated, e.notAfter()));
            String external = e.externallyManaged() == null ? "-" : e.externallyManaged() ? "yes" : "no";
            String status = e.status() == ExpiryStatus.INVALID ? "INVALID: " + e.error() : e.status().name();
            if (e.ca()) {
                cas.add(new String[] {e.name(), expires, residual, external, status});
            } else {
                leaves.add(new String[] {e.name(), expires, residual, e.authority(), external, status});
            }
        }
        StringBuilder out = new StringBuilder();
        if (entries.isEmpty()) {
            out.append("No certificates found.\n");
        }
        if (!leaves.isEmpty()) {
            table(out, new String[] {"CERTIFICATE", "EXPIRES", "RESIDUAL TIME", "CERTIFICATE AUTHORITY",
                    "EXTERNALLY MANAGED", "STATUS"}, leaves);
        }
        if (!cas.isEmpty()) {
            if (!leaves.isEmpty()) {
                out.append('\n');
            }
            table(out, new String[] {"CERTIFICATE AUTHORITY", "EXPIRES", "RESIDUAL TIME", "EXTERNALLY MANAGED",
                    "STATUS"}, cas);
        }
        if (!problems.isEmpty()) {
            out.append("\nNot checked:\n");
            for (ClusterCertificates.Problem p : problems) {
                out.append("  ").append(p.source()).append(": ").append(p.reason()).append('\n');
            }
        }
        out.append("\nWorst status: ").append(worst()).append(" (WARNING under ")
                .append(thresholds.warning().toDays()).append(" days, CRITICAL under ")
                .append(thresholds.critical().toDays()).append(" days)\n");
        return out.toString();
    }

    private static void table(StringBuilder out, String[] header, List<String[]> rows) {
        int[] width = new int[header.length];
        for (int i = 0; i < header.length; i++) {
            width[i] = header[i].length();
        }
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        List<String[]> all = new ArrayList<>();
        all.add(header);
        all.addAll(rows);
        for (String[] r : all) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < r.length; i++) {
                line.append(r[i]);
                if (i < r.length - 1) {
                    line.append(" ".repeat(width[i] - r[i].length() + 3));
                }
            }
            out.append(line.toString().stripTrailing()).append('\n');
        }
    }

    /**
     * kubeadm's RESIDUAL TIME: the largest unit only (seconds, minutes, hours, days under a year, then years), and
     * {@code <invalid>} once expired.
     */
    static String residual(Duration d) {
        long s = d.getSeconds();
        if (s <= 0) {
            return "<invalid>";
        }
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return s / 60 + "m";
        }
        if (s < 86_400) {
            return s / 3600 + "h";
        }
        if (s < 365L * 86_400) {
            return s / 86_400 + "d";
        }
        return s / (365L * 86_400) + "y";
    }

    /** The report as a JSON/YAML tree (field names documented in docs/certificates.md). */
    public ObjectNode tree() {
        ObjectNode root = JsonMapper.shared().createObjectNode();
        root.put("generated", generated.toString());
        root.put("worstStatus", worst().name());
        root.putObject("thresholds").put("warningDays", thresholds.warning().toDays())
                .put("criticalDays", thresholds.critical().toDays());
        ArrayNode certs = root.putArray("certificates");
        for (CertificateEntry e : entries) {
            ObjectNode c = certs.addObject();
            c.put("name", e.name());
            c.put("source", e.source().label());
            if (e.namespace() != null) {
                c.put("namespace", e.namespace());
            }
            c.put("object", e.object());
            c.put("status", e.status().name());
            c.put("certificateAuthority", e.ca());
            if (e.notAfter() != null) {
                c.put("subject", e.subject());
                c.put("issuer", e.issuer());
                c.put("authority", e.authority());
                c.put("notBefore", e.notBefore().toString());
                c.put("notAfter", e.notAfter().toString());
                c.put("residualSeconds", Math.max(0, Duration.between(generated, e.notAfter()).getSeconds()));
            }
            if (e.externallyManaged() != null) {
                c.put("externallyManaged", e.externallyManaged());
            }
            if (e.error() != null) {
                c.put("error", e.error());
            }
        }
        ArrayNode notChecked = root.putArray("notChecked");
        for (ClusterCertificates.Problem p : problems) {
            notChecked.addObject().put("source", p.source()).put("reason", p.reason());
        }
        return root;
    }

    public String json() {
        return JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build().writeValueAsString(tree())
                + "\n";
    }

    public String yaml() {
        return YAMLMapper.builder().disable(YAMLWriteFeature.WRITE_DOC_START_MARKER).build()
                .writeValueAsString(tree());
    }
}
