package io.kaji.store.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.maintenance.SnapshotResponse;
import io.etcd.jetcd.options.GetOption;
import io.grpc.stub.StreamObserver;
import io.kaji.store.StoreException;
import io.kaji.store.backup.BackupFiles;
import io.kaji.store.backup.BackupManifest;
import io.kaji.store.backup.BackupProgress;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Backup of an etcd cluster through etcd's Maintenance snapshot API, and the commands that restore one.
 *
 * <p>The file is exactly what {@code etcdctl snapshot save} writes: the member's bbolt database as streamed by
 * etcd, followed by etcd's SHA-256 of it (which {@code etcdctl/etcdutl snapshot restore} checks, and which this
 * class checks too before it keeps the file). It holds the whole etcd key space, not only Kaji's namespace.
 *
 * <p>The snapshot's revision is the etcd revision when the member began streaming. It is exact when no write
 * happened during the snapshot or when {@code etcdctl snapshot status} can read it from the file; otherwise the
 * manifest says it lies between the revisions seen just before and after.
 */
public final class EtcdBackup {

    /** How long one snapshot may take before it is abandoned. */
    private static final Duration SNAPSHOT_TIMEOUT = Duration.ofMinutes(30);

    private EtcdBackup() {
    }

    /**
     * Streams a snapshot of the etcd cluster at {@code options.endpoints()} to {@code output} (through a temporary
     * file, fsynced and renamed) and writes the manifest {@code output.json}.
     *
     * @throws StoreException when etcd cannot be reached, the stream breaks or fails its checksum, or the file
     *                        cannot be written
     */
    public static BackupManifest snapshot(EtcdOptions options, Path output, String kajiVersion, BackupProgress progress) {
        BackupFiles.checkWritableTarget(output);
        Path temp = BackupFiles.temporarySibling(output);
        // The namespace is deliberately not applied: a snapshot is of the whole member.
        try (Client client = Client.builder().endpoints(options.endpoints().toArray(String[]::new)).build()) {
            long before = revision(client, options);
            stream(client, temp, progress);
            long after = revision(client, options);
            verifyTrailingHash(temp);
            long revision = before;
            long upTo = after;
            long keys = -1;
            Optional<long[]> status = etcdctlStatus(temp);
            if (status.isPresent()) {
                revision = status.get()[0];
                upTo = revision;
                keys = status.get()[1];
            }
            BackupFiles.commit(temp, output);
            long bytes = Files.size(output);
            BackupManifest manifest = new BackupManifest(BackupManifest.Kind.ETCD, revision, revision == upTo, upTo,
                    keys, bytes, BackupFiles.sha256(output), Instant.now(), kajiVersion,
                    String.join(",", options.endpoints()));
            manifest.writeFor(output);
            return manifest;
        } catch (IOException e) {
            throw new StoreException("etcd snapshot to " + output + " failed: " + e.getMessage(), e);
        } finally {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // best effort
            }
        }
    }

    private static long revision(Client client, EtcdOptions options) {
        try {
            return client.getKVClient()
                    .get(ByteSequence.from(EtcdStore.COMPACT_KEY, StandardCharsets.UTF_8),
                            GetOption.builder().withCountOnly(true).build())
                    .get(options.timeout().toMillis(), TimeUnit.MILLISECONDS)
                    .getHeader().getRevision();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("etcd snapshot: interrupted", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new StoreException("etcd snapshot: cannot reach etcd at " + options.endpoints() + " ("
                    + (e.getCause() == null ? e : e.getCause().getMessage())
                    + "); check --etcd-endpoints and that etcd is running", e);
        }
    }

    private static void stream(Client client, Path temp, BackupProgress progress) throws IOException {
        CompletableFuture<Void> done = new CompletableFuture<>();
        BackupFiles.createPrivate(temp);
        try (FileChannel out = FileChannel.open(temp, StandardOpenOption.WRITE)) {
            long[] written = {0, 0};
            client.getMaintenanceClient().snapshot(new StreamObserver<>() {
                @Override
                public void onNext(SnapshotResponse r) {
                    try {
                        ByteBuffer b = r.getBlob().asReadOnlyByteBuffer();
                        while (b.hasRemaining()) {
                            written[0] += out.write(b);
                        }
                        long now = System.nanoTime();
                        if (now - written[1] > 500_000_000L) {
                            written[1] = now;
                            progress.update(written[0], written[0] + r.getRemainingBytes());
                        }
                    } catch (IOException e) {
                        done.completeExceptionally(e);
                        throw new java.io.UncheckedIOException(e);
                    }
                }

                @Override
                public void onError(Throwable t) {
                    done.completeExceptionally(t);
                }

                @Override
                public void onCompleted() {
                    done.complete(null);
                }
            });
            done.get(SNAPSHOT_TIMEOUT.toMinutes(), TimeUnit.MINUTES);
            progress.update(written[0], written[0]);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("etcd snapshot: interrupted", e);
        } catch (ExecutionException e) {
            throw new StoreException("etcd snapshot: the stream failed: " + e.getCause().getMessage()
                    + "; check that etcd is healthy (etcdctl endpoint health)", e.getCause());
        } catch (TimeoutException e) {
            throw new StoreException("etcd snapshot: not finished within " + SNAPSHOT_TIMEOUT.toMinutes() + " minutes", e);
        }
    }

    /** etcd appends the SHA-256 of the database to the stream; a short or corrupted transfer fails here. */
    static void verifyTrailingHash(Path file) throws IOException {
        long size = Files.size(file);
        if (size < 32 + 4096) {
            throw new StoreException("etcd snapshot: only " + size + " bytes received; the stream was cut short");
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            ByteBuffer buf = ByteBuffer.allocate(1 << 20);
            long left = size - 32;
            while (left > 0) {
                buf.clear();
                buf.limit((int) Math.min(buf.capacity(), left));
                int n = ch.read(buf);
                if (n < 0) {
                    break;
                }
                buf.flip();
                md.update(buf);
                left -= n;
            }
            ByteBuffer tail = ByteBuffer.allocate(32);
            ch.read(tail, size - 32);
            if (!MessageDigest.isEqual(md.digest(), tail.array())) {
                throw new StoreException("etcd snapshot: the received data does not match etcd's checksum; try again");
            }
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static final Pattern REVISION = Pattern.compile("\"revision\"\\s*:\\s*(\\d+)");
    private static final Pattern TOTAL_KEY = Pattern.compile("\"totalKey\"\\s*:\\s*(\\d+)");

    /** Revision and key count from {@code etcdctl snapshot status -w json}, when etcdctl is installed. */
    static Optional<long[]> etcdctlStatus(Path snapshot) {
        Optional<String> etcdctl = findOnPath("etcdctl");
        if (etcdctl.isEmpty()) {
            return Optional.empty();
        }
        try {
            Process p = new ProcessBuilder(etcdctl.get(), "snapshot", "status", snapshot.toString(), "-w", "json")
                    .redirectErrorStream(true)
                    .start();
            p.getOutputStream().close();
            String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new StoreException("etcd snapshot: etcdctl snapshot status rejects the file: " + text.strip());
            }
            Matcher rev = REVISION.matcher(text);
            Matcher keys = TOTAL_KEY.matcher(text);
            if (!rev.find()) {
                return Optional.empty();
            }
            return Optional.of(new long[] {Long.parseLong(rev.group(1)), keys.find() ? Long.parseLong(keys.group(1)) : -1});
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    static Optional<String> findOnPath(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, name))) {
                return Optional.of(Path.of(dir, name).toString());
            }
        }
        return Optional.empty();
    }

    /**
     * The commands that restore {@code snapshot} into a new etcd cluster, one per member, for a person to run:
     * restoring a member is an etcd operation (each machine, etcd stopped, a new data directory).
     * With {@code etcdutl} (etcd 3.5+) the revision is bumped by {@code bumpRevision} and the history marked
     * compacted, so Kubernetes clients re-list instead of missing events; etcd 3.4's {@code etcdctl} cannot.
     *
     * @param members the members as {@code name=peerURL}, e.g. {@code m0=http://10.0.0.1:2380}
     */
    public static List<String> restoreCommands(Path snapshot, List<String> members, long bumpRevision,
                                               boolean haveEtcdutl) {
        List<String> lines = new ArrayList<>();
        String initialCluster = String.join(",", members);
        for (String member : members) {
            int eq = member.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("etcd member \"" + member
                        + "\" must be NAME=PEER_URL, e.g. m0=http://10.0.0.1:2380");
            }
            String name = member.substring(0, eq);
            String peer = member.substring(eq + 1);
            StringBuilder sb = new StringBuilder(haveEtcdutl ? "etcdutl" : "ETCDCTL_API=3 etcdctl")
                    .append(" snapshot restore ").append(snapshot.toAbsolutePath())
                    .append(" --name ").append(name)
                    .append(" --data-dir /var/lib/etcd-restored-").append(name)
                    .append(" --initial-cluster ").append(initialCluster)
                    .append(" --initial-cluster-token kaji-restored")
                    .append(" --initial-advertise-peer-urls ").append(peer);
            if (haveEtcdutl && bumpRevision > 0) {
                sb.append(" --bump-revision ").append(bumpRevision).append(" --mark-compacted");
            }
            lines.add(sb.toString());
        }
        return lines;
    }
}
