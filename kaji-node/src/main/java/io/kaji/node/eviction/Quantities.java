package io.kaji.node.eviction;

import io.fabric8.kubernetes.api.model.Quantity;
import java.math.BigDecimal;

/** Reading and printing resource quantities the way Kubernetes prints them in eviction messages. */
final class Quantities {

    private static final String[] BINARY = {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};

    private Quantities() {
    }

    /**
     * A byte count in Kubernetes' canonical binary form: the largest power-of-1024 suffix that divides it exactly
     * ({@code 104857600} is {@code 100Mi}, {@code 2048} is {@code 2Ki}, {@code 1536} stays {@code 1536}).
     */
    static String format(long bytes) {
        if (bytes == 0) {
            return "0";
        }
        long v = bytes;
        int i = 0;
        while (i < BINARY.length - 1 && v % 1024 == 0) {
            v /= 1024;
            i++;
        }
        return v + BINARY[i];
    }

    static String percent(double fraction) {
        BigDecimal p = BigDecimal.valueOf(fraction * 100).stripTrailingZeros();
        return p.toPlainString() + "%";
    }

    /** A quantity string ({@code 100Mi}, {@code 1G}, {@code 500}) as a whole number; rejects negative values. */
    static long parse(String text) {
        BigDecimal amount;
        try {
            amount = Quantity.getAmountInBytes(new Quantity(text));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("\"" + text + "\" is not a quantity (e.g. 100Mi, 1Gi, 500)");
        }
        if (amount.signum() < 0) {
            throw new IllegalArgumentException("\"" + text + "\" is negative");
        }
        return amount.longValue();
    }
}
