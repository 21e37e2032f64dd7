package io.kaji.controllers.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ControllerTest {

    @Test
    void virtualWorkersReconcileKeysConcurrentlyOnVirtualThreads() throws Exception {
        int workers = 6;
        CountDownLatch allInside = new CountDownLatch(workers);
        CountDownLatch done = new CountDownLatch(workers);
        Set<Boolean> virtual = ConcurrentHashMap.newKeySet();
        Reconciler r = key -> {
            virtual.add(Thread.currentThread().isVirtual());
            allInside.countDown();
            // Every reconcile waits for all the others: only as many concurrent workers as keys get through.
            if (!allInside.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("not concurrent");
            }
            done.countDown();
            return Reconciler.Result.done();
        };
        Controller c = Controller.withVirtualWorkers("test", r, workers);
        try {
            c.start();
            for (int i = 0; i < workers; i++) {
                c.enqueue("ns/p" + i);
            }
            assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(virtual).containsExactly(true);
        } finally {
            c.close();
        }
    }

    @Test
    void platformWorkersStayPlatformThreads() throws Exception {
        CountDownLatch done = new CountDownLatch(1);
        Set<Boolean> virtual = ConcurrentHashMap.newKeySet();
        Controller c = new Controller("test", key -> {
            virtual.add(Thread.currentThread().isVirtual());
            done.countDown();
            return Reconciler.Result.done();
        }, 1);
        try {
            c.start();
            c.enqueue("ns/p");
            assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(virtual).containsExactly(false);
        } finally {
            c.close();
        }
    }

    private static KubernetesClientException refused(String causeReason) {
        Status status = new StatusBuilder().withCode(403).withReason("Forbidden")
                .withMessage("pods \"x\" is forbidden: unable to create new content in namespace gone because it is "
                        + "being terminated")
                .withNewDetails().withName("x").withKind("pods").addNewCause().withReason(causeReason)
                .withField("metadata.namespace").withMessage("namespace gone is being terminated").endCause()
                .endDetails().build();
        return new KubernetesClientException(status);
    }

    @Test
    void recognisesTheNamespaceTerminatingRefusalAlsoWhenWrapped() {
        assertThat(Controller.namespaceTerminating(refused("NamespaceTerminating"))).isTrue();
        assertThat(Controller.namespaceTerminating(new IllegalStateException("create failed",
                refused("NamespaceTerminating")))).isTrue();
        assertThat(Controller.namespaceTerminating(refused("FieldValueInvalid"))).isFalse();
        assertThat(Controller.namespaceTerminating(new KubernetesClientException("connection refused"))).isFalse();
    }
}
