package io.kaji.store.backup;

import io.kaji.store.StoreException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a backup holds, written next to it as {@code FILE.json} (the backup itself stays a plain SQLite
 * database or a plain etcd snapshot, so {@code sqlite3} and {@code etcdctl snapshot status} read it as is).
 *
 * @param kind          the store the backup was taken from
 * @param revision      the store revision the backup holds; for etcd, see {@code revisionExact}
 * @param revisionExact {@code false} when etcd's revision is only known to lie in [revision, revisionUpTo]
 *                      (writes ran during the snapshot and no {@code etcdctl} was found to read it)
 * @param revisionUpTo  the upper bound of the revision (equal to {@code revision} when exact)
 * @param keys          live keys in the backup ({@code -1} when unknown, e.g. etcd without etcdctl)
 * @param bytes         size of the backup file
 * @param sha256        hex SHA-256 of the backup file; restore checks it
 * @param createdAt     when the backup was taken
 * @param kajiVersion   the Kaji version that wrote it
 * @param source        where it came from (a store directory or etcd endpoints), for people
 */
public record BackupManifest(Kind kind, long revision, boolean revisionExact, long revisionUpTo, long keys,
                             long bytes, String sha256, Instant createdAt, String kajiVersion, String source) {

    /** Identifies this format in the file; a reader refuses other values. */
    public static final String FORMAT = "kaji-store-backup/v1";

    /** The kind of store a backup comes from. */
    public enum Kind { SQLITE, ETCD }

    /** The sidecar file of a backup: {@code FILE.json}. */
    public static Path sidecarOf(Path backup) {
        return backup.resolveSibling(backup.getFileName() + ".json");
    }

    /** This manifest as a small JSON object. */
    public String toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", FORMAT);
        m.put("kind", kind.name().toLowerCase());
        m.put("revision", revision);
        m.put("revisionExact", revisionExact);
        m.put("revisionUpTo", revisionUpTo);
        m.put("keys", keys);
        m.put("bytes", bytes);
        m.put("sha256", sha256);
        m.put("createdAt", createdAt.toString());
        m.put("kajiVersion", kajiVersion);
        m.put("source", source);
        StringBuilder sb = new StringBuilder("{\n");
        int i = 0;
        for (Map.Entry<String, Object> e : m.entrySet()) {
            sb.append("  \"").append(e.getKey()).append("\": ");
            Object v = e.getValue();
            if (v instanceof String s) {
                sb.append('"').append(escape(s)).append('"');
            } else {
                sb.append(v);
            }
            sb.append(++i < m.size() ? ",\n" : "\n");
        }
        return sb.append("}\n").toString();
    }

    /** Writes {@link #toJson()} to {@link #sidecarOf(Path) FILE.json}, atomically and durably. */
    public void writeFor(Path backup) {
        BackupFiles.writeAtomically(sidecarOf(backup), toJson().getBytes(StandardCharsets.UTF_8));
    }

    /** Reads the sidecar of {@code backup}; empty when there is none. */
    public static java.util.Optional<BackupManifest> readFor(Path backup) {
        Path sidecar = sidecarOf(backup);
        try {
            return java.util.Optional.of(parse(Files.readString(sidecar), sidecar));
        } catch (NoSuchFileException e) {
            return java.util.Optional.empty();
        } catch (IOException e) {
            throw new StoreException("cannot read " + sidecar + ": " + e.getMessage(), e);
        }
    }

    private static final Pattern FIELD =
            Pattern.compile("\"(\\w+)\"\\s*:\\s*(\"((?:[^\"\\\\]|\\\\.)*)\"|-?\\d+|true|false)");

    /** Parses what {@link #toJson()} writes; {@code origin} names the file in errors. */
    public static BackupManifest parse(String json, Path origin) {
        Map<String, String> f = new LinkedHashMap<>();
        Matcher m = FIELD.matcher(json);
        while (m.find()) {
            f.put(m.group(1), m.group(3) != null ? unescape(m.group(3)) : m.group(2));
        }
        if (!FORMAT.equals(f.get("format"))) {
            throw new StoreException(origin + " is not a Kaji backup manifest (format \"" + f.get("format")
                    + "\", expected \"" + FORMAT + "\")");
        }
        try {
            long revision = Long.parseLong(f.get("revision"));
            return new BackupManifest(
                    Kind.valueOf(f.get("kind").toUpperCase()),
                    revision,
                    Boolean.parseBoolean(f.getOrDefault("revisionExact", "true")),
                    Long.parseLong(f.getOrDefault("revisionUpTo", Long.toString(revision))),
                    Long.parseLong(f.getOrDefault("keys", "-1")),
                    Long.parseLong(f.get("bytes")),
                    f.getOrDefault("sha256", ""),
                    Instant.parse(f.get("createdAt")),
                    f.getOrDefault("kajiVersion", "unknown"),
                    f.getOrDefault("source", ""));
        } catch (RuntimeException e) {
            throw new StoreException(origin + " is a damaged Kaji backup manifest (" + e + "); delete it to restore"
                    + " without the checksum check", e);
        }
    }

    private static String escape(String s) {
        StringBuilder sb = new StringBuilder();
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.toString();
    }

    private static String unescape(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\' || i + 1 == s.length()) {
                sb.append(c);
                continue;
            }
            char n = s.charAt(++i);
            switch (n) {
                case 'n' -> sb.append('\n');
                case 'u' -> {
                    sb.append((char) Integer.parseInt(s.substring(i + 1, i + 5), 16));
                    i += 4;
                }
                default -> sb.append(n);
            }
        }
        return sb.toString();
    }
}
