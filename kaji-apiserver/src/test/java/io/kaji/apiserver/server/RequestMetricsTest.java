package io.kaji.apiserver.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaji.apiserver.handler.RequestInfo;
import io.kaji.apiserver.http.ApiRequest;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RequestMetricsTest {

    static Stream<Arguments> requests() {
        return Stream.of(
                Arguments.of("GET", "/api/v1/namespaces/default/pods", "", null, "LIST v1  pods  namespace"),
                Arguments.of("GET", "/api/v1/pods", "watch=true", null, "WATCH v1  pods  cluster"),
                Arguments.of("GET", "/api/v1/watch/namespaces/default/pods", "", null,
                        "WATCH v1  pods  namespace"),
                Arguments.of("GET", "/api/v1/namespaces/default/pods/web", "", null, "GET v1  pods  resource"),
                Arguments.of("POST", "/apis/apps/v1/namespaces/default/deployments", "dryRun=All", null,
                        "POST v1 apps deployments  resource All"),
                Arguments.of("POST", "/api/v1/namespaces/default/pods/web/binding", "", null,
                        "POST v1  pods binding resource"),
                Arguments.of("PATCH", "/api/v1/namespaces/default/configmaps/c", "", "application/apply-patch+yaml",
                        "APPLY v1  configmaps  resource"),
                Arguments.of("PATCH", "/api/v1/nodes/n1/status", "", "application/strategic-merge-patch+json",
                        "PATCH v1  nodes status resource"),
                Arguments.of("DELETE", "/api/v1/namespaces/default/secrets", "", null,
                        "DELETECOLLECTION v1  secrets  namespace"),
                Arguments.of("POST", "/api/v1/namespaces/default/pods/web/exec", "", null,
                        "CONNECT v1  pods exec resource"),
                Arguments.of("GET", "/healthz", "", null, "GET      "));
    }

    @ParameterizedTest(name = "{0} {1}?{2}")
    @MethodSource("requests")
    void labelsAreCleanedAsKubeApiserverCleansThem(String method, String path, String query, String contentType,
            String expected) {
        Map<String, List<String>> params = query.isEmpty() ? Map.of()
                : Map.of(query.substring(0, query.indexOf('=')), List.of(query.substring(query.indexOf('=') + 1)));
        ApiRequest req = new ApiRequest(method, path, params,
                name -> name.equalsIgnoreCase("Content-Type") ? contentType : null, null);
        RequestInfo info = path.startsWith("/api") ? RequestInfo.parse(path) : null;
        RequestMetrics.Labels l = RequestMetrics.Labels.of(req, info);
        assertThat(String.join(" ", l.verb(), l.version(), l.group(), l.resource(), l.subresource(), l.scope(),
                l.dryRun()).strip()).isEqualTo(expected.strip());
    }

    @Test
    void histogramBucketsAreCumulativeAndBoundsInclusive() {
        RequestMetrics.Histogram h = new RequestMetrics.Histogram();
        h.observe(0.001);
        h.observe(0.005);
        h.observe(0.0051);
        h.observe(0.7);
        h.observe(120);
        long[] c = h.cumulative();
        assertThat(c).hasSize(RequestMetrics.BUCKETS.length + 1);
        assertThat(c[0]).as("le=0.005").isEqualTo(2);
        assertThat(c[1]).as("le=0.025").isEqualTo(3);
        assertThat(c[6]).as("le=0.6").isEqualTo(3);
        assertThat(c[7]).as("le=0.8").isEqualTo(4);
        assertThat(c[RequestMetrics.BUCKETS.length - 1]).as("le=60").isEqualTo(4);
        assertThat(c[RequestMetrics.BUCKETS.length]).as("+Inf").isEqualTo(5);
        assertThat(h.sum()).isCloseTo(120.7111, org.assertj.core.data.Offset.offset(1e-9));
    }

    @Test
    void boundsAreWrittenAsPrometheusGoClientWritesThem() {
        assertThat(RequestMetrics.format(0.005)).isEqualTo("0.005");
        assertThat(RequestMetrics.format(1.0)).isEqualTo("1");
        assertThat(RequestMetrics.format(1.25)).isEqualTo("1.25");
        assertThat(RequestMetrics.format(60)).isEqualTo("60");
    }
}
