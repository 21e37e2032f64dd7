package io.kaji.quota;

import io.fabric8.kubernetes.api.model.Quantity;
import java.math.BigDecimal;
import java.util.Map;
import java.util.TreeMap;
import tools.jackson.databind.JsonNode;

/**
 * Resource quantities ({@code 100m}, {@code 1Gi}, {@code 2}) as quota evaluation and admission plugins compare and
 * add them, parsed by the fabric8 model's {@link Quantity}. Stateless.
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
        try {
            return new Quantity(text).getNumericalAmount();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("quantity \"" + text + "\" is not valid", e);
        }
    }

    /** A resource list ({@code {"cpu":"100m"}}) as names to their text, sorted by name; empty for anything else. */
    public static Map<String, String> list(JsonNode node) {
        Map<String, String> out = new TreeMap<>();
        if (node != null && node.isObject()) {
            node.properties().forEach(e -> out.put(e.getKey(), e.getValue().asString("")));
        }
        return out;
    }

    /** {@code amount} written the way Kubernetes prints quantities: plain, or with a milli suffix below one. */
    public static String format(BigDecimal amount) {
        BigDecimal stripped = amount.stripTrailingZeros();
        if (stripped.scale() <= 0) {
            return stripped.toBigInteger().toString();
        }
        BigDecimal milli = stripped.movePointRight(3);
        if (milli.stripTrailingZeros().scale() <= 0) {
            return milli.toBigInteger() + "m";
        }
        return stripped.toPlainString();
    }
}
