package io.kaji.node.image;

import io.kaji.node.host.HostCommand;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * The demo image: the host's static busybox (Debian {@code busybox-static}) with a link per applet, a minimal
 * {@code /etc/passwd} and {@code /etc/group}, and a web root {@code /www} with an {@code index.html}, so that
 * {@code httpd -f -h /www}, {@code sh}, {@code nc} and {@code wget} work in a pod without any registry.
 */
public final class BusyboxImage {

    /** The default name of the demo image. */
    public static final String NAME = "docker.io/kaji/busybox:1.35";
    public static final Path HOST_BUSYBOX = Path.of("/bin/busybox");
    /** What {@code /www/index.html} contains. */
    public static final String INDEX_HTML = "<h1>hello from kaji</h1>\n";

    private BusyboxImage() {
    }

    /** Builds the image from {@code busybox}, which must be a static binary. Blocking. */
    public static OciImage image(String name, Path busybox) {
        byte[] binary;
        try {
            binary = Files.readAllBytes(busybox);
        } catch (IOException e) {
            throw new UncheckedIOException("build image " + name + ": cannot read " + busybox
                    + " (install busybox-static)", e);
        }
        List<String> applets = HostCommand.run(List.of(busybox.toString(), "--list-full"), Duration.ofSeconds(10))
                .orThrow().stdout().lines().filter(s -> !s.isBlank()).map(s -> "/" + s.strip()).toList();
        if (applets.isEmpty()) {
            throw new IllegalStateException("build image " + name + ": " + busybox + " lists no applets");
        }
        return new OciImage(name, List.of(), List.of("sh"), List.of(OciImage.DEFAULT_PATH), "/",
                files(binary, applets));
    }

    static List<ImageFile> files(byte[] binary, List<String> applets) {
        TreeSet<String> dirs = new TreeSet<>(List.of("/bin", "/etc", "/root", "/tmp", "/www", "/var", "/home"));
        for (String applet : applets) {
            for (String p = parent(applet); !p.equals("/"); p = parent(p)) {
                dirs.add(p);
            }
        }
        List<ImageFile> files = new ArrayList<>();
        for (String dir : dirs) {
            files.add(new ImageFile.Directory(dir, dir.equals("/tmp") ? 01777 : 0755));
        }
        files.add(new ImageFile.Regular("/bin/busybox", 0755, binary));
        for (String applet : applets) {
            if (!applet.equals("/bin/busybox")) {
                files.add(new ImageFile.Symlink(applet, "/bin/busybox"));
            }
        }
        files.add(text("/etc/passwd", "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n"));
        files.add(text("/etc/group", "root:x:0:\nnogroup:x:65534:\n"));
        files.add(text("/www/index.html", INDEX_HTML));
        return files;
    }

    private static ImageFile text(String path, String content) {
        return new ImageFile.Regular(path, 0644, content.getBytes(StandardCharsets.UTF_8));
    }

    private static String parent(String path) {
        int i = path.lastIndexOf('/');
        return i <= 0 ? "/" : path.substring(0, i);
    }
}
