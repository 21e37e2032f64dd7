package io.kaji.cli;

import io.kaji.store.RevisionedStore;
import io.kaji.store.StoreException;
import io.kaji.store.StoreLocation;
import io.kaji.store.StoreMigration;
import io.kaji.store.backup.BackupFiles;
import io.kaji.store.backup.BackupManifest;
import io.kaji.store.backup.BackupProgress;
import io.kaji.store.etcd.EtcdBackup;
import io.kaji.store.etcd.EtcdOptions;
import io.kaji.store.sqlite.SqliteBackup;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code kaji store ...}: tools for Kaji's revisioned store (the cluster state). */
@Command(name = "store",
        description = "Work with the cluster's state store (embedded SQLite or etcd).",
        mixinStandardHelpOptions = true,
        subcommands = {StoreCommand.Migrate.class, StoreCommand.Backup.class, StoreCommand.Restore.class})
public final class StoreCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "migrate",
            mixinStandardHelpOptions = true,
            description = {
                    "Copy every key of one store into another, e.g. from the embedded SQLite store to etcd.",
                    "Stop the Kaji server first. The target must be empty. Revisions are renumbered,",
                    "so clients re-list afterwards (as after an etcd restore).",
                    "",
                    "Example:",
                    "  kaji store migrate --from sqlite:/var/lib/kaji/db --to etcd:http://127.0.0.1:2379"})
    static final class Migrate implements Callable<Integer> {

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--from", required = true, paramLabel = "STORE",
                description = "The source: sqlite:<directory> or etcd:<url>[,<url>...].")
        String from;

        @Option(names = "--to", required = true, paramLabel = "STORE",
                description = "The target, in the same form; it must hold no keys under the prefix.")
        String to;

        @Option(names = "--prefix", defaultValue = "/", paramLabel = "PREFIX",
                description = "Copy only keys under this prefix (default: ${DEFAULT-VALUE}, everything).")
        String prefix;

        @Override
        public Integer call() {
            StoreLocation source = parse(from, "--from");
            StoreLocation target = parse(to, "--to");
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            long t0 = System.nanoTime();
            try (RevisionedStore s = source.open(); RevisionedStore t = target.open()) {
                err.printf("Copying %s -> %s (keys under %s) ...%n", source, target, prefix);
                StoreMigration.Summary summary = StoreMigration.copy(s, t, prefix,
                        n -> err.printf("\r  %,d keys copied", n));
                err.println();
                out.printf("Copied %,d keys (%,d bytes) from %s at revision %d to %s in %.1f s.%n",
                        summary.keys(), summary.bytes(), source, summary.sourceRevision(), target,
                        (System.nanoTime() - t0) / 1e9);
            }
            return 0;
        }

        private StoreLocation parse(String text, String option) {
            try {
                return StoreLocation.parse(text);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), option + ": " + e.getMessage());
            }
        }
    }

    @Command(name = "backup",
            mixinStandardHelpOptions = true,
            description = {
                    "Write a consistent snapshot of the cluster store to a file, while the server runs.",
                    "SQLite: a point-in-time copy of <data-dir>/db (a plain SQLite file). etcd: an etcd snapshot,",
                    "the same file 'etcdctl snapshot save' writes. Either way FILE.json records the kind, the",
                    "revision, the time and the Kaji version, and a SHA-256 that restore checks.",
                    "",
                    "Examples:",
                    "  kaji store backup --data-dir /var/lib/kaji --output /backups/kaji-$(date +%%F).db",
                    "  kaji store backup --store etcd --etcd-endpoints http://10.0.0.1:2379 --output etcd.snap"})
    static final class Backup implements Callable<Integer> {

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--data-dir", paramLabel = "DIR",
                description = "The server's data dir; the SQLite store is <data-dir>/db (default: /var/lib/kaji for"
                        + " root, else ~/.kaji).")
        Path dataDir;

        @Option(names = "--store", defaultValue = "sqlite", paramLabel = "KIND",
                description = "sqlite or etcd (default: ${DEFAULT-VALUE}).")
        String store;

        @Option(names = "--etcd-endpoints", paramLabel = "URLS", split = ",",
                description = "etcd client URLs for --store etcd, comma-separated.")
        List<String> etcdEndpoints;

        @Option(names = {"--output", "-o"}, required = true, paramLabel = "FILE",
                description = "Where to write the backup (replaced atomically if it exists).")
        Path output;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            ProgressLine progress = new ProgressLine(err);
            long t0 = System.nanoTime();
            BackupManifest m = switch (store) {
                case "sqlite" -> {
                    if (etcdEndpoints != null) {
                        throw usage("--etcd-endpoints needs --store etcd");
                    }
                    yield SqliteBackup.backup(DataDir.of(dataDir).path().resolve("db"), output,
                            VersionCommand.version(), progress);
                }
                case "etcd" -> {
                    if (etcdEndpoints == null || etcdEndpoints.isEmpty()) {
                        throw usage("--store etcd needs --etcd-endpoints, e.g. --etcd-endpoints http://127.0.0.1:2379");
                    }
                    if (dataDir != null) {
                        throw usage("--data-dir is for --store sqlite; an etcd backup reads from --etcd-endpoints");
                    }
                    yield EtcdBackup.snapshot(etcdOptions(spec, etcdEndpoints), output, VersionCommand.version(),
                            progress);
                }
                default -> throw usage("--store: unknown store \"" + store + "\"; expected sqlite or etcd");
            };
            progress.finish();
            long ms = (System.nanoTime() - t0) / 1_000_000;
            out.printf("backed up revision %d%s, %s keys, %,d bytes in %d ms to %s (manifest %s)%n",
                    m.revision(), m.revisionExact() ? "" : " (at most " + m.revisionUpTo() + ")",
                    m.keys() < 0 ? "?" : String.format("%,d", m.keys()), m.bytes(), ms, output,
                    BackupManifest.sidecarOf(output).getFileName());
            return 0;
        }

        private CommandLine.ParameterException usage(String message) {
            return new CommandLine.ParameterException(spec.commandLine(), message);
        }
    }

    @Command(name = "restore",
            mixinStandardHelpOptions = true,
            description = {
                    "Restore a backup written by 'kaji store backup'.",
                    "SQLite: stop the server first; the backup becomes <data-dir>/db. A store that holds data is",
                    "only replaced with --force and is kept as <data-dir>/db.bak-<time>. The revision is bumped",
                    "by --bump-revision and older history marked compacted, so clients of the old server re-list",
                    "(410 Gone) instead of missing changes; --bump-revision 0 keeps the exact revision and history.",
                    "etcd: restoring a member is an etcd operation; this prints the etcdutl/etcdctl commands to run.",
                    "",
                    "Examples:",
                    "  kaji store restore --input /backups/kaji-2026-11-25.db --data-dir /var/lib/kaji",
                    "  kaji store restore --input etcd.snap --etcd-member m0=http://10.0.0.1:2380 "
                            + "--etcd-member m1=http://10.0.0.2:2380"})
    static final class Restore implements Callable<Integer> {

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = {"--input", "-i"}, required = true, paramLabel = "FILE",
                description = "The backup file.")
        Path input;

        @Option(names = "--data-dir", paramLabel = "DIR",
                description = "The server's data dir to restore into (SQLite; default: /var/lib/kaji for root, else"
                        + " ~/.kaji).")
        Path dataDir;

        @Option(names = "--force",
                description = "Replace a store that holds data (kept as <data-dir>/db.bak-<time>).")
        boolean force;

        @Option(names = "--bump-revision", paramLabel = "N", defaultValue = "1000000000",
                description = "Start the restored store N revisions after the backup's and mark older history"
                        + " compacted (default: ${DEFAULT-VALUE}, as Kubernetes' etcd restore guide advises;"
                        + " 0 keeps the exact revision).")
        long bumpRevision;

        @Option(names = "--etcd-member", paramLabel = "NAME=PEER_URL",
                description = "For an etcd snapshot: a member of the cluster to restore, repeated per member"
                        + " (default: default=http://127.0.0.1:2380, a single local member).")
        List<String> etcdMembers;

        @Override
        public Integer call() {
            if (bumpRevision < 0) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "--bump-revision must be >= 0, got " + bumpRevision);
            }
            return switch (BackupFiles.detect(input)) {
                case SQLITE -> restoreSqlite();
                case ETCD_SNAPSHOT -> printEtcdRestore();
                case UNKNOWN -> throw new StoreException(input + " is neither a Kaji SQLite backup nor an etcd snapshot");
            };
        }

        private int restoreSqlite() {
            if (etcdMembers != null) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "--etcd-member is for etcd snapshots; " + input + " is a SQLite backup");
            }
            PrintWriter out = spec.commandLine().getOut();
            Path storeDir = DataDir.of(dataDir).path().resolve("db");
            long t0 = System.nanoTime();
            SqliteBackup.RestoreResult r = SqliteBackup.restore(input, storeDir,
                    new SqliteBackup.RestoreOptions(force, bumpRevision));
            out.printf("restored revision %d (%,d keys) into %s in %d ms%n", r.backupRevision(), r.keys(), storeDir,
                    (System.nanoTime() - t0) / 1_000_000);
            if (r.markedCompacted()) {
                out.printf("the store continues at revision %d; history before it is marked compacted, so clients"
                        + " of the old server re-list%n", r.startRevision());
            } else {
                out.printf("the store continues at revision %d with its history%n", r.startRevision());
            }
            if (r.replacedStore() != null) {
                out.printf("the replaced store is kept in %s (delete it once the cluster is healthy)%n",
                        r.replacedStore());
            }
            return 0;
        }

        private int printEtcdRestore() {
            if (dataDir != null || force) {
                throw new CommandLine.ParameterException(spec.commandLine(), input + " is an etcd snapshot:"
                        + " --data-dir and --force are for SQLite backups; use --etcd-member NAME=PEER_URL");
            }
            BackupManifest.readFor(input).ifPresent(m -> {
                if (!m.sha256().isEmpty() && !m.sha256().equals(BackupFiles.sha256(input))) {
                    throw new StoreException(input + " does not match the checksum in "
                            + BackupManifest.sidecarOf(input) + ": the file is damaged or was replaced");
                }
            });
            List<String> members = etcdMembers == null ? List.of("default=http://127.0.0.1:2380") : etcdMembers;
            boolean etcdutl = onPath("etcdutl");
            List<String> commands;
            try {
                commands = EtcdBackup.restoreCommands(input, members, bumpRevision, etcdutl);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--etcd-member: " + e.getMessage());
            }
            PrintWriter out = spec.commandLine().getOut();
            out.println(input + " is an etcd snapshot. Restoring etcd is an etcd operation: stop every Kaji server"
                    + " and etcd member, then on each member's machine run its line (copy the file there first):");
            commands.forEach(c -> out.println("  " + c));
            out.println("then start each etcd with --data-dir /var/lib/etcd-restored-<name>, the same"
                    + " --initial-cluster and --initial-cluster-state existing, and start the Kaji servers.");
            if (!etcdutl && bumpRevision > 0) {
                out.println("note: etcdutl (etcd 3.5+) was not found; etcd 3.4's etcdctl cannot bump the revision,"
                        + " so restart every agent and controller after the restore so that they re-list.");
            }
            return 0;
        }

        private static boolean onPath(String name) {
            for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
                if (!dir.isEmpty() && java.nio.file.Files.isExecutable(Path.of(dir, name))) {
                    return true;
                }
            }
            return false;
        }
    }

    private static EtcdOptions etcdOptions(CommandLine.Model.CommandSpec spec, List<String> endpoints) {
        try {
            return EtcdOptions.of(endpoints);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--etcd-endpoints: " + e.getMessage());
        }
    }

    /** Progress on stderr for backups that take more than a second, rewritten in place. */
    static final class ProgressLine implements BackupProgress {
        private final PrintWriter err;
        private final long start = System.nanoTime();
        private volatile boolean printed;

        ProgressLine(PrintWriter err) {
            this.err = err;
        }

        @Override
        public synchronized void update(long done, long expectedTotal) {
            if (System.nanoTime() - start < 1_000_000_000L) {
                return;
            }
            printed = true;
            if (expectedTotal > 0) {
                err.printf("\r  %,d MiB of ~%,d MiB", done >> 20, expectedTotal >> 20);
            } else {
                err.printf("\r  %,d MiB", done >> 20);
            }
            err.flush();
        }

        synchronized void finish() {
            if (printed) {
                err.println();
            }
        }
    }
}
