package io.kaji.apiserver.registry;

import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * events.k8s.io/v1 Events stored as core/v1 Events, with Kubernetes' field mapping: note/message,
 * regarding/involvedObject, reportingController/reportingComponent, deprecatedSource/source,
 * deprecatedFirstTimestamp/firstTimestamp, deprecatedLastTimestamp/lastTimestamp, deprecatedCount/count; the
 * other fields have the same names in both.
 */
public final class EventConversion implements StorageConversion {

    /** Pairs of (events.k8s.io/v1 field, core/v1 field). */
    private static final List<String[]> RENAMED = List.of(
            new String[] {"note", "message"},
            new String[] {"regarding", "involvedObject"},
            new String[] {"reportingController", "reportingComponent"},
            new String[] {"deprecatedSource", "source"},
            new String[] {"deprecatedFirstTimestamp", "firstTimestamp"},
            new String[] {"deprecatedLastTimestamp", "lastTimestamp"},
            new String[] {"deprecatedCount", "count"});

    @Override
    public ObjectNode toStorage(ObjectNode served) {
        ObjectNode out = rename(served, 0, 1);
        out.put("apiVersion", "v1");
        return out;
    }

    @Override
    public ObjectNode fromStorage(ObjectNode stored) {
        ObjectNode out = rename(stored, 1, 0);
        out.put("apiVersion", "events.k8s.io/v1");
        return out;
    }

    private static ObjectNode rename(ObjectNode in, int from, int to) {
        ObjectNode out = in.deepCopy();
        for (String[] pair : RENAMED) {
            JsonNode v = out.remove(pair[from]);
            if (v != null) {
                out.set(pair[to], v);
            }
        }
        return out;
    }
}
