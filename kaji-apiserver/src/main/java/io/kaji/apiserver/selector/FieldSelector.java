package io.kaji.apiserver.selector;

import io.kaji.apiserver.errors.ApiException;
import io.kaji.apiserver.serialization.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * A parsed {@code fieldSelector}: {@code field=value}, {@code field==value} and {@code field!=value} terms, all of
 * which must hold. Which fields are allowed depends on the resource; metadata.name and metadata.namespace always are.
 * Immutable and thread-safe.
 */
public final class FieldSelector {

    /** One term; {@code equal} false means {@code !=}. */
    public record Term(String field, String value, boolean equal) {
    }

    /** Field labels whose value lives elsewhere in the object (Kubernetes' field label conversions). */
    private static final Map<String, String> PATHS = Map.of("source", "source.component");

    /** Fields whose unset value compares as a default (Kubernetes renders false/empty for them). */
    private static final Map<String, String> DEFAULTS = Map.of(
            "spec.hostNetwork", "false", "spec.unschedulable", "false");

    private static final FieldSelector EVERYTHING = new FieldSelector(List.of());

    private final List<Term> terms;

    private FieldSelector(List<Term> terms) {
        this.terms = List.copyOf(terms);
    }

    public static FieldSelector everything() {
        return EVERYTHING;
    }

    public List<Term> terms() {
        return terms;
    }

    public boolean isEverything() {
        return terms.isEmpty();
    }

    /** The value a term requires for {@code field} with {@code =}, or null (used to narrow lists by name). */
    public String exactValue(String field) {
        for (Term t : terms) {
            if (t.equal() && t.field().equals(field)) {
                return t.value();
            }
        }
        return null;
    }

    /**
     * Parses a selector, allowing {@code metadata.name}, {@code metadata.namespace} and {@code allowed}.
     *
     * @throws ApiException 400 BadRequest for syntax errors and unsupported fields
     */
    public static FieldSelector parse(String text, Set<String> allowed) {
        if (text == null || text.isBlank()) {
            return EVERYTHING;
        }
        List<Term> terms = new ArrayList<>();
        for (String part : text.split(",")) {
            String s = part.trim();
            Term t;
            int ne = s.indexOf("!=");
            int eq2 = s.indexOf("==");
            int eq = s.indexOf('=');
            if (ne > 0) {
                t = new Term(s.substring(0, ne).trim(), s.substring(ne + 2).trim(), false);
            } else if (eq2 > 0) {
                t = new Term(s.substring(0, eq2).trim(), s.substring(eq2 + 2).trim(), true);
            } else if (eq > 0) {
                t = new Term(s.substring(0, eq).trim(), s.substring(eq + 1).trim(), true);
            } else {
                throw ApiException.badRequest("invalid field selector: \"" + s + "\": expected an operator "
                        + "(=, == or !=)");
            }
            if (!t.field().equals("metadata.name") && !t.field().equals("metadata.namespace")
                    && !allowed.contains(t.field())) {
                throw ApiException.badRequest("field label not supported: " + t.field());
            }
            terms.add(t);
        }
        return new FieldSelector(terms);
    }

    public boolean matches(JsonNode object) {
        for (Term t : terms) {
            String actual = Json.text(object, PATHS.getOrDefault(t.field(), t.field()));
            if (actual == null) {
                actual = DEFAULTS.getOrDefault(t.field(), "");
            }
            if (actual.equals(t.value()) != t.equal()) {
                return false;
            }
        }
        return true;
    }
}
