package io.kaji.node.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kaji.node.runtime.StreamOptions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StreamRequestTest {

    @Test
    void execTakesTheCommandAndStreamsFromTheQuery() {
        StreamRequest r = StreamRequest.parse("/exec/default/web/main", Map.of(
                "command", List.of("sh", "-c", "echo hi"), "stdin", List.of("1"), "stdout", List.of("true"),
                "stderr", List.of("1")));
        assertThat(r.kind()).isEqualTo(StreamRequest.Kind.EXEC);
        assertThat(r.namespace()).isEqualTo("default");
        assertThat(r.pod()).isEqualTo("web");
        assertThat(r.uid()).isNull();
        assertThat(r.container()).isEqualTo("main");
        assertThat(r.command()).containsExactly("sh", "-c", "echo hi");
        assertThat(r.streams()).isEqualTo(new StreamOptions(true, true, true, false));
    }

    @Test
    void aTerminalMergesStderrIntoStdout() {
        StreamRequest r = StreamRequest.parse("/attach/ns/p/uid-1/c", Map.of("stdin", List.of("1"),
                "stdout", List.of("1"), "stderr", List.of("1"), "tty", List.of("1")));
        assertThat(r.kind()).isEqualTo(StreamRequest.Kind.ATTACH);
        assertThat(r.uid()).isEqualTo("uid-1");
        assertThat(r.container()).isEqualTo("c");
        assertThat(r.command()).isEmpty();
        assertThat(r.streams()).isEqualTo(new StreamOptions(true, true, false, true));
    }

    @Test
    void portForwardReadsBothPortSpellings() {
        StreamRequest r = StreamRequest.parse("/portForward/default/web", Map.of("ports", List.of("80,8080"),
                "port", List.of("9090")));
        assertThat(r.kind()).isEqualTo(StreamRequest.Kind.PORT_FORWARD);
        assertThat(r.container()).isNull();
        assertThat(r.streams()).isNull();
        assertThat(r.ports()).containsExactly(80, 8080, 9090);
        assertThat(StreamRequest.parse("/portForward/default/web/uid", Map.of()).ports()).isEmpty();
    }

    @Test
    void badRequestsSayWhatIsWrong() {
        assertThatThrownBy(() -> StreamRequest.parse("/exec/default/web/main", Map.of("stdout", List.of("1"))))
                .hasMessage("you must specify at least one command for the container");
        assertThatThrownBy(() -> StreamRequest.parse("/exec/default/web/main", Map.of("command", List.of("ls"))))
                .hasMessage("you must specify at least 1 of stdin, stdout, stderr");
        assertThatThrownBy(() -> StreamRequest.parse("/exec/default/web", Map.of()))
                .hasMessage("expected /exec/{namespace}/{pod}[/{uid}]/{container}, got /exec/default/web");
        assertThatThrownBy(() -> StreamRequest.parse("/portForward/default//x", Map.of()))
                .hasMessage("expected /portForward/{namespace}/{pod}[/{uid}], got /portForward/default//x");
        assertThatThrownBy(() -> StreamRequest.parse("/portForward/default/web", Map.of("ports", List.of("http"))))
                .hasMessageStartingWith("unable to parse \"http\" as a port");
        assertThatThrownBy(() -> StreamRequest.parse("/portForward/default/web", Map.of("ports", List.of("70000"))))
                .hasMessage("port \"70000\" must be > 0 and < 65536");
        assertThat(StreamRequest.kindOf("/containerLogs/a/b/c")).isNull();
    }
}
