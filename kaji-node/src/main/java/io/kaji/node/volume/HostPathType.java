package io.kaji.node.volume;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/** The hostPath {@code type} check the kubelet makes before mounting, with its messages. */
final class HostPathType {

    private HostPathType() {
    }

    static void check(Path path, String type) throws VolumeError {
        String t = type == null ? "" : type;
        try {
            switch (t) {
                case "" -> {
                }
                case "DirectoryOrCreate" -> {
                    if (!Files.exists(path)) {
                        Files.createDirectories(path);
                        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwxr-xr-x"));
                    } else if (!Files.isDirectory(path)) {
                        throw new VolumeError("hostPath type check failed: " + path + " is not a directory");
                    }
                }
                case "Directory" -> {
                    if (!Files.isDirectory(path)) {
                        throw new VolumeError("hostPath type check failed: " + path + " is not a directory");
                    }
                }
                case "FileOrCreate" -> {
                    if (!Files.exists(path)) {
                        Files.createDirectories(path.getParent());
                        Files.createFile(path);
                        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-r--r--"));
                    } else if (!Files.isRegularFile(path)) {
                        throw new VolumeError("hostPath type check failed: " + path + " is not a file");
                    }
                }
                case "File" -> {
                    if (!Files.isRegularFile(path)) {
                        throw new VolumeError("hostPath type check failed: " + path + " is not a file");
                    }
                }
                case "Socket", "CharDevice", "BlockDevice" -> {
                    String want = t.equals("Socket") ? "socket" : t.equals("CharDevice") ? "character device"
                            : "block device";
                    if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS) || !kind(path).equals(t)) {
                        throw new VolumeError("hostPath type check failed: " + path + " is not a " + want);
                    }
                }
                default -> throw new VolumeError("hostPath type \"" + t + "\" is not a hostPath type");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
    }

    /** Socket, CharDevice, BlockDevice or Other, from the file's mode bits. */
    private static String kind(Path path) throws IOException {
        int mode = (Integer) Files.getAttribute(path, "unix:mode");
        return switch (mode & 0170000) {
            case 0140000 -> "Socket";
            case 0020000 -> "CharDevice";
            case 0060000 -> "BlockDevice";
            default -> "Other";
        };
    }
}
