package io.kaji.bench.apiserver;

import io.kaji.apiserver.apply.FieldManager;
import io.kaji.apiserver.registry.BuiltinResources;
import io.kaji.apiserver.registry.ResourceDefinition;
import io.kaji.apiserver.registry.ServiceAllocations;
import io.kaji.apiserver.serialization.Json;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import tools.jackson.databind.node.ObjectNode;

/**
 * The managedFields a write records (JMH): a Deployment's pod created (every field becomes the creator's), and the
 * same pod updated with one changed label (a comparison of the two objects). {@code kaji bench apiserver}'s
 * profile has this at a seventh of a create's CPU.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ManagedFieldsBenchmark {

    private final FieldManager fields = new FieldManager(Clock.systemUTC());
    private ResourceDefinition pods;
    private ObjectNode pod;
    private ObjectNode created;
    private ObjectNode relabelled;

    @Setup
    public void setUp() {
        pods = BuiltinResources.registry(ServiceAllocations.none()).find("", "v1", "pods").orElseThrow();
        pod = Json.parseObject(new PodBodies().create("web-7d4b9c8f6d-00001", 1));
        created = pod.deepCopy();
        fields.update(pods, null, created, "kube-controller-manager", null);
        relabelled = created.deepCopy();
        ((ObjectNode) relabelled.get("metadata").get("labels")).put("tier", "backend");
    }

    @Benchmark
    public ObjectNode create() {
        ObjectNode next = pod.deepCopy();
        fields.update(pods, null, next, "kube-controller-manager", null);
        return next;
    }

    @Benchmark
    public ObjectNode updateOneLabel() {
        ObjectNode next = relabelled.deepCopy();
        fields.update(pods, created, next, "kubectl-label", null);
        return next;
    }

    /** Only a deep copy, which both benchmarks above include. */
    @Benchmark
    public ObjectNode copyOnly() {
        return pod.deepCopy();
    }
}
