package io.kaji.apiserver.http;

import io.kaji.apiserver.auth.UserInfo;
import java.util.List;
import java.util.Map;

/**
 * One HTTP request, independent of the transport: the decoded path, the query parameters, the headers the API
 * server looks at, and the whole body (bounded by the server's body limit).
 *
 * @param method  upper-case HTTP method
 * @param path    decoded path without the query, e.g. {@code /api/v1/namespaces/default/pods}
 * @param query   query parameters, each with all its values in order
 * @param headers header lookup, case-insensitive
 * @param body    the body bytes, empty (never null) when none
 * @param user    who sent it: {@link UserInfo#ANONYMOUS} until authentication has run
 */
public record ApiRequest(String method, String path, Map<String, List<String>> query, Headers headers, byte[] body,
        UserInfo user) {

    /** Case-insensitive header access. */
    public interface Headers {
        /** The first value of the header, or null. */
        String get(String name);

        /** Every value of a header that may repeat (Impersonate-Group), in order; empty when absent. */
        default List<String> all(String name) {
            String v = get(name);
            return v == null ? List.of() : List.of(v);
        }

        /** The names of all headers present (for prefixed headers such as Impersonate-Extra-*). */
        default java.util.Set<String> names() {
            return java.util.Set.of();
        }
    }

    public ApiRequest {
        body = body == null ? new byte[0] : body;
        query = Map.copyOf(query);
        user = user == null ? UserInfo.ANONYMOUS : user;
    }

    /** A request not yet authenticated. */
    public ApiRequest(String method, String path, Map<String, List<String>> query, Headers headers, byte[] body) {
        this(method, path, query, headers, body, UserInfo.ANONYMOUS);
    }

    /** The same request, sent by {@code authenticated}. */
    public ApiRequest withUser(UserInfo authenticated) {
        return new ApiRequest(method, path, query, headers, body, authenticated);
    }

    /** The first value of a query parameter, or null. */
    public String param(String name) {
        List<String> values = query.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    public boolean flag(String name) {
        String v = param(name);
        return v != null && (v.isEmpty() || v.equalsIgnoreCase("true") || v.equals("1"));
    }

    public String header(String name) {
        return headers.get(name);
    }
}
