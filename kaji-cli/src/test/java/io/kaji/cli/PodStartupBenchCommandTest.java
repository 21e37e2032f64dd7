package io.kaji.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** What {@code kaji bench pod-startup} checks and computes without a cluster (the run itself needs root). */
class PodStartupBenchCommandTest {

    @Test
    void theMedianOfAnOddCountIsTheMiddleValueOfAnEvenOneTheMeanOfTheTwoMiddleOnes() {
        assertThat(PodStartupBenchCommand.median(List.of(10.4, 9.6, 10.6))).isEqualTo(10.4);
        assertThat(PodStartupBenchCommand.median(List.of(14.0, 12.0, 13.5, 12.5))).isEqualTo(13.0);
        assertThat(PodStartupBenchCommand.median(List.of(7.0))).isEqualTo(7.0);
    }

    @Test
    void eachBurstIsComparedWithTheFloorRunOfItsOwnRound() {
        assertThat(PodStartupBenchCommand.pairedShares(List.of(10.0, 9.0, 11.0), List.of(12.5, 10.0, 11.0)))
                .containsExactly(80.0, 90.0, 100.0);
        // More bursts than floor runs (or the other way round): only the rounds that had both.
        assertThat(PodStartupBenchCommand.pairedShares(List.of(10.0, 9.0, 11.0), List.of(12.5)))
                .containsExactly(80.0);
        assertThat(PodStartupBenchCommand.pairedShares(List.of(6.0), List.of(12.0, 10.0))).containsExactly(50.0);
        assertThat(PodStartupBenchCommand.pairedShares(List.of(6.0), List.of())).isEmpty();
    }

    @Test
    void badCountsAndShapesAreRefusedWithOneLine() {
        assertThat(run("--bursts", "0")).contains("--bursts and --floor-runs must be at least 1");
        assertThat(run("--floor-runs", "0")).contains("--bursts and --floor-runs must be at least 1");
        assertThat(run("--floor-shape", "round")).contains("--floor-shape: unknown shape \"round\"");
        assertThat(run("--warmup-jit-percent", "0")).contains("--warmup-jit-percent must be above 0");
    }

    private static String run(String... args) {
        CommandLine cl = new CommandLine(new PodStartupBenchCommand());
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err));
        cl.setOut(new PrintWriter(new StringWriter()));
        assertThat(cl.execute(args)).isEqualTo(2);
        return err.toString();
    }
}
