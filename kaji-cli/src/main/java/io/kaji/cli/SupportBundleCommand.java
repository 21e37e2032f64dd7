package io.kaji.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.kaji.support.bundle.SupportBundle;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code kaji support-bundle}: one archive with what a support case needs, secrets redacted. */
@Command(name = "support-bundle",
        mixinStandardHelpOptions = true,
        description = {
                "Collect one tar.gz for a support case, from Kaji or any Kubernetes cluster:",
                "the version, every resource you may list (YAML), the last lines of every container's log",
                "(and of the previous container after a restart), events, the diagnosis (kaji diagnose), the",
                "certificate expiry report and, with a Kaji data dir, the server's log and configuration.",
                "Secret values are removed: Secret data, values of sensitive-looking names (passwords, tokens,",
                "keys), and tokens, keys and passwords found in any text; redactions.txt lists what was",
                "removed (never the value). index.html browses the bundle.",
                "",
                "Examples:",
                "  sudo kaji support-bundle",
                "  kaji support-bundle --kubeconfig ~/.kube/prod.yaml -n shop --output case-4711.tar.gz"})
public final class SupportBundleCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--kubeconfig", paramLabel = "FILE",
            description = "The cluster (default: $KUBECONFIG, the Kaji data dir's kubeconfig, ~/.kube/config).")
    Path kubeconfig;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "A Kaji data dir: its server log, configuration and PKI report are included.")
    Path dataDir;

    @Option(names = "--config", paramLabel = "FILE",
            description = "A Kaji configuration file to include, redacted (default: /etc/kaji/config.yaml if present).")
    Path config;

    @Option(names = {"-n", "--namespace"}, paramLabel = "NS", description = "Only this namespace (default: all).")
    String namespace;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE",
            description = "The archive to write (default: kaji-support-bundle-<time>.tar.gz here).")
    Path output;

    @Option(names = "--log-lines", paramLabel = "N", defaultValue = "1000",
            description = "Lines per container log (default: ${DEFAULT-VALUE}).")
    int logLines;

    @Option(names = "--max-size", paramLabel = "MiB", defaultValue = "200",
            description = "Size limit, uncompressed; files beyond it are left out and listed in truncated.txt "
                    + "(default: ${DEFAULT-VALUE}).")
    long maxMiB;

    @Override
    public Integer call() throws IOException {
        if (logLines < 1 || maxMiB < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--log-lines and --max-size must be >= 1");
        }
        Path cfg;
        try {
            cfg = Kubeconfigs.locate(kubeconfig, dataDir);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        if (cfg == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "no cluster: give --kubeconfig FILE or "
                    + "--data-dir DIR (or start one with sudo ./kaji up)");
        }
        Path kajiDir = dataDir != null ? dataDir
                : DataDir.isRoot() && Files.isDirectory(DataDir.ROOT_DEFAULT) ? DataDir.ROOT_DEFAULT : null;
        Path configFile = config != null ? config
                : Files.isReadable(Path.of("/etc/kaji/config.yaml")) ? Path.of("/etc/kaji/config.yaml") : null;
        Path out = output != null ? output : Path.of("kaji-support-bundle-" + DateTimeFormatter
                .ofPattern("yyyyMMdd-HHmmss").format(ZonedDateTime.now(ZoneOffset.UTC)) + ".tar.gz");
        PrintWriter err = spec.commandLine().getErr();
        ProgressBar bar = new ProgressBar(err, System.console() != null);
        SupportBundle.Result r;
        try (KubernetesClient client = Kubeconfigs.client(cfg)) {
            r = SupportBundle.collect(client, new SupportBundle.Options(out, namespace, logLines, maxMiB << 20,
                    kajiDir, configFile), bar);
        } catch (KubernetesClientException e) {
            bar.finish();
            err.println("kaji support-bundle: cannot read the cluster: " + e.getMessage()
                    + " (check --kubeconfig, or is it running?)");
            Files.deleteIfExists(out);
            return 2;
        }
        bar.finish();
        PrintWriter o = spec.commandLine().getOut();
        o.printf("Wrote %s: %d files, %.1f MiB compressed, %d values redacted (redactions.txt)%n", r.file(), r.files(),
                r.bytes() / 1048576.0, r.redactions());
        if (!r.truncated().isEmpty()) {
            o.printf("%d items were cut or left out by the limits (truncated.txt)%n", r.truncated().size());
        }
        o.println("Open index.html in the archive to browse it.");
        o.flush();
        return 0;
    }

    /** A one-line bar on a terminal (redrawn with \r), else a line every tenth of the way. */
    static final class ProgressBar implements SupportBundle.Progress {
        private final PrintWriter err;
        private final boolean terminal;
        private int lastDecile = -1;
        private boolean drawn;

        ProgressBar(PrintWriter err, boolean terminal) {
            this.err = err;
            this.terminal = terminal;
        }

        @Override
        public void step(int done, int total, String what) {
            int pct = total == 0 ? 100 : Math.min(100, done * 100 / total);
            if (terminal) {
                int filled = pct / 5;
                String label = what.length() > 50 ? "..." + what.substring(what.length() - 47) : what;
                err.print("\r[" + "#".repeat(filled) + "-".repeat(20 - filled) + "] " + String.format("%3d%%", pct)
                        + " " + label + " ".repeat(Math.max(0, 50 - label.length())));
                err.flush();
                drawn = true;
            } else if (pct / 10 != lastDecile) {
                lastDecile = pct / 10;
                err.println("collecting: " + pct + "% (" + what + ")");
                err.flush();
            }
        }

        void finish() {
            if (drawn) {
                err.println();
                err.flush();
            }
        }
    }
}
