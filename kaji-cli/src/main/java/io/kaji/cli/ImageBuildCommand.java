package io.kaji.cli;

import com.google.cloud.tools.jib.api.Containerizer;
import com.google.cloud.tools.jib.api.Credential;
import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.InsecureRegistryException;
import com.google.cloud.tools.jib.api.InvalidImageReferenceException;
import com.google.cloud.tools.jib.api.Jib;
import com.google.cloud.tools.jib.api.JibContainer;
import com.google.cloud.tools.jib.api.JibContainerBuilder;
import com.google.cloud.tools.jib.api.LogEvent;
import com.google.cloud.tools.jib.api.RegistryException;
import com.google.cloud.tools.jib.api.RegistryImage;
import com.google.cloud.tools.jib.api.RegistryUnauthorizedException;
import com.google.cloud.tools.jib.api.TarImage;
import com.google.cloud.tools.jib.api.buildplan.AbsoluteUnixPath;
import com.google.cloud.tools.jib.api.buildplan.FileEntriesLayer;
import com.google.cloud.tools.jib.api.buildplan.FilePermissions;
import com.google.cloud.tools.jib.api.buildplan.ImageFormat;
import com.google.cloud.tools.jib.api.buildplan.Port;
import com.google.cloud.tools.jib.frontend.CredentialRetrieverFactory;
import com.google.cloud.tools.jib.registry.RegistryCredentialsNotSentException;
import io.kaji.node.image.BusyboxImage;
import io.kaji.node.image.ImageImporter;
import io.kaji.node.image.OciImageLayout;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code kaji image build --from DIR --tag NAME}: an OCI image of a directory on a base image, built with jib-core
 * (no Docker daemon, no Dockerfile): the directory's files become one layer at {@code --dest}; the result goes to a
 * tarball ({@code --output}), a registry ({@code --push}) or, by default, straight into the local node's containerd.
 */
@Command(name = "build", mixinStandardHelpOptions = true,
        description = {"Build an OCI image from a directory (jib-core; no Docker, no Dockerfile): the directory's "
                + "files are added as one layer on top of a base image.",
                "",
                "The base is Kaji's busybox image (the host's busybox-static: sh, httpd, wget, ...) unless --base "
                        + "names 'scratch', an image tarball (FILE.tar) or a registry image. The image is imported "
                        + "into the local node's containerd, or written to --output, or pushed with --push.",
                "",
                "Example (a static web site served by busybox httpd on port 8080):",
                "  kaji image build --from ./site --dest /www --tag example.test/web:1 \\",
                "      --cmd=httpd,-f,-p,8080,-h,/www --port 8080"})
final class ImageBuildCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    ImageCommand.Target target;

    @Option(names = "--from", required = true, paramLabel = "DIR", description = "The directory to put in the image.")
    Path from;

    @Option(names = "--tag", required = true, paramLabel = "NAME", description = "The image name, e.g. example.test/web:1.")
    String tag;

    @Option(names = "--dest", defaultValue = "/", paramLabel = "PATH",
            description = "Where the directory's contents go in the image (default: ${DEFAULT-VALUE}).")
    String dest;

    @Option(names = "--base", defaultValue = "busybox", paramLabel = "IMAGE",
            description = "busybox (Kaji's, default), scratch, an image tarball FILE.tar, or a registry image.")
    String base;

    @Option(names = "--entrypoint", split = ",", paramLabel = "ARG,ARG...",
            description = "The entrypoint, its arguments separated by commas (write --entrypoint=a,-b when an "
                    + "argument starts with '-').")
    List<String> entrypoint = new ArrayList<>();

    @Option(names = "--cmd", split = ",", paramLabel = "ARG,ARG...",
            description = "The command (or the entrypoint's arguments), separated by commas: --cmd=httpd,-f,-p,8080.")
    List<String> cmd = new ArrayList<>();

    @Option(names = "--env", paramLabel = "KEY=VALUE", description = "An environment variable (repeatable).")
    List<String> env = new ArrayList<>();

    @Option(names = "--port", paramLabel = "N", description = "A TCP port the image exposes (repeatable).")
    List<Integer> ports = new ArrayList<>();

    @Option(names = "--workdir", paramLabel = "PATH", description = "The working directory.")
    String workdir;

    @Option(names = "--user", paramLabel = "USER", description = "The user to run as (name or uid[:gid]).")
    String user;

    @Option(names = "--output", paramLabel = "FILE.tar",
            description = "Write the image to this tarball instead of importing it into the node's containerd.")
    Path output;

    @Option(names = "--push", description = "Push the image to the registry its tag names instead.")
    boolean push;

    @Option(names = "--insecure", description = "Allow a plain-HTTP or self-signed registry (for --push or a "
            + "registry --base); registries on loopback (localhost, 127.0.0.0/8, [::1]) are allowed without it.")
    boolean insecure;

    @Option(names = "--registry-user", paramLabel = "USER", description = "Log in to the registry (of --push and of "
            + "a registry --base) as USER, with the password read from standard input (--registry-password-stdin).")
    String registryUser;

    @Option(names = "--registry-password-stdin", description = "Read --registry-user's password from standard "
            + "input (its first line), as docker login --password-stdin does.")
    boolean passwordStdin;

    @Option(names = "--docker-config", paramLabel = "FILE", description = "Registry logins to use when no "
            + "--registry-user is given: a Docker client config.json, its auths and credential helpers, as docker "
            + "login writes it (default: $DOCKER_CONFIG/config.json, else ~/.docker/config.json, if it exists).")
    Path dockerConfig;

    /** The login given on the command line, or null. */
    private Credential credential;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (!Files.isDirectory(from)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--from " + from + " is not a directory");
        }
        if (push && output != null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "use either --push or --output, not both");
        }
        if ((registryUser != null) != passwordStdin) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--registry-user and "
                    + "--registry-password-stdin go together (the password is read from standard input)");
        }
        if (registryUser != null) {
            String password = new java.io.BufferedReader(new java.io.InputStreamReader(System.in,
                    java.nio.charset.StandardCharsets.UTF_8)).readLine();
            if (password == null || password.isEmpty()) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--registry-password-stdin: standard "
                        + "input held no password");
            }
            credential = Credential.from(registryUser, password);
        }
        if (dockerConfig != null && !Files.isRegularFile(dockerConfig)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--docker-config " + dockerConfig
                    + " is not a file");
        }
        ImageReference reference;
        try {
            reference = ImageReference.parse(tag);
        } catch (InvalidImageReferenceException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--tag " + tag + " is not an image name");
        }
        Path work = Files.createTempDirectory("kaji-image-build-");
        try {
            JibContainerBuilder builder = base(work, out);
            builder.addFileEntriesLayer(layer());
            if (!entrypoint.isEmpty()) {
                builder.setEntrypoint(entrypoint);
            }
            if (!cmd.isEmpty()) {
                builder.setProgramArguments(cmd);
            }
            for (String e : env) {
                int eq = e.indexOf('=');
                if (eq <= 0) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--env " + e + " is not KEY=VALUE");
                }
                builder.addEnvironmentVariable(e.substring(0, eq), e.substring(eq + 1));
            }
            for (int p : ports) {
                builder.addExposedPort(Port.tcp(p));
            }
            if (workdir != null) {
                builder.setWorkingDirectory(AbsoluteUnixPath.get(workdir));
            }
            if (user != null) {
                builder.setUser(user);
            }
            builder.setFormat(ImageFormat.OCI);
            Path tarball = output != null ? output.toAbsolutePath() : work.resolve("image.tar");
            Containerizer containerizer = push
                    ? Containerizer.to(withLogins(RegistryImage.named(reference), reference, out))
                            .setAllowInsecureRegistries(insecure || loopback(reference.getRegistry()))
                    : Containerizer.to(TarImage.at(tarball).named(reference));
            containerizer.setBaseImageLayersCache(work.resolve("cache/base"))
                    .setApplicationLayersCache(work.resolve("cache/app"))
                    .setToolName("kaji")
                    .addEventHandler(LogEvent.class, e -> {
                        if (e.getLevel() == LogEvent.Level.LIFECYCLE || e.getLevel() == LogEvent.Level.PROGRESS) {
                            out.println("  " + e.getMessage());
                            out.flush();
                        }
                    });
            out.printf("building %s from %s on %s%n", reference, from, base);
            out.flush();
            JibContainer built;
            try {
                built = builder.containerize(containerizer);
            } catch (java.util.concurrent.ExecutionException | IOException | RegistryException e) {
                String problem = registryProblem(e, push ? reference.getRegistry() : null);
                if (problem == null) {
                    throw e;
                }
                throw new IllegalStateException((push ? "cannot push " : "cannot build ") + reference + ": "
                        + problem);
            }
            out.printf("built %s (digest %s, image id %s)%n", reference, built.getDigest(), built.getImageId());
            if (push) {
                out.printf("pushed to %s%n", reference.getRegistry());
            } else if (output != null) {
                out.printf("wrote %s%n", output);
            } else {
                String report = ImageImporter.forSocket(target.existingSocket()).importTarball(tarball);
                out.println(report.isEmpty() ? "imported " + reference + " into the node's containerd" : report);
            }
            return 0;
        } finally {
            try (Stream<Path> walk = Files.walk(work)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                // a temp dir left behind is not worth failing the build
            }
        }
    }

    /**
     * Whether {@code registry} (host[:port]) is on loopback: spoken to over plain HTTP without --insecure, as the
     * Docker daemon (127.0.0.0/8 is an insecure registry by default) and containerd's CRI do.
     */
    static boolean loopback(String registry) {
        String host = registry.startsWith("[") ? registry.substring(0, registry.indexOf(']') + 1)
                : registry.contains(":") ? registry.substring(0, registry.indexOf(':')) : registry;
        return host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]");
    }

    /**
     * One line saying what went wrong with a registry and what to do, from the causes of a failed build, or null
     * when no registry was at fault.
     *
     * @param pushTo the registry pushed to, or null when only the base image's registry was contacted
     */
    static String registryProblem(Throwable failure, String pushTo) {
        for (Throwable e = failure; e != null; e = e.getCause()) {
            String registry = pushTo != null ? pushTo : "of the base image";
            if (e instanceof java.net.ConnectException) {
                return "the registry " + registry + " is unreachable (connection refused); start it or fix the "
                        + (pushTo != null ? "registry part of --tag" : "registry part of --base");
            }
            if (e instanceof java.net.UnknownHostException) {
                return "the registry host " + e.getMessage() + " is unknown; fix the registry part of "
                        + (pushTo != null ? "--tag" : "--base");
            }
            if (e instanceof java.net.SocketTimeoutException || e instanceof java.net.NoRouteToHostException) {
                return "the registry " + registry + " does not answer (" + e.getMessage() + "); check the network "
                        + "and the registry's address";
            }
            if (e instanceof InsecureRegistryException || e instanceof javax.net.ssl.SSLException) {
                return "the registry " + registry + " does not speak HTTPS with a trusted certificate; pass "
                        + "--insecure for a plain-HTTP or self-signed registry";
            }
            if (e instanceof RegistryCredentialsNotSentException) {
                return "kaji sends no login over plain HTTP to the registry " + registry + ", which is not on this "
                        + "machine; serve it over HTTPS (with --insecure a self-signed certificate will do)";
            }
            if (e instanceof RegistryUnauthorizedException) {
                return "the registry " + registry + " refused access (no login, or a wrong one); log in with "
                        + "docker login (kaji reads ~/.docker/config.json, or --docker-config FILE), or pass "
                        + "--registry-user USER --registry-password-stdin";
            }
        }
        return null;
    }

    /**
     * The directory's files under {@code --dest}: directories and executables 755, other files 644. At the root
     * each top-level entry is added on its own (the root directory itself is not an entry of a layer).
     */
    private FileEntriesLayer layer() throws IOException {
        FileEntriesLayer.Builder layer = FileEntriesLayer.builder().setName("kaji-image-build");
        com.google.cloud.tools.jib.api.buildplan.FilePermissionsProvider permissions = (source, path) ->
                Files.isDirectory(source) || Files.isExecutable(source) ? FilePermissions.fromOctalString("755")
                        : FilePermissions.fromOctalString("644");
        AbsoluteUnixPath target = AbsoluteUnixPath.get(dest);
        if (target.toString().equals("/")) {
            try (Stream<Path> children = Files.list(from)) {
                for (Path child : children.sorted().toList()) {
                    layer.addEntryRecursive(child, target.resolve(child.getFileName().toString()), permissions);
                }
            }
        } else {
            layer.addEntryRecursive(from, target, permissions);
        }
        return layer.build();
    }

    private JibContainerBuilder base(Path work, PrintWriter out) throws InvalidImageReferenceException {
        if (base.equals("scratch")) {
            return Jib.fromScratch();
        }
        if (base.equals("busybox")) {
            Path tar = work.resolve("busybox.tar");
            OciImageLayout.write(BusyboxImage.image(BusyboxImage.NAME, BusyboxImage.HOST_BUSYBOX), tar);
            return Jib.from(TarImage.at(tar));
        }
        if (base.endsWith(".tar")) {
            Path tar = Path.of(base);
            if (!Files.isRegularFile(tar)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--base " + base + " does not exist");
            }
            return Jib.from(TarImage.at(tar.toAbsolutePath()));
        }
        ImageReference reference = ImageReference.parse(base);
        return Jib.from(withLogins(RegistryImage.named(reference), reference, out));
    }

    /**
     * {@code image} with the logins to try: the command line's, else those of the Docker client configuration
     * (its auths and credential helpers) when there is one.
     */
    private RegistryImage withLogins(RegistryImage image, ImageReference reference, PrintWriter out) {
        if (loopback(reference.getRegistry())) {
            // jib sends no login over plain HTTP unless told to; to a registry on this machine nothing leaves it.
            System.setProperty("sendCredentialsOverHttp", "true");
        }
        if (credential != null) {
            return image.addCredential(credential.getUsername(), credential.getPassword());
        }
        Path config = dockerConfig != null ? dockerConfig : defaultDockerConfig(System.getenv());
        if (config != null && Files.isRegularFile(config)) {
            image.addCredentialRetriever(CredentialRetrieverFactory.forImage(reference, e -> {
                if (e.getLevel() == LogEvent.Level.WARN || e.getLevel() == LogEvent.Level.ERROR) {
                    out.println("  " + e.getMessage());
                }
            }).dockerConfig(config));
        }
        return image;
    }

    /** Where the Docker client keeps its logins: {@code $DOCKER_CONFIG/config.json}, else ~/.docker/config.json. */
    static Path defaultDockerConfig(java.util.Map<String, String> env) {
        String dir = env.get("DOCKER_CONFIG");
        if (dir != null && !dir.isEmpty()) {
            return Path.of(dir, "config.json");
        }
        String home = System.getProperty("user.home");
        return home == null ? null : Path.of(home, ".docker", "config.json");
    }
}
