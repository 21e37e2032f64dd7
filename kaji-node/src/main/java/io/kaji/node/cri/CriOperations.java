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
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts the CRI calls of a connection and their failures by operation, as the kubelet's
 * {@code kubelet_runtime_operations_total} and {@code kubelet_runtime_operations_errors_total} do: the operation is
 * the gRPC method in the kubelet's spelling ({@code RunPodSandbox} is {@code run_podsandbox},
 * {@code ListContainers} {@code list_containers}). A call fails when it ends with any status but OK.
 */
public final class CriOperations implements ClientInterceptor {

    /** One operation's calls and failures so far. */
    public record Count(long calls, long errors) {
    }

    private final Map<String, LongAdder[]> counts = new ConcurrentHashMap<>();

    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        LongAdder[] c = counts.computeIfAbsent(operation(method.getBareMethodName()),
                k -> new LongAdder[] {new LongAdder(), new LongAdder()});
        c[0].increment();
        return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
            @Override
            public void start(Listener<R> listener, Metadata headers) {
                super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                    @Override
                    public void onClose(Status status, Metadata trailers) {
                        if (!status.isOk()) {
                            c[1].increment();
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
        counts.forEach((op, c) -> out.put(op, new Count(c[0].sum(), c[1].sum())));
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
