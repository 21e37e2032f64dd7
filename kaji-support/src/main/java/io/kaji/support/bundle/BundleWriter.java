package io.kaji.support.bundle;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;

/**
 * A tar.gz under a size budget: files are added whole or not at all, and every file left out (or cut) is recorded so
 * the bundle can say what is missing. The budget counts uncompressed bytes, so the archive is smaller still.
 */
final class BundleWriter implements AutoCloseable {

    /** One file in the archive, for the index. */
    record Entry(String path, long bytes) {
    }

    private final TarArchiveOutputStream tar;
    private final String root;
    private final long budget;
    private long written;
    private boolean closed;
    private final List<Entry> entries = new ArrayList<>();
    private final List<String> truncated = new ArrayList<>();

    BundleWriter(Path file, String root, long budget) throws IOException {
        OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16);
        this.tar = new TarArchiveOutputStream(new GzipCompressorOutputStream(out));
        this.tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        this.root = root;
        this.budget = budget;
    }

    /** Adds a file unless it would exceed the budget; returns whether it was added. */
    boolean add(String path, String content) throws IOException {
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        if (written + bytes.length > budget) {
            truncated.add(path + " (" + bytes.length + " bytes) left out: the bundle reached its size limit of "
                    + budget + " bytes");
            return false;
        }
        TarArchiveEntry e = new TarArchiveEntry(root + "/" + path);
        e.setSize(bytes.length);
        e.setMode(0644);
        tar.putArchiveEntry(e);
        tar.write(bytes);
        tar.closeArchiveEntry();
        written += bytes.length;
        entries.add(new Entry(path, bytes.length));
        return true;
    }

    /** Records that {@code what} was cut or left out, and why. */
    void truncated(String what) {
        truncated.add(what);
    }

    List<Entry> entries() {
        return List.copyOf(entries);
    }

    List<String> truncated() {
        return List.copyOf(truncated);
    }

    long written() {
        return written;
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        tar.finish();
        tar.close();
    }
}
