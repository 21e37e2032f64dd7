package io.kaji.cli;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.kaji.apiserver.pki.BootstrapToken;
import io.kaji.apiserver.pki.NodeToken;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code kaji token create|list|delete}: bootstrap tokens for joining agents, as {@code kubeadm token}: each is a
 * Secret {@code kube-system/bootstrap-token-<id>} that the API server accepts as {@code system:bootstrap:<id>}
 * until it expires or is deleted. Talks to the API server with the admin kubeconfig.
 */
@Command(name = "token",
        description = {"Manage bootstrap tokens with which agents join (kubeadm token).",
                "A token authenticates as system:bootstrap:<id> (groups system:bootstrappers and",
                "its extra groups), which may only request a node client certificate. It stops",
                "working when it expires (--ttl) or is deleted; expired tokens are cleaned up."},
        mixinStandardHelpOptions = true,
        subcommands = {TokenCommand.Create.class, TokenCommand.ListTokens.class, TokenCommand.Delete.class})
public final class TokenCommand implements Runnable {

    /** The extra group of tokens created here (kubeadm's is system:bootstrappers:kubeadm:default-node-token). */
    static final String DEFAULT_GROUP = "system:bootstrappers:kaji:default-node-token";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Where the admin kubeconfig is: --kubeconfig, else $KUBECONFIG, the data dir's, ~/.kube/config. */
    static final class Target {
        @Option(names = "--kubeconfig", paramLabel = "FILE",
                description = "An admin kubeconfig (default: $KUBECONFIG, <data-dir>/kubeconfig, ~/.kube/config).")
        Path kubeconfig;

        @Option(names = "--data-dir", paramLabel = "DIR",
                description = "The server's data dir (default: /var/lib/kaji as root, else ~/.kaji).")
        Path dataDir;

        KubernetesClient client(CommandLine cmd) {
            Path config;
            try {
                config = Kubeconfigs.locate(kubeconfig, DataDir.of(dataDir).path());
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(cmd, e.getMessage());
            }
            if (config == null) {
                throw new CommandLine.ParameterException(cmd, "no kubeconfig found; give --kubeconfig FILE (the "
                        + "server's <data-dir>/kubeconfig) or --data-dir DIR");
            }
            return Kubeconfigs.client(config);
        }
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = {"Create a bootstrap token and print the join token for kaji agent --token:",
                    "K10<sha256 of the cluster CA>::<id>.<secret> (k3s' format)."})
    static final class Create implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @CommandLine.Mixin
        Target target;

        @Option(names = "--ttl", defaultValue = "24h", paramLabel = "DURATION",
                description = "How long the token works, e.g. 30m, 2h, 1h30m; 0 for ever (default: ${DEFAULT-VALUE}).")
        String ttl;

        @Option(names = "--description", paramLabel = "TEXT", description = "What the token is for.")
        String description;

        @Option(names = "--groups", split = ",", paramLabel = "GROUP",
                description = "Extra groups, each system:bootstrappers:<name> (default: " + DEFAULT_GROUP + ").")
        List<String> groups;

        @Override
        public Integer call() {
            Duration lifetime;
            try {
                lifetime = parseDuration(ttl);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--ttl: " + e.getMessage());
            }
            List<String> extra = groups == null || groups.isEmpty() ? List.of(DEFAULT_GROUP) : groups;
            for (String g : extra) {
                if (!BootstrapToken.isValidExtraGroup(g)) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--groups: \"" + g
                            + "\" must match system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]");
                }
            }
            BootstrapToken token = BootstrapToken.generate();
            Instant expires = lifetime.isZero() ? null
                    : Instant.now().plus(lifetime).truncatedTo(ChronoUnit.SECONDS);
            try (KubernetesClient client = target.client(spec.commandLine())) {
                String caHash = NodeToken.caHash(cacerts(client));
                client.secrets().inNamespace(BootstrapToken.NAMESPACE)
                        .resource(secret(token, expires, description, extra)).create();
                PrintWriter out = spec.commandLine().getOut();
                out.println(token.joinToken(caHash));
                out.flush();
            }
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the bootstrap tokens.")
    static final class ListTokens implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @CommandLine.Mixin
        Target target;

        @Override
        public Integer call() {
            try (KubernetesClient client = target.client(spec.commandLine())) {
                List<Secret> secrets = client.secrets().inNamespace(BootstrapToken.NAMESPACE).list().getItems();
                PrintWriter out = spec.commandLine().getOut();
                out.print(table(secrets, Instant.now()));
                out.flush();
            }
            return 0;
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true,
            description = "Delete bootstrap tokens, given by id or whole (<id>.<secret> or the K10 join token).")
    static final class Delete implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @CommandLine.Mixin
        Target target;

        @Parameters(arity = "1..*", paramLabel = "TOKEN")
        List<String> tokens;

        @Override
        public Integer call() {
            List<String> ids = new ArrayList<>();
            for (String t : tokens) {
                String id = tokenId(t);
                if (id == null) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "\"" + t.replaceAll("\\..*", ".…")
                            + "\" is neither a token id ([a-z0-9]{6}) nor a bootstrap token (<id>.<secret>)");
                }
                ids.add(id);
            }
            PrintWriter out = spec.commandLine().getOut();
            try (KubernetesClient client = target.client(spec.commandLine())) {
                for (String id : ids) {
                    String name = BootstrapToken.SECRET_PREFIX + id;
                    var deleted = client.secrets().inNamespace(BootstrapToken.NAMESPACE).withName(name).delete();
                    if (deleted.isEmpty()) {
                        throw new IllegalStateException("bootstrap token \"" + id + "\" not found (kaji token list "
                                + "shows the existing ones)");
                    }
                    out.println("bootstrap token \"" + id + "\" deleted");
                }
            }
            out.flush();
            return 0;
        }
    }

    /** The token id of an id, a token or a K10 join token; null if it is none of these. */
    static String tokenId(String text) {
        String t = text.trim();
        int sep = t.indexOf("::");
        if (t.startsWith(NodeToken.PREFIX) && sep > 0) {
            t = t.substring(sep + 2);
        }
        if (BootstrapToken.isValidId(t)) {
            return t;
        }
        return BootstrapToken.parse(t).map(BootstrapToken::id).orElse(null);
    }

    /** The Secret of a new token, as kubeadm writes it (both usages, string values base64 in data). */
    static Secret secret(BootstrapToken token, Instant expires, String description, List<String> groups) {
        Map<String, String> data = new LinkedHashMap<>();
        data.put(BootstrapToken.KEY_ID, token.id());
        data.put(BootstrapToken.KEY_SECRET, token.secret());
        if (expires != null) {
            data.put(BootstrapToken.KEY_EXPIRATION, expires.toString());
        }
        if (description != null && !description.isBlank()) {
            data.put(BootstrapToken.KEY_DESCRIPTION, description);
        }
        data.put(BootstrapToken.KEY_USAGE_AUTHENTICATION, "true");
        data.put(BootstrapToken.KEY_USAGE_SIGNING, "true");
        data.put(BootstrapToken.KEY_EXTRA_GROUPS, String.join(",", groups));
        Map<String, String> encoded = new LinkedHashMap<>();
        data.forEach((k, v) -> encoded.put(k, Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8))));
        return new SecretBuilder().withNewMetadata().withName(token.secretName())
                .withNamespace(BootstrapToken.NAMESPACE).endMetadata()
                .withType(BootstrapToken.SECRET_TYPE).withData(encoded).build();
    }

    /** kubeadm token list's table: TOKEN, TTL, EXPIRES, USAGES, DESCRIPTION, EXTRA GROUPS. */
    static String table(List<Secret> secrets, Instant now) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"TOKEN", "TTL", "EXPIRES", "USAGES", "DESCRIPTION", "EXTRA GROUPS"});
        secrets.stream().filter(s -> BootstrapToken.SECRET_TYPE.equals(s.getType()))
                .sorted(Comparator.comparing(s -> s.getMetadata().getName()))
                .forEach(s -> {
                    String id = value(s, BootstrapToken.KEY_ID);
                    String expiration = value(s, BootstrapToken.KEY_EXPIRATION);
                    String ttl;
                    String expires;
                    if (expiration.isEmpty()) {
                        ttl = "<forever>";
                        expires = "<never>";
                    } else {
                        expires = expiration;
                        try {
                            Duration left = Duration.between(now, Instant.parse(expiration));
                            ttl = left.isNegative() || left.isZero() ? "<invalid>" : human(left);
                        } catch (java.time.format.DateTimeParseException e) {
                            ttl = "<invalid>";
                        }
                    }
                    List<String> usages = new ArrayList<>();
                    if ("true".equals(value(s, BootstrapToken.KEY_USAGE_AUTHENTICATION))) {
                        usages.add("authentication");
                    }
                    if ("true".equals(value(s, BootstrapToken.KEY_USAGE_SIGNING))) {
                        usages.add("signing");
                    }
                    String description = value(s, BootstrapToken.KEY_DESCRIPTION);
                    rows.add(new String[] {id + "." + value(s, BootstrapToken.KEY_SECRET), ttl, expires,
                            usages.isEmpty() ? "<none>" : String.join(",", usages),
                            description.isEmpty() ? "<none>" : description,
                            value(s, BootstrapToken.KEY_EXTRA_GROUPS).isEmpty() ? "<none>"
                                    : value(s, BootstrapToken.KEY_EXTRA_GROUPS)});
                });
        int[] widths = new int[rows.get(0).length];
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                widths[i] = Math.max(widths[i], r[i].length());
            }
        }
        StringBuilder b = new StringBuilder();
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < r.length; i++) {
                line.append(i == r.length - 1 ? r[i] : String.format("%-" + (widths[i] + 3) + "s", r[i]));
            }
            b.append(line.toString().stripTrailing()).append('\n');
        }
        return b.toString();
    }

    private static String value(Secret s, String key) {
        String v = s.getData() == null ? null : s.getData().get(key);
        if (v == null) {
            return s.getStringData() == null ? "" : s.getStringData().getOrDefault(key, "");
        }
        return new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8);
    }

    /** A rounded duration as kubeadm prints TTLs: 23h, 59m, 30s. */
    static String human(Duration d) {
        if (d.toHours() > 0) {
            return d.toHours() + "h";
        }
        if (d.toMinutes() > 0) {
            return d.toMinutes() + "m";
        }
        return Math.max(1, d.toSeconds()) + "s";
    }

    /**
     * A token lifetime: {@link Durations}' grammar without bare numbers, as kubeadm's {@code --ttl} ({@code 24h},
     * {@code 1h30m}; {@code 0}: never expires).
     */
    static Duration parseDuration(String text) {
        String t = text == null ? "" : text.trim();
        if (!t.equals("0") && t.matches("\\d+")) {
            throw new IllegalArgumentException("\"" + text + "\" is not a duration like 24h, 90m or 1h30m (0: never "
                    + "expires)");
        }
        return Durations.parse(t);
    }

    /** The PEM the server serves at /cacerts (what joining agents hash), over the kubeconfig's verified TLS. */
    static String cacerts(KubernetesClient client) {
        String base = client.getMasterUrl().toString();
        try {
            String pem = client.raw(base.endsWith("/") ? base + "cacerts" : base + "/cacerts");
            if (pem == null || !pem.contains("BEGIN CERTIFICATE")) {
                throw new IllegalStateException("the server at " + base + " does not serve /cacerts; is it a Kaji "
                        + "server?");
            }
            return pem;
        } catch (KubernetesClientException e) {
            throw new IllegalStateException("cannot read the cluster CA from " + base + "/cacerts: " + e.getMessage(),
                    e);
        }
    }
}
