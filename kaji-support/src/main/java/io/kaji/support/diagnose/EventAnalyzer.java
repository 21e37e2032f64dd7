package io.kaji.support.diagnose;

import io.fabric8.kubernetes.api.model.Event;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Recent Warning events grouped by namespace and reason, so that a pattern (forty FailedScheduling, BackOff on
 * twelve pods) shows as one line with its count and the objects it touches.
 */
public final class EventAnalyzer implements Analyzer {

    static final String NAME = "Event";
    static final Duration WINDOW = Duration.ofHours(1);

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<Diagnosis> analyze(ClusterSnapshot cluster, DiagnoseContext context) {
        Map<String, List<Event>> groups = new TreeMap<>();
        for (Event e : cluster.events()) {
            if (!"Warning".equals(e.getType()) || !recent(e, context.now())) {
                continue;
            }
            String ns = e.getMetadata().getNamespace() == null ? "" : e.getMetadata().getNamespace();
            groups.computeIfAbsent(ns + "\u0000" + e.getReason(), k -> new ArrayList<>()).add(e);
        }
        List<Diagnosis> out = new ArrayList<>();
        for (var g : groups.entrySet()) {
            List<Event> events = g.getValue();
            String ns = g.getKey().substring(0, g.getKey().indexOf('\u0000'));
            String reason = events.get(0).getReason();
            long count = events.stream().mapToLong(e -> e.getCount() == null ? 1 : e.getCount()).sum();
            Set<String> objects = new LinkedHashSet<>();
            for (Event e : events) {
                objects.add(e.getInvolvedObject().getKind() + "/" + e.getInvolvedObject().getName());
            }
            Event last = events.stream().max(java.util.Comparator.comparing(ClusterSnapshot::eventTime)).get();
            List<String> evidence = new ArrayList<>();
            evidence.add("latest: " + last.getInvolvedObject().getKind() + "/" + last.getInvolvedObject().getName()
                    + ": " + last.getMessage());
            evidence.add("objects: " + String.join(", ", objects.stream().limit(8).toList())
                    + (objects.size() > 8 ? " and " + (objects.size() - 8) + " more" : ""));
            out.add(new Diagnosis(NAME, count >= 10 ? Severity.WARNING : Severity.INFO, "Event",
                    ns.isEmpty() ? null : ns, reason, count + " Warning events " + reason + " in the last hour on "
                            + objects.size() + " object(s)", last.getMessage(), evidence,
                    "kubectl get events -n " + (ns.isEmpty() ? "default" : ns) + " --field-selector reason=" + reason));
        }
        return out;
    }

    private static boolean recent(Event e, Instant now) {
        String t = ClusterSnapshot.eventTime(e);
        if (t.isEmpty()) {
            return false;
        }
        try {
            return Duration.between(Instant.parse(t), now).compareTo(WINDOW) <= 0;
        } catch (DateTimeParseException ex) {
            return false;
        }
    }
}
