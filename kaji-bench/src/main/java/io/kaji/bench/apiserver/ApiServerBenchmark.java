package io.kaji.bench.apiserver;

import io.kaji.apiserver.auth.rbac.BootstrapPolicy;
import io.kaji.apiserver.pki.ClusterPki;
import io.kaji.apiserver.pki.Kubeconfig;
import io.kaji.apiserver.server.ApiServer;
import io.kaji.apiserver.server.ApiServerConfig;
import io.kaji.bench.GcPauses;
import io.kaji.bench.JitWarmup;
import io.kaji.bench.apiserver.HttpsLoadClient.Connection;
import io.kaji.store.WriteResult;
import io.kaji.store.sqlite.SqliteStore;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * The API server issue's benchmark (issue 3): a real in-process API server over HTTPS with the SQLite store in a
 * temporary data directory, driven as a real client would (the admin kubeconfig's client certificate, keep-alive
 * HTTP/1.1 connections) by a lean Netty load generator in the same JVM. Parts, each optional:
 * <ul>
 *   <li><b>creates</b>: N clients each creating pods back to back (closed loop), ~2 KiB pre-serialized bodies;
 *       creates/s and latency percentiles, after a warm-up that lasts until the JIT compilers are mostly done
 *       ({@link JitWarmup});</li>
 *   <li><b>list</b>: a LIST of M pods of one namespace from the watch cache (JSON), median of repeated requests;</li>
 *   <li><b>watch</b>: W watchers of one namespace while pods are created open-loop at a fixed rate; the lag from a
 *       create's scheduled send time to each watcher's receipt of its ADDED event;</li>
 *   <li><b>heap</b>: pods and nodes written straight into the store (as a restore would), then an API server
 *       started on it; the heap after a full GC.</li>
 * </ul>
 * Every figure is printed with the CPU time of the server and of the load generator and the load average, because
 * both share the machine's cores. Temporary directories are removed.
 */
public final class ApiServerBenchmark {

    /** What to run; a count of 0 skips that part. */
    public record Settings(int clients, int pods, int warmupPods, int warmupMaxSeconds, int listPods, int listRepeats,
            int watchers, int watchRate, int watchSeconds, int heapPods, int heapNodes, int clientThreads,
            int createRate) {
    }

    private static final String CREATE_NS = "bench";
    private static final String WARMUP_NS = "bench-warmup";
    private static final String LIST_NS = "bench-list";
    private static final String WATCH_NS = "bench-watch";

    private final Settings settings;
    private final PrintWriter out;
    private final PodBodies bodies = new PodBodies();
    private String authority;

    public ApiServerBenchmark(Settings settings, PrintWriter out) {
        this.settings = settings;
        this.out = out;
    }

    /** Runs the selected parts; returns false when a part failed (errors, missing events). */
    public boolean run() throws Exception {
        print("machine: %d cores, %s %s, JDK %s, max heap %d MiB; load average %s",
                Runtime.getRuntime().availableProcessors(), System.getProperty("os.name"),
                System.getProperty("os.version"), System.getProperty("java.runtime.version"),
                Runtime.getRuntime().maxMemory() >> 20, load());
        boolean ok = true;
        if (settings.pods() > 0 || settings.listPods() > 0 || settings.watchers() > 0) {
            ok &= runLive();
        }
        if (settings.heapPods() > 0 || settings.heapNodes() > 0) {
            ok &= runHeap();
        }
        return ok;
    }

    private boolean runLive() throws Exception {
        Path dir = Files.createTempDirectory("kaji-bench-apiserver-");
        boolean ok = true;
        try (SqliteStore store = SqliteStore.open(dir.resolve("db"));
             ApiServer server = ApiServer.start(ApiServerConfig.defaults(dir).withPort(0), store);
             HttpsLoadClient client = new HttpsLoadClient("127.0.0.1", server.port(), adminTls(server.pki()),
                     settings.clientThreads())) {
            authority = "127.0.0.1:" + server.port();
            print("API server %s (SQLite in %s, TLS via %s, admin client certificate as in %s); load generator: %d "
                    + "Netty thread(s) in this JVM", server.url(), dir,
                    io.netty.handler.ssl.OpenSsl.isAvailable() ? "BoringSSL" : "the JDK", Kubeconfig.ADMIN_USER,
                    settings.clientThreads());
            Connection setup = client.connect();
            for (String ns : List.of(CREATE_NS, WARMUP_NS, LIST_NS, WATCH_NS)) {
                var a = setup.call(request(HttpMethod.POST, "/api/v1/namespaces",
                        ("{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"" + ns + "\"}}")
                                .getBytes(StandardCharsets.UTF_8)));
                if (a.status() != 201) {
                    throw new IllegalStateException("create namespace " + ns + ": " + a.status() + " " + a.body());
                }
            }
            print("pod body: %,d bytes of JSON", bodies.typicalSize());
            if (settings.pods() > 0) {
                ok &= creates(client);
            }
            if (settings.listPods() > 0) {
                ok &= list(client, setup);
            }
            if (settings.watchers() > 0) {
                ok &= watch(client, setup);
            }
            setup.close();
        } finally {
            deleteTree(dir);
        }
        return ok;
    }

    // ---- creates -------------------------------------------------------------------------------------------------

    /** The outcome of a closed-loop create run. */
    private record CreateRun(int done, int errors, String firstError, double seconds, Histogram latencyMicros,
            long processCpu, long clientCpu) {
    }

    private boolean creates(HttpsLoadClient client) throws Exception {
        List<Connection> conns = new ArrayList<>();
        for (int i = 0; i < settings.clients(); i++) {
            conns.add(client.connect());
        }
        // Warm-up pods, as (name prefix, count), deleted after the measured creates.
        List<Map.Entry<String, Integer>> warmed = new ArrayList<>();
        if (settings.warmupPods() > 0) {
            int more = Math.max(2_000, settings.warmupPods() / 2);
            JitWarmup.Round first = () -> warmed.add(Map.entry("warm-",
                    warmup(createLoop(conns, WARMUP_NS, "warm-", settings.warmupPods()))));
            JitWarmup.Round next = () -> {
                String prefix = "warm" + warmed.size() + "-";
                warmed.add(Map.entry(prefix, warmup(createLoop(conns, WARMUP_NS, prefix, more))));
            };
            JitWarmup.Result w = JitWarmup.run(first, next,
                    Duration.ofSeconds(Math.max(0, settings.warmupMaxSeconds())));
            print("warm-up: %,d creates in %.1f s, not counted; %s",
                    warmed.stream().mapToInt(Map.Entry::getValue).sum(), w.seconds(), w.describe());
        }
        String loadBefore = load();
        long compiled0 = JitWarmup.compileMillis();
        GcPauses.Summary gc;
        CreateRun r;
        try (GcPauses pauses = GcPauses.start()) {
            r = createLoop(conns, CREATE_NS, "web-7d4b9c8f6d-", settings.pods());
            gc = pauses.summary();
        }
        long compiled = JitWarmup.compileMillis() - compiled0;
        Histogram h = r.latencyMicros();
        print("creates: %d clients, %,d pods in %.2f s: %,.0f creates/s; latency p50 %.1f ms, p99 %.1f ms, "
                        + "p99.9 %.1f ms, max %.1f ms; %d errors%s",
                settings.clients(), r.done(), r.seconds(), r.done() / r.seconds(), ms(h, 50), ms(h, 99), ms(h, 99.9),
                h.getMaxValue() / 1000.0, r.errors(), r.firstError() == null ? "" : " (first: " + r.firstError() + ")");
        printCpu("creates", r.processCpu(), r.clientCpu(), r.seconds(), r.done(), "create", loadBefore);
        if (compiled0 >= 0) {
            print("creates: the JIT compilers worked %,d ms during these %.1f s", compiled, r.seconds());
        }
        print("creates: %s", gc.describe());
        boolean paced = settings.createRate() <= 0 || pacedCreates(conns);
        if (!warmed.isEmpty()) {
            // The later parts (the all-namespaces LIST above all) should see the same cluster with any warm-up.
            long t0 = System.nanoTime();
            int deleted = 0;
            for (Map.Entry<String, Integer> batch : warmed) {
                deleted += warmup(createLoop(conns, WARMUP_NS, batch.getKey(), batch.getValue(), true));
            }
            print("warm-up: its %,d pods deleted in %.1f s", deleted, (System.nanoTime() - t0) / 1e9);
        }
        conns.forEach(Connection::close);
        return r.errors() == 0 && paced;
    }

    /**
     * The same number of creates from the same connections, sent open-loop at {@code createRate} per second: each
     * request has its due time and goes out on the next free connection, and its latency runs from that due time,
     * so a server that falls behind is charged for the wait (no coordinated omission). A closed loop at saturation
     * measures queueing instead: with 100 requests always in flight, the mean latency is 100 / throughput whatever
     * the server does; this part measures the latency at a given load, as Kubernetes' SLO is measured.
     */
    private boolean pacedCreates(List<Connection> conns) throws InterruptedException {
        int rate = settings.createRate();
        BlockingQueue<Connection> idle = new ArrayBlockingQueue<>(conns.size(), false, conns);
        ConcurrentHistogram latency = new ConcurrentHistogram(3_600_000_000L, 3);
        AtomicInteger errors = new AtomicInteger();
        String path = "/api/v1/namespaces/" + CREATE_NS + "/pods";
        String loadBefore = load();
        long cpu0 = processCpu();
        long client0 = HttpsLoadClient.cpuNanos();
        long t0 = System.nanoTime();
        GcPauses.Summary gc;
        try (GcPauses pauses = GcPauses.start()) {
            writeAtRate(idle, path, "paced-", settings.pods(), rate, latency, errors);
            // Every connection idle again: the last responses are in.
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (idle.size() < conns.size() && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            gc = pauses.summary();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        print("creates at %,d/s (open loop over the same %d connections, latency from each create's due time): "
                        + "%,d pods in %.2f s, %,.0f/s achieved; latency p50 %.1f ms, p99 %.1f ms, p99.9 %.1f ms, "
                        + "max %.1f ms; %d errors",
                rate, conns.size(), settings.pods(), seconds, settings.pods() / seconds, ms(latency, 50),
                ms(latency, 99), ms(latency, 99.9), latency.getMaxValue() / 1000.0, errors.get());
        printCpu("paced creates", processCpu() - cpu0, HttpsLoadClient.cpuNanos() - client0, seconds, settings.pods(),
                "create", loadBefore);
        print("paced creates: %s", gc.describe());
        return errors.get() == 0 && idle.size() == conns.size();
    }

    /** A warm-up round's pod count, or the reason it failed (a failing warm-up stops the benchmark). */
    private static int warmup(CreateRun r) {
        if (r.errors() > 0) {
            throw new IllegalStateException("warm-up: " + r.errors() + " failed requests (first: " + r.firstError()
                    + ")");
        }
        return r.done();
    }

    /** Creates {@code total} pods named {@code prefix + i} from every connection in a closed loop. */
    private CreateRun createLoop(List<Connection> conns, String namespace, String prefix, int total)
            throws InterruptedException {
        return createLoop(conns, namespace, prefix, total, false);
    }

    /**
     * Creates {@code total} pods named {@code prefix + i} from every connection in a closed loop, or with {@code
     * delete} deletes them (an unscheduled pod goes at once, as in Kubernetes).
     */
    private CreateRun createLoop(List<Connection> conns, String namespace, String prefix, int total,
            boolean delete) throws InterruptedException {
        String path = "/api/v1/namespaces/" + namespace + "/pods";
        ConcurrentHistogram latency = new ConcurrentHistogram(3_600_000_000L, 3);
        AtomicInteger next = new AtomicInteger();
        AtomicInteger errors = new AtomicInteger();
        AtomicReference<String> firstError = new AtomicReference<>();
        CountDownLatch done = new CountDownLatch(conns.size());
        long cpu0 = processCpu();
        long client0 = HttpsLoadClient.cpuNanos();
        long t0 = System.nanoTime();
        for (Connection c : conns) {
            createNext(c, path, prefix, total, delete, next, latency, errors, firstError, done);
        }
        if (!done.await(30, TimeUnit.MINUTES)) {
            throw new IllegalStateException("creates did not finish in 30 minutes");
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        return new CreateRun(total, errors.get(), firstError.get(), seconds, latency, processCpu() - cpu0,
                HttpsLoadClient.cpuNanos() - client0);
    }

    private void createNext(Connection c, String path, String prefix, int total, boolean delete,
            AtomicInteger next, Histogram latency, AtomicInteger errors, AtomicReference<String> firstError,
            CountDownLatch done) {
        int i = next.getAndIncrement();
        if (i >= total) {
            done.countDown();
            return;
        }
        long t = System.nanoTime();
        FullHttpRequest req = delete ? request(HttpMethod.DELETE, path + "/" + prefix + i, null)
                : request(HttpMethod.POST, path, bodies.create(prefix + i, t));
        int expected = delete ? 200 : 201;
        c.send(req, r -> {
            latency.recordValue(Math.max(1, (System.nanoTime() - t) / 1000));
            if (r.status().code() != expected) {
                errors.incrementAndGet();
                firstError.compareAndSet(null, r.status().code() + " " + r.content().toString(StandardCharsets.UTF_8));
            }
            createNext(c, path, prefix, total, delete, next, latency, errors, firstError, done);
        });
    }

    // ---- list ----------------------------------------------------------------------------------------------------

    private boolean list(HttpsLoadClient client, Connection setup) throws Exception {
        List<Connection> conns = new ArrayList<>();
        for (int i = 0; i < Math.min(settings.clients(), 32); i++) {
            conns.add(client.connect());
        }
        CreateRun fill = createLoop(conns, LIST_NS, "web-", settings.listPods());
        conns.forEach(Connection::close);
        print("list: %,d pods created in namespace %s (%.0f/s)", settings.listPods(), LIST_NS,
                settings.listPods() / fill.seconds());
        String path = "/api/v1/namespaces/" + LIST_NS + "/pods";
        boolean ok = timeList(setup, "JSON, one namespace", path, JSON, settings.listPods());
        // kubectl get pods -A -o json: every namespace (the created pods of the other parts too, if any)
        ok &= timeList(setup, "JSON, all namespaces", "/api/v1/pods", JSON, -1);
        // kubectl get pods: a Table, asked for in one piece here, and in pages of 500 as kubectl asks by default
        ok &= timeList(setup, "Table, one namespace", path, KUBECTL_TABLE, settings.listPods());
        ok &= timeList(setup, "Table, pages of 500 (kubectl get)", path + "?limit=500", KUBECTL_TABLE,
                settings.listPods());
        return ok;
    }

    /** What kubectl get sends: a Table (v1, then v1beta1), else the plain list. */
    private static final String KUBECTL_TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,"
            + "application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";
    private static final String JSON = "application/json";

    /**
     * Times {@code listRepeats} LISTs (after 3 warm-ups), following continue tokens to the last page: each time is
     * from the first request to the last page's response. Checks the item count (or row count) unless negative.
     */
    private boolean timeList(Connection conn, String what, String path, String accept, int expectItems)
            throws Exception {
        long[] times = new long[settings.listRepeats()];
        long bytes = 0;
        int items = 0;
        int counted = 0;
        int pages = 0;
        String loadBefore = load();
        long cpu0 = processCpu();
        long client0 = HttpsLoadClient.cpuNanos();
        for (int i = -3; i < settings.listRepeats(); i++) {
            long t = System.nanoTime();
            String next = null;
            bytes = 0;
            items = 0;
            pages = 0;
            do {
                String url = next == null ? path
                        : path + (path.contains("?") ? "&" : "?") + "continue=" + next;
                CompletableFuture<String[]> f = new CompletableFuture<>();
                boolean count = i == -1;
                conn.send(request(HttpMethod.GET, url, null, accept), r -> {
                    boolean ok = r.status().code() == 200;
                    // The whole body is decoded only to count the items once; the continue token sits in the
                    // list's metadata, at its start.
                    String body = ok && count ? r.content().toString(StandardCharsets.UTF_8) : "";
                    String start = ok && path.contains("limit=") ? r.content().toString(r.content().readerIndex(),
                            Math.min(r.content().readableBytes(), 4096), StandardCharsets.UTF_8) : "";
                    f.complete(new String[] {Integer.toString(r.status().code()),
                            Integer.toString(r.content().readableBytes()), count ? Integer.toString(countItems(body))
                            : "0", continueOf(start)});
                });
                String[] a = f.get(120, TimeUnit.SECONDS);
                if (!a[0].equals("200")) {
                    throw new IllegalStateException("list " + url + ": HTTP " + a[0]);
                }
                bytes += Long.parseLong(a[1]);
                items += Integer.parseInt(a[2]);
                pages++;
                next = a[3];
            } while (next != null);
            if (i >= 0) {
                times[i] = (System.nanoTime() - t) / 1000;
            }
            if (i == -1) {
                counted = items;
                if (expectItems >= 0 && items != expectItems) {
                    print("list: %s: %,d items, expected %,d", what, items, expectItems);
                    return false;
                }
            }
        }
        long cpu = processCpu() - cpu0;
        long clientCpu = HttpsLoadClient.cpuNanos() - client0;
        Arrays.sort(times);
        print("list: %s, GET %s (%,d items, %,d bytes%s): median %.1f ms of %d (min %.1f, max %.1f) after 3 "
                        + "warm-ups; CPU per list (server + client) %.1f ms, of which load generator %.1f ms; "
                        + "load average %s -> %s", what, path, counted, bytes, pages > 1 ? ", " + pages + " pages" : "",
                times[times.length / 2] / 1000.0, times.length, times[0] / 1000.0, times[times.length - 1] / 1000.0,
                cpu / 1e6 / (times.length + 3), clientCpu / 1e6 / (times.length + 3), loadBefore, load());
        return true;
    }

    private static final java.util.regex.Pattern CONTINUE =
            java.util.regex.Pattern.compile("\"continue\":\"([^\"]+)\"");

    /** The continue token of a list or Table, or null on the last page. */
    private static String continueOf(String body) {
        int meta = body.indexOf("\"metadata\":{");
        if (meta < 0) {
            return null;
        }
        java.util.regex.Matcher m = CONTINUE.matcher(body.substring(meta, Math.min(body.length(), meta + 2048)));
        return m.find() && !m.group(1).isEmpty() ? m.group(1) : null;
    }

    /** The pods of a list, or the rows of a Table. */
    private static int countItems(String listJson) {
        int n = 0;
        int at = 0;
        String marker = listJson.startsWith("{\"kind\":\"Table\"") ? "{\"cells\":["
                : "{\"apiVersion\":\"v1\",\"kind\":\"Pod\"";
        while ((at = listJson.indexOf(marker, at)) >= 0) {
            n++;
            at += marker.length();
        }
        return n;
    }

    // ---- watch ---------------------------------------------------------------------------------------------------

    private boolean watch(HttpsLoadClient client, Connection setup) throws Exception {
        int watchers = settings.watchers();
        int rate = settings.watchRate();
        int events = rate * settings.watchSeconds();
        var listed = setup.call(request(HttpMethod.GET, "/api/v1/namespaces/" + WATCH_NS + "/pods?limit=1", null));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"resourceVersion\":\"(\\d+)\"")
                .matcher(listed.body());
        if (!m.find()) {
            throw new IllegalStateException("no resourceVersion in " + listed.body());
        }
        String path = "/api/v1/namespaces/" + WATCH_NS + "/pods?watch=1&resourceVersion=" + m.group(1);
        ConcurrentHistogram lag = new ConcurrentHistogram(3_600_000_000L, 3);
        AtomicLongArray received = new AtomicLongArray(watchers);
        AtomicLong total = new AtomicLong();
        List<CompletableFuture<Integer>> heads = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int w = 0; w < watchers; w++) {
            int index = w;
            heads.add(client.watch(path, authority, (buf, from, to) -> {
                long sent = sentNanos(buf, from, to);
                if (sent > 0) {
                    lag.recordValue(Math.max(1, (System.nanoTime() - sent) / 1000));
                    received.incrementAndGet(index);
                    total.incrementAndGet();
                }
            }));
        }
        for (CompletableFuture<Integer> h : heads) {
            int status = h.get(60, TimeUnit.SECONDS);
            if (status != 200) {
                throw new IllegalStateException("watch " + path + ": HTTP " + status);
            }
        }
        print("watch: %,d watchers of %s connected in %.1f s; writing %,d pods at %,d/s (open loop, 32 connections)",
                watchers, WATCH_NS, (System.nanoTime() - t0) / 1e9, events, rate);
        List<Connection> writers = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            writers.add(client.connect());
        }
        BlockingQueue<Connection> idle = new ArrayBlockingQueue<>(writers.size(), false, writers);
        ConcurrentHistogram createLatency = new ConcurrentHistogram(3_600_000_000L, 3);
        AtomicInteger errors = new AtomicInteger();
        String createPath = "/api/v1/namespaces/" + WATCH_NS + "/pods";
        // Warm-up at the same rate (JIT, buffers), delivered in full, then the counters start from zero.
        int warm = Math.min(events, rate * 3);
        writeAtRate(idle, createPath, "warm-", warm, rate, createLatency, errors);
        long warmDeadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (total.get() < (long) watchers * warm && System.nanoTime() < warmDeadline) {
            Thread.sleep(20);
        }
        print("watch: warm-up: %,d pods at %,d/s delivered to the watchers, not counted", warm, rate);
        lag.reset();
        createLatency.reset();
        total.set(0);
        for (int w = 0; w < watchers; w++) {
            received.set(w, 0);
        }
        String loadBefore = load();
        long cpu0 = processCpu();
        long client0 = HttpsLoadClient.cpuNanos();
        long start = System.nanoTime();
        writeAtRate(idle, createPath, "w-", events, rate, createLatency, errors);
        double writeSeconds = (System.nanoTime() - start) / 1e9;
        long expected = (long) watchers * events;
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (total.get() < expected && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        long cpu = processCpu() - cpu0;
        long clientCpu = HttpsLoadClient.cpuNanos() - client0;
        long complete = 0;
        for (int w = 0; w < watchers; w++) {
            if (received.get(w) == events) {
                complete++;
            }
        }
        print("watch: wrote %,d pods in %.1f s (%,.0f/s achieved; create latency from scheduled send p50 %.1f ms, "
                        + "p99 %.1f ms; %d errors)", events, writeSeconds, events / writeSeconds, ms(createLatency, 50),
                ms(createLatency, 99), errors.get());
        print("watch: %,d of %,d events delivered (%,d of %,d watchers got all %,d), %,.0f events/s delivered; "
                        + "lag from scheduled send to receipt p50 %.1f ms, p99 %.1f ms, max %.1f ms",
                total.get(), expected, complete, watchers, events, total.get() / seconds, ms(lag, 50), ms(lag, 99),
                lag.getMaxValue() / 1000.0);
        printCpu("watch", cpu, clientCpu, seconds, events, "written event", loadBefore);
        writers.forEach(Connection::close);
        return complete == watchers && errors.get() == 0;
    }

    /** Creates {@code count} pods open-loop at {@code rate}/s, each stamped with its scheduled send time. */
    private void writeAtRate(BlockingQueue<Connection> idle, String path, String prefix, int count, int rate,
            Histogram createLatency, AtomicInteger errors) throws InterruptedException {
        long start = System.nanoTime() + 10_000_000;
        long period = 1_000_000_000L / rate;
        for (int i = 0; i < count; i++) {
            long due = start + i * period;
            long wait;
            while ((wait = due - System.nanoTime()) > 0) {
                LockSupport.parkNanos(wait);
            }
            Connection c = idle.take();
            c.send(request(HttpMethod.POST, path, bodies.create(prefix + i, due)), r -> {
                createLatency.recordValue(Math.max(1, (System.nanoTime() - due) / 1000));
                if (r.status().code() != 201) {
                    errors.incrementAndGet();
                }
                idle.add(c);
            });
        }
    }

    /** The nanoTime stamp of a pod's sent annotation in one watch line, or -1 (bookmarks, errors). */
    private static long sentNanos(byte[] buf, int from, int to) {
        byte[] marker = PodBodies.SENT_MARKER;
        outer:
        for (int i = from; i <= to - marker.length; i++) {
            for (int j = 0; j < marker.length; j++) {
                if (buf[i + j] != marker[j]) {
                    continue outer;
                }
            }
            long v = 0;
            for (int k = i + marker.length; k < to && buf[k] != '"'; k++) {
                v = v * 10 + (buf[k] - '0');
            }
            return v;
        }
        return -1;
    }

    // ---- heap ----------------------------------------------------------------------------------------------------

    private boolean runHeap() throws Exception {
        Path dir = Files.createTempDirectory("kaji-bench-apiserver-heap-");
        try (SqliteStore store = SqliteStore.open(dir.resolve("db"))) {
            long t0 = System.nanoTime();
            int namespaces = Math.max(1, settings.heapPods() / 3000);
            List<Callable> work = new ArrayList<>();
            for (int n = 0; n < namespaces; n++) {
                String ns = "team-" + n;
                String uid = UUID.randomUUID().toString();
                work.add(() -> put(store, "/registry/namespaces/" + ns, "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\","
                        + "\"metadata\":{\"name\":\"" + ns + "\",\"uid\":\"" + uid + "\",\"creationTimestamp\":"
                        + "\"2026-11-20T09:00:00Z\",\"labels\":{\"kubernetes.io/metadata.name\":\"" + ns + "\"}},"
                        + "\"spec\":{\"finalizers\":[\"kubernetes\"]},\"status\":{\"phase\":\"Active\"}}"));
            }
            for (int i = 0; i < settings.heapNodes(); i++) {
                int index = i;
                work.add(() -> put(store, "/registry/nodes/node-" + index,
                        PodBodies.storedNode("node-" + index, UUID.randomUUID().toString(), index)));
            }
            for (int i = 0; i < settings.heapPods(); i++) {
                int index = i;
                work.add(() -> {
                    String ns = "team-" + (index % namespaces);
                    String name = "web-7d4b9c8f6d-" + Integer.toString(index, 36);
                    return put(store, "/registry/pods/" + ns + "/" + name, PodBodies.storedPod(ns, name,
                            UUID.randomUUID().toString(), "node-" + (index % Math.max(1, settings.heapNodes())), index));
                });
            }
            ExecutorService pool = Executors.newFixedThreadPool(16);
            try {
                List<Future<Integer>> results = new ArrayList<>();
                for (Callable c : work) {
                    results.add(pool.submit(c::write));
                }
                long bytes = 0;
                for (Future<Integer> f : results) {
                    bytes += f.get();
                }
                print("heap: wrote %,d pods, %,d nodes, %,d namespaces straight into the SQLite store (as a restore "
                                + "would, not through the API) in %.1f s, %,d bytes of JSON (pod ~%,d bytes with status)",
                        settings.heapPods(), settings.heapNodes(), namespaces, (System.nanoTime() - t0) / 1e9, bytes,
                        PodBodies.storedPod("team-0", "web-7d4b9c8f6d-0", UUID.randomUUID().toString(), "node-0", 0)
                                .length());
            } finally {
                pool.shutdown();
            }
            work = null;
            long before = heapAfterGc();
            long s0 = System.nanoTime();
            try (ApiServer server = ApiServer.start(ApiServerConfig.defaults(dir).withPort(0), store)) {
                double startSeconds = (System.nanoTime() - s0) / 1e9;
                long after = heapAfterGc();
                print("heap: API server started on it in %.1f s (watch cache loaded); heap used after full GC %,d MiB "
                                + "(before the server started: %,d MiB; the server's share %,d MiB); max heap %,d MiB",
                        startSeconds, after >> 20, before >> 20, (after - before) >> 20,
                        Runtime.getRuntime().maxMemory() >> 20);
                if (server.port() <= 0) {
                    return false;
                }
            }
        } finally {
            deleteTree(dir);
        }
        return true;
    }

    /** One store write of the heap set-up; returns the value's size. */
    @FunctionalInterface
    private interface Callable {
        int write() throws Exception;
    }

    private static int put(SqliteStore store, String key, String json) {
        byte[] value = json.getBytes(StandardCharsets.UTF_8);
        if (!(store.create(key, value) instanceof WriteResult.Written)) {
            throw new IllegalStateException("create " + key + ": already exists");
        }
        return value.length;
    }

    private static long heapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    // ---- helpers -------------------------------------------------------------------------------------------------

    private FullHttpRequest request(HttpMethod method, String path, byte[] body) {
        return request(method, path, body, JSON);
    }

    private FullHttpRequest request(HttpMethod method, String path, byte[] body, String accept) {
        FullHttpRequest r = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, path,
                body == null ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(body));
        r.headers().set(HttpHeaderNames.HOST, authority);
        r.headers().set(HttpHeaderNames.ACCEPT, accept);
        if (body != null) {
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
        }
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body == null ? 0 : body.length);
        return r;
    }

    /** TLS as the admin kubeconfig's user: a client certificate for kaji-admin in kaji:cluster-admins. */
    private static SslContext adminTls(ClusterPki pki) throws javax.net.ssl.SSLException {
        ClusterPki.ClientCredentials admin = pki.issueClient(Kubeconfig.ADMIN_USER,
                List.of(BootstrapPolicy.CLUSTER_ADMINS_GROUP), Duration.ofHours(2));
        return SslContextBuilder.forClient()
                .sslProvider(io.netty.handler.ssl.OpenSsl.isAvailable() ? io.netty.handler.ssl.SslProvider.OPENSSL
                        : io.netty.handler.ssl.SslProvider.JDK)
                .keyManager(admin.key(), admin.certificate())
                .trustManager(pki.caCertificate()).build();
    }

    private void printCpu(String part, long processCpu, long clientCpu, double seconds, int ops, String op,
            String loadBefore) {
        long server = processCpu - clientCpu;
        print("%s: CPU %.1f s over %.1f s wall (%.2f cores): API server and store %.1f s = %.0f µs per %s; load "
                        + "generator %.1f s = %.0f µs per %s; load average %s -> %s", part, processCpu / 1e9, seconds,
                processCpu / 1e9 / seconds, server / 1e9, server / 1e3 / ops, op, clientCpu / 1e9,
                clientCpu / 1e3 / ops, op, loadBefore, load());
    }

    private static long processCpu() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    private static String load() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (java.io.IOException e) {
            return String.format("%.2f", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        }
    }

    private static double ms(Histogram h, double percentile) {
        return h.getValueAtPercentile(percentile) / 1000.0;
    }

    private void print(String format, Object... args) {
        out.printf(format + "%n", args);
        out.flush();
    }

    private static void deleteTree(Path dir) throws java.io.IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
