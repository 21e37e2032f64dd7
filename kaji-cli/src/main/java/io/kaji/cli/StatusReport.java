package io.kaji.cli;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What {@code kaji status} shows, from objects already read: API server health and version, the leader of each
 * control-plane component (its Lease in kube-system), nodes, pods by phase per namespace, the last Warning
 * events. {@link #render()} is one screen of plain text; a bad object is shown as unknown, never an exception.
 *
 * @param url     the API server URL
 * @param readyz  the /readyz body, null if it did not answer
 * @param version the server's gitVersion
 * @param leases  the Leases in kube-system
 * @param nodes   all Nodes
 * @param pods    all Pods
 * @param events  all Events (only Warnings are shown)
 * @param now     the time ages are measured from
 */
record StatusReport(String url, String readyz, String version, List<Lease> leases, List<Node> nodes, List<Pod> pods,
        List<Event> events, Instant now) {

    /** The components and the Lease each holds while it leads. */
    static final Map<String, String> COMPONENTS = orderedMap("controller-manager", "kaji-controller-manager",
            "scheduler", "kaji-scheduler");
    static final List<String> PHASES = List.of("Pending", "Running", "Succeeded", "Failed", "Unknown");
    static final int WARNINGS = 10;

    private static Map<String, String> orderedMap(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    String render() {
        StringBuilder b = new StringBuilder();
        b.append(String.format("API server   %s  %s  version %s%n", url,
                "ok".equals(readyz) ? "ready" : "NOT READY (" + (readyz == null ? "no answer" : readyz.strip()) + ")",
                version == null ? "unknown" : version));
        b.append(String.format("%nComponents%n"));
        for (Map.Entry<String, String> c : COMPONENTS.entrySet()) {
            b.append(String.format("  %-19s %s%n", c.getKey(), leaseLine(c.getValue())));
        }
        long ready = nodes.stream().filter(StatusReport::isReady).count();
        b.append(String.format("%nNodes (%d, %d Ready)%n", nodes.size(), ready));
        if (!nodes.isEmpty()) {
            Map<String, Integer> podsPerNode = new TreeMap<>();
            for (Pod p : pods) {
                String node = p.getSpec() == null ? null : p.getSpec().getNodeName();
                if (node != null) {
                    podsPerNode.merge(node, 1, Integer::sum);
                }
            }
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"NAME", "READY", "AGE", "PODS"});
            nodes.stream().sorted(Comparator.comparing(n -> n.getMetadata().getName())).forEach(n -> rows.add(new String[] {
                    n.getMetadata().getName(), readyStatus(n), age(n.getMetadata().getCreationTimestamp()),
                    String.valueOf(podsPerNode.getOrDefault(n.getMetadata().getName(), 0))}));
            table(b, rows);
        }
        b.append(String.format("%nPods (%d)%n", pods.size()));
        if (!pods.isEmpty()) {
            Map<String, int[]> byNamespace = new TreeMap<>();
            for (Pod p : pods) {
                String phase = p.getStatus() == null || p.getStatus().getPhase() == null ? "Pending" : p.getStatus().getPhase();
                int i = PHASES.indexOf(phase);
                byNamespace.computeIfAbsent(p.getMetadata().getNamespace(), k -> new int[PHASES.size()])[i < 0 ? 4 : i]++;
            }
            List<String[]> rows = new ArrayList<>();
            List<String> header = new ArrayList<>(List.of("NAMESPACE"));
            header.addAll(PHASES.stream().map(String::toUpperCase).toList());
            rows.add(header.toArray(String[]::new));
            byNamespace.forEach((ns, counts) -> {
                List<String> row = new ArrayList<>(List.of(ns));
                for (int c : counts) {
                    row.add(String.valueOf(c));
                }
                rows.add(row.toArray(String[]::new));
            });
            table(b, rows);
        }
        List<Event> warnings = events.stream().filter(e -> "Warning".equals(e.getType()))
                .sorted(Comparator.comparing(StatusReport::lastSeen, Comparator.nullsFirst(Comparator.naturalOrder())))
                .toList();
        warnings = warnings.subList(Math.max(0, warnings.size() - WARNINGS), warnings.size());
        b.append(String.format("%nRecent warnings (%s)%n", warnings.isEmpty() ? "none" : "last " + warnings.size()));
        for (Event e : warnings) {
            var o = e.getInvolvedObject();
            String object = o == null ? "?" : (o.getNamespace() == null ? "" : o.getNamespace() + "/")
                    + (o.getKind() == null ? "" : o.getKind().toLowerCase() + "/") + o.getName();
            Instant seen = lastSeen(e);
            b.append(String.format("  %-5s %s  %s: %s%n", seen == null ? "?" : age(seen), object, e.getReason(),
                    e.getMessage() == null ? "" : e.getMessage().strip()));
        }
        return b.toString();
    }

    private String leaseLine(String name) {
        Lease lease = leases.stream().filter(l -> name.equals(l.getMetadata().getName())).findFirst().orElse(null);
        if (lease == null || lease.getSpec() == null || lease.getSpec().getHolderIdentity() == null
                || lease.getSpec().getHolderIdentity().isEmpty()) {
            return "no leader (Lease kube-system/" + name + " is not held)";
        }
        var spec = lease.getSpec();
        Instant renewed = instant(spec.getRenewTime());
        Instant acquired = instant(spec.getAcquireTime());
        int duration = spec.getLeaseDurationSeconds() == null ? 15 : spec.getLeaseDurationSeconds();
        String state = renewed != null && renewed.plusSeconds(duration).isBefore(now) ? "EXPIRED, " : "";
        return String.format("leader %s, %sheld %s, renewed %s ago", spec.getHolderIdentity(), state,
                acquired == null ? "?" : age(acquired), renewed == null ? "?" : age(renewed));
    }

    /** Whether the node's Ready condition is True. */
    static boolean isReady(Node n) {
        return "True".equals(readyStatus(n));
    }

    private static String readyStatus(Node n) {
        if (n.getStatus() == null || n.getStatus().getConditions() == null) {
            return "Unknown";
        }
        return n.getStatus().getConditions().stream().filter(c -> "Ready".equals(c.getType()))
                .map(NodeCondition::getStatus).findFirst().orElse("Unknown");
    }

    static Instant lastSeen(Event e) {
        for (String t : new String[] {e.getLastTimestamp(),
                e.getEventTime() == null ? null : e.getEventTime().getTime(), e.getFirstTimestamp(),
                e.getMetadata() == null ? null : e.getMetadata().getCreationTimestamp()}) {
            Instant i = instant(t);
            if (i != null) {
                return i;
            }
        }
        return null;
    }

    private static Instant instant(Object t) {
        if (t == null) {
            return null;
        }
        if (t instanceof ZonedDateTime z) {
            return z.toInstant();
        }
        if (t instanceof OffsetDateTime o) {
            return o.toInstant();
        }
        try {
            return OffsetDateTime.parse(t.toString()).toInstant();
        } catch (RuntimeException e) {
            return null;
        }
    }

    private String age(String timestamp) {
        Instant i = instant(timestamp);
        return i == null ? "?" : age(i);
    }

    /** kubectl's style: 45s, 12m, 5h, 3d. */
    String age(Instant since) {
        long s = Math.max(0, Duration.between(since, now).toSeconds());
        if (s < 120) {
            return s + "s";
        }
        if (s < 120 * 60) {
            return s / 60 + "m";
        }
        if (s < 48 * 3600) {
            return s / 3600 + "h";
        }
        return s / 86400 + "d";
    }

    private static void table(StringBuilder b, List<String[]> rows) {
        int[] width = new int[rows.getFirst().length];
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder("  ");
            for (int i = 0; i < r.length; i++) {
                line.append(i == r.length - 1 ? r[i] : String.format("%-" + (width[i] + 2) + "s", r[i]));
            }
            b.append(line.toString().stripTrailing()).append(System.lineSeparator());
        }
    }
}
