package io.kaji.store.etcd;

import io.kaji.store.StoreException;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts real etcd members (the {@code etcd} binary, Debian package {@code etcd-server}) on loopback ports,
 * for tests, benchmarks and trying the HA path on one machine. Every member listens on 127.0.0.1 only.
 * Closing it stops the members and, if it created the data directory, removes it.
 */
public final class LocalEtcdCluster implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LocalEtcdCluster.class);

    private final Path dataDir;
    private final boolean ownsDataDir;
    private final List<Member> members = new ArrayList<>();

    /** Starts tried when another process takes a probed port before etcd binds it. */
    private static final int PORT_ATTEMPTS = 3;

    /** One etcd process. */
    public record Member(String name, int clientPort, int peerPort, Path dataDir, Path logFile, Process process) {
        public String clientUrl() {
            return "http://127.0.0.1:" + clientPort;
        }

        String peerUrl() {
            return "http://127.0.0.1:" + peerPort;
        }
    }

    private LocalEtcdCluster(Path dataDir, boolean ownsDataDir) {
        this.dataDir = dataDir;
        this.ownsDataDir = ownsDataDir;
    }

    /** Starts {@code size} members in a new temporary directory and waits until all are healthy. */
    public static LocalEtcdCluster start(int size) {
        try {
            return start(size, Files.createTempDirectory("kaji-etcd-"), true);
        } catch (IOException e) {
            throw new StoreException("etcd: cannot create a data directory: " + e.getMessage(), e);
        }
    }

    public static LocalEtcdCluster start(int size, Path dataDir, boolean ownsDataDir) {
        String binary = findBinary();
        for (int attempt = 1; ; attempt++) {
            LocalEtcdCluster cluster = new LocalEtcdCluster(dataDir, ownsDataDir);
            try {
                cluster.launch(binary, size);
                cluster.awaitHealthy(Duration.ofSeconds(30));
                log.info("etcd: {} member(s) running at {}", size, cluster.clientUrls());
                return cluster;
            } catch (IOException | RuntimeException e) {
                boolean portTaken = cluster.members.stream().anyMatch(LocalEtcdCluster::lostPortRace);
                if (portTaken && attempt < PORT_ATTEMPTS) {
                    // Another process took a port between our probe and etcd's bind: try fresh ports.
                    log.info("etcd: a port was taken before a member could bind it; retrying with new ports");
                    cluster.stopMembers();
                    cluster.removeMemberFiles();
                    continue;
                }
                cluster.close();
                throw e instanceof StoreException se ? se
                        : new StoreException("etcd: cannot start a local cluster: " + e.getMessage(), e);
            }
        }
    }

    private void launch(String binary, int size) throws IOException {
        Set<Integer> taken = new HashSet<>();
        List<int[]> ports = new ArrayList<>();
        StringBuilder initial = new StringBuilder();
        for (int i = 0; i < size; i++) {
            int[] p = {LoopbackPorts.free(taken), LoopbackPorts.free(taken), LoopbackPorts.free(taken)};
            ports.add(p);
            if (i > 0) {
                initial.append(',');
            }
            initial.append("m").append(i).append("=http://127.0.0.1:").append(p[1]);
        }
        String token = "kaji-" + Long.toHexString(System.nanoTime());
        for (int i = 0; i < size; i++) {
            String name = "m" + i;
            Path memberDir = dataDir.resolve(name);
            Files.createDirectories(memberDir);
            Path logFile = dataDir.resolve(name + ".log");
            List<String> cmd = List.of(binary,
                    "--name", name,
                    "--data-dir", memberDir.toString(),
                    "--listen-client-urls", "http://127.0.0.1:" + ports.get(i)[0],
                    "--advertise-client-urls", "http://127.0.0.1:" + ports.get(i)[0],
                    "--listen-peer-urls", "http://127.0.0.1:" + ports.get(i)[1],
                    "--initial-advertise-peer-urls", "http://127.0.0.1:" + ports.get(i)[1],
                    "--initial-cluster", initial.toString(),
                    "--initial-cluster-token", token,
                    "--initial-cluster-state", "new",
                    "--listen-metrics-urls", "http://127.0.0.1:" + ports.get(i)[2]);
            Process process = new ProcessBuilder(cmd)
                    .redirectErrorStream(true)
                    .redirectOutput(logFile.toFile())
                    .start();
            members.add(new Member(name, ports.get(i)[0], ports.get(i)[1], memberDir, logFile, process));
        }
    }

    /** Whether the member exited because one of its ports was bound by someone else. */
    private static boolean lostPortRace(Member m) {
        if (m.process().isAlive()) {
            return false;
        }
        try {
            return Files.readString(m.logFile()).contains("address already in use");
        } catch (IOException e) {
            return false;
        }
    }

    private void removeMemberFiles() {
        for (Member m : members) {
            deleteTree(m.dataDir());
            deleteTree(m.logFile());
        }
    }

    /** The client URLs of all members. */
    public List<String> clientUrls() {
        return members.stream().map(Member::clientUrl).toList();
    }

    public List<Member> members() {
        return List.copyOf(members);
    }

    private void awaitHealthy(Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        for (Member m : members) {
            while (!healthy(m)) {
                if (!m.process().isAlive()) {
                    throw new StoreException("etcd member " + m.name() + " exited with code " + m.process().exitValue()
                            + "; see " + m.logFile() + ": " + lastLines(m.logFile()));
                }
                if (Instant.now().isAfter(deadline)) {
                    throw new StoreException("etcd member " + m.name() + " not healthy within " + timeout.toSeconds()
                            + "s; see " + m.logFile() + ": " + lastLines(m.logFile()));
                }
                sleep(100);
            }
        }
    }

    private static boolean healthy(Member m) {
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create(m.clientUrl() + "/health").toURL().openConnection();
            c.setConnectTimeout(500);
            c.setReadTimeout(2000);
            try (var in = c.getInputStream()) {
                return c.getResponseCode() == 200 && new String(in.readAllBytes()).contains("\"true\"");
            } finally {
                c.disconnect();
            }
        } catch (IOException e) {
            return false;
        }
    }

    /** Finds the etcd binary: {@code $KAJI_ETCD_BINARY}, /usr/bin/etcd, or the PATH. */
    static String findBinary() {
        String env = System.getenv("KAJI_ETCD_BINARY");
        if (env != null && Files.isExecutable(Path.of(env))) {
            return env;
        }
        if (Files.isExecutable(Path.of("/usr/bin/etcd"))) {
            return "/usr/bin/etcd";
        }
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "etcd"))) {
                return Path.of(dir, "etcd").toString();
            }
        }
        throw new StoreException("etcd: no etcd binary found; install it with 'apt-get install -y etcd-server'"
                + " or set KAJI_ETCD_BINARY");
    }

    private static String lastLines(Path file) {
        try {
            List<String> lines = Files.readAllLines(file);
            return String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size()));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("etcd: interrupted while starting", e);
        }
    }

    /** Kills one member (SIGKILL), as when its machine dies. */
    public void kill(int index) {
        Process p = members.get(index).process();
        p.destroyForcibly();
        try {
            p.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        stopMembers();
        if (ownsDataDir) {
            deleteTree(dataDir);
        }
    }

    private void stopMembers() {
        for (Member m : members) {
            m.process().destroy();
        }
        for (Member m : members) {
            try {
                if (!m.process().waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                    m.process().destroyForcibly().waitFor();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            log.debug("etcd: removing {}", root, e);
        }
    }
}
