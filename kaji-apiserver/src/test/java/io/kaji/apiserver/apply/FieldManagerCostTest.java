package io.kaji.apiserver.apply;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaji.apiserver.registry.ResourceDefinition;
import io.kaji.apiserver.serialization.Json;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

/**
 * The cost managed-field tracking adds to a write on the hot path: a status update of a running pod (the node
 * agent's most frequent write) and a spec update of a Deployment. Prints the mean per write next to the JSON round
 * trip every write already pays (ObjectStorage serializes and re-parses the object to detect no-op writes), which
 * makes the ratio meaningful on a loaded machine; fails when tracking costs more than 20 such round trips (a sign
 * of repeated or quadratic work).
 */
class FieldManagerCostTest {

    static final ResourceDefinition PODS = FieldManagerTest.REGISTRY.find("", "v1", "pods").orElseThrow();
    static final int WARMUP = 1_000;
    static final int RUNS = 2_000;

    final FieldManager fields = new FieldManager(Clock.systemUTC());

    static ObjectNode pod(int restarts) {
        return Json.parseTrusted(("""
                {'apiVersion':'v1','kind':'Pod','metadata':{'name':'web-7d4b9c6f5-x2kqp','namespace':'default',
                'labels':{'app':'web','pod-template-hash':'7d4b9c6f5'},'ownerReferences':[{'apiVersion':'apps/v1',
                'kind':'ReplicaSet','name':'web-7d4b9c6f5','uid':'0f2b','controller':true,'blockOwnerDeletion':true}]},
                'spec':{'nodeName':'n1','restartPolicy':'Always','dnsPolicy':'ClusterFirst','schedulerName':
                'default-scheduler','terminationGracePeriodSeconds':30,'tolerations':[{'key':'node.kubernetes.io/not-ready',
                'operator':'Exists','effect':'NoExecute','tolerationSeconds':300}],'containers':[{'name':'web',
                'image':'nginx:1.27','ports':[{'containerPort':80,'protocol':'TCP'}],'env':[{'name':'A','value':'1'},
                {'name':'B','value':'2'}],'resources':{'requests':{'cpu':'100m','memory':'64Mi'}},
                'volumeMounts':[{'name':'data','mountPath':'/data'}],'terminationMessagePath':'/dev/termination-log',
                'imagePullPolicy':'IfNotPresent'}],'volumes':[{'name':'data','emptyDir':{}}]},
                'status':{'phase':'Running','podIP':'10.42.0.7','conditions':[{'type':'Ready','status':'True'},
                {'type':'PodScheduled','status':'True'}],'containerStatuses':[{'name':'web','ready':true,
                'restartCount':%d,'image':'nginx:1.27','imageID':'sha256:abc','started':true}]}}
                """).formatted(restarts).replace('\'', '"'));
    }

    @Test
    void statusUpdateOfARunningPod() {
        ObjectNode live = pod(0);
        fields.update(PODS, null, live, "kubectl-create", null);
        double micros = measure(i -> {
            ObjectNode next = pod(i + 1);
            ((ObjectNode) next.get("metadata")).set("managedFields", live.get("metadata").get("managedFields"));
            return next;
        }, next -> fields.update(PODS, live, next, "kaji-agent", "status"));
        report("pod status update", micros, live);
    }

    @Test
    void specUpdateOfADeployment() {
        ObjectNode live = FieldManagerTest.deployment(1, "nginx:1");
        fields.update(FieldManagerTest.DEPLOYMENTS, null, live, "kubectl-create", null);
        double micros = measure(i -> {
            ObjectNode next = FieldManagerTest.deployment(2 + i % 5, "nginx:1");
            ((ObjectNode) next.get("metadata")).set("managedFields", live.get("metadata").get("managedFields"));
            return next;
        }, next -> fields.update(FieldManagerTest.DEPLOYMENTS, live, next, "kubectl-scale", null));
        report("deployment spec update", micros, live);
    }

    static void report(String what, double micros, ObjectNode object) {
        double roundTrip = measure(i -> object.deepCopy(), o -> Json.parseTrusted(Json.bytes(o)), false);
        System.out.printf("managed fields, %s: %.1f us per write; JSON round trip of the object: %.1f us (%.1fx)%n",
                what, micros, roundTrip, micros / roundTrip);
        assertThat(micros / roundTrip).isLessThan(20);
    }

    static double measure(java.util.function.IntFunction<ObjectNode> input,
            java.util.function.Consumer<ObjectNode> write) {
        return measure(input, write, true);
    }

    /**
     * Mean microseconds of {@code write} over objects {@code input} builds beforehand (so parsing is not counted),
     * after a warm-up; checks that every write recorded its manager.
     */
    static double measure(java.util.function.IntFunction<ObjectNode> input,
            java.util.function.Consumer<ObjectNode> write, boolean tracked) {
        ObjectNode[] objects = new ObjectNode[WARMUP + RUNS];
        for (int i = 0; i < objects.length; i++) {
            objects[i] = input.apply(i);
        }
        for (int i = 0; i < WARMUP; i++) {
            write.accept(objects[i]);
        }
        long start = System.nanoTime();
        for (int i = WARMUP; i < objects.length; i++) {
            write.accept(objects[i]);
        }
        double micros = (System.nanoTime() - start) / 1000.0 / RUNS;
        for (ObjectNode o : tracked ? objects : new ObjectNode[0]) {
            assertThat(o.get("metadata").get("managedFields").size()).isEqualTo(2);
        }
        return micros;
    }
}
