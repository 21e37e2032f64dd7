package io.kaji.store.backup;

import io.kaji.store.StoreException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** File operations shared by backup and restore: durable atomic replacement, checksums, telling kinds apart. */
public final class BackupFiles {

    private static final byte[] SQLITE_MAGIC = "SQLite format 3\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    /** bbolt's magic number (etcd's backend), little-endian at offset 16 of the first meta page. */
    private static final int BOLT_MAGIC = 0xED0CDAED;

    private BackupFiles() {
    }

    /** What a file looks like from its first bytes. */
    public enum Detected { SQLITE, ETCD_SNAPSHOT, UNKNOWN }

    /** Tells a SQLite database from an etcd (bbolt) snapshot by their magic numbers. */
    public static Detected detect(Path file) {
        byte[] head = new byte[32];
        int n;
        try (InputStream in = Files.newInputStream(file)) {
            n = in.readNBytes(head, 0, head.length);
        } catch (NoSuchFileException e) {
            throw new StoreException("backup file " + file + " does not exist");
        } catch (IOException e) {
            throw new StoreException("cannot read backup file " + file + ": " + e.getMessage(), e);
        }
        if (n >= SQLITE_MAGIC.length && java.util.Arrays.equals(head, 0, SQLITE_MAGIC.length, SQLITE_MAGIC, 0,
                SQLITE_MAGIC.length)) {
            return Detected.SQLITE;
        }
        // bbolt page header: id (8), flags (2), count (2), overflow (4); then meta: magic (4), little-endian.
        if (n >= 20 && ByteBuffer.wrap(head, 16, 4).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt() == BOLT_MAGIC) {
            return Detected.ETCD_SNAPSHOT;
        }
        return Detected.UNKNOWN;
    }

    /** Hex SHA-256 of a file. */
    public static String sha256(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            ByteBuffer buf = ByteBuffer.allocate(1 << 20);
            while (ch.read(buf) >= 0) {
                buf.flip();
                md.update(buf);
                buf.clear();
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (IOException e) {
            throw new StoreException("cannot read " + file + ": " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Flushes a file (or directory) to disk. */
    public static void fsync(Path path) {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            throw new StoreException("cannot fsync " + path + ": " + e.getMessage(), e);
        }
    }

    /**
     * Moves a finished temporary file onto its final name: fsyncs the file, renames it atomically, then fsyncs
     * the directory, so after a crash either the old file or the complete new one is there.
     */
    public static void commit(Path temp, Path target) {
        fsync(temp);
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new StoreException("cannot move " + temp + " to " + target + ": " + e.getMessage(), e);
        }
        fsync(parentOf(target));
    }

    /** Writes {@code data} to {@code target} through a temporary file and {@link #commit}. */
    public static void writeAtomically(Path target, byte[] data) {
        Path temp = temporarySibling(target);
        try {
            Files.write(temp, data);
        } catch (IOException e) {
            throw new StoreException("cannot write " + temp + ": " + e.getMessage(), e);
        }
        commit(temp, target);
    }

    /** A name next to {@code target} for its in-progress version: {@code .FILE.tmp-<pid>}. */
    public static Path temporarySibling(Path target) {
        return target.resolveSibling("." + target.getFileName() + ".tmp-" + ProcessHandle.current().pid());
    }

    /**
     * Creates {@code file} empty and readable by its owner only (mode 0600), replacing what was there: a backup
     * holds every Secret of the cluster.
     */
    public static void createPrivate(Path file) {
        try {
            Files.deleteIfExists(file);
            Files.createFile(file, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            try {
                Files.createFile(file);
            } catch (IOException io) {
                throw new StoreException("cannot create " + file + ": " + io.getMessage(), io);
            }
        } catch (IOException e) {
            throw new StoreException("cannot create " + file + ": " + e.getMessage(), e);
        }
    }

    /** The directory holding {@code path}, also for a relative name without one. */
    public static Path parentOf(Path path) {
        Path parent = path.toAbsolutePath().getParent();
        return parent == null ? Path.of("/") : parent;
    }

    /** Fails with an actionable message unless {@code output}'s directory exists and is writable. */
    public static void checkWritableTarget(Path output) {
        Path dir = parentOf(output);
        if (!Files.isDirectory(dir)) {
            throw new StoreException("cannot write backup " + output + ": directory " + dir
                    + " does not exist (create it first)");
        }
        if (!Files.isWritable(dir)) {
            throw new StoreException("cannot write backup " + output + ": directory " + dir + " is not writable");
        }
        if (Files.isDirectory(output)) {
            throw new StoreException("cannot write backup " + output + ": it is a directory; give a file name");
        }
    }
}
