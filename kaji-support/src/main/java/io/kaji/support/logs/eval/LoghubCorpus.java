package io.kaji.support.logs.eval;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The Loghub-2k benchmark as laid out in the shared data folder: one directory per dataset holding
 * {@code <D>_2k.log_structured_corrected.csv} (or {@code <D>_2k.log_structured.csv}) with the columns
 * {@code Content}, {@code EventId} and {@code EventTemplate}.
 *
 * <p>{@link #locate()} finds the folder: the {@code KAJI_LOGHUB_DIR} environment variable when set,
 * otherwise {@code ../shared/data/loghub2k} beside the repository root (the first directory holding
 * {@code .git} above the working directory, else the topmost one holding a {@code pom.xml}). Stateless
 * and thread-safe.
 */
public final class LoghubCorpus {

    /** The environment variable that overrides the data location. */
    public static final String ENV = "KAJI_LOGHUB_DIR";

    private LoghubCorpus() {
    }

    /** The data folder, when it exists. */
    public static Optional<Path> locate() {
        String env = System.getenv(ENV);
        if (env != null && !env.isBlank()) {
            Path p = Path.of(env);
            return Files.isDirectory(p) ? Optional.of(p) : Optional.empty();
        }
        return repositoryRoot(Path.of("").toAbsolutePath())
                .map(root -> root.resolve("../shared/data/loghub2k").normalize())
                .filter(Files::isDirectory);
    }

    /** Where {@link #locate()} looks, for messages. */
    public static String whereLooked() {
        String env = System.getenv(ENV);
        if (env != null && !env.isBlank()) {
            return env + " (from " + ENV + ")";
        }
        return repositoryRoot(Path.of("").toAbsolutePath())
                .map(root -> root.resolve("../shared/data/loghub2k").normalize().toString())
                .orElse("<no repository root above " + Path.of("").toAbsolutePath() + ">/../shared/data/loghub2k")
                + " (set " + ENV + " to override)";
    }

    static Optional<Path> repositoryRoot(Path start) {
        Path topPom = null;
        for (Path p = start; p != null; p = p.getParent()) {
            if (Files.exists(p.resolve(".git"))) {
                return Optional.of(p);
            }
            if (Files.isRegularFile(p.resolve("pom.xml"))) {
                topPom = p;
            }
        }
        return Optional.ofNullable(topPom);
    }

    /** The datasets present in the folder, sorted by name. */
    public static List<String> datasets(Path dir) throws IOException {
        List<String> names = new ArrayList<>();
        try (Stream<Path> entries = Files.list(dir)) {
            for (Path p : entries.sorted().toList()) {
                if (Files.isDirectory(p) && structuredFile(p).isPresent()) {
                    names.add(p.getFileName().toString());
                }
            }
        }
        return names;
    }

    private static Optional<Path> structuredFile(Path datasetDir) {
        String name = datasetDir.getFileName().toString();
        for (String suffix : new String[] {"_2k.log_structured_corrected.csv", "_2k.log_structured.csv"}) {
            Path f = datasetDir.resolve(name + suffix);
            if (Files.isRegularFile(f)) {
                return Optional.of(f);
            }
        }
        return Optional.empty();
    }

    /** Loads one dataset's contents and labels. */
    public static LabeledLog load(Path dir, String dataset) throws IOException {
        Path file = structuredFile(dir.resolve(dataset))
                .orElseThrow(() -> new IOException("no structured CSV for " + dataset + " in " + dir));
        List<List<String>> rows;
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            rows = Csv.read(in);
        }
        if (rows.isEmpty()) {
            throw new IOException(file + " is empty");
        }
        List<String> header = rows.get(0);
        int content = column(header, "Content", file);
        int eventId = column(header, "EventId", file);
        int template = column(header, "EventTemplate", file);
        List<String> contents = new ArrayList<>(rows.size());
        List<String> ids = new ArrayList<>(rows.size());
        List<String> templates = new ArrayList<>(rows.size());
        for (int r = 1; r < rows.size(); r++) {
            List<String> row = rows.get(r);
            if (row.size() != header.size()) {
                throw new IOException(file + ": record " + r + " has " + row.size() + " fields, expected " + header.size());
            }
            contents.add(row.get(content));
            ids.add(row.get(eventId));
            templates.add(row.get(template));
        }
        return new LabeledLog(dataset, contents, ids, templates);
    }

    private static int column(List<String> header, String name, Path file) throws IOException {
        int i = header.indexOf(name);
        if (i < 0) {
            throw new IOException(file + " has no " + name + " column (header: " + header + ")");
        }
        return i;
    }
}
