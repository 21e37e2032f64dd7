package io.kaji.support.logs.eval;

import java.util.List;

/**
 * One labelled log dataset: the message content of each line with its ground-truth event id and
 * template. Immutable.
 *
 * @param name the dataset name (for example {@code HDFS})
 * @param contents the message of each line, in order
 * @param eventIds the ground-truth event id of each line
 * @param templates the ground-truth template of each line
 */
public record LabeledLog(String name, List<String> contents, List<String> eventIds, List<String> templates) {

    public LabeledLog {
        contents = List.copyOf(contents);
        eventIds = List.copyOf(eventIds);
        templates = List.copyOf(templates);
        if (contents.size() != eventIds.size() || contents.size() != templates.size()) {
            throw new IllegalArgumentException(name + ": column lengths differ");
        }
    }

    public int size() {
        return contents.size();
    }
}
