package io.kaji.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.kaji.support.certs.ExpiryReport;
import io.kaji.support.certs.ExpiryStatus;
import io.kaji.support.certs.Thresholds;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code kaji certs ...}: certificate checks for Kaji's PKI and for any Kubernetes cluster. */
@Command(name = "certs",
        description = "Check the certificates a cluster depends on (Kaji's PKI, or any Kubernetes cluster).",
        mixinStandardHelpOptions = true,
        subcommands = {CertsCommand.CheckExpiration.class, CertsRenewCommand.class})
public final class CertsCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Output formats of {@code kaji certs check-expiration}. */
    enum Format { text, json, yaml }

    /** Exit code when something could not be checked and nothing is critical (monitoring plugins' UNKNOWN). */
    static final int UNKNOWN = 3;

    @Command(name = "check-expiration",
            mixinStandardHelpOptions = true,
            exitCodeOnInvalidInput = UNKNOWN,
            description = {
                    "List every certificate with its expiry, like kubeadm certs check-expiration, with a status:",
                    "OK, WARNING (under --warning-days), CRITICAL (under --critical-days), EXPIRED, or INVALID",
                    "(a certificate that cannot be parsed).",
                    "",
                    "Where it looks:",
                    "  Kaji's PKI      pki/*.crt and the kubeconfigs of a Kaji data dir (--data-dir; by default",
                    "                  /var/lib/kaji when it exists and you are root)",
                    "  any cluster     through a kubeconfig (--kubeconfig, else $KUBECONFIG, ~/.kube/config, or",
                    "                  the data dir's kubeconfig): the kubeconfig's CA and client certificate, the",
                    "                  API server's serving chain, every Secret holding a PEM certificate",
                    "                  (kubernetes.io/tls and others), webhook configurations', APIServices' and",
                    "                  CRD conversion webhooks' caBundles",
                    "Sources that cannot be read (forbidden, unreachable) are listed under 'Not checked'.",
                    "",
                    "Exit code: 0 all OK, 1 WARNING, 2 CRITICAL/EXPIRED/INVALID, 3 something could not be",
                    "checked (and nothing is critical) or bad usage.",
                    "",
                    "Examples:",
                    "  sudo kaji certs check-expiration",
                    "  kaji certs check-expiration --kubeconfig ~/.kube/prod.yaml -o json",
                    "  kaji certs check-expiration --data-dir /var/lib/kaji --skip-cluster --warning-days 60"})
    static final class CheckExpiration implements Callable<Integer> {

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--kubeconfig", paramLabel = "FILE",
                description = "The cluster to check (default: $KUBECONFIG, ~/.kube/config, or the data dir's).")
        Path kubeconfig;

        @Option(names = "--data-dir", paramLabel = "DIR",
                description = "A Kaji data dir whose PKI files to check (default: /var/lib/kaji if present).")
        Path dataDir;

        @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "text",
                description = "text (default), json or yaml.")
        Format format;

        @Option(names = "--warning-days", paramLabel = "DAYS", defaultValue = "30",
                description = "WARNING when fewer days are left (default: ${DEFAULT-VALUE}).")
        int warningDays;

        @Option(names = "--critical-days", paramLabel = "DAYS", defaultValue = "7",
                description = "CRITICAL when fewer days are left (default: ${DEFAULT-VALUE}).")
        int criticalDays;

        @Option(names = "--skip-cluster", description = "Check only the data dir's files; do not contact a cluster.")
        boolean skipCluster;

        @Override
        public Integer call() {
            Thresholds thresholds;
            try {
                thresholds = new Thresholds(Duration.ofDays(warningDays), Duration.ofDays(criticalDays));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
            Path pkiDir = pkiDataDir();
            Path config = skipCluster ? null : clusterKubeconfig(pkiDir);
            if (pkiDir == null && config == null) {
                throw new CommandLine.ParameterException(spec.commandLine(), "nothing to check: no Kaji data dir"
                        + " (/var/lib/kaji) and no kubeconfig; give --data-dir DIR or --kubeconfig FILE");
            }
            ExpiryReport report;
            try (KubernetesClient client = config == null ? null : Kubeconfigs.client(config)) {
                report = ExpiryReport.scan(client, pkiDir, Instant.now(), thresholds);
            }
            PrintWriter out = spec.commandLine().getOut();
            out.print(switch (format) {
                case text -> report.text();
                case json -> report.json();
                case yaml -> report.yaml();
            });
            out.flush();
            ExpiryStatus worst = report.worst();
            if (worst.exitCode() == 2) {
                return 2;
            }
            return report.problems().isEmpty() ? worst.exitCode() : UNKNOWN;
        }

        /** The data dir to scan: the given one, or the root default when it holds a PKI; null for none. */
        private Path pkiDataDir() {
            if (dataDir != null) {
                return dataDir;
            }
            Path fallback = DataDir.ROOT_DEFAULT;
            return DataDir.isRoot() && Files.isDirectory(fallback.resolve("pki")) ? fallback : null;
        }

        private Path clusterKubeconfig(Path pkiDir) {
            try {
                return Kubeconfigs.locate(kubeconfig, pkiDir);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
        }
    }
}
