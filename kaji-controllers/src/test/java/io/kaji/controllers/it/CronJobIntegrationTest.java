package io.kaji.controllers.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.batch.v1.CronJobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kaji.controllers.ControllerManager;
import io.kaji.controllers.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A CronJob fires on schedule under a clock the test moves, against a real API server. */
class CronJobIntegrationTest {

    private final MutableClock clock = new MutableClock(Instant.now());
    private ApiServerFixture api;
    private KubernetesClient client;
    private ControllerManager manager;

    @BeforeEach
    void start() throws Exception {
        api = new ApiServerFixture();
        client = api.client;
        manager = new ControllerManager(client, ControllerManager.Options.defaults("it-cron"), clock);
        manager.start();
        await().atMost(Duration.ofSeconds(30)).until(manager::isLeading);
    }

    @AfterEach
    void stop() throws Exception {
        manager.close();
        api.close();
    }

    private void advanceAndPoke(Duration d) {
        clock.advance(d);
        // A change to the CronJob makes the controller look now rather than at its (real-time) requeue. The
        // controller writes the status meanwhile, so a stale read is retried.
        await().atMost(Duration.ofSeconds(10)).ignoreExceptionsInstanceOf(io.fabric8.kubernetes.client.KubernetesClientException.class)
                .until(() -> {
                    client.batch().v1().cronjobs().inNamespace("default").withName("tick").edit(cj -> {
                        cj.getMetadata().getAnnotations().put("poke", clock.instant().toString());
                        return cj;
                    });
                    return true;
                });
    }

    private List<Job> jobs() {
        return client.batch().v1().jobs().inNamespace("default").list().getItems();
    }

    @Test
    void firesEveryMinuteAndHonoursForbid() {
        client.batch().v1().cronjobs().inNamespace("default").resource(new CronJobBuilder()
                .withNewMetadata().withName("tick").addToAnnotations("poke", "0").endMetadata()
                .withNewSpec().withSchedule("* * * * *").withConcurrencyPolicy("Forbid")
                .withNewJobTemplate().withNewSpec().withNewTemplate().withNewSpec().withRestartPolicy("Never")
                .addNewContainer().withName("c").withImage("busybox:1").endContainer().endSpec().endTemplate().endSpec()
                .endJobTemplate().endSpec().build()).create();
        // The test's clock starts where the API server put the CronJob's creation.
        clock.set(Instant.parse(client.batch().v1().cronjobs().inNamespace("default").withName("tick").get()
                .getMetadata().getCreationTimestamp()).plusMillis(500));
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5)).until(() -> jobs().isEmpty());

        advanceAndPoke(Duration.ofSeconds(61));
        await().atMost(Duration.ofSeconds(20)).until(() -> jobs().size() == 1);
        Job first = jobs().get(0);
        assertThat(first.getMetadata().getName()).matches("tick-\\d+");
        assertThat(first.getMetadata().getAnnotations()).containsKey("batch.kubernetes.io/cronjob-scheduled-timestamp");

        // The first run is still active: Forbid skips the next minute.
        advanceAndPoke(Duration.ofSeconds(60));
        await().atMost(Duration.ofSeconds(20)).until(() -> client.v1().events().inNamespace("default").list().getItems()
                .stream().anyMatch(e -> "JobAlreadyActive".equals(e.getReason())));
        assertThat(jobs()).hasSize(1);

        // It completes; the next minute runs again.
        client.batch().v1().jobs().inNamespace("default").withName(first.getMetadata().getName()).editStatus(j -> {
            j.setStatus(new io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder().withSucceeded(1)
                    .withCompletionTime(clock.instant().toString())
                    .addNewCondition().withType("Complete").withStatus("True").endCondition().build());
            return j;
        });
        advanceAndPoke(Duration.ofSeconds(60));
        await().atMost(Duration.ofSeconds(20)).until(() -> jobs().size() == 2);
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            var s = client.batch().v1().cronjobs().inNamespace("default").withName("tick").get().getStatus();
            return s != null && s.getLastScheduleTime() != null && s.getActive() != null && s.getActive().size() == 1;
        });
    }
}
