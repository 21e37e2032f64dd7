package io.kaji.apiserver.flowcontrol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kaji.apiserver.auth.Attributes;
import io.kaji.apiserver.auth.UserInfo;
import io.kaji.apiserver.errors.ApiException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FlowControlTest {

    private static UserInfo user(String name, String... groups) {
        return new UserInfo(name, "", List.of(groups), Map.of());
    }

    @ParameterizedTest(name = "{0} {1} {2}/{3} in {4} -> {5}")
    @CsvSource({
            "kaji-admin,kaji:cluster-admins,update,leases,kube-node-lease,NODE_HIGH",
            "system:node:a,system:nodes,update,leases,kube-node-lease,NODE_HIGH",
            "system:node:a,system:nodes,patch,nodes,'',NODE_HIGH",
            "system:node:a,system:nodes,patch,pods,default,SYSTEM",
            "system:kube-controller-manager,'',update,leases,kube-system,LEADER_ELECTION",
            "system:kube-scheduler,'',create,pods,default,WORKLOAD_HIGH",
            "system:serviceaccount:kube-system:x,system:serviceaccounts,list,pods,default,WORKLOAD_HIGH",
            "system:serviceaccount:team:op,system:serviceaccounts,list,pods,team,WORKLOAD_LOW",
            "kaji-admin,kaji:cluster-admins,create,pods,default,GLOBAL_DEFAULT",
            "kaji-admin,kaji:cluster-admins,update,leases,kube-system,GLOBAL_DEFAULT",
            "root,system:masters,create,pods,default,EXEMPT",
    })
    void classifiesLikeKubernetesDefaultFlowSchemas(String name, String group, String verb, String resource,
                                                    String namespace, PriorityLevel expected) {
        UserInfo u = group.isEmpty() ? user(name) : user(name, group);
        String apiGroup = resource.equals("leases") ? "coordination.k8s.io" : "";
        Attributes a = Attributes.resource(u, verb, namespace, apiGroup, resource, "", "x");
        assertThat(PriorityLevel.classify(a)).isEqualTo(expected);
    }

    @Test
    void heartbeatsOvertakeQueuedWorkloadsAndWorkloadsTakeTurns() throws Exception {
        FlowControl fc = new FlowControl(1, 100, Duration.ofSeconds(10));
        List<String> order = Collections.synchronizedList(new ArrayList<>());
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            FlowControl.Seat held = fc.acquire(PriorityLevel.GLOBAL_DEFAULT);
            CountDownLatch done = new CountDownLatch(5);
            Runnable[] starts = {
                    () -> run(fc, PriorityLevel.GLOBAL_DEFAULT, "user-1", order, done),
                    () -> run(fc, PriorityLevel.GLOBAL_DEFAULT, "user-2", order, done),
                    () -> run(fc, PriorityLevel.WORKLOAD_HIGH, "controller-1", order, done),
                    () -> run(fc, PriorityLevel.NODE_HIGH, "heartbeat", order, done),
                    () -> run(fc, PriorityLevel.LEADER_ELECTION, "election", order, done)};
            PriorityLevel[] levels = {PriorityLevel.GLOBAL_DEFAULT, PriorityLevel.GLOBAL_DEFAULT,
                    PriorityLevel.WORKLOAD_HIGH, PriorityLevel.NODE_HIGH, PriorityLevel.LEADER_ELECTION};
            int[] queuedBefore = {1, 2, 1, 1, 1};
            for (int i = 0; i < starts.length; i++) {
                pool.execute(starts[i]);
                assertThat(fc.awaitQueued(levels[i], queuedBefore[i], 5000)).isTrue();
            }
            assertThat(order).isEmpty();
            held.close();
            assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        }
        // Housekeeping first (node heartbeats before leader election), then the workload levels in turn, each FIFO.
        assertThat(order).containsExactly("heartbeat", "election", "controller-1", "user-1", "user-2");
        assertThat(fc.inUse()).isZero();
    }

    private static void run(FlowControl fc, PriorityLevel level, String name, List<String> order, CountDownLatch done) {
        try (FlowControl.Seat s = fc.acquire(level)) {
            order.add(name);
        }
        done.countDown();
    }

    @Test
    void refusesWith429WhenTheQueueIsFullOrTheWaitTooLong() {
        FlowControl fc = new FlowControl(1, 0, Duration.ofMillis(50));
        try (FlowControl.Seat s = fc.acquire(PriorityLevel.WORKLOAD_LOW)) {
            assertThatThrownBy(() -> fc.acquire(PriorityLevel.WORKLOAD_LOW))
                    .isInstanceOfSatisfying(ApiException.class, e -> {
                        assertThat(e.code()).isEqualTo(429);
                        assertThat(e.reason()).isEqualTo("TooManyRequests");
                        assertThat(e.getMessage()).isEqualTo("Too many requests, please try again later.");
                        assertThat(e.toStatus().at("/details/retryAfterSeconds").asInt()).isEqualTo(1);
                    });
        }
        FlowControl waiting = new FlowControl(1, 10, Duration.ofMillis(50));
        try (FlowControl.Seat s = waiting.acquire(PriorityLevel.GLOBAL_DEFAULT)) {
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> waiting.acquire(PriorityLevel.GLOBAL_DEFAULT)).isInstanceOf(ApiException.class);
            assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(50));
        }
        assertThat(waiting.inUse()).isZero();
        assertThat(waiting.metrics()).contains("apiserver_flowcontrol_rejected_requests_total{priority_level=\"global-default\"} 1");
    }

    @Test
    void exemptRequestsNeverWaitAndHoldNoSeat() {
        FlowControl fc = new FlowControl(1, 0, Duration.ofMillis(10));
        try (FlowControl.Seat s = fc.acquire(PriorityLevel.GLOBAL_DEFAULT);
             FlowControl.Seat e = fc.acquire(PriorityLevel.EXEMPT)) {
            assertThat(e.level()).isEqualTo(PriorityLevel.EXEMPT);
            assertThat(fc.inUse()).isEqualTo(1);
        }
        assertThat(fc.inUse()).isZero();
    }
}
