package io.kaji.apiserver.auth;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A static token file ({@code --token-auth-file}) in kube-apiserver's CSV format: one {@code token,user,uid} line
 * per token with an optional fourth column of comma-separated groups, quoted when it holds several
 * ({@code "group1,group2"}). Lines with fewer than three columns are an error; empty tokens are skipped and a
 * repeated token replaces the earlier one, both with a warning, as Kubernetes does.
 */
public final class TokenFile {

    private static final Logger LOG = LoggerFactory.getLogger(TokenFile.class);

    private TokenFile() {
    }

    /**
     * Reads {@code file}.
     *
     * @return the users by token, in file order
     * @throws IllegalArgumentException naming the file and record when a line is malformed
     */
    public static Map<String, UserInfo> read(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException("read token file " + file + ": " + e.getMessage(), e);
        }
        return parse(text, file.toString());
    }

    static Map<String, UserInfo> parse(String text, String source) {
        Map<String, UserInfo> out = new LinkedHashMap<>();
        int record = 0;
        for (List<String> fields : csv(text, source)) {
            if (fields.size() < 3) {
                throw new IllegalArgumentException("token file '" + source + "' must have at least 3 columns "
                        + "(token, user name, user uid), found " + fields.size());
            }
            record++;
            String token = fields.get(0);
            if (token.isEmpty()) {
                LOG.warn("empty token has been found in token file '{}', record number '{}'", source, record);
                continue;
            }
            if (out.containsKey(token)) {
                LOG.warn("duplicate token has been found in token file '{}', record number '{}'", source, record);
            }
            List<String> groups = fields.size() >= 4 ? List.of(fields.get(3).split(",", -1)) : List.of();
            out.put(token, new UserInfo(fields.get(1), fields.get(2), groups, Map.of()));
        }
        return out;
    }

    /** RFC 4180 records: quoted fields may hold commas, newlines and doubled quotes; blank lines are skipped. */
    static List<List<String>> csv(String text, String source) {
        List<List<String>> records = new ArrayList<>();
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        boolean fieldStarted = false;
        int line = 1;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quoted) {
                if (c == '"') {
                    if (i + 1 < text.length() && text.charAt(i + 1) == '"') {
                        field.append('"');
                        i++;
                    } else {
                        quoted = false;
                    }
                } else {
                    if (c == '\n') {
                        line++;
                    }
                    field.append(c);
                }
                continue;
            }
            switch (c) {
                case '"' -> {
                    if (field.toString().isBlank()) {
                        field.setLength(0);
                        quoted = true;
                        fieldStarted = true;
                    } else {
                        throw new IllegalArgumentException("token file '" + source + "' line " + line
                                + ": bare \" in non-quoted field");
                    }
                }
                case ',' -> {
                    fields.add(field.toString().stripLeading());
                    field.setLength(0);
                    fieldStarted = true;
                }
                case '\r' -> { }
                case '\n' -> {
                    endRecord(records, fields, field, fieldStarted);
                    fields = new ArrayList<>();
                    fieldStarted = false;
                    line++;
                }
                default -> {
                    field.append(c);
                    fieldStarted = true;
                }
            }
        }
        if (quoted) {
            throw new IllegalArgumentException("token file '" + source + "' line " + line + ": unterminated quote");
        }
        endRecord(records, fields, field, fieldStarted);
        return records;
    }

    private static void endRecord(List<List<String>> records, List<String> fields, StringBuilder field,
            boolean started) {
        if (!started && fields.isEmpty()) {
            field.setLength(0);
            return;
        }
        fields.add(field.toString().stripLeading());
        field.setLength(0);
        records.add(fields);
    }
}
