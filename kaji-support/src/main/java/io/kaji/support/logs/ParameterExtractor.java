package io.kaji.support.logs;

import java.util.ArrayList;
import java.util.List;

/**
 * Extracts the parameter values of a message under a template by aligning the template's tokens with the
 * message's original tokens. A token that is just {@code <*>} matches one or more message tokens; a token
 * with {@code <*>} inside ({@code uid=<*>}) matches one message token whose literal parts agree. Stateless
 * and thread-safe.
 */
public final class ParameterExtractor {

    private static final int MAX_STEPS = 10_000;

    private ParameterExtractor() {
    }

    /** The parameters in order, or an empty list when the message does not fit the template. */
    public static List<String> extract(String template, List<String> messageTokens) {
        String[] t = template.isBlank() ? new String[0] : template.trim().split(" +");
        List<String> out = new ArrayList<>();
        int[] steps = {0};
        return match(t, 0, messageTokens, 0, out, steps) ? out : List.of();
    }

    private static boolean match(String[] t, int ti, List<String> m, int mi, List<String> out, int[] steps) {
        if (++steps[0] > MAX_STEPS) {
            return false;
        }
        if (ti == t.length) {
            return mi == m.size();
        }
        if (mi == m.size()) {
            return false;
        }
        String tok = t[ti];
        int mark = out.size();
        if (tok.equals(Masker.WILDCARD)) {
            int maxTake = m.size() - mi - (t.length - ti - 1);
            for (int take = 1; take <= maxTake; take++) {
                out.add(String.join(" ", m.subList(mi, mi + take)));
                if (match(t, ti + 1, m, mi + take, out, steps)) {
                    return true;
                }
                out.subList(mark, out.size()).clear();
            }
            return false;
        }
        if (!tok.contains(Masker.WILDCARD)) {
            return tok.equals(m.get(mi)) && match(t, ti + 1, m, mi + 1, out, steps);
        }
        if (glob(tok, m.get(mi), out) && match(t, ti + 1, m, mi + 1, out, steps)) {
            return true;
        }
        out.subList(mark, out.size()).clear();
        return false;
    }

    /** Matches one token with wildcards inside, adding the captured parts; shortest capture first. */
    static boolean glob(String pattern, String text, List<String> out) {
        String[] literals = pattern.split("<\\*>", -1);
        if (!text.startsWith(literals[0])) {
            return false;
        }
        int pos = literals[0].length();
        List<String> captured = new ArrayList<>();
        for (int i = 1; i < literals.length; i++) {
            String lit = literals[i];
            int at;
            if (i == literals.length - 1) {
                at = text.length() - lit.length();
                if (at < pos || !text.endsWith(lit)) {
                    return false;
                }
            } else {
                at = lit.isEmpty() ? pos : text.indexOf(lit, pos);
                if (at < 0) {
                    return false;
                }
            }
            captured.add(text.substring(pos, at));
            pos = at + lit.length();
        }
        out.addAll(captured);
        return true;
    }
}
