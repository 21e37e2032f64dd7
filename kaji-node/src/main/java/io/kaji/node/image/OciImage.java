package io.kaji.node.image;

import java.util.List;
import java.util.Objects;

/**
 * A single-layer Linux/amd64 image to be written as an OCI image layout by {@link OciImageLayout}.
 *
 * @param name       the full reference containerd will list, e.g. {@code docker.io/kaji/busybox:1.35}
 * @param entrypoint the image's ENTRYPOINT (may be empty)
 * @param cmd        the image's CMD (may be empty)
 * @param env        {@code KEY=value} entries
 * @param workingDir the working directory, {@code /} if empty
 * @param files      the layer's content, parents before children
 * @param user       the image's USER ({@code 1000}, {@code 1000:1000}, {@code app}), or "" for root
 */
public record OciImage(String name, List<String> entrypoint, List<String> cmd, List<String> env, String workingDir,
                       List<ImageFile> files, String user) {

    /** An image that runs as root. */
    public OciImage(String name, List<String> entrypoint, List<String> cmd, List<String> env, String workingDir,
                    List<ImageFile> files) {
        this(name, entrypoint, cmd, env, workingDir, files, "");
    }

    /** The PATH of the images Kaji builds. */
    public static final String DEFAULT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    public OciImage {
        Objects.requireNonNull(name, "name");
        if (!name.contains("/") || !name.contains(":")) {
            throw new IllegalArgumentException("image name must be a full reference like docker.io/kaji/x:1, got "
                    + name);
        }
        entrypoint = List.copyOf(entrypoint);
        cmd = List.copyOf(cmd);
        env = List.copyOf(env);
        workingDir = workingDir == null || workingDir.isEmpty() ? "/" : workingDir;
        files = List.copyOf(files);
        user = user == null ? "" : user;
    }

    /** This image under another name, running as {@code user}. */
    public OciImage as(String otherName, String otherUser) {
        return new OciImage(otherName, entrypoint, cmd, env, workingDir, files, otherUser);
    }

    /** The tag part of the name ({@code 1.35} of {@code docker.io/kaji/busybox:1.35}). */
    public String tag() {
        return name.substring(name.lastIndexOf(':') + 1);
    }
}
