package io.kaji.apiserver.admission.podsecurity;

import java.util.Collection;
import java.util.List;

/** The small wording helpers every check shares, so that messages read exactly like Kubernetes'. */
final class Messages {

    private Messages() {
    }

    /** {@code "a", "b"}. */
    static String joinQuote(Collection<String> items) {
        if (items.isEmpty()) {
            return "";
        }
        return "\"" + String.join("\", \"", items) + "\"";
    }

    static String pluralize(String singular, String plural, int count) {
        return count == 1 ? singular : plural;
    }

    /** {@code container "a"} or {@code containers "a", "b"}. */
    static String containers(List<String> names) {
        return pluralize("container", "containers", names.size()) + " " + joinQuote(names);
    }
}
