package io.kaji.node.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class HistogramTest {

    @Test
    void countsAreCumulativeAndABoundHoldsItsOwnValue() {
        Histogram h = new Histogram(new double[] {0.1, 1, 2.5});
        h.observe(0.05);
        h.observe(0.1);
        h.observe(0.7);
        h.observe(3);
        Histogram.Snapshot s = h.snapshot();
        assertThat(s.cumulative()).containsExactly(2, 3, 3, 4);
        assertThat(s.count()).isEqualTo(4);
        assertThat(s.sum()).isCloseTo(3.85, org.assertj.core.data.Offset.offset(1e-9));
    }

    @Test
    void rendersTheTextFormatWithAndWithoutLabels() {
        Histogram h = new Histogram(new double[] {0.005, 1, 2.5});
        h.observe(0.5);
        StringBuilder out = new StringBuilder();
        h.snapshot().render(out, "x_seconds", "operation_type=\"sync\"");
        h.snapshot().render(out, "y_seconds", "");
        assertThat(out.toString()).isEqualTo("""
                x_seconds_bucket{operation_type="sync",le="0.005"} 0
                x_seconds_bucket{operation_type="sync",le="1"} 1
                x_seconds_bucket{operation_type="sync",le="2.5"} 1
                x_seconds_bucket{operation_type="sync",le="+Inf"} 1
                x_seconds_sum{operation_type="sync"} 0.500000
                x_seconds_count{operation_type="sync"} 1
                y_seconds_bucket{le="0.005"} 0
                y_seconds_bucket{le="1"} 1
                y_seconds_bucket{le="2.5"} 1
                y_seconds_bucket{le="+Inf"} 1
                y_seconds_sum 0.500000
                y_seconds_count 1
                """);
    }

    @Test
    void exponentialBucketsAreTheKubeletsRuntimeOperationBounds() {
        double[] b = Histogram.exponentialBuckets(0.005, 2.5, 14);
        assertThat(b).hasSize(14);
        assertThat(b[0]).isEqualTo(0.005);
        assertThat(b[1]).isEqualTo(0.0125);
        assertThat(b[13]).isCloseTo(0.005 * Math.pow(2.5, 13), org.assertj.core.data.Offset.offset(1e-6));
        assertThatThrownBy(() -> Histogram.exponentialBuckets(0, 2, 3)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Histogram(new double[] {1, 1})).isInstanceOf(IllegalArgumentException.class);
    }
}
