package io.kaji.node.image;

import java.util.Objects;

/**
 * One entry of an image layer: a directory, a regular file with its content, or a symbolic link. Paths are
 * absolute inside the image ({@code /bin/sh}); modes are permission bits ({@code 0755}). Owner is root.
 */
public sealed interface ImageFile {

    String path();

    int mode();

    /** A directory. */
    record Directory(String path, int mode) implements ImageFile {
        public Directory {
            path = checkPath(path);
        }
    }

    /** A regular file; {@code content} is not copied, so callers must not change it afterwards. */
    record Regular(String path, int mode, byte[] content) implements ImageFile {
        public Regular {
            path = checkPath(path);
            Objects.requireNonNull(content, "content");
        }
    }

    /** A symbolic link to {@code target}. */
    record Symlink(String path, String target) implements ImageFile {
        public Symlink {
            path = checkPath(path);
            Objects.requireNonNull(target, "target");
        }

        @Override
        public int mode() {
            return 0777;
        }
    }

    private static String checkPath(String path) {
        if (path == null || !path.startsWith("/") || path.length() < 2 || path.contains("/../") || path.endsWith("/")) {
            throw new IllegalArgumentException("image file path must be absolute and normalized: " + path);
        }
        return path;
    }
}
