package io.kaji.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Option values from a YAML file, for {@code kaji server} and {@code kaji agent} (like k3s' config.yaml): each key
 * is an option's long name without the dashes ({@code data-dir: /var/lib/kaji}), lists are YAML lists
 * ({@code etcd-endpoints: [http://a:2379, http://b:2379]}), flags are booleans ({@code disable-agent: true}).
 * Values given on the command line win: picocli asks this provider only for options that were not given.
 *
 * <p>The file is {@code --config FILE}, else {@link #DEFAULT_PATH} when it exists. It is read once, at the first
 * question; a key that is no option of the command is an error naming the key.
 */
final class ConfigFile implements CommandLine.IDefaultValueProvider {

    /** Read when it exists and no --config is given. */
    static final String DEFAULT_FILE = "/etc/kaji/config.yaml";
    static final Path DEFAULT_PATH = Path.of(DEFAULT_FILE);

    private static final YAMLMapper YAML = YAMLMapper.builder().build();

    private final CommandSpec spec;
    private final Path defaultPath;
    private Map<String, String> values;

    private ConfigFile(CommandSpec spec, Path defaultPath) {
        this.spec = spec;
        this.defaultPath = defaultPath;
    }

    /** Installs the provider on {@code cl}, whose command must have a {@code --config} option. */
    static void install(CommandLine cl) {
        install(cl, DEFAULT_PATH);
    }

    static void install(CommandLine cl, Path defaultPath) {
        cl.setDefaultValueProvider(new ConfigFile(cl.getCommandSpec(), defaultPath));
    }

    @Override
    public String defaultValue(ArgSpec arg) {
        if (!(arg instanceof OptionSpec option) || option.longestName().equals("--config")) {
            return null;
        }
        return values().get(key(option));
    }

    private static String key(OptionSpec option) {
        return option.longestName().replaceFirst("^-+", "");
    }

    private Map<String, String> values() {
        if (values == null) {
            Path given = spec.findOption("--config").getValue();
            Path file = given != null ? given : Files.exists(defaultPath) ? defaultPath : null;
            values = file == null ? Map.of() : read(file, spec);
        }
        return values;
    }

    /** The file's values as option strings, checked against {@code spec}'s options. */
    static Map<String, String> read(Path file, CommandSpec spec) {
        JsonNode root;
        try {
            root = YAML.readTree(Files.readString(file));
        } catch (IOException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--config: cannot read " + file + ": "
                    + e.getMessage());
        } catch (JacksonException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--config: " + file + " is not valid YAML: "
                    + e.getOriginalMessage());
        }
        if (root == null || root.isNull() || root.isMissingNode()) {
            return Map.of();
        }
        if (!root.isObject()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--config: " + file
                    + " must be a mapping of option names to values (e.g. data-dir: /var/lib/kaji)");
        }
        Map<String, OptionSpec> options = new LinkedHashMap<>();
        for (OptionSpec o : spec.options()) {
            if (!o.usageHelp() && !o.versionHelp() && !o.longestName().equals("--config")) {
                options.put(key(o), o);
            }
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : root.properties()) {
            OptionSpec option = options.get(e.getKey());
            if (option == null) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--config: " + file + ": unknown key \""
                        + e.getKey() + "\" for kaji " + spec.name() + "; known keys: "
                        + String.join(", ", new TreeSet<>(options.keySet())));
            }
            out.put(e.getKey(), text(e.getValue(), option, file, spec));
        }
        return out;
    }

    private static String text(JsonNode value, OptionSpec option, Path file, CommandSpec spec) {
        String key = key(option);
        if (value.isArray()) {
            if (!option.isMultiValue()) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--config: " + file + ": \"" + key
                        + "\" takes one value, not a list");
            }
            List<String> items = new ArrayList<>();
            for (JsonNode item : value) {
                if (!item.isValueNode()) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--config: " + file + ": \"" + key
                            + "\" must be a list of plain values");
                }
                items.add(item.asString());
            }
            return String.join(option.splitRegex().isEmpty() ? "," : option.splitRegex(), items);
        }
        if (!value.isValueNode() || value.isNull()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--config: " + file + ": \"" + key
                    + "\" must be a plain value" + (option.isMultiValue() ? " or a list" : ""));
        }
        return value.asString();
    }
}
