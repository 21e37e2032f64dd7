package io.kaji.bench.apiserver;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** {@code kaji bench apiserver} in small: a real API server over HTTPS, creates and the four LISTs. */
class ApiServerBenchmarkTest {

    @Test
    void createsAndListsEveryWayWithTheRightCounts() throws Exception {
        StringWriter text = new StringWriter();
        // 20 creates after 10 warm-up ones, 20 more paced at 200/s; 600 pods listed (two pages of 500 for the paged
        // Table), 2 timed LISTs
        var settings = new ApiServerBenchmark.Settings(4, 20, 10, 0, 600, 2, 0, 0, 0, 0, 0, 1, 200);

        boolean ok = new ApiServerBenchmark(settings, new PrintWriter(text, true)).run();

        String out = text.toString();
        assertThat(ok).as(out).isTrue();
        assertThat(out).contains("creates: 4 clients, 20 pods", "0 errors", "warm-up: 10 creates",
                "warm-up: its 10 pods deleted");
        assertThat(out).containsPattern("creates at 200/s \\(open loop over the same 4 connections, .*\\): 20 pods in "
                + "0\\.\\d\\d s, \\d+/s achieved; latency p50 .*; 0 errors");
        assertThat(out).contains("list: JSON, one namespace, GET /api/v1/namespaces/bench-list/pods (600 items");
        // all namespaces: the listed pods and the measured creates, closed-loop and paced (the warm-up's were deleted)
        assertThat(out).contains("list: JSON, all namespaces, GET /api/v1/pods (640 items");
        assertThat(out).contains("list: Table, one namespace, GET /api/v1/namespaces/bench-list/pods (600 items");
        assertThat(out).contains("list: Table, pages of 500 (kubectl get), GET /api/v1/namespaces/bench-list/pods"
                + "?limit=500 (600 items").contains(", 2 pages)");
    }
}
