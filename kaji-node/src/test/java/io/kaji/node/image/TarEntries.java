package io.kaji.node.image;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** Reads a ustar archive back for assertions: name to entry, in archive order. */
final class TarEntries {

    record Entry(String name, char type, int mode, byte[] content, String linkName) {
        String text() {
            return new String(content, StandardCharsets.UTF_8);
        }
    }

    static Map<String, Entry> read(byte[] tar) throws IOException {
        Map<String, Entry> out = new LinkedHashMap<>();
        InputStream in = new ByteArrayInputStream(tar);
        while (true) {
            byte[] h = in.readNBytes(512);
            if (h.length < 512 || h[0] == 0) {
                return out;
            }
            String name = field(h, 0, 100);
            String prefix = field(h, 345, 155);
            if (!prefix.isEmpty()) {
                name = prefix + "/" + name;
            }
            int mode = Integer.parseInt(field(h, 100, 8).strip(), 8);
            long size = Long.parseLong(field(h, 124, 12).strip(), 8);
            long sum = 0;
            for (int i = 0; i < 512; i++) {
                sum += (i >= 148 && i < 156) ? ' ' : (h[i] & 0xff);
            }
            if (sum != Long.parseLong(field(h, 148, 7).strip(), 8)) {
                throw new IOException("bad checksum for " + name);
            }
            byte[] content = in.readNBytes((int) size);
            in.skipNBytes((512 - size % 512) % 512);
            out.put(name, new Entry(name, (char) h[156], mode, content, field(h, 157, 100)));
        }
    }

    private static String field(byte[] h, int offset, int length) {
        int end = offset;
        while (end < offset + length && h[end] != 0) {
            end++;
        }
        return new String(h, offset, end - offset, StandardCharsets.UTF_8);
    }
}
