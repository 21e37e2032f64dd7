package io.kaji.cli;

import io.kaji.support.logs.HeaderStripper;
import io.kaji.support.logs.LogMiner;
import io.kaji.support.logs.MinerConfig;
import io.kaji.support.logs.MinerStateCodec;
import io.kaji.support.logs.Template;
import io.kaji.support.logs.eval.Csv;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code kaji logs ...}: log analysis for maintenance support. */
@Command(name = "logs",
        description = "Analyse logs: mine the templates (event types) of log files or of a cluster's containers.",
        mixinStandardHelpOptions = true,
        subcommands = {LogsCommand.Mine.class, LogsAnalyzeCommand.class})
public final class LogsCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /**
     * A log file, or standard input for {@code -}, as UTF-8 lines (undecodable bytes replaced, not fatal), with
     * one-line errors for a directory or a missing file.
     */
    static BufferedReader open(String file) throws IOException {
        InputStream in;
        if (file.equals("-")) {
            in = System.in;
        } else {
            Path path = Path.of(file);
            if (Files.isDirectory(path)) {
                throw new IOException(file + " is a directory: give a log file (or - for standard input)");
            }
            try {
                in = Files.newInputStream(path);
            } catch (NoSuchFileException e) {
                throw new IOException("no such file: " + file + " (give a log file, or - for standard input)", e);
            }
        }
        var decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE);
        return new BufferedReader(new InputStreamReader(in, decoder), 1 << 16);
    }

    /** Output formats of {@code kaji logs mine}. */
    enum Format { csv, text }

    @Command(name = "mine",
            mixinStandardHelpOptions = true,
            description = {
                    "Mine the templates of a log, one message per line (online, Drain-style parser).",
                    "Usual headers (timestamps, levels, logger names, CRI and klog prefixes) are stripped first.",
                    "",
                    "  --format csv   LineId,EventId,EventTemplate for every line (LineId from 1)",
                    "  --format text  the templates ranked by count (the default)",
                    "",
                    "Examples:",
                    "  kaji logs mine /var/log/pods/ns_pod_uid/app/0.log",
                    "  kubectl logs deploy/web | kaji logs mine --format csv -"})
    static final class Mine implements Callable<Integer> {

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(index = "0", paramLabel = "FILE", description = "The log file, or - for standard input.")
        String file;

        @Option(names = "--format", defaultValue = "text", paramLabel = "FORMAT",
                description = "csv or text (default: ${DEFAULT-VALUE}).")
        Format format;

        @Option(names = "--no-strip-headers", negatable = false,
                description = "Take each line as the message as it is (for pre-extracted message content).")
        boolean noStrip;

        @Option(names = "--similarity", paramLabel = "S",
                description = "Similarity threshold in (0, 1] (default: the tuned default, 0.7).")
        Double similarity;

        @Option(names = "--depth", paramLabel = "N",
                description = "Prefix-tree depth: leading tokens used to route (default: 2).")
        Integer depth;

        @Option(names = "--state", paramLabel = "FILE",
                description = "Load the miner's templates from FILE when it exists, and save them there after.")
        Path state;

        @Override
        public Integer call() throws IOException {
            LogMiner miner = openMiner();
            HeaderStripper stripper = noStrip ? null : new HeaderStripper();
            long[] ids = new long[1024];
            int n = 0;
            try (BufferedReader in = open()) {
                String line;
                while ((line = in.readLine()) != null) {
                    String message = stripper == null ? line : stripper.message(line);
                    if (n == ids.length) {
                        ids = Arrays.copyOf(ids, n * 2);
                    }
                    ids[n++] = miner.add(message).clusterId();
                }
            }
            PrintWriter out = spec.commandLine().getOut();
            if (format == Format.csv) {
                writeCsv(out, miner, ids, n);
            } else {
                writeText(out, miner.templates(), n);
            }
            out.flush();
            if (state != null) {
                MinerStateCodec.save(miner, state);
            }
            return 0;
        }

        private LogMiner openMiner() throws IOException {
            if (state != null && Files.exists(state)) {
                if (similarity != null || depth != null) {
                    throw new IOException("--similarity and --depth cannot change a saved state (" + state
                            + " keeps its own configuration); drop them or use a new --state file");
                }
                try {
                    return MinerStateCodec.restore(state);
                } catch (IOException e) {
                    throw new IOException("cannot read the miner state " + state + ": " + e.getMessage()
                            + " (delete it to start afresh)", e);
                }
            }
            MinerConfig config = MinerConfig.defaults();
            try {
                if (similarity != null) {
                    config = config.withSimilarityThreshold(similarity);
                }
                if (depth != null) {
                    config = config.withPrefixDepth(depth);
                }
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
            return new LogMiner(config);
        }

        private BufferedReader open() throws IOException {
            return LogsCommand.open(file);
        }

        private static void writeCsv(PrintWriter out, LogMiner miner, long[] ids, int n) {
            out.print("LineId,EventId,EventTemplate\n");
            StringBuilder sb = new StringBuilder(256);
            for (int i = 0; i < n; i++) {
                long id = miner.resolve(ids[i]);
                Template t = miner.template(id);
                sb.setLength(0);
                sb.append(i + 1).append(",E").append(id).append(',')
                        .append(Csv.quote(t == null ? "" : t.template())).append('\n');
                out.print(sb);
            }
        }

        private static void writeText(PrintWriter out, List<Template> templates, int lines) {
            out.printf("%d lines, %d templates%n", lines, templates.size());
            out.printf("%8s  %-8s  %s%n", "COUNT", "ID", "TEMPLATE");
            for (Template t : templates) {
                out.printf("%8d  %-8s  %s%n", t.size(), "E" + t.id(), t.template());
            }
        }
    }
}
