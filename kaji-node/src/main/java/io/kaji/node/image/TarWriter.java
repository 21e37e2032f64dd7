package io.kaji.node.image;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Writes a POSIX ustar archive: directories, regular files and symbolic links, owned by root, with one fixed
 * modification time so that the same content always gives the same bytes (and so the same image digest).
 * Names longer than 100 bytes use the ustar prefix field (up to 255 bytes in all). Not thread-safe.
 */
final class TarWriter implements AutoCloseable {

    private static final int BLOCK = 512;

    private final OutputStream out;
    private final long mtimeSeconds;

    TarWriter(OutputStream out, long mtimeSeconds) {
        this.out = out;
        this.mtimeSeconds = mtimeSeconds;
    }

    void directory(String name, int mode) throws IOException {
        header(name.endsWith("/") ? name : name + "/", mode, 0, '5', "");
    }

    void file(String name, int mode, byte[] content) throws IOException {
        header(name, mode, content.length, '0', "");
        out.write(content);
        pad(content.length);
    }

    void symlink(String name, String target) throws IOException {
        header(name, 0777, 0, '2', target);
    }

    /** Writes the two zero blocks that end an archive; does not close the underlying stream. */
    @Override
    public void close() throws IOException {
        out.write(new byte[BLOCK * 2]);
        out.flush();
    }

    private void header(String name, int mode, long size, char type, String linkName) throws IOException {
        byte[] h = new byte[BLOCK];
        byte[] full = name.getBytes(StandardCharsets.UTF_8);
        String prefix = "";
        String base = name;
        if (full.length > 100) {
            // Never split at a directory's trailing slash: the name field must not be empty.
            int cut = name.lastIndexOf('/', Math.min(name.length() - 2, 155));
            while (cut > 0 && name.substring(cut + 1).getBytes(StandardCharsets.UTF_8).length > 100) {
                cut = name.indexOf('/', cut + 1);
            }
            if (cut <= 0 || name.substring(0, cut).getBytes(StandardCharsets.UTF_8).length > 155) {
                throw new IOException("tar entry name too long for ustar: " + name);
            }
            prefix = name.substring(0, cut);
            base = name.substring(cut + 1);
        }
        put(h, 0, 100, base);
        octal(h, 100, 8, mode);
        octal(h, 108, 8, 0);
        octal(h, 116, 8, 0);
        octal(h, 124, 12, size);
        octal(h, 136, 12, mtimeSeconds);
        Arrays.fill(h, 148, 156, (byte) ' ');
        h[156] = (byte) type;
        if (linkName.getBytes(StandardCharsets.UTF_8).length > 100) {
            throw new IOException("tar link target too long for ustar: " + linkName);
        }
        put(h, 157, 100, linkName);
        put(h, 257, 6, "ustar");
        put(h, 263, 2, "00");
        put(h, 265, 32, "root");
        put(h, 297, 32, "root");
        put(h, 345, 155, prefix);
        long sum = 0;
        for (byte b : h) {
            sum += b & 0xff;
        }
        octal(h, 148, 7, sum);
        h[155] = ' ';
        out.write(h);
    }

    private void pad(long size) throws IOException {
        int rest = (int) (size % BLOCK);
        if (rest != 0) {
            out.write(new byte[BLOCK - rest]);
        }
    }

    private static void put(byte[] h, int offset, int length, String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(bytes, 0, h, offset, Math.min(bytes.length, length));
    }

    /** Zero-padded octal digits followed by a NUL, filling {@code length} bytes. */
    private static void octal(byte[] h, int offset, int length, long value) {
        String digits = Long.toOctalString(value);
        if (digits.length() > length - 1) {
            throw new IllegalArgumentException("value too large for a tar header field: " + value);
        }
        String padded = "0".repeat(length - 1 - digits.length()) + digits;
        put(h, offset, length - 1, padded);
        h[offset + length - 1] = 0;
    }
}
