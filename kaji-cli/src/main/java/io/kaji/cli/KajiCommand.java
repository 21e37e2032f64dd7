package io.kaji.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The root of the {@code kaji} command. Every role of the single binary is a subcommand registered in
 * {@link #subcommands()}; adding a role means adding one line there.
 */
@Command(
        name = "kaji",
        mixinStandardHelpOptions = true,
        versionProvider = VersionCommand.Provider.class,
        description = {
                "Kaji (舵, \"helm\"): a container orchestrator that speaks the Kubernetes API,",
                "with a maintenance-support toolkit for any Kubernetes cluster.",
                "",
                "Run 'kaji <command> --help' for the options of one command."
        },
        commandListHeading = "%nCommands:%n")
public final class KajiCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** The subcommands, in the order --help lists them. */
    static Object[] subcommands() {
        return new Object[] {
                new VersionCommand(),
                new UpCommand(),
                new DownCommand(),
                new StatusCommand(),
                new ServerCommand(),
                new ControllerManagerCommand(),
                new SchedulerCommand(),
                new SimulateCommand(),
                new StoreCommand(),
                new SecretsCommand(),
                new BenchCommand(),
                new LogsCommand(),
                new AssessCommand(),
                new CertsCommand(),
                new TokenCommand(),
                new DiagnoseCommand(),
                new SupportBundleCommand(),
                new ImageCommand(),
                new AgentCommand(),
        };
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Builds the command line with every subcommand and Kaji's error handling. */
    public static CommandLine commandLine() {
        return commandLine(null);
    }

    /**
     * The command line for arguments starting with {@code first}: if that names a subcommand, only that one is
     * registered, otherwise (none, an option such as --help, a typo picocli suggests a fix for) every subcommand.
     * picocli reflects over each registered command, its options' types and its nested subcommands, and the model
     * lives as long as the command runs: for a long-running role such as {@code kaji agent} the other commands
     * would cost ~700 loaded classes and a few MiB of heap for the process' lifetime (docs/footprint.md).
     */
    static CommandLine commandLine(String first) {
        CommandLine cl = new CommandLine(new KajiCommand());
        Object[] all = subcommands();
        Object only = null;
        for (Object sub : all) {
            if (sub.getClass().getAnnotation(Command.class).name().equals(first)) {
                only = sub;
            }
        }
        for (Object sub : only != null ? new Object[] {only} : all) {
            cl.addSubcommand(sub);
        }
        for (String role : new String[] {"server", "agent"}) {
            if (cl.getSubcommands().containsKey(role)) {
                ConfigFile.install(cl.getSubcommands().get(role));
            }
        }
        giveVersionProvider(cl, new VersionCommand.Provider());
        cl.setExecutionExceptionHandler(new ErrorHandler());
        return cl;
    }

    /**
     * picocli gives every command with {@code mixinStandardHelpOptions} a {@code --version}, but a subcommand does
     * not inherit its parent's version provider: without this {@code kaji agent --version} printed nothing.
     */
    private static void giveVersionProvider(CommandLine cl, CommandLine.IVersionProvider provider) {
        if (cl.getCommandSpec().versionProvider() == null) {
            cl.getCommandSpec().versionProvider(provider);
        }
        for (CommandLine sub : cl.getSubcommands().values()) {
            giveVersionProvider(sub, provider);
        }
    }

    public static void main(String[] args) {
        System.exit(commandLine(args.length > 0 ? args[0] : null).execute(args));
    }

    /**
     * Prints one actionable line for a failure instead of a stack trace ({@code KAJI_DEBUG=1} shows it).
     * Exit code 1 for a failed operation; picocli already uses 2 for usage errors.
     */
    static final class ErrorHandler implements CommandLine.IExecutionExceptionHandler {
        @Override
        public int handleExecutionException(Exception ex, CommandLine cl, CommandLine.ParseResult parsed) {
            if (System.getenv("KAJI_DEBUG") != null) {
                ex.printStackTrace(cl.getErr());
            }
            String message = ex.getMessage() == null ? ex.toString() : ex.getMessage();
            cl.getErr().println(cl.getCommandSpec().qualifiedName() + ": " + message);
            return ex instanceof CommandLine.ParameterException ? 2 : 1;
        }
    }
}
