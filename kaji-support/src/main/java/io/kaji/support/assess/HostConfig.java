package io.kaji.support.assess;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Kaji's local configuration, read when the assessment runs on a Kaji server node: the data dir (PKI, kubeconfig,
 * audit policy, encryption config), the server's flags and the files that configure it. When it is
 * {@link #absent()} (another Kubernetes distribution, or not on the node) the control-plane and node checks ask
 * their question as MANUAL.
 *
 * @param dataDir the data dir, null when absent
 * @param flags the server's flags by long name without dashes ({@code audit-log-path}), from its config file
 *              overridden by its command line; a flag given without a value maps to {@code "true"}
 * @param flagSource where the flags were read ({@code /proc/1234/cmdline}, {@code /etc/kaji/config.yaml}), null
 *                   when no running server and no config file were found (then Kaji's defaults apply)
 * @param configFile the server's config file, null when there is none
 * @param unitFiles systemd unit files that start Kaji ({@code /etc/systemd/system/kaji*.service})
 */
public record HostConfig(Path dataDir, Map<String, String> flags, String flagSource, Path configFile,
                         List<Path> unitFiles) {

    /** Where {@code kaji server} reads options from when no {@code --config} is given. */
    public static final Path DEFAULT_CONFIG = Path.of("/etc/kaji/config.yaml");
    private static final YAMLMapper YAML = YAMLMapper.builder().build();

    public HostConfig {
        flags = Map.copyOf(flags);
        unitFiles = List.copyOf(unitFiles);
    }

    /** Not on a Kaji node. */
    public static HostConfig absent() {
        return new HostConfig(null, Map.of(), null, null, List.of());
    }

    /**
     * Reads the local Kaji configuration for {@code dataDir}: the running {@code kaji server}'s command line under
     * {@code proc} (the one whose {@code --data-dir} is this dir, or the default), its config file, and the
     * systemd units under {@code systemdDir}. Returns {@link #absent()} when {@code dataDir} holds no Kaji PKI.
     * Unreadable pieces are skipped (the checks then see Kaji's defaults), never thrown.
     */
    public static HostConfig detect(Path dataDir, Path proc, Path defaultConfig, Path systemdDir) {
        if (dataDir == null || !Files.isDirectory(dataDir.resolve("pki"))) {
            return absent();
        }
        Map<String, String> flags = new LinkedHashMap<>();
        String source = null;
        Optional<List<String>> cmdline = serverCommandLine(proc, dataDir);
        Map<String, String> cli = cmdline.map(HostConfig::parseFlags).orElse(Map.of());
        Path config = cli.containsKey("config") ? Path.of(cli.get("config")) : defaultConfig;
        if (config != null && Files.isRegularFile(config)) {
            flags.putAll(readConfig(config));
            source = config.toString();
        } else {
            config = null;
        }
        if (cmdline.isPresent()) {
            flags.putAll(cli);
            source = source == null ? "the running kaji server's command line"
                    : source + " and the running kaji server's command line";
        }
        return new HostConfig(dataDir, flags, source, config, unitFiles(systemdDir));
    }

    /** The arguments after {@code server} of a {@code kaji server} process serving {@code dataDir}, if one runs. */
    static Optional<List<String>> serverCommandLine(Path proc, Path dataDir) {
        if (proc == null || !Files.isDirectory(proc)) {
            return Optional.empty();
        }
        try (DirectoryStream<Path> pids = Files.newDirectoryStream(proc, p -> p.getFileName().toString()
                .chars().allMatch(Character::isDigit))) {
            for (Path pid : pids) {
                List<String> args = readCmdline(pid.resolve("cmdline"));
                int server = serverIndex(args);
                if (server < 0) {
                    continue;
                }
                List<String> rest = args.subList(server + 1, args.size());
                String dir = parseFlags(rest).get("data-dir");
                if (dir == null || Path.of(dir).toAbsolutePath().normalize()
                        .equals(dataDir.toAbsolutePath().normalize())) {
                    return Optional.of(List.copyOf(rest));
                }
            }
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    /** The index of {@code server} after the Kaji main class (or a {@code kaji} launcher), or -1. */
    private static int serverIndex(List<String> args) {
        for (int i = 0; i < args.size() - 1; i++) {
            String a = args.get(i);
            if ((a.equals("io.kaji.cli.KajiCommand") || a.endsWith("/kaji") || a.equals("kaji"))
                    && args.get(i + 1).equals("server")) {
                return i + 1;
            }
        }
        return -1;
    }

    private static List<String> readCmdline(Path file) {
        try {
            String raw = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
            List<String> out = new ArrayList<>();
            for (String s : raw.split("\0")) {
                if (!s.isEmpty()) {
                    out.add(s);
                }
            }
            return out;
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }

    /**
     * Long options from arguments: {@code --name=value}, {@code --name value}, and {@code --name} alone (a boolean,
     * when the next argument is another option or there is none).
     */
    static Map<String, String> parseFlags(List<String> args) {
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (!a.startsWith("--") || a.length() == 2) {
                continue;
            }
            int eq = a.indexOf('=');
            if (eq > 0) {
                out.put(a.substring(2, eq), a.substring(eq + 1));
            } else if (i + 1 < args.size() && !args.get(i + 1).startsWith("--")) {
                out.put(a.substring(2), args.get(++i));
            } else {
                out.put(a.substring(2), "true");
            }
        }
        return out;
    }

    /** The options of a Kaji YAML config file (keys are option names; lists are joined with commas). */
    static Map<String, String> readConfig(Path file) {
        Map<String, String> out = new LinkedHashMap<>();
        try {
            JsonNode root = YAML.readTree(Files.readString(file));
            if (root == null || !root.isObject()) {
                return out;
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = root.properties().iterator(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                JsonNode v = e.getValue();
                if (v.isArray()) {
                    List<String> items = new ArrayList<>();
                    v.forEach(x -> items.add(x.asString()));
                    out.put(e.getKey(), String.join(",", items));
                } else if (!v.isNull()) {
                    out.put(e.getKey(), v.asString());
                }
            }
        } catch (IOException | JacksonException e) {
            // An unreadable config file: its settings are unknown, Kaji's defaults are assumed.
        }
        return out;
    }

    private static List<Path> unitFiles(Path systemdDir) {
        List<Path> out = new ArrayList<>();
        if (systemdDir == null || !Files.isDirectory(systemdDir)) {
            return out;
        }
        try (DirectoryStream<Path> units = Files.newDirectoryStream(systemdDir, "kaji*.service")) {
            units.forEach(out::add);
        } catch (IOException | RuntimeException e) {
            return out;
        }
        out.sort(null);
        return out;
    }

    /** Whether a Kaji data dir was found. */
    public boolean present() {
        return dataDir != null;
    }

    /** The value of {@code flag}, if set. */
    public Optional<String> flag(String flag) {
        return Optional.ofNullable(flags.get(flag));
    }

    /** The path of a file flag, or {@code <data-dir>/<defaultRelative>} when the flag is not set. */
    public Path path(String flag, String defaultRelative) {
        return flag(flag).filter(s -> !s.isBlank()).map(Path::of).orElse(dataDir.resolve(defaultRelative));
    }
}
