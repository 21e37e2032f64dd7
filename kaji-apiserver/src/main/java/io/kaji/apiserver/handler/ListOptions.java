package io.kaji.apiserver.handler;

import io.kaji.apiserver.errors.ApiException;
import io.kaji.apiserver.errors.StatusCause;
import io.kaji.apiserver.http.ApiRequest;
import java.util.ArrayList;
import java.util.List;

/**
 * The consistency options of a list or watch, checked as Kubernetes checks its ListOptions: {@code resourceVersion},
 * {@code resourceVersionMatch} ({@code Exact}, {@code NotOlderThan}) and, for watches, {@code sendInitialEvents}
 * (the watch-list protocol: the current objects as ADDED events, then a bookmark annotated
 * {@code k8s.io/initial-events-end}). A wrong combination is 422 Invalid on {@code ListOptions.meta.k8s.io}.
 *
 * @param resourceVersion   as given, or null
 * @param match             {@code Exact}, {@code NotOlderThan}, or null
 * @param sendInitialEvents as given, or null when absent
 */
record ListOptions(String resourceVersion, String match, Boolean sendInitialEvents) {

    static final String EXACT = "Exact";
    static final String NOT_OLDER_THAN = "NotOlderThan";

    /** Reads and checks the options of a list ({@code watch} false) or a watch. */
    static ListOptions of(ApiRequest req, boolean watch) {
        String rv = req.param("resourceVersion");
        String match = emptyToNull(req.param("resourceVersionMatch"));
        String send = req.param("sendInitialEvents");
        Boolean sendInitialEvents = send == null ? null : parseBool(send);
        String cont = emptyToNull(req.param("continue"));
        List<StatusCause> causes = new ArrayList<>();
        if (watch) {
            if (sendInitialEvents != null && !NOT_OLDER_THAN.equals(match)) {
                causes.add(StatusCause.forbidden("resourceVersionMatch",
                        "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"));
            }
            if (match != null) {
                if (sendInitialEvents == null) {
                    causes.add(StatusCause.forbidden("resourceVersionMatch",
                            "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided"));
                }
                if (!match.equals(NOT_OLDER_THAN)) {
                    causes.add(StatusCause.notSupported("resourceVersionMatch", match, List.of(NOT_OLDER_THAN)));
                }
                if (cont != null) {
                    causes.add(StatusCause.forbidden("resourceVersionMatch",
                            "resourceVersionMatch is forbidden when continue is provided"));
                }
            }
        } else {
            if (match != null) {
                if (rv == null || rv.isEmpty()) {
                    causes.add(StatusCause.forbidden("resourceVersionMatch",
                            "resourceVersionMatch is forbidden unless resourceVersion is provided"));
                }
                if (cont != null) {
                    causes.add(StatusCause.forbidden("resourceVersionMatch",
                            "resourceVersionMatch is forbidden when continue is provided"));
                }
                if (!match.equals(EXACT) && !match.equals(NOT_OLDER_THAN)) {
                    causes.add(StatusCause.notSupported("resourceVersionMatch", match,
                            List.of(EXACT, NOT_OLDER_THAN, "")));
                }
                if (match.equals(EXACT) && "0".equals(rv)) {
                    causes.add(StatusCause.forbidden("resourceVersionMatch",
                            "resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\""));
                }
            }
            if (sendInitialEvents != null) {
                causes.add(StatusCause.forbidden("sendInitialEvents", "sendInitialEvents is forbidden for list"));
            }
        }
        if (!causes.isEmpty()) {
            throw ApiException.invalid("ListOptions", "meta.k8s.io", "", causes);
        }
        return new ListOptions(rv, match, sendInitialEvents);
    }

    /** A list at exactly {@code resourceVersion}, read from the store's history when the cache has moved on. */
    boolean exact() {
        return EXACT.equals(match);
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    /** Go's strconv.ParseBool, which Kubernetes decodes query parameters with. */
    private static boolean parseBool(String v) {
        return switch (v) {
            case "1", "t", "T", "true", "TRUE", "True" -> true;
            case "0", "f", "F", "false", "FALSE", "False" -> false;
            default -> throw ApiException.badRequest("sendInitialEvents: invalid value \"" + v
                    + "\": must be true or false");
        };
    }
}
