package io.kaji.support.assess;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/** File mode and ownership decisions for the control-plane and node file checks (CIS 1.1 and 4.1). */
final class HostFiles {

    private HostFiles() {
    }

    static ObjectRef ref(Path p) {
        return new ObjectRef("File", null, p.toString());
    }

    /** The mode as an int ({@code 0640}). */
    static int mode(Set<PosixFilePermission> perms) {
        int m = 0;
        for (PosixFilePermission p : perms) {
            m |= switch (p) {
                case OWNER_READ -> 0400;
                case OWNER_WRITE -> 0200;
                case OWNER_EXECUTE -> 0100;
                case GROUP_READ -> 040;
                case GROUP_WRITE -> 020;
                case GROUP_EXECUTE -> 010;
                case OTHERS_READ -> 04;
                case OTHERS_WRITE -> 02;
                case OTHERS_EXECUTE -> 01;
            };
        }
        return m;
    }

    /**
     * PASS when {@code p}'s mode has no bit outside {@code max}, FAIL otherwise. A missing file is a FAIL when
     * {@code required}, else a PASS saying there is nothing to protect.
     */
    static Finding modeAtMost(Path p, int max, boolean required) {
        PosixFileAttributes a = attributes(p);
        if (a == null) {
            return missing(p, required);
        }
        int mode = mode(a.permissions());
        String evidence = String.format("%s mode=%04o", p, mode);
        return (mode & ~max) == 0
                ? Finding.pass(ref(p), String.format("mode %04o is %04o or stricter", mode, max), evidence)
                : Finding.fail(ref(p), null, String.format("mode %04o is wider than %04o", mode, max), evidence);
    }

    /** PASS when {@code p} is owned by root:root (see {@link #modeAtMost} for missing files). */
    static Finding ownedByRoot(Path p, boolean required) {
        PosixFileAttributes a = attributes(p);
        if (a == null) {
            return missing(p, required);
        }
        String owner = a.owner().getName() + ":" + a.group().getName();
        String evidence = p + " owner=" + owner;
        return owner.equals("root:root") ? Finding.pass(ref(p), "owned by root:root", evidence)
                : Finding.fail(ref(p), null, "owned by " + owner + ", not root:root", evidence);
    }

    private static Finding missing(Path p, boolean required) {
        return required ? Finding.fail(ref(p), null, "does not exist", p + " missing")
                : Finding.pass(ref(p), "does not exist: nothing to protect", p + " absent");
    }

    static PosixFileAttributes attributes(Path p) {
        try {
            return Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }

    /** The regular files in {@code dir} whose names end with one of {@code suffixes}, sorted. */
    static List<Path> filesIn(Path dir, String... suffixes) {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            for (Path p : s) {
                String name = p.getFileName().toString();
                for (String suffix : suffixes) {
                    if (name.endsWith(suffix) && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                        out.add(p);
                        break;
                    }
                }
            }
        } catch (IOException e) {
            return out;
        }
        out.sort(null);
        return out;
    }

    /** Files named {@code *suffix} anywhere under {@code root}, at most {@code depth} levels down, sorted. */
    static List<Path> find(Path root, int depth, String suffix) {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> s = Files.find(root, depth, (p, a) -> a.isRegularFile()
                && p.getFileName().toString().endsWith(suffix))) {
            return s.sorted().toList();
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }
}
