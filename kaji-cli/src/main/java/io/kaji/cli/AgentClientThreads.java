package io.kaji.cli;

import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientImpl;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadFactory;

/**
 * Where the node agent's API client runs its asynchronous work: on virtual threads instead of fabric8's two cached
 * pools of platform threads (the JDK HTTP client's executor and the client's task executor: with them an agent with
 * 30 pods had 65 threads, without them 41–43; docs/footprint.md). Both pools are unbounded and start a
 * thread per task when none is idle, so a new virtual thread per task keeps their semantics (informer callbacks
 * still run in order: fabric8 serialises them itself over whatever executor it is given).
 *
 * <p>Only from JDK 24 on, where a virtual thread blocked in {@code synchronized} code releases its carrier (JEP 491):
 * fabric8 and the JDK HTTP client call back into code that synchronises, and on JDK 21 a few such blocked calls
 * could pin every carrier. On older JDKs {@link #apply} leaves fabric8's defaults.
 */
final class AgentClientThreads {

    /** JDK feature release from which virtual threads do not pin their carrier in {@code synchronized}. */
    static final int FIRST_JDK = 24;

    private static final ThreadFactory HTTP = Thread.ofVirtual().name("kaji-api-http-", 0).factory();
    private static final ThreadFactory TASKS = Thread.ofVirtual().name("kaji-api-task-", 0).factory();

    private AgentClientThreads() {
    }

    /** Whether {@link #apply} changes anything on a JDK of this feature release. */
    static boolean enabled(int jdk) {
        return jdk >= FIRST_JDK;
    }

    /**
     * The HTTP client factory for the agent's clients on this JDK (fabric8's JDK client below {@link #FIRST_JDK}),
     * offering ChaCha20-Poly1305 first on a JVM without C2 ({@link io.kaji.node.server.ChaChaFirst}).
     */
    static HttpClient.Factory httpClientFactory() {
        return enabled(Runtime.version().feature()) ? new VirtualThreadJdkHttpClients() : new JdkHttpClientFactory() {
            @Override
            protected java.net.http.HttpClient.Builder createNewHttpClientBuilder() {
                return io.kaji.node.server.ChaChaFirst.apply(super.createNewHttpClientBuilder());
            }
        };
    }

    /**
     * Gives {@code builder} the agent's task executor (on JDK {@link #FIRST_JDK}+); the HTTP side is
     * {@link #httpClientFactory()}, which the caller passes itself (it may wrap it).
     */
    static KubernetesClientBuilder apply(KubernetesClientBuilder builder) {
        if (enabled(Runtime.version().feature())) {
            builder.withTaskExecutor(AgentClientThreads::runTask);
        }
        return builder;
    }

    private static void runTask(Runnable task) {
        TASKS.newThread(task).start();
    }

    /**
     * fabric8's JDK HTTP client whose {@code java.net.http.HttpClient} runs response handling and dependent tasks
     * on a new virtual thread each; the client's selector thread stays as it is.
     */
    static final class VirtualThreadJdkHttpClients extends JdkHttpClientFactory {

        private static final Executor EXECUTOR = task -> HTTP.newThread(task).start();

        @Override
        protected java.net.http.HttpClient.Builder createNewHttpClientBuilder() {
            return io.kaji.node.server.ChaChaFirst.apply(java.net.http.HttpClient.newBuilder().executor(EXECUTOR));
        }

        @Override
        protected void closeHttpClient(JdkHttpClientImpl client) {
            // fabric8 shuts its own pool down here; the shared virtual-thread executor has nothing to shut down
        }
    }
}
