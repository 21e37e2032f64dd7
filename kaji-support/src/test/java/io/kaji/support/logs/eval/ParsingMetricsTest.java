package io.kaji.support.logs.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class ParsingMetricsTest {

    @Test
    void perfectParseScoresOne() {
        ParsingMetrics m = ParsingMetrics.of(List.of("x", "x", "y"), List.of("a <*>", "a <*>", "b"),
                List.of("E1", "E1", "E2"), List.of("a <*>", "a <*>", "b"));
        assertThat(m.ga()).isEqualTo(1.0);
        assertThat(m.fga()).isEqualTo(1.0);
        assertThat(m.pa()).isEqualTo(1.0);
    }

    @Test
    void overMergedGroupCountsAllItsLinesWrong() {
        // truth: E1 = {0,1}, E2 = {2}, E3 = {3}; parsed: p = {0,1,2}, q = {3}
        ParsingMetrics m = ParsingMetrics.of(List.of("p", "p", "p", "q"), List.of("t", "t", "t", "u"),
                List.of("E1", "E1", "E2", "E3"), List.of("t", "t", "v", "u"));
        assertThat(m.ga()).isEqualTo(0.25);
        // one correct group of 2 parsed and 3 true: P = 1/2, R = 1/3
        assertThat(m.fga()).isCloseTo(2 * 0.5 / 3 / (0.5 + 1.0 / 3), within(1e-9));
        assertThat(m.pa()).isEqualTo(0.75);
        assertThat(m.parsedGroups()).isEqualTo(2);
        assertThat(m.trueGroups()).isEqualTo(3);
    }

    @Test
    void splitGroupCountsAllItsLinesWrong() {
        ParsingMetrics m = ParsingMetrics.of(List.of("p", "q", "r"), List.of("t", "t", "u"),
                List.of("E1", "E1", "E2"), List.of("t", "t", "u"));
        assertThat(m.ga()).isCloseTo(1.0 / 3, within(1e-9));
    }

    @Test
    void templateComparisonCollapsesAdjacentWildcards() {
        assertThat(ParsingMetrics.normalize(" a  <*> <*>  b <*><*>")).isEqualTo("a <*> b <*>");
    }
}
