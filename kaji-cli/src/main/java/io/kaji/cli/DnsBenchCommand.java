package io.kaji.cli;

import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointPortBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.kaji.dns.ClusterDns;
import io.kaji.dns.DnsIndex;
import io.kaji.dns.DnsOptions;
import java.io.PrintWriter;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code kaji bench dns}: the cluster DNS server's latency under a fixed query rate on loopback. */
@Command(name = "dns",
        mixinStandardHelpOptions = true,
        description = {
                "Measure the cluster DNS server: fill its index with Services (one in ten headless, with three",
                "endpoints), serve it on loopback UDP and send an open-loop load at a fixed rate of mixed queries",
                "(A of services and headless services, NXDOMAIN incl. search-path expansions, SRV of named ports).",
                "Latency is from each query's scheduled send time to its answer (no coordinated omission);",
                "20,000 closed-loop queries and --warmup seconds at the rate come first, unmeasured."})
final class DnsBenchCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--rate", defaultValue = "1000", description = "Queries per second (default: ${DEFAULT-VALUE}).")
    int rate;

    @Option(names = "--duration", defaultValue = "10", description = "Measured seconds (default: ${DEFAULT-VALUE}).")
    int duration;

    @Option(names = "--warmup", defaultValue = "3", description = "Unmeasured seconds first, at the same rate (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--services", defaultValue = "1000", description = "Services in the index (default: ${DEFAULT-VALUE}).")
    int services;

    /** One prepared question: its wire form (ID patched per send) and the rcode a correct server gives. */
    private record Query(byte[] wire, int rcode) {}

    @Override
    public Integer call() throws Exception {
        if (rate <= 0 || duration <= 0 || services <= 0 || warmup < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--rate, --duration and --services must be positive and --warmup not negative");
        }
        PrintWriter out = spec.commandLine().getOut();
        DnsIndex index = new DnsIndex("cluster.local", DnsOptions.DEFAULT_TTL, DnsOptions.DEFAULT_REVERSE_CIDRS);
        fill(index);
        List<Query> queries = queries(new Random(7));
        InetSocketAddress listen = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        try (ClusterDns dns = ClusterDns.serve(index, new DnsOptions("cluster.local", List.of(listen), List.of(),
                DnsOptions.DEFAULT_TTL, DnsOptions.DEFAULT_REVERSE_CIDRS))) {
            InetSocketAddress server = dns.boundAddresses().get(0);
            out.printf(Locale.ROOT, "dns benchmark: %,d services (%,d headless), UDP on %s, %,d q/s for %d s after %d s"
                            + " warm-up, cores=%d, JDK %s%n", services, headlessCount(), server, rate, duration, warmup,
                    Runtime.getRuntime().availableProcessors(), System.getProperty("java.runtime.version"));
            out.flush();
            warmUp(server, queries, 20_000); // let the JIT compile the hot path before any timing
            if (warmup > 0) {
                run(server, queries, warmup);
            }
            long cpuBefore = processCpuNanos();
            Result r = run(server, queries, duration);
            long cpu = processCpuNanos() - cpuBefore;
            Histogram h = r.latency();
            out.printf(Locale.ROOT, "sent %,d, answered %,d, lost %,d, wrong rcode %,d; achieved %,.0f q/s%n",
                    r.sent(), h.getTotalCount(), r.sent() - h.getTotalCount(), r.wrong(), r.sent() / r.seconds());
            print(out, "latency (from scheduled send)", h);
            print(out, "latency (from actual send)   ", r.sendToAnswer());
            out.printf(Locale.ROOT, "CPU of this JVM (server and load generator) per query: %.0f us; load average at the"
                    + " end: %s%n", cpu / 1e3 / Math.max(1, r.sent()), loadAverage());
            out.flush();
            return r.sent() == h.getTotalCount() && r.wrong() == 0 ? 0 : 1;
        }
    }

    private int headlessCount() {
        return services / 10;
    }

    private void fill(DnsIndex index) {
        for (int i = 0; i < services; i++) {
            String ns = "ns-" + (i % 20);
            String name = "svc-" + i;
            boolean headless = i % 10 == 0;
            ServiceBuilder b = new ServiceBuilder().withNewMetadata().withNamespace(ns).withName(name).endMetadata()
                    .withNewSpec().withType("ClusterIP")
                    .withClusterIP(headless ? "None" : "10.43." + (i / 250) + "." + (i % 250 + 1))
                    .withPorts(new ServicePortBuilder().withName("http").withProtocol("TCP").withPort(80).build())
                    .endSpec();
            index.apply(b.build());
            if (headless) {
                EndpointSliceBuilder s = new EndpointSliceBuilder().withNewMetadata().withNamespace(ns)
                        .withName(name + "-abcde").addToLabels(DnsIndex.SERVICE_NAME_LABEL, name).endMetadata()
                        .withAddressType("IPv4").withPorts(new EndpointPortBuilder().withName("http")
                                .withProtocol("TCP").withPort(8080).build());
                for (int e = 0; e < 3; e++) {
                    s.addToEndpoints(new EndpointBuilder().withAddresses("10.42." + (i / 250) + "." + (i % 250 + e))
                            .withHostname(name + "-" + e).withNewConditions().withReady(true).endConditions().build());
                }
                index.apply(s.build());
            }
        }
    }

    /** 60% A of ClusterIP services, 10% A of headless ones, 20% NXDOMAIN, 10% SRV. */
    private List<Query> queries(Random random) throws Exception {
        List<Query> out = new ArrayList<>();
        for (int k = 0; k < 10_000; k++) {
            int i = random.nextInt(services);
            String svc = "svc-" + i + ".ns-" + (i % 20) + ".svc.cluster.local.";
            int pick = random.nextInt(10);
            if (pick < 6) {
                i = i % 10 == 0 ? (i + 1) % services : i;
                if (i % 10 == 0) {
                    continue; // a one-service index: nothing but the headless one
                }
                out.add(query("svc-" + i + ".ns-" + (i % 20) + ".svc.cluster.local.", Type.A, Rcode.NOERROR));
            } else if (pick < 7) {
                int h = (i / 10) * 10;
                out.add(query("svc-" + h + ".ns-" + (h % 20) + ".svc.cluster.local.", Type.A, Rcode.NOERROR));
            } else if (pick < 8) {
                out.add(query("missing-" + i + ".ns-" + (i % 20) + ".svc.cluster.local.", Type.A, Rcode.NXDOMAIN));
            } else if (pick < 9) {
                out.add(query(svc + "ns-" + (i % 20) + ".svc.cluster.local.", Type.A, Rcode.NXDOMAIN));
            } else {
                out.add(query("_http._tcp." + svc, Type.SRV, Rcode.NOERROR));
            }
        }
        return out;
    }

    private static Query query(String name, int type, int rcode) throws Exception {
        return new Query(Message.newQuery(Record.newRecord(Name.fromString(name), type, DClass.IN)).toWire(), rcode);
    }

    /** latency: from the scheduled send time; sendToAnswer: from the actual send (without the sender's own delays). */
    private record Result(long sent, long wrong, double seconds, Histogram latency, Histogram sendToAnswer) {}

    /**
     * Sends at {@code rate} for {@code seconds} from one thread, receives on another; each query's ID indexes its
     * scheduled time and expected rcode (65,536 in flight at most, far above what a healthy server leaves waiting).
     */
    private Result run(InetSocketAddress server, List<Query> queries, int seconds) throws Exception {
        long total = (long) rate * seconds;
        long[] scheduled = new long[65536];
        long[] actual = new long[65536];
        int[] expected = new int[65536];
        Histogram latency = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
        Histogram service = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
        long[] wrong = new long[1];
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            socket.setReceiveBufferSize(1 << 20);
            socket.connect(server);
            long[] received = new long[1];
            Thread receiver = Thread.ofPlatform().name("dns-bench-receiver").start(() -> {
                byte[] buf = new byte[65535];
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                try {
                    socket.setSoTimeout(2_000);
                    while (received[0] < total) {
                        p.setLength(buf.length);
                        socket.receive(p);
                        long now = System.nanoTime();
                        int id = (buf[0] & 0xff) << 8 | (buf[1] & 0xff);
                        synchronized (scheduled) {
                            latency.recordValue(Math.max(0, now - scheduled[id]));
                            service.recordValue(Math.max(0, now - actual[id]));
                            if ((buf[3] & 0x0f) != expected[id]) {
                                wrong[0]++;
                            }
                        }
                        received[0]++;
                    }
                } catch (SocketTimeoutException e) {
                    // the rest were lost
                } catch (Exception e) {
                    if (!socket.isClosed()) {
                        throw new IllegalStateException("dns bench receiver: " + e, e);
                    }
                }
            });
            long interval = TimeUnit.SECONDS.toNanos(1) / rate;
            long start = System.nanoTime();
            long sent = 0;
            for (; sent < total; sent++) {
                long due = start + sent * interval;
                long wait;
                while ((wait = due - System.nanoTime()) > 0) {
                    LockSupport.parkNanos(wait > 200_000 ? wait - 100_000 : wait);
                }
                Query q = queries.get((int) (sent % queries.size()));
                int id = (int) (sent & 0xffff);
                byte[] wire = q.wire().clone();
                wire[0] = (byte) (id >> 8);
                wire[1] = (byte) id;
                synchronized (scheduled) {
                    scheduled[id] = due; // latency counts from when the query should have left
                    expected[id] = q.rcode();
                }
                long now = System.nanoTime();
                synchronized (scheduled) {
                    actual[id] = now;
                }
                socket.send(new DatagramPacket(wire, wire.length));
            }
            double elapsed = (System.nanoTime() - start) / 1e9;
            receiver.join();
            synchronized (scheduled) {
                return new Result(sent, wrong[0], elapsed, latency.copy(), service.copy());
            }
        }
    }

    private static void print(PrintWriter out, String what, Histogram h) {
        out.printf(Locale.ROOT, "%s ms: p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f%n", what,
                ms(h.getValueAtPercentile(50)), ms(h.getValueAtPercentile(90)), ms(h.getValueAtPercentile(99)),
                ms(h.getValueAtPercentile(99.9)), ms(h.getMaxValue()));
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** The 1-minute load average: other work on the machine shows in the tail. */
    private static String loadAverage() {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).split(" ")[0];
        } catch (java.io.IOException | RuntimeException e) {
            return "unknown";
        }
    }

    /** Sends {@code count} queries one at a time, each after the previous answer. */
    private static void warmUp(InetSocketAddress server, List<Query> queries, int count) throws Exception {
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            socket.connect(server);
            socket.setSoTimeout(1_000);
            byte[] buf = new byte[65535];
            for (int i = 0; i < count; i++) {
                byte[] wire = queries.get(i % queries.size()).wire();
                socket.send(new DatagramPacket(wire, wire.length));
                try {
                    socket.receive(new DatagramPacket(buf, buf.length));
                } catch (SocketTimeoutException e) {
                    // a lost warm-up answer does not matter
                }
            }
        }
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }
}
