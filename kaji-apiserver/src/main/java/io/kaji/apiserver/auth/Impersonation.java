package io.kaji.apiserver.auth;

import io.kaji.apiserver.errors.ApiException;
import io.kaji.apiserver.http.ApiRequest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Impersonation headers ({@code kubectl --as, --as-group, --as-uid}), as kube-apiserver's impersonation filter:
 * {@code Impersonate-User}, {@code Impersonate-Group} (repeatable), {@code Impersonate-Uid} and
 * {@code Impersonate-Extra-<key>}; each value must be allowed to the requester by the {@code impersonate} verb on
 * users, groups, uids (authentication.k8s.io), userextras/&lt;key&gt; (authentication.k8s.io) or, for
 * {@code system:serviceaccount:NS:NAME}, on that ServiceAccount. The impersonated user gets
 * {@code system:authenticated} unless a group already says whether it is authenticated.
 */
public final class Impersonation {

    private static final String SA_PREFIX = "system:serviceaccount:";

    private Impersonation() {
    }

    /**
     * The user a request acts as: {@code requester} itself without impersonation headers.
     *
     * @throws ApiException 403 when an impersonation is not allowed, 400 when headers are inconsistent
     */
    public static UserInfo apply(ApiRequest req, UserInfo requester, Authorizer authorizer) {
        String userName = req.header("Impersonate-User");
        List<String> groups = new ArrayList<>(req.headers().all("Impersonate-Group"));
        String uid = req.header("Impersonate-Uid");
        Map<String, List<String>> extra = new LinkedHashMap<>();
        for (String h : req.headers().names()) {
            if (h.toLowerCase(Locale.ROOT).startsWith("impersonate-extra-")) {
                String key = java.net.URLDecoder.decode(h.substring("impersonate-extra-".length()),
                        java.nio.charset.StandardCharsets.UTF_8).toLowerCase(Locale.ROOT);
                extra.put(key, req.headers().all(h));
            }
        }
        if (userName == null) {
            if (!groups.isEmpty() || uid != null || !extra.isEmpty()) {
                throw ApiException.badRequest("requested impersonation of groups, uid or extra without "
                        + "impersonating a user: add Impersonate-User");
            }
            return requester;
        }
        boolean serviceAccount = userName.startsWith(SA_PREFIX) && userName.split(":").length == 4;
        if (serviceAccount) {
            String[] parts = userName.split(":");
            check(authorizer, Attributes.resource(requester, "impersonate", parts[2], "", "serviceaccounts", "",
                    parts[3]));
        } else {
            check(authorizer, Attributes.resource(requester, "impersonate", "", "", "users", "", userName));
        }
        for (String g : groups) {
            check(authorizer, Attributes.resource(requester, "impersonate", "", "", "groups", "", g));
        }
        if (uid != null) {
            check(authorizer, Attributes.resource(requester, "impersonate", "", "authentication.k8s.io", "uids", "",
                    uid));
        }
        for (var e : extra.entrySet()) {
            for (String v : e.getValue()) {
                check(authorizer, Attributes.resource(requester, "impersonate", "", "authentication.k8s.io",
                        "userextras", e.getKey(), v));
            }
        }
        if (serviceAccount && groups.isEmpty()) {
            String ns = userName.split(":")[2];
            groups.add("system:serviceaccounts");
            groups.add("system:serviceaccounts:" + ns);
        }
        if (!userName.equals(UserInfo.ANONYMOUS.name())) {
            if (!groups.contains(RequestAuthenticator.AUTHENTICATED) && !groups.contains("system:unauthenticated")) {
                groups.add(RequestAuthenticator.AUTHENTICATED);
            }
        } else if (!groups.contains("system:unauthenticated")) {
            groups.add("system:unauthenticated");
        }
        return new UserInfo(userName, uid, groups, extra);
    }

    private static void check(Authorizer authorizer, Attributes a) {
        Authorizer.Decision d = authorizer.authorize(a);
        if (!d.allowed()) {
            throw Forbidden.of(a, d.reason());
        }
    }
}
