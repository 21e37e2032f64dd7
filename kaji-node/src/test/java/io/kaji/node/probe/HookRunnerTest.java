package io.kaji.node.probe;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LifecycleHandler;
import io.fabric8.kubernetes.api.model.LifecycleHandlerBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.kaji.node.runtime.ContainerRuntime;
import io.kaji.node.runtime.ExecResult;
import java.lang.reflect.Proxy;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Lifecycle hooks: exec results, HTTP answered or not, sleep bounded by the limit, with the kubelet's messages. */
class HookRunnerTest {

    private static final Pod POD = new PodBuilder().withNewMetadata().withName("web").withNamespace("shop")
            .withUid("u-1").endMetadata().build();
    private static final Container C = new ContainerBuilder().withName("app").build();

    /** A runtime whose ExecSync exits with {@code code}, printing {@code out} and {@code err}. */
    private static ContainerRuntime exec(int code, String out, String err) {
        return (ContainerRuntime) Proxy.newProxyInstance(ContainerRuntime.class.getClassLoader(),
                new Class<?>[] {ContainerRuntime.class}, (proxy, method, args) -> {
                    if (method.getName().equals("execSync")) {
                        return new ExecResult(code, out.getBytes(StandardCharsets.UTF_8),
                                err.getBytes(StandardCharsets.UTF_8));
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }

    private static LifecycleHandler execHook(String... command) {
        return new LifecycleHandlerBuilder().withNewExec().withCommand(command).endExec().build();
    }

    @Test
    void execHooks() {
        ProbeTarget target = new ProbeTarget("127.0.0.1", C, "cid");
        assertThat(new HookRunner(exec(0, "", "")).run(execHook("true"), POD, target, Duration.ofSeconds(1))).isNull();
        assertThat(new HookRunner(exec(3, "no\n", "bad")).run(execHook("sh", "-c", "exit 3"), POD, target,
                Duration.ofSeconds(1))).isEqualTo("Exec lifecycle hook ([sh -c exit 3]) for Container \"app\" in Pod "
                + "\"web_shop(u-1)\" failed - error: command 'sh -c exit 3' exited with 3: bad, message: \"no\\nbad\"");
    }

    @Test
    void httpHooksFailOnlyWithoutAnAnswer() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", ex -> {
            ex.sendResponseHeaders(500, -1);
            ex.close();
        });
        server.start();
        try {
            HookRunner hooks = new HookRunner(exec(0, "", ""));
            ProbeTarget target = new ProbeTarget("127.0.0.1", C, "cid");
            LifecycleHandler answered = new LifecycleHandlerBuilder().withNewHttpGet().withPath("/stop")
                    .withPort(new IntOrString(server.getAddress().getPort())).endHttpGet().build();
            assertThat(hooks.run(answered, POD, target, Duration.ofSeconds(2))).as("a 500 is an answer").isNull();
            int closed;
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                closed = s.getLocalPort();
            }
            LifecycleHandler refused = new LifecycleHandlerBuilder().withNewHttpGet().withPath("/stop")
                    .withPort(new IntOrString(closed)).endHttpGet().build();
            assertThat(hooks.run(refused, POD, target, Duration.ofSeconds(2))).isEqualTo("HTTP lifecycle hook (/stop) "
                    + "for Container \"app\" in Pod \"web_shop(u-1)\" failed - error: Get \"http://127.0.0.1:" + closed
                    + "/stop\": dial tcp 127.0.0.1:" + closed + ": connect: connection refused");
        } finally {
            server.stop(0);
        }
    }

    @Test
    void sleepIsCutAtTheLimit() {
        LifecycleHandler sleep = new LifecycleHandlerBuilder().withNewSleep().withSeconds(30L).endSleep().build();
        long t0 = System.nanoTime();
        assertThat(new HookRunner(exec(0, "", "")).run(sleep, POD, new ProbeTarget("", C, "cid"),
                Duration.ofMillis(300))).isNull();
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isBetween(Duration.ofMillis(250), Duration.ofSeconds(5));
        assertThat(new HookRunner(exec(0, "", "")).run(new LifecycleHandlerBuilder().withNewTcpSocket()
                .withPort(new IntOrString(80)).endTcpSocket().build(), POD, new ProbeTarget("", C, "cid"),
                Duration.ofSeconds(1))).contains("tcpSocket is not supported");
    }
}
