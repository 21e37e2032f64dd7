package io.kaji.apiserver.admission;

import java.math.BigDecimal;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * Resource quantities ({@code 100m}, {@code 1Gi}, {@code 2}) as plugins compare and add them: the admission plugins'
 * name for {@link io.kaji.quota.Quantities} (kaji-quota), which the ResourceQuota controller uses too. Stateless.
 */
public final class Quantities {

    private Quantities() {
    }

    /**
     * The amount {@code text} stands for.
     *
     * @throws IllegalArgumentException when it is not a quantity
     */
    public static BigDecimal amount(String text) {
        return io.kaji.quota.Quantities.amount(text);
    }

    /** A resource list ({@code {"cpu":"100m"}}) as names to their text, sorted by name; empty for anything else. */
    public static Map<String, String> list(JsonNode node) {
        return io.kaji.quota.Quantities.list(node);
    }

    /** {@code amount} written the way Kubernetes prints quantities: plain, or with a milli suffix below one. */
    public static String format(BigDecimal amount) {
        return io.kaji.quota.Quantities.format(amount);
    }
}
