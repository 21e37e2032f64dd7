package io.kaji.cli;

import io.kaji.apiserver.pki.ClusterPki;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code kaji certs renew}: re-issues Kaji's leaf certificates from the cluster CA, like kubeadm certs renew. */
@Command(name = "renew",
        mixinStandardHelpOptions = true,
        description = {
                "Re-issue certificates of a Kaji server's PKI from its cluster CA, like kubeadm certs renew:",
                "  apiserver                the API server's serving certificate (same names and addresses);",
                "                           a running server serves it to new connections within 5 s, no restart",
                "  admin.conf               the admin kubeconfig <data-dir>/kubeconfig (kubectl reads it anew)",
                "  super-admin.conf, controller-manager.conf, scheduler.conf   the kubeconfigs in <data-dir>/pki",
                "  all                      every one of them",
                "Client certificates keep their user and groups. The CA itself is not renewed (10 years).",
                "A running server also renews its serving certificate and its controller manager's and scheduler's",
                "client certificates by itself at two thirds of their lifetime (restarting those two on the new",
                "ones, as it also does within an hour after this command renewed them), and writes fresh",
                "kubeconfigs at every start. Run as the user owning the data dir (root for /var/lib/kaji).",
                "",
                "Examples:",
                "  sudo kaji certs renew all",
                "  kaji certs renew apiserver --data-dir ~/.kaji"})
public final class CertsRenewCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "NAME", description = "apiserver, admin.conf, super-admin.conf, "
            + "controller-manager.conf, scheduler.conf, or all.")
    String name;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "The server's data dir (default: /var/lib/kaji for root, else ~/.kaji).")
    Path dataDir;

    @Override
    public Integer call() throws IOException {
        Path dir = DataDir.of(dataDir).path();
        Path pkiDir = dir.resolve("pki");
        Map<String, Path> kubeconfigs = new LinkedHashMap<>();
        kubeconfigs.put("admin.conf", dir.resolve("kubeconfig"));
        for (String n : List.of("super-admin.conf", "controller-manager.conf", "scheduler.conf")) {
            kubeconfigs.put(n, pkiDir.resolve(n));
        }
        List<String> names = new ArrayList<>();
        if (name.equals("all")) {
            names.add("apiserver");
            kubeconfigs.forEach((n, p) -> {
                if (Files.exists(p)) {
                    names.add(n);
                }
            });
        } else if (name.equals("apiserver") || kubeconfigs.containsKey(name)) {
            names.add(name);
        } else {
            throw new CommandLine.ParameterException(spec.commandLine(), "unknown certificate '" + name
                    + "': use apiserver, admin.conf, super-admin.conf, controller-manager.conf, scheduler.conf or all");
        }
        if (!Files.isReadable(pkiDir.resolve("ca.key"))) {
            throw new IllegalStateException("cannot read the cluster CA key " + pkiDir.resolve("ca.key")
                    + " (run as the data dir's owner, e.g. with sudo, and check --data-dir)");
        }
        ClusterPki pki = ClusterPki.readExisting(pkiDir);
        PrintWriter out = spec.commandLine().getOut();
        for (String n : names) {
            if (n.equals("apiserver")) {
                X509Certificate renewed = ClusterPki.renewServing(pkiDir);
                out.printf("certificate for serving the Kubernetes API renewed: valid until %s (a running server "
                        + "uses it for new connections within 5 s)%n", renewed.getNotAfter().toInstant());
            } else {
                Path file = kubeconfigs.get(n);
                X509Certificate renewed = KubeconfigRenewal.renew(file, pki);
                out.printf("certificate embedded in %s renewed: %s valid until %s%n", file,
                        renewed.getSubjectX500Principal().getName(), renewed.getNotAfter().toInstant());
            }
        }
        out.flush();
        return 0;
    }

}
