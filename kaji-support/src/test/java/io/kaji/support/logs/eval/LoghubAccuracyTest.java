package io.kaji.support.logs.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.kaji.support.logs.HeaderStripper;
import io.kaji.support.logs.MinerConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Loghub-2k evaluation: one default configuration for every dataset present in
 * ../shared/data/loghub2k (or KAJI_LOGHUB_DIR). Goal of issue 11: average GA >= 0.90 and no dataset
 * below 0.75. Without the data the test fails under CI and is skipped (visibly) elsewhere.
 */
class LoghubAccuracyTest {

    static final double MIN_AVERAGE_GA = 0.90;
    static final double MIN_DATASET_GA = 0.75;

    private static Path dir;

    @BeforeAll
    static void locateData() {
        Optional<Path> found = LoghubCorpus.locate();
        if (found.isEmpty() && System.getenv("CI") != null) {
            fail("Loghub-2k data not found at " + LoghubCorpus.whereLooked()
                    + "; CI needs the shared data folder beside the repository");
        }
        dir = found.orElse(null);
    }

    /** Each test is skipped, with the reason, when the data is absent outside CI. */
    private static Path data() {
        assumeTrue(dir != null, "Loghub-2k data not found at " + LoghubCorpus.whereLooked() + ": skipping");
        return dir;
    }

    @Test
    void groupingAccuracyMeetsTheGoalWithOneConfiguration() throws IOException {
        Path dir = data();
        List<LoghubEvaluation.Result> results = LoghubEvaluation.evaluateAll(dir, MinerConfig.defaults());
        String table = LoghubEvaluation.table(results);
        System.out.println("Loghub-2k, default configuration, data " + dir + "\n" + table);
        assertThat(results).as("datasets found in " + dir).isNotEmpty();
        double average = results.stream().mapToDouble(r -> r.metrics().ga()).average().orElse(0);
        for (LoghubEvaluation.Result r : results) {
            assertThat(r.metrics().ga()).as("GA of %s%n%s", r.dataset(), table).isGreaterThanOrEqualTo(MIN_DATASET_GA);
            assertThat(r.lines()).isPositive();
        }
        assertThat(average).as("average GA%n%s", table).isGreaterThanOrEqualTo(MIN_AVERAGE_GA);
    }

    @Test
    void headerStripperRecoversTheMessageOfStandardFormats() throws IOException {
        Path dir = data();
        HeaderStripper stripper = new HeaderStripper();
        // Datasets whose raw lines use common header formats (ctime/level, ISO+level+logger, syslog, klog-like);
        // BGL and OpenStack prefix non-standard fields (node ids, file names) and are not expected to strip.
        int checked = 0;
        for (String name : List.of("Apache", "HDFS", "Hadoop", "Linux", "Spark", "Zookeeper")) {
            Path raw = dir.resolve(name).resolve(name + "_2k.log");
            if (!Files.isRegularFile(raw)) {
                continue;
            }
            List<String> lines = Files.readAllLines(raw, StandardCharsets.UTF_8);
            List<String> contents = LoghubCorpus.load(dir, name).contents();
            int same = 0;
            for (int i = 0; i < contents.size(); i++) {
                if (stripper.message(lines.get(i)).strip().equals(contents.get(i).strip())) {
                    same++;
                }
            }
            assertThat((double) same / contents.size()).as("share of %s lines stripped to their Content", name)
                    .isGreaterThanOrEqualTo(0.99);
            checked++;
        }
        assertThat(checked).isPositive();
    }
}
