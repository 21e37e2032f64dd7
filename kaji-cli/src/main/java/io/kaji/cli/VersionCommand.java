package io.kaji.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code kaji version}: Kaji's version, the git commit it was built from, and the JDK running it. */
@Command(name = "version", description = "Print Kaji's version, git commit and the JDK it runs on.")
public final class VersionCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        for (String line : lines()) {
            spec.commandLine().getOut().println(line);
        }
        return 0;
    }

    static String[] lines() {
        return new String[] {
                "Kaji version: " + version(),
                "Git commit:   " + gitCommit(),
                "JDK:          " + System.getProperty("java.vendor") + " " + System.getProperty("java.runtime.version")
                        + " (" + System.getProperty("java.home") + ")",
                "Platform:     " + System.getProperty("os.name").toLowerCase() + "/" + System.getProperty("os.arch"),
        };
    }

    /** The Maven project version, filtered into kaji-version.properties at build time. */
    public static String version() {
        Properties p = new Properties();
        try (InputStream in = VersionCommand.class.getResourceAsStream("/kaji-version.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p.getProperty("version", "unknown");
    }

    /** The commit the launcher found ({@code KAJI_GIT_COMMIT}), or "unknown" outside a checkout. */
    static String gitCommit() {
        String commit = System.getenv("KAJI_GIT_COMMIT");
        return commit == null || commit.isBlank() ? "unknown" : commit;
    }

    /** Feeds {@code kaji --version}. */
    public static final class Provider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return lines();
        }
    }
}
