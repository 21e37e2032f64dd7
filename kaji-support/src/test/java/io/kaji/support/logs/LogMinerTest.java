package io.kaji.support.logs;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LogMinerTest {

    @Test
    void generalisesDifferingTokensAsLinesArrive() {
        LogMiner miner = new LogMiner();
        Match first = miner.add("Connected to server alpha on port 80");
        assertThat(first.change()).isEqualTo(Match.Change.CREATED);
        assertThat(first.template()).isEqualTo("Connected to server alpha on port <*>");
        Match second = miner.add("Connected to server beta on port 443");
        assertThat(second.clusterId()).isEqualTo(first.clusterId());
        assertThat(second.change()).isEqualTo(Match.Change.GENERALIZED);
        assertThat(second.template()).isEqualTo("Connected to server <*> on port <*>");
        Match third = miner.add("Connected to server gamma on port 8080");
        assertThat(third.change()).isEqualTo(Match.Change.MATCHED);
        assertThat(third.clusterSize()).isEqualTo(3);
    }

    @Test
    void keepsDifferentEventsApart() {
        LogMiner miner = new LogMiner();
        long a = miner.add("Starting worker pool with 4 threads").clusterId();
        long b = miner.add("Stopping worker pool after 12 jobs").clusterId();
        long c = miner.add("disk quota exceeded for volume 7").clusterId();
        assertThat(List.of(a, b, c)).doesNotHaveDuplicates();
        assertThat(miner.add("Starting worker pool with 16 threads").clusterId()).isEqualTo(a);
        assertThat(miner.clusterCount()).isEqualTo(3);
    }

    @Test
    void similarityThresholdDecides() {
        String x = "user session opened for alice from office";
        String y = "user session closed for bob from home";
        LogMiner loose = new LogMiner(MinerConfig.defaults().withSimilarityThreshold(0.4));
        assertThat(loose.add(x).clusterId()).isEqualTo(loose.add(y).clusterId());
        LogMiner strict = new LogMiner(MinerConfig.defaults().withSimilarityThreshold(0.7));
        assertThat(strict.add(x).clusterId()).isNotEqualTo(strict.add(y).clusterId());
    }

    @Test
    void routesByLengthAndLeadingTokens() {
        LogMiner miner = new LogMiner();
        long a = miner.add("alpha beta gamma delta").clusterId();
        long b = miner.add("alpha beta gamma delta epsilon").clusterId();
        long c = miner.add("omega beta gamma delta").clusterId();
        assertThat(List.of(a, b, c)).as("other length, other first token").doesNotHaveDuplicates();
    }

    @Test
    void keyValueTokensKeepTheirKeyWhenGeneralised() {
        LogMiner miner = new LogMiner();
        miner.add("login failed for user=root tty=console");
        Match m = miner.add("login failed for user=guest tty=console");
        assertThat(m.template()).isEqualTo("login failed for user=<*> tty=console");
        assertThat(miner.parameters(m.template(), "login failed for user=admin tty=console")).containsExactly("admin");
    }

    @Test
    void mergesTemplatesThatDifferOnlyInTheLengthOfAParameter() {
        LogMiner miner = new LogMiner();
        long a = miner.add("Removing files 1 2 from cache store").clusterId();
        miner.add("Removing files 3 4 from cache store");
        long b = miner.add("Removing files 5 from cache store").clusterId();
        assertThat(miner.resolve(b)).isEqualTo(miner.resolve(a));
        assertThat(miner.template(a).template()).isEqualTo("Removing files <*> from cache store");
        assertThat(miner.template(a).size()).isEqualTo(3);

        LogMiner fixed = new LogMiner(MinerConfig.defaults().withMergeVariableLength(false));
        long c = fixed.add("Removing files 1 2 from cache store").clusterId();
        long d = fixed.add("Removing files 5 from cache store").clusterId();
        assertThat(c).isNotEqualTo(d);
    }

    @Test
    void doesNotMergeTemplatesThatAreMostlyWildcards() {
        LogMiner miner = new LogMiner();
        long a = miner.add("x 1 2 3").clusterId();
        long b = miner.add("x 4").clusterId();
        assertThat(miner.resolve(a)).isNotEqualTo(miner.resolve(b));
    }

    @Test
    void extractsParametersIncludingVariableLengthOnes() {
        LogMiner miner = new LogMiner();
        Match m = miner.add("session opened for user root by (uid=0)");
        assertThat(miner.parameters("session opened for user <*> by (uid=<*>)", "session opened for user news by (uid=9)"))
                .containsExactly("news", "9");
        assertThat(miner.parameters("copied <*> to <*>", "copied a b c to d")).containsExactly("a b c", "d");
        assertThat(miner.parameters(m.template(), "something else entirely")).isEmpty();
    }

    @Test
    void matchDoesNotLearn() {
        LogMiner miner = new LogMiner();
        miner.add("cache hit for key alpha");
        assertThat(miner.match("cache hit for key beta")).isNotNull();
        assertThat(miner.match("completely different line here")).isNull();
        assertThat(miner.templates()).singleElement().satisfies(t -> {
            assertThat(t.template()).isEqualTo("cache hit for key alpha");
            assertThat(t.size()).isEqualTo(1);
        });
    }

    @Test
    void lruBoundsClustersAndTree() {
        LogMiner miner = new LogMiner(MinerConfig.defaults().withMaxClusters(50));
        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            String w = word(i);
            ids.add(miner.add(w + " event " + w + " happened in " + w).clusterId());
            miner.add("heartbeat from keeper " + i); // stays recent: one cluster
        }
        assertThat(miner.clusterCount()).isLessThanOrEqualTo(50);
        assertThat(miner.treeNodeCount()).isLessThan(200);
        assertThat(miner.template(ids.get(0))).as("evicted").isNull();
        assertThat(miner.template(ids.get(999))).isNotNull();
        assertThat(miner.templates()).anySatisfy(t -> assertThat(t.template()).isEqualTo("heartbeat from keeper <*>"));
    }

    @Test
    void onlyAddingCountsAsUseForTheLru() {
        LogMiner miner = new LogMiner(MinerConfig.defaults().withMaxClusters(2));
        long a = miner.add("alpha service started").clusterId();
        long b = miner.add("beta worker stopped now").clusterId();
        assertThat(miner.template(a)).isNotNull(); // a look-up, not a use
        miner.add("gamma job failed badly today");
        assertThat(miner.template(a)).as("least recently added").isNull();
        assertThat(miner.template(b)).isNotNull();
        miner.add("beta worker stopped now"); // a use: b is now the most recent
        miner.add("delta queue drained at last ok fine");
        assertThat(miner.template(b)).isNotNull();
        assertThat(miner.clusterCount()).isEqualTo(2);
    }

    @Test
    void templatesAreRankedBySize() {
        LogMiner miner = new LogMiner();
        miner.add("rare event happened");
        for (int i = 0; i < 3; i++) {
            miner.add("common event number " + i);
        }
        assertThat(miner.templates()).extracting(Template::size).containsExactly(3L, 1L);
    }

    @Test
    void isSafeToFeedFromSeveralThreads() throws InterruptedException {
        LogMiner miner = new LogMiner();
        Thread[] threads = new Thread[4];
        for (int t = 0; t < threads.length; t++) {
            int id = t;
            threads[t] = new Thread(() -> {
                for (int i = 0; i < 2000; i++) {
                    miner.add("worker " + id + " processed item " + i + " in " + (i % 7) + "ms");
                }
            });
            threads[t].start();
        }
        for (Thread th : threads) {
            th.join();
        }
        assertThat(miner.templates()).extracting(Template::size).containsExactly(8000L);
    }

    /** A distinct alphabetic word per i (no digits, so it is not masked). */
    static String word(int i) {
        StringBuilder sb = new StringBuilder("w");
        int n = i;
        do {
            sb.append((char) ('a' + n % 26));
            n /= 26;
        } while (n > 0);
        return sb.toString();
    }
}
