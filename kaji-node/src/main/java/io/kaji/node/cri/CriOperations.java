package io.kaji.node.cri;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.kaji.node.stats.Histogram;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts the CRI calls of a connection, their failures and their durations by operation, as the kubelet's
 * {@code kubelet_runtime_operations_total}, {@code kubelet_runtime_operations_errors_total} and
 * {@code kubelet_runtime_operations_duration_seconds} do: the operation is the gRPC method in the kubelet's spelling
 * ({@code RunPodSandbox} is {@code run_podsandbox}, {@code ListContainers} {@code list_containers}). A call fails
 * when it ends with any status but OK; its duration runs from its start to its end, failed or not.
 */
public final class CriOperations implements ClientInterceptor {

    /** The kubelet's bounds for {@code kubelet_runtime_operations_duration_seconds}: 5 ms × 2.5ⁿ, 14 of them. */
    public static final double[] DURATION_BUCKETS = Histogram.exponentialBuckets(0.005, 2.5, 14);

    /** One operation's calls, failures and durations so far. */
    public record Count(long calls, long errors, Histogram.Snapshot duration) {

        /** Counts without durations (a runtime that does not time its calls). */
        public Count(long calls, long errors) {
            this(calls, errors, null);
        }
    }

    private record Op(LongAdder calls, LongAdder errors, Histogram duration) {
    }

    private final Map<String, Op> counts = new ConcurrentHashMap<>();

    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        Op c = counts.computeIfAbsent(operation(method.getBareMethodName()),
                k -> new Op(new LongAdder(), new LongAdder(), new Histogram(DURATION_BUCKETS)));
        c.calls().increment();
        return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
            @Override
            public void start(Listener<R> listener, Metadata headers) {
                long started = System.nanoTime();
                super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                    @Override
                    public void onClose(Status status, Metadata trailers) {
                        c.duration().observeSince(started);
                        if (!status.isOk()) {
                            c.errors().increment();
                        }
                        super.onClose(status, trailers);
                    }
                }, headers);
            }
        };
    }

    /** The counts so far, by operation in name order. */
    public Map<String, Count> snapshot() {
        Map<String, Count> out = new TreeMap<>();
        counts.forEach((op, c) -> out.put(op, new Count(c.calls().sum(), c.errors().sum(), c.duration().snapshot())));
        return out;
    }

    /** The kubelet's name of a CRI method: snake case, with "pod sandbox" as one word. */
    static String operation(String method) {
        if (method == null) {
            return "unknown";
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < method.length(); i++) {
            char ch = method.charAt(i);
            if (Character.isUpperCase(ch) && i > 0) {
                b.append('_');
            }
            b.append(Character.toLowerCase(ch));
        }
        return b.toString().replace("pod_sandbox", "podsandbox");
    }
}
