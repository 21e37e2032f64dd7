package io.kaji.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.kaji.support.assess.CheckRegistry;
import io.kaji.support.assess.ClusterAssessment;
import io.kaji.support.assess.Exemptions;
import io.kaji.support.assess.HostConfig;
import io.kaji.support.assess.KubeVersion;
import io.kaji.support.assess.Report;
import io.kaji.support.assess.Severity;
import io.kaji.support.assess.Status;
import io.kaji.support.assess.report.ReportFormat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code kaji assess}: the security and reliability assessment (CIS Kubernetes Benchmark, Pod Security Standards,
 * reliability practices) of Kaji or any Kubernetes cluster. Exit code 0, 1 when a failed check is at or above
 * {@code --fail-on}, 2 on usage or connection errors.
 */
@Command(name = "assess",
        mixinStandardHelpOptions = true,
        description = {
                "Assess a cluster's security and reliability: the CIS Kubernetes Benchmark (all sections),",
                "the Pod Security Standards and reliability practices. Works on any Kubernetes cluster;",
                "on a Kaji server node it also reads Kaji's own configuration (data dir, flags) for the",
                "control-plane and node sections. Exit code: 0; 1 when a check of severity --fail-on or",
                "higher failed; 2 on usage or connection errors. See docs/assessment.md."})
public final class AssessCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--kubeconfig", paramLabel = "FILE",
            description = "The cluster's kubeconfig (default: $KUBECONFIG, else the data dir's, else ~/.kube/config).")
    Path kubeconfig;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "A local Kaji's data dir: its kubeconfig, PKI and configuration are used "
                    + "(default: /var/lib/kaji for root, else ~/.kaji, when it exists).")
    Path dataDir;

    @Option(names = {"-o", "--format"}, defaultValue = "table", paramLabel = "FORMAT",
            converter = FormatConverter.class,
            description = "table (default), json, junit, sarif or html.")
    ReportFormat format;

    @Option(names = "--output", paramLabel = "FILE", description = "Write the report to FILE instead of stdout.")
    Path output;

    @Option(names = "--fail-on", paramLabel = "SEVERITY", converter = SeverityConverter.class,
            description = "Exit 1 when a check of this severity or higher fails: info, low, medium, high, critical.")
    Severity failOn;

    @Option(names = "--exemptions", paramLabel = "FILE",
            description = "YAML file of accepted risks (by check, namespace, kind, name, with a reason).")
    Path exemptionsFile;

    @Option(names = "--target-version", paramLabel = "VERSION", converter = VersionConverter.class,
            description = "Judge deprecated APIs against this Kubernetes version, e.g. 1.33 (default: the server's).")
    KubeVersion targetVersion;

    @Override
    public Integer call() {
        Exemptions exemptions;
        try {
            exemptions = exemptionsFile == null ? Exemptions.none() : Exemptions.read(exemptionsFile);
        } catch (IllegalArgumentException e) {
            return usageError(e.getMessage());
        }
        Path config;
        try {
            config = Kubeconfigs.locate(kubeconfig, dataDir);
        } catch (IllegalArgumentException e) {
            return usageError(e.getMessage() + " (check --kubeconfig)");
        }
        if (config == null) {
            return usageError("no kubeconfig found (give --kubeconfig FILE, set $KUBECONFIG, or --data-dir for a "
                    + "local Kaji)");
        }
        HostConfig host = hostConfig();
        KubernetesClient client;
        try {
            client = Kubeconfigs.client(config);
        } catch (RuntimeException e) {
            return usageError("cannot use kubeconfig " + config + ": " + rootCause(e) + " (check --kubeconfig)");
        }
        Report report;
        String url = client.getMasterUrl() == null ? "?" : client.getMasterUrl().toString().replaceAll("/$", "");
        try (client) {
            // Only the first request (/version) can throw here: failed lists become ERROR findings.
            report = ClusterAssessment.run(client, host, targetVersion, exemptions, CheckRegistry.builtin(),
                    Clock.systemUTC());
        } catch (KubernetesClientException e) {
            return usageError("cannot reach the API server at " + url + ": " + rootCause(e) + " (check --kubeconfig)");
        }
        String text = format.render(report);
        if (output != null) {
            try {
                Files.writeString(output, text);
            } catch (IOException e) {
                return usageError("cannot write " + output + ": " + e.getMessage());
            }
            Report.Summary s = report.summary();
            spec.commandLine().getOut().printf("wrote %s report to %s: %d checks, %d failed, %d warned, %d manual, "
                            + "%d errors; score %s%n", format.name().toLowerCase(java.util.Locale.ROOT), output,
                    report.checks().size(), s.checks().get(Status.FAIL), s.checks().get(Status.WARN),
                    s.checks().get(Status.MANUAL), s.checks().get(Status.ERROR),
                    s.score() == null ? "-" : s.score() + "%");
        } else {
            spec.commandLine().getOut().print(text);
        }
        spec.commandLine().getOut().flush();
        return failOn != null && report.failsAt(failOn) ? 1 : 0;
    }

    /**
     * Kaji's local configuration (data dir, the running server's flags, its config file, systemd units) when the
     * given or default data dir holds Kaji's PKI; else absent, and the node sections become questions.
     */
    HostConfig hostConfig() {
        Path dir = DataDir.of(dataDir).path();
        return HostConfig.detect(dir, Path.of("/proc"), HostConfig.DEFAULT_CONFIG, Path.of("/etc/systemd/system"));
    }

    private int usageError(String message) {
        spec.commandLine().getErr().println("kaji assess: " + message);
        spec.commandLine().getErr().flush();
        return 2;
    }

    private static String rootCause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        if (t instanceof java.net.ConnectException || t instanceof java.nio.channels.ClosedChannelException) {
            return "connection refused";
        }
        String m = t.getMessage() == null ? t.toString() : t.getMessage();
        return m.replace('\n', ' ');
    }

    static final class FormatConverter implements CommandLine.ITypeConverter<ReportFormat> {
        @Override
        public ReportFormat convert(String value) {
            try {
                return ReportFormat.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    static final class SeverityConverter implements CommandLine.ITypeConverter<Severity> {
        @Override
        public Severity convert(String value) {
            try {
                return Severity.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    static final class VersionConverter implements CommandLine.ITypeConverter<KubeVersion> {
        @Override
        public KubeVersion convert(String value) {
            try {
                return KubeVersion.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
