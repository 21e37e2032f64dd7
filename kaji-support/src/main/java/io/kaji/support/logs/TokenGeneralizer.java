package io.kaji.support.logs;

/**
 * Token-level template operations: whether a template token with wildcards inside covers a message token,
 * and the most specific token covering two different tokens, keeping a common key or bracket
 * ({@code rhost=} and {@code rhost=<*>} give {@code rhost=<*>}; {@code (uid=<*>)} and {@code
 * LOGIN(uid=<*>)} give {@code <*>(uid=<*>)}). The kept prefix must end, and the kept suffix start, at a
 * punctuation delimiter, so words are never cut. Stateless and thread-safe.
 */
final class TokenGeneralizer {

    private TokenGeneralizer() {
    }

    /**
     * Whether {@code template} (which may contain wildcards) matches {@code token}, each wildcard matching
     * at least one character (a wildcard stands for a value that is present: {@code rhost=<*>} does not
     * cover {@code rhost=}).
     */
    static boolean covers(String template, String token) {
        int first = template.indexOf(Masker.WILDCARD);
        if (first < 0) {
            return template.equals(token);
        }
        if (!token.startsWith(template.substring(0, first))) {
            return false;
        }
        int pos = first;
        int tpos = first + Masker.WILDCARD.length();
        while (true) {
            int next = template.indexOf(Masker.WILDCARD, tpos);
            if (next < 0) {
                String tail = template.substring(tpos);
                return token.length() - tail.length() > pos && token.endsWith(tail);
            }
            String literal = template.substring(tpos, next);
            int at = token.indexOf(literal, pos + 1);
            if (at < 0) {
                return false;
            }
            pos = at + literal.length();
            tpos = next + Masker.WILDCARD.length();
        }
    }

    /** The most specific token covering both; {@code <*>} when they share no delimited prefix or suffix. */
    static String generalize(String a, String b) {
        if (a.equals(b)) {
            return a;
        }
        int max = Math.min(a.length(), b.length());
        int p = 0;
        while (p < max && a.charAt(p) == b.charAt(p)) {
            p++;
        }
        while (p > 0 && !isPrefixEnd(a.charAt(p - 1))) {
            p--;
        }
        int q = 0;
        while (q < max - p && a.charAt(a.length() - 1 - q) == b.charAt(b.length() - 1 - q)) {
            q++;
        }
        while (q > 0 && !isSuffixStart(a.charAt(a.length() - q))) {
            q--;
        }
        if (p == 0 && q == 0) {
            return Masker.WILDCARD;
        }
        return a.substring(0, p) + Masker.WILDCARD + a.substring(a.length() - q);
    }

    private static boolean isPrefixEnd(char c) {
        return c == '=' || c == ':' || c == '(' || c == '[' || c == '{' || c == ',' || c == '/' || c == '@'
                || c == '#' || c == '|' || c == ';' || c == '"' || c == '\'';
    }

    private static boolean isSuffixStart(char c) {
        return c == ')' || c == ']' || c == '}' || c == ',' || c == ';' || c == ':' || c == '(' || c == '['
                || c == '=' || c == '"' || c == '\'' || c == '.' || c == '/' || c == '|';
    }
}
