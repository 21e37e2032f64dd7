package io.kaji.apiserver.auth;

import java.util.List;
import java.util.Map;

/**
 * The authenticated identity of one request, as Kubernetes' {@code user.Info}: name, uid, groups and extra
 * attributes. Authentication produces it; authorization, admission and audit read it.
 *
 * @param name   user name, e.g. {@code kaji-admin}, {@code system:node:n1}, {@code system:serviceaccount:ns:sa}
 * @param uid    the user's uid, empty when unknown
 * @param groups groups, including {@code system:authenticated} for every authenticated user
 * @param extra  extra attributes (e.g. {@code authentication.kubernetes.io/pod-name}), never null
 */
public record UserInfo(String name, String uid, List<String> groups, Map<String, List<String>> extra) {

    /** The user of requests that presented no credentials (only reaches the unauthenticated endpoints). */
    public static final UserInfo ANONYMOUS = new UserInfo("system:anonymous", "",
            List.of("system:unauthenticated"), Map.of());

    public UserInfo {
        uid = uid == null ? "" : uid;
        groups = List.copyOf(groups);
        extra = Map.copyOf(extra);
    }

    public boolean inGroup(String group) {
        return groups.contains(group);
    }
}
