package io.kaji.cli;

import io.kaji.apiserver.encryption.EncryptionConfiguration;
import io.kaji.apiserver.encryption.EncryptionException;
import io.kaji.apiserver.encryption.KeyRotation;
import io.kaji.apiserver.encryption.SharedEncryptionConfig;
import io.kaji.apiserver.pki.NodeToken;
import io.kaji.apiserver.registry.BuiltinResources;
import io.kaji.apiserver.registry.ResourceRegistry;
import io.kaji.store.RevisionedStore;
import io.kaji.store.StoreException;
import io.kaji.store.etcd.EtcdOptions;
import io.kaji.store.etcd.EtcdStore;
import io.kaji.store.sqlite.SqliteStore;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code kaji secrets ...}: encryption at rest of Secrets (and other configured resources). */
@Command(name = "secrets",
        description = "Manage the encryption at rest of Secrets.",
        mixinStandardHelpOptions = true,
        subcommands = {SecretsCommand.RotateKey.class})
public final class SecretsCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "rotate-key",
            mixinStandardHelpOptions = true,
            description = {
                    "Rotate the encryption-at-rest key: add a new key first, re-encrypt every stored Secret",
                    "(and every other resource the configuration encrypts) with it, then drop the old keys.",
                    "Stop every Kaji server of the cluster first; start them again afterwards.",
                    "",
                    "Examples:",
                    "  kaji secrets rotate-key --data-dir /var/lib/kaji",
                    "  kaji secrets rotate-key --data-dir /var/lib/kaji --store etcd --etcd-endpoints http://10.0.0.5:2379"})
    static final class RotateKey implements Callable<Integer> {

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--data-dir", paramLabel = "DIR",
                description = "The server's data dir (default: /var/lib/kaji for root, else ~/.kaji).")
        Path dataDir;

        @Option(names = "--store", defaultValue = "sqlite", paramLabel = "KIND",
                description = "The cluster store, as given to 'kaji server' (default: ${DEFAULT-VALUE}).")
        String store;

        @Option(names = "--etcd-endpoints", paramLabel = "URLS", split = ",",
                description = "etcd client URLs for --store etcd.")
        List<String> etcdEndpoints;

        @Option(names = "--encryption-provider-config", paramLabel = "FILE",
                description = "The EncryptionConfiguration the server reads (default: <data-dir>/encryption-config.yaml).")
        Path configFile;

        @Override
        public Integer call() {
            Path dir = DataDir.of(dataDir).path().toAbsolutePath();
            Path file = configFile != null ? configFile : dir.resolve(EncryptionConfiguration.FILE_NAME);
            if (!Files.exists(file)) {
                throw new CommandLine.ParameterException(spec.commandLine(), file + " does not exist: start "
                        + "'kaji server' once to generate it, or pass --encryption-provider-config");
            }
            PrintWriter out = spec.commandLine().getOut();
            // Only resource names are needed here (their store prefixes), never a Service IP.
            ResourceRegistry registry = BuiltinResources.registry(null);
            try (RevisionedStore st = open(dir)) {
                String nodeToken = store.equals("etcd") && configFile == null ? readToken(dir) : null;
                KeyRotation.Report report = KeyRotation.rotate(file, st, c -> c.byKeyPrefix(registry), c -> {
                    if (nodeToken != null) {
                        SharedEncryptionConfig.publish(st, c, nodeToken);
                    }
                });
                out.printf("Rotated the encryption key in %s: %s now encrypts; %d objects re-encrypted; old keys "
                        + "removed.%n", file, report.newKey(), report.rewritten());
                out.println("Start the Kaji server(s) again.");
                return 0;
            } catch (EncryptionException e) {
                spec.commandLine().getErr().println("kaji secrets rotate-key: " + e.getMessage());
                return 1;
            }
        }

        private RevisionedStore open(Path dir) {
            return switch (store) {
                case "sqlite" -> {
                    try {
                        yield SqliteStore.open(dir.resolve("db"));
                    } catch (StoreException e) {
                        throw new CommandLine.ParameterException(spec.commandLine(), "cannot open the store in "
                                + dir.resolve("db") + " (" + e.getMessage() + "): stop 'kaji server' first");
                    }
                }
                case "etcd" -> {
                    if (etcdEndpoints == null || etcdEndpoints.isEmpty()) {
                        throw new CommandLine.ParameterException(spec.commandLine(),
                                "--store etcd needs --etcd-endpoints, e.g. --etcd-endpoints http://127.0.0.1:2379");
                    }
                    yield EtcdStore.connect(EtcdOptions.of(etcdEndpoints));
                }
                default -> throw new CommandLine.ParameterException(spec.commandLine(),
                        "--store: unknown store \"" + store + "\"; expected sqlite or etcd");
            };
        }

        private static String readToken(Path dir) {
            Path f = dir.resolve(NodeToken.FILE_NAME);
            try {
                return Files.exists(f) ? Files.readString(f).trim() : null;
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("read " + f + ": " + e.getMessage(), e);
            }
        }
    }
}
