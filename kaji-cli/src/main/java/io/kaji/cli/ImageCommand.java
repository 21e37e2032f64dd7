package io.kaji.cli;

import io.kaji.node.NodeLayout;
import io.kaji.node.cri.CriConnection;
import io.kaji.node.image.BusyboxImage;
import io.kaji.node.image.ImageImporter;
import io.kaji.node.image.OciImageLayout;
import io.kaji.node.runtime.ContainerInfo;
import io.kaji.node.runtime.CriContainerRuntime;
import io.kaji.node.runtime.ImageInfo;
import io.kaji.node.runtime.KajiLabels;
import io.kaji.node.runtime.RuntimeCallException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code kaji image ...}: images for a node's containerd without a registry. */
@Command(name = "image",
        description = "Manage the images of a node's containerd (build from a directory, import tarballs, list, "
                + "remove, build the demo image).",
        mixinStandardHelpOptions = true,
        subcommands = {ImageBuildCommand.class, ImageCommand.Import.class, ImageCommand.Ls.class,
                ImageCommand.Rm.class, ImageCommand.BuildDemo.class})
public final class ImageCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Which node's containerd to talk to: a mixin of the subcommands. */
    static final class Target {
        @Option(names = "--data-dir", paramLabel = "DIR",
                description = "The node's data dir, or a server's (then its node below it): the containerd socket is "
                        + "DIR/containerd/containerd.sock or DIR/node/containerd/containerd.sock (default: the local "
                        + "node of 'kaji up' or 'kaji server', /var/lib/kaji/node for root, else that of 'kaji agent', "
                        + "~/.kaji/node).")
        Path dataDir;

        @Option(names = "--socket", paramLabel = "PATH",
                description = "A containerd socket to use instead of the node's own.")
        Path socket;

        /** Where to look, in order: the first that exists is used; the first is named when none does. */
        List<Path> candidates() {
            if (socket != null) {
                return List.of(socket);
            }
            if (dataDir != null) {
                return List.of(new NodeLayout(dataDir).criSocket(),
                        new NodeLayout(dataDir.resolve("node")).criSocket());
            }
            return List.of(new NodeLayout(DataDir.defaultPath().resolve("node")).criSocket(),
                    NodeLayout.defaultLayout().criSocket()).stream().distinct().toList();
        }

        Path existingSocket() {
            List<Path> all = candidates();
            return all.stream().filter(Files::exists).findFirst().orElseThrow(() -> new IllegalStateException(
                    "no containerd socket at " + (dataDir != null || socket != null ? all.get(0)
                            : String.join(" or ", all.stream().map(Path::toString).toList()))
                            + " (is the node's agent running? pass --data-dir or --socket)"));
        }
    }

    @Command(name = "import", mixinStandardHelpOptions = true,
            description = {"Import an image tarball (OCI layout or docker save) into the node's containerd, "
                    + "in the namespace the CRI uses (k8s.io). No registry is contacted.",
                    "",
                    "Example:",
                    "  kaji image build-demo --output busybox.tar && kaji image import busybox.tar"})
    static final class Import implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @CommandLine.Mixin
        Target target;

        @Parameters(index = "0", paramLabel = "FILE.tar", description = "The image tarball.")
        Path file;

        @Override
        public Integer call() {
            String report = ImageImporter.forSocket(target.existingSocket()).importTarball(file);
            PrintWriter out = spec.commandLine().getOut();
            out.println(report.isEmpty() ? "imported " + file : report);
            return 0;
        }
    }

    @Command(name = "ls", mixinStandardHelpOptions = true,
            description = "List the images the node's containerd holds, as the CRI sees them.")
    static final class Ls implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @CommandLine.Mixin
        Target target;

        @Override
        public Integer call() {
            Path socket = target.existingSocket();
            List<ImageInfo> images;
            try (CriConnection cri = CriConnection.open(socket)) {
                images = new CriContainerRuntime(cri).listImages();
            } catch (RuntimeCallException e) {
                throw new IllegalStateException("list images of the containerd at " + socket + ": " + e.getMessage(),
                        e);
            }
            PrintWriter out = spec.commandLine().getOut();
            out.printf("%-50s %-15s %s%n", "IMAGE", "ID", "SIZE");
            images.stream().sorted(Comparator.comparing(i -> i.tags().isEmpty() ? "" : i.tags().get(0)))
                    .forEach(i -> {
                        String id = i.id().startsWith("sha256:") ? i.id().substring(7, 19) : i.id();
                        List<String> names = i.tags().isEmpty() ? i.digests() : i.tags();
                        for (String name : names.isEmpty() ? List.of("<none>") : names) {
                            out.printf("%-50s %-15s %s%n", name, id, humanSize(i.sizeBytes()));
                        }
                    });
            return 0;
        }
    }

    @Command(name = "rm", mixinStandardHelpOptions = true,
            description = {"Remove images from the node's containerd, by a name or the ID that 'kaji image ls' shows; "
                    + "every name of the image goes with it.",
                    "An image that a container on the node (running or exited) was created from is kept, and so is "
                    + "a pinned image (the pods' sandbox image), unless --force. Exits 1 if any image was not "
                    + "removed.",
                    "",
                    "Example:",
                    "  kaji image rm docker.io/kaji/web:1"})
    static final class Rm implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @CommandLine.Mixin
        Target target;

        @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "Image names or IDs.")
        List<String> images;

        @Option(names = "--force", description = "Remove the image even if containers use it or it is pinned.")
        boolean force;

        @Override
        public Integer call() {
            Path socket = target.existingSocket();
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            int kept = 0;
            try (CriConnection cri = CriConnection.open(socket)) {
                CriContainerRuntime runtime = new CriContainerRuntime(cri);
                List<ContainerInfo> containers = force ? List.of() : runtime.listContainers(Map.of());
                for (String image : images) {
                    ImageInfo info = runtime.imageStatus(image).orElse(null);
                    String refused = info == null ? "no such image (see 'kaji image ls')" : refusal(info, containers);
                    if (refused != null) {
                        err.println("kaji image rm: " + image + ": " + refused);
                        kept++;
                        continue;
                    }
                    runtime.removeImage(info.id());
                    List<String> others = info.tags().stream().filter(t -> !t.equals(image)).toList();
                    out.println("removed " + image + (others.isEmpty() ? ""
                            : " (the same image was also " + String.join(", ", others) + ": gone too)"));
                }
            } catch (RuntimeCallException e) {
                throw new IllegalStateException("remove images from the containerd at " + socket + ": "
                        + e.getMessage(), e);
            }
            return kept == 0 ? 0 : 1;
        }

        /** Why the image must stay (unless --force), or null. */
        private String refusal(ImageInfo info, List<ContainerInfo> containers) {
            if (force) {
                return null;
            }
            List<String> users = containers.stream().filter(c -> uses(c, info))
                    .map(c -> c.labels().getOrDefault(KajiLabels.POD_NAMESPACE, "") + "/"
                            + c.labels().getOrDefault(KajiLabels.POD_NAME, "?") + " container " + c.name())
                    .distinct().toList();
            if (!users.isEmpty()) {
                return "in use by " + String.join(", ", users.subList(0, Math.min(3, users.size())))
                        + (users.size() > 3 ? " and " + (users.size() - 3) + " more" : "")
                        + "; delete those pods first, or pass --force";
            }
            // containerd 1.6 does not mark its sandbox image pinned: Kaji's pause image is recognized by its name.
            if (info.pinned() || info.tags().contains(io.kaji.node.image.PauseImage.NAME)) {
                return "pinned (the pods' sandbox image: new pods could not start without it); pass --force to "
                        + "remove it anyway";
            }
            return null;
        }

        /** Whether a container was created from the image: by its ID, or by one of its names. */
        static boolean uses(ContainerInfo c, ImageInfo image) {
            return image.id().equals(c.imageRef()) || image.id().equals(c.image()) || image.tags().contains(c.image())
                    || image.digests().contains(c.image()) || image.digests().contains(c.imageRef());
        }
    }

    @Command(name = "build-demo", mixinStandardHelpOptions = true,
            description = {"Write the demo image (the host's busybox-static with applet links, /etc/passwd and a "
                    + "web root /www) as an OCI image tarball, ready for 'kaji image import'.",
                    "",
                    "In a pod: httpd -f -p 80 -h /www"})
    static final class BuildDemo implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--output", required = true, paramLabel = "FILE.tar", description = "Where to write it.")
        Path output;

        @Option(names = "--name", defaultValue = BusyboxImage.NAME, paramLabel = "NAME",
                description = "The image name (default: ${DEFAULT-VALUE}).")
        String name;

        @Option(names = "--busybox", defaultValue = "/bin/busybox", paramLabel = "PATH",
                description = "A static busybox binary (default: ${DEFAULT-VALUE}).")
        Path busybox;

        @Override
        public Integer call() {
            var written = OciImageLayout.write(BusyboxImage.image(name, busybox), output);
            spec.commandLine().getOut().printf("wrote %s to %s (manifest %s)%n", name, output,
                    written.manifestDigest());
            return 0;
        }
    }

    static String humanSize(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        if (bytes < 1024 * 1024) {
            return String.format("%.1f KiB", bytes / 1024.0);
        }
        return String.format("%.1f MiB", bytes / (1024.0 * 1024));
    }
}
