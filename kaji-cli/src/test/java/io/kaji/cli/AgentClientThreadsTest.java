package io.kaji.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class AgentClientThreadsTest {

    @Test
    void virtualThreadsOnlyWhereSynchronizedDoesNotPinThem() {
        assertThat(AgentClientThreads.enabled(21)).isFalse();
        assertThat(AgentClientThreads.enabled(23)).isFalse();
        assertThat(AgentClientThreads.enabled(24)).isTrue();
        assertThat(AgentClientThreads.enabled(25)).isTrue();
    }

    @Test
    void theHttpClientsRunTheirWorkOnVirtualThreads() throws Exception {
        HttpClient.Factory factory = AgentClientThreads.httpClientFactory();
        assertThat(factory).isInstanceOf(JdkHttpClientFactory.class);
        if (!AgentClientThreads.enabled(Runtime.version().feature())) {
            return; // fabric8's own factory on this JDK
        }
        java.net.http.HttpClient jdk = ((AgentClientThreads.VirtualThreadJdkHttpClients) factory)
                .createNewHttpClientBuilder().build();
        CompletableFuture<Thread> ran = new CompletableFuture<>();
        jdk.executor().orElseThrow().execute(() -> ran.complete(Thread.currentThread()));
        Thread t = ran.get(10, TimeUnit.SECONDS);
        assertThat(t.isVirtual()).isTrue();
        assertThat(t.getName()).startsWith("kaji-api-http-");
    }
}
