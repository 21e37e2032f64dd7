package io.kaji.support.logs;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.Set;

/**
 * Cuts a log message into whitespace-separated tokens and replaces the variable parts of each token with
 * the wildcard {@value #WILDCARD}, according to a set of {@link MaskRule}s.
 *
 * <p>A token is first stripped of surrounding brackets and punctuation, which are kept ({@code (uid=0)}
 * becomes {@code (uid=<*>)}); if the whole remaining text matches a rule it becomes one wildcard,
 * otherwise it is split at {@code = , ; ( ) [ ] { } | @ # " '} and each piece is tested on its own, then
 * pieces that are not variables are split at {@code :} and tested again. With
 * {@link MaskRule#QUOTED}, a double-quoted string is one token even when it contains spaces. With
 * {@link MaskRule#TIMESTAMP}, month and weekday names directly before a masked number are masked too
 * ({@code Sat Jun 18 02:23:10 2005}).
 *
 * <p>Implemented with hand-written scanners rather than regular expressions: masking runs on every line.
 * Immutable and thread-safe.
 */
public final class Masker {

    /** The wildcard that stands for a variable part in masked tokens and in templates. */
    public static final String WILDCARD = "<*>";

    private static final String[] MONTHS_AND_DAYS = {
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"
    };
    /** The alphabet of Kubernetes' generated name suffixes (k8s.io/apimachinery rand.String): no vowels, no 0/1/3. */
    private static final String K8S_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

    private final Set<MaskRule> rules;
    private final boolean ip;
    private final boolean uuid;
    private final boolean hex;
    private final boolean number;
    private final boolean duration;
    private final boolean timestamp;
    private final boolean path;
    private final boolean quoted;
    private final boolean k8s;
    private final boolean digitId;

    /** A masker applying the given rules (an empty set masks nothing). */
    public Masker(Set<MaskRule> rules) {
        this.rules = rules.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(rules));
        ip = rules.contains(MaskRule.IP);
        uuid = rules.contains(MaskRule.UUID);
        hex = rules.contains(MaskRule.HEX);
        number = rules.contains(MaskRule.NUMBER);
        duration = rules.contains(MaskRule.DURATION);
        timestamp = rules.contains(MaskRule.TIMESTAMP);
        path = rules.contains(MaskRule.PATH);
        quoted = rules.contains(MaskRule.QUOTED);
        k8s = rules.contains(MaskRule.K8S_NAME);
        digitId = rules.contains(MaskRule.DIGIT_ID);
    }

    /** The rules this masker applies. */
    public Set<MaskRule> rules() {
        return rules;
    }

    /** Tokenizes and masks one message. */
    public Tokens tokenize(String line) {
        ArrayList<String> original = new ArrayList<>(16);
        ArrayList<String> masked = new ArrayList<>(16);
        split(line, original, masked);
        return new Tokens(original, masked);
    }

    /**
     * Tokenizes and masks into the given lists (cleared first); the allocation-light form used by the
     * miner. {@code original} may be null when only the masked tokens are wanted.
     */
    void split(String line, ArrayList<String> original, ArrayList<String> masked) {
        if (original != null) {
            original.clear();
        }
        masked.clear();
        int n = line.length();
        int i = 0;
        while (i < n) {
            while (i < n && isSpace(line.charAt(i))) {
                i++;
            }
            if (i >= n) {
                break;
            }
            int start = i;
            if (quoted && line.charAt(i) == '"') {
                int close = line.indexOf('"', i + 1);
                if (close > 0) {
                    int end = close + 1;
                    while (end < n && !isSpace(line.charAt(end))) {
                        end++;
                    }
                    if (original != null) {
                        original.add(line.substring(start, end));
                    }
                    String rest = line.substring(close + 1, end);
                    masked.add(rest.isEmpty() ? "\"<*>\"" : "\"<*>\"" + maskToken(rest));
                    i = end;
                    continue;
                }
            }
            while (i < n && !isSpace(line.charAt(i))) {
                i++;
            }
            String token = line.substring(start, i);
            if (original != null) {
                original.add(token);
            }
            masked.add(maskToken(token));
        }
        if (timestamp) {
            for (int t = masked.size() - 2; t >= 0; t--) {
                if (masked.get(t + 1).equals(WILDCARD) && isMonthOrDay(masked.get(t))) {
                    masked.set(t, WILDCARD);
                }
            }
        }
    }

    /** Masks one token (which contains no whitespace). */
    public String maskToken(String token) {
        int len = token.length();
        boolean digit = false;
        boolean slash = false;
        boolean dash = false;
        for (int i = 0; i < len; i++) {
            char c = token.charAt(i);
            if (c >= '0' && c <= '9') {
                digit = true;
                break;
            } else if (c == '/') {
                slash = true;
            } else if (c == '-') {
                dash = true;
            }
        }
        if (!digit && !(slash && path) && !(dash && k8s)) {
            return token;
        }
        int s = 0;
        int e = len;
        while (s < e && isOpening(token.charAt(s))) {
            s++;
        }
        while (e > s && isClosing(token.charAt(e - 1))) {
            e--;
        }
        if (s == e) {
            return token;
        }
        if (isVariable(token, s, e, true)) {
            if (s == 0 && e == len) {
                return WILDCARD;
            }
            return token.substring(0, s) + WILDCARD + token.substring(e);
        }
        StringBuilder out = new StringBuilder(len + 8).append(token, 0, s);
        boolean changed = maskPieces(token, s, e, out, true);
        if (!changed) {
            return token;
        }
        return out.append(token, e, len).toString();
    }

    /**
     * Appends {@code t[s, e)} to {@code out} with each variable piece replaced; returns whether anything
     * was replaced. Pieces are cut at the outer delimiters first, then (second level) at colons, so that
     * {@code addr=10.0.0.1:80} keeps its address and port together.
     */
    private boolean maskPieces(String t, int s, int e, StringBuilder out, boolean outer) {
        boolean changed = false;
        int pieceStart = s;
        for (int i = s; i <= e; i++) {
            if (i == e || (outer ? isDelimiter(t.charAt(i)) : t.charAt(i) == ':')) {
                if (i > pieceStart && isVariable(t, pieceStart, i, false)) {
                    out.append(WILDCARD);
                    changed = true;
                } else if (outer && i > pieceStart) {
                    changed |= maskPieces(t, pieceStart, i, out, false);
                } else {
                    out.append(t, pieceStart, i);
                }
                if (i < e) {
                    out.append(t.charAt(i));
                }
                pieceStart = i + 1;
            }
        }
        return changed;
    }

    /** Whether {@code t[s, e)} is a variable; {@link MaskRule#DIGIT_ID} applies to pieces, not whole tokens. */
    private boolean isVariable(String t, int s, int e, boolean whole) {
        return (ip && isIp(t, s, e))
                || (uuid && isUuid(t, s, e))
                || (hex && isHex(t, s, e))
                || (number && isNumber(t, s, e, true))
                || (duration && isDuration(t, s, e))
                || (timestamp && isTimestamp(t, s, e))
                || (path && isPath(t, s, e))
                || (k8s && isK8sName(t, s, e))
                || (digitId && !whole && hasDigit(t, s, e));
    }

    /** ASCII spaces and control characters, and Unicode whitespace. */
    private static boolean isSpace(char c) {
        return c <= ' ' || (c >= 0x80 && Character.isWhitespace(c));
    }

    private static boolean isOpening(char c) {
        return c == '(' || c == '[' || c == '{' || c == '<' || c == '"' || c == '\'' || c == '`';
    }

    private static boolean isClosing(char c) {
        return c == ')' || c == ']' || c == '}' || c == '>' || c == '"' || c == '\'' || c == '`'
                || c == ',' || c == ';' || c == '.' || c == ':' || c == '!' || c == '?';
    }

    private static boolean isDelimiter(char c) {
        return c == '=' || c == ',' || c == ';' || c == '(' || c == ')' || c == '['
                || c == ']' || c == '{' || c == '}' || c == '|' || c == '@' || c == '#' || c == '"' || c == '\'';
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isHexDigit(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    static boolean hasDigit(String t, int s, int e) {
        for (int i = s; i < e; i++) {
            if (isDigit(t.charAt(i))) {
                return true;
            }
        }
        return false;
    }

    private static boolean isMonthOrDay(String token) {
        if (token.length() != 3) {
            return false;
        }
        for (String name : MONTHS_AND_DAYS) {
            if (name.equals(token)) {
                return true;
            }
        }
        return false;
    }

    /** IPv4 with optional :port or /prefix, or IPv6 (hex groups with at least two colons). */
    static boolean isIp(String t, int s, int e) {
        int i = s;
        int groups = 0;
        while (groups < 4) {
            int digits = 0;
            while (i < e && isDigit(t.charAt(i)) && digits < 4) {
                i++;
                digits++;
            }
            if (digits == 0 || digits > 3) {
                return isIpv6(t, s, e);
            }
            groups++;
            if (groups < 4) {
                if (i >= e || t.charAt(i) != '.') {
                    return isIpv6(t, s, e);
                }
                i++;
            }
        }
        if (i == e) {
            return true;
        }
        char c = t.charAt(i);
        if (c != ':' && c != '/') {
            return false;
        }
        i++;
        return i < e && allDigits(t, i, e);
    }

    private static boolean isIpv6(String t, int s, int e) {
        int colons = 0;
        boolean digit = false;
        for (int i = s; i < e; i++) {
            char c = t.charAt(i);
            if (c == ':') {
                colons++;
            } else if (isDigit(c)) {
                digit = true;
            } else if (!isHexDigit(c) && c != '.' && c != '%') {
                return false;
            }
        }
        return colons >= 2 && digit;
    }

    private static boolean allDigits(String t, int s, int e) {
        if (s >= e) {
            return false;
        }
        for (int i = s; i < e; i++) {
            if (!isDigit(t.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    static boolean isUuid(String t, int s, int e) {
        if (e - s != 36) {
            return false;
        }
        for (int i = 0; i < 36; i++) {
            char c = t.charAt(s + i);
            if (i == 8 || i == 13 || i == 18 || i == 23) {
                if (c != '-') {
                    return false;
                }
            } else if (!isHexDigit(c)) {
                return false;
            }
        }
        return true;
    }

    /** {@code 0x1F}, or at least 6 hex digits with at least one decimal digit. */
    static boolean isHex(String t, int s, int e) {
        if (e - s >= 3 && t.charAt(s) == '0' && (t.charAt(s + 1) == 'x' || t.charAt(s + 1) == 'X')) {
            for (int i = s + 2; i < e; i++) {
                if (!isHexDigit(t.charAt(i))) {
                    return false;
                }
            }
            return true;
        }
        if (e - s < 6) {
            return false;
        }
        boolean digit = false;
        for (int i = s; i < e; i++) {
            char c = t.charAt(i);
            if (!isHexDigit(c)) {
                return false;
            }
            digit |= isDigit(c);
        }
        return digit;
    }

    /**
     * A decimal number: optional sign, digits with optional {@code .} or {@code ,} groups, optional
     * exponent, and (when {@code unit}) an optional unit of up to 4 letters or {@code %}.
     */
    static boolean isNumber(String t, int s, int e, boolean unit) {
        int i = s;
        if (i < e && (t.charAt(i) == '-' || t.charAt(i) == '+')) {
            i++;
        }
        int digitsStart = i;
        while (i < e && isDigit(t.charAt(i))) {
            i++;
        }
        if (i == digitsStart) {
            return false;
        }
        while (i + 1 < e && (t.charAt(i) == '.' || t.charAt(i) == ',') && isDigit(t.charAt(i + 1))) {
            i++;
            while (i < e && isDigit(t.charAt(i))) {
                i++;
            }
        }
        if (i + 1 < e && (t.charAt(i) == 'e' || t.charAt(i) == 'E')) {
            int j = i + 1;
            if (t.charAt(j) == '-' || t.charAt(j) == '+') {
                j++;
            }
            if (j < e && isDigit(t.charAt(j))) {
                i = j;
                while (i < e && isDigit(t.charAt(i))) {
                    i++;
                }
            }
        }
        if (i == e) {
            return true;
        }
        if (!unit) {
            return false;
        }
        if (t.charAt(i) == '%' && i + 1 == e) {
            return true;
        }
        int letters = e - i;
        if (letters > 4) {
            return false;
        }
        for (int j = i; j < e; j++) {
            if (!Character.isLetter(t.charAt(j))) {
                return false;
            }
        }
        return true;
    }

    /** Go-style durations such as {@code 1h2m3.5s}, {@code 3m20s}, {@code 250ms}, {@code 10us}. */
    static boolean isDuration(String t, int s, int e) {
        int i = s;
        int parts = 0;
        while (i < e) {
            int start = i;
            while (i < e && (isDigit(t.charAt(i)) || t.charAt(i) == '.')) {
                i++;
            }
            if (i == start) {
                return false;
            }
            int unitStart = i;
            while (i < e && Character.isLetter(t.charAt(i)) && i - unitStart < 2) {
                i++;
            }
            String u = t.substring(unitStart, i);
            if (!(u.equals("h") || u.equals("m") || u.equals("s") || u.equals("ms") || u.equals("us")
                    || u.equals("µs") || u.equals("ns") || u.equals("d"))) {
                return false;
            }
            parts++;
        }
        return parts > 0;
    }

    /** Dates ({@code 2015-10-18}, {@code 2005.06.03}, {@code 17/06/09}) and times ({@code 18:01:47,978}), with ISO forms. */
    static boolean isTimestamp(String t, int s, int e) {
        int digits = 0;
        int seps = 0;
        for (int i = s; i < e; i++) {
            char c = t.charAt(i);
            if (isDigit(c)) {
                digits++;
            } else if (c == '-' || c == ':' || c == '.' || c == ',' || c == '/' || c == 'T' || c == 'Z'
                    || c == '+') {
                seps++;
            } else {
                return false;
            }
        }
        return digits >= 4 && seps >= 2 && isDigit(t.charAt(s));
    }

    /** An absolute or home-relative path with at least one character after the slash, or a URL. */
    static boolean isPath(String t, int s, int e) {
        if (e - s < 2) {
            return false;
        }
        char c0 = t.charAt(s);
        if (c0 == '/' && t.charAt(s + 1) != '/') {
            return true;
        }
        if ((c0 == '~' || c0 == '.') && t.charAt(s + 1) == '/') {
            return true;
        }
        int scheme = t.indexOf("://", s);
        if (scheme > s && scheme < e) {
            for (int i = s; i < scheme; i++) {
                if (!Character.isLetter(t.charAt(i))) {
                    return false;
                }
            }
            return true;
        }
        return false;
    }

    /**
     * A Kubernetes generated name: lowercase DNS label segments joined by '-', whose last segment is a
     * 5-character random suffix (pods of Deployments, Jobs, DaemonSets) or a 6-10 character pod-template
     * hash (ReplicaSets) from Kubernetes' vowel-free alphabet, or a StatefulSet ordinal.
     */
    static boolean isK8sName(String t, int s, int e) {
        int lastDash = -1;
        for (int i = s; i < e; i++) {
            char c = t.charAt(i);
            if (c == '-') {
                if (i == s || i == e - 1 || t.charAt(i - 1) == '-') {
                    return false;
                }
                lastDash = i;
            } else if (!((c >= 'a' && c <= 'z') || isDigit(c) || c == '.')) {
                return false;
            }
        }
        if (lastDash < 0) {
            return false;
        }
        int suffixLen = e - lastDash - 1;
        boolean fromAlphabet = true;
        boolean digit = false;
        for (int i = lastDash + 1; i < e; i++) {
            char c = t.charAt(i);
            fromAlphabet &= K8S_ALPHABET.indexOf(c) >= 0;
            digit |= isDigit(c);
        }
        if (fromAlphabet && (suffixLen == 5 || (suffixLen >= 6 && suffixLen <= 10 && digit))) {
            return true;
        }
        return allDigits(t, lastDash + 1, e) && suffixLen <= 5;
    }
}
