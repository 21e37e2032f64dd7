package io.kaji.cli;

import io.kaji.store.RevisionedStore;
import io.kaji.store.StoreLocation;
import io.kaji.store.StoreMigration;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code kaji store ...}: tools for Kaji's revisioned store (the cluster state). */
@Command(name = "store",
        description = "Work with the cluster's state store (embedded SQLite or etcd).",
        mixinStandardHelpOptions = true,
        subcommands = {StoreCommand.Migrate.class})
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
}
