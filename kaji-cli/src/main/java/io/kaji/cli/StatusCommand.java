package io.kaji.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code kaji status}: one screen on the cluster's health, nodes, pods and recent warnings. */
@Command(name = "status",
        mixinStandardHelpOptions = true,
        description = {
                "Show the cluster's health, nodes, pods and recent warnings on one screen.",
                "API server health and version, the controller manager's and scheduler's",
                "leaders, nodes, pods by phase per namespace, the last 10 Warning events.",
                "A human summary; use kubectl for details."})
public final class StatusCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "The cluster's data dir; its kubeconfig is used (default: /var/lib/kaji for root, else ~/.kaji).")
    Path dataDir;

    @Option(names = "--kubeconfig", paramLabel = "FILE", description = "Use this kubeconfig instead of the data dir's.")
    Path kubeconfig;

    @Override
    public Integer call() {
        Path config = kubeconfig != null ? kubeconfig : DataDir.of(dataDir).kubeconfig();
        if (!Files.isReadable(config)) {
            throw new IllegalStateException("no cluster: cannot read " + config
                    + (kubeconfig != null ? "" : " (start one with sudo ./kaji up, or give --data-dir/--kubeconfig)"));
        }
        StatusReport report;
        try (KubernetesClient client = ClusterClient.open(config)) {
            String url = client.getMasterUrl().toString().replaceAll("/$", "");
            String readyz;
            try {
                readyz = ClusterClient.readyz(client);
            } catch (KubernetesClientException e) {
                throw new IllegalStateException("the cluster at " + url + " is not reachable: " + rootCause(e)
                        + " (is it running? sudo ./kaji up starts it)");
            }
            report = new StatusReport(url, readyz, client.getKubernetesVersion().getGitVersion(),
                    client.leases().inNamespace("kube-system").list().getItems(),
                    client.nodes().list().getItems(), client.pods().inAnyNamespace().list().getItems(),
                    client.v1().events().inAnyNamespace().list().getItems(), Instant.now());
        } catch (KubernetesClientException e) {
            throw new IllegalStateException("cannot read the cluster's state: " + rootCause(e));
        }
        spec.commandLine().getOut().print(report.render());
        spec.commandLine().getOut().flush();
        return 0;
    }

    private static String rootCause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        if (t instanceof java.net.ConnectException || t instanceof java.nio.channels.ClosedChannelException) {
            return "connection refused";
        }
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }
}
