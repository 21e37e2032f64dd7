package io.kaji.support.logs;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class LogAnalyzerTest {

    private static final Instant T0 = Instant.parse("2026-11-26T10:00:00Z");

    private static String at(int minute, int second, String rest) {
        return T0.plusSeconds(minute * 60L + second) + " " + rest;
    }

    @Test
    void ranksPatternsAndFlagsNewAndBurstingOnes() {
        LogAnalyzer a = new LogAnalyzer();
        for (int m = 0; m < 60; m++) {
            a.add("shop/web-1/app", at(m, 0, "INFO served GET /products/" + m + " in " + (m % 7 + 2) + " ms"));
            if (m % 10 == 0 && m < 50) {
                a.add("shop/web-2/app", at(m, 5, "WARN slow query on table orders took " + (100 + m) + " ms"));
            }
        }
        for (int i = 0; i < 10; i++) {
            a.add("shop/web-2/app", at(51 + i % 9, 10 + i, "WARN slow query on table orders took " + (300 + i) + " ms"));
        }
        for (int i = 0; i < 3; i++) {
            a.add("shop/web-3/app", at(57, i, "ERROR payment provider refused connection to 10.0.0." + i + ":443"));
        }
        LogAnalyzer.Result r = a.result(Duration.ofMinutes(10));
        assertThat(r.lines()).isEqualTo(78);
        assertThat(r.from()).isEqualTo(T0);
        assertThat(r.to()).isEqualTo(T0.plusSeconds(59 * 60 + 18)); // the last slow query
        assertThat(r.patterns()).hasSize(3);
        assertThat(r.patterns().get(0).count()).isEqualTo(60);
        Map<String, LogAnalyzer.LogPattern> byTemplate = r.patterns().stream()
                .collect(Collectors.toMap(LogAnalyzer.LogPattern::template, Function.identity()));
        LogAnalyzer.LogPattern served = byTemplate.get("served GET <*> in <*> ms");
        assertThat(served).isNotNull();
        assertThat(served.level()).isEqualTo(LogAnalyzer.Level.INFO);
        assertThat(served.isNew()).isFalse();
        assertThat(served.bursting()).isFalse();
        assertThat(served.sources()).containsExactly("shop/web-1/app");
        LogAnalyzer.LogPattern slow = byTemplate.get("slow query on table orders took <*> ms");
        assertThat(slow.count()).isEqualTo(15);
        assertThat(slow.level()).isEqualTo(LogAnalyzer.Level.WARN);
        assertThat(slow.bursting()).as("10 in the last 10 min after 5 in the 49 before").isTrue();
        LogAnalyzer.LogPattern refused = byTemplate.get("payment provider refused connection to <*>");
        assertThat(refused.level()).isEqualTo(LogAnalyzer.Level.ERROR);
        assertThat(refused.isNew()).isTrue();
        assertThat(refused.firstSeen()).isEqualTo(T0.plusSeconds(57 * 60));
        assertThat(refused.example()).isEqualTo("payment provider refused connection to 10.0.0.0:443");

        String text = AnalysisReport.text(r, 2);
        assertThat(text).contains("78 lines, 3 patterns", "2 new or bursting in the last 10 min",
                "      60  info", "... 1 more (--top)");
        assertThat(AnalysisReport.json(r)).contains("\"template\" : \"payment provider refused connection to <*>\"",
                "\"new\" : true", "\"level\" : \"error\"");
        assertThat(AnalysisReport.html(r)).contains("<table id=\"t\">", "BURST").doesNotContain("http://", "https://");
    }

    @Test
    void linesWithoutTimesAreOrderedByLineNumberAndErrorsFoundByTheirWords() {
        LogAnalyzer a = new LogAnalyzer();
        a.add("app.log", "connection to db failed: timeout after 5s");
        a.add("app.log", "");
        a.add("app.log", "started worker 3");
        a.add("app.log", "connection to db failed: timeout after 7s");
        LogAnalyzer.Result r = a.result(Duration.ofMinutes(10));
        assertThat(r.lines()).isEqualTo(3);
        assertThat(r.from()).isNull();
        LogAnalyzer.LogPattern failed = r.patterns().get(0);
        assertThat(failed.count()).isEqualTo(2);
        assertThat(failed.level()).isEqualTo(LogAnalyzer.Level.ERROR);
        assertThat(failed.firstLine()).isEqualTo(1);
        assertThat(failed.lastLine()).isEqualTo(3);
        assertThat(failed.isNew()).isFalse();
        assertThat(AnalysisReport.text(r, 10)).contains("seen lines 1 .. 3; from app.log");
    }

    @Test
    void leadingTimesInTheUsualForms() {
        assertThat(LogAnalyzer.leadingTime("2026-11-26T10:00:00.123456789Z stdout F x"))
                .isEqualTo(Instant.parse("2026-11-26T10:00:00.123456789Z"));
        assertThat(LogAnalyzer.leadingTime("2026-11-26 10:00:00,5 INFO x")).isEqualTo(Instant.parse("2026-11-26T10:00:00.5Z"));
        assertThat(LogAnalyzer.leadingTime("2026-11-26T12:00:00+0200 x")).isEqualTo(Instant.parse("2026-11-26T10:00:00Z"));
        assertThat(LogAnalyzer.leadingTime("no time here")).isNull();
    }
}
