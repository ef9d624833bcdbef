package dev.ficus.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;

/** Entry point of the {@code ficus} command; the launcher script at the repository root runs it. */
@Command(name = "ficus",
        mixinStandardHelpOptions = true,
        versionProvider = VersionCommand.Provider.class,
        description = "A service mesh you can adopt one service at a time.",
        usageHelpAutoWidth = true)
public final class Main implements Runnable {

    /** Exit code for a usage error (picocli's convention). */
    public static final int EXIT_USAGE = 2;
    /** Exit code for an internal error: a bug in ficus, not in the user's input. */
    public static final int EXIT_INTERNAL = 70;

    /**
     * The subcommands, in the order {@code --help} lists them. picocli reads each command's
     * annotations by reflection when it is added, and picocli's own classes cannot be kept in the
     * class-data archive (old class-file version), so building all of them costs about half of
     * a short command's start. A command line that names a subcommand gets only that one.
     */
    private static final Map<String, Class<?>> SUBCOMMANDS = subcommands();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        int code;
        try {
            code = run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true));
        } catch (Throwable t) { // an Error (out of memory, ...) that picocli does not handle
            System.err.println("ficus: internal error: " + t);
            code = EXIT_INTERNAL;
        }
        System.exit(code);
    }

    /** Runs the command line with the given output streams; returns the exit code. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        if (args.length > 0 && args[0].equals("proxy")) dev.ficus.proxy.ProxyServer.preloadNatives(); // beside the parsing below
        CommandLine cli = new CommandLine(new Main());
        Class<?> named = args.length > 0 ? SUBCOMMANDS.get(args[0]) : null;
        if (named != null && !args[0].equals("help")) {
            cli.addSubcommand(args[0], named);
        } else if (!(args.length == 1 && (args[0].equals("--version") || args[0].equals("-V")))) {
            SUBCOMMANDS.forEach(cli::addSubcommand);
        }
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            // Never a stack trace for a user: one line, and the trace only when asked for.
            err.println("ficus: internal error: " + ex);
            if (System.getenv("FICUS_DEBUG") != null) {
                ex.printStackTrace(err);
            } else {
                err.println("ficus: set FICUS_DEBUG=1 to see the stack trace, and please report it");
            }
            return EXIT_INTERNAL;
        });
        return cli.execute(args);
    }

    private static Map<String, Class<?>> subcommands() {
        Map<String, Class<?>> m = new LinkedHashMap<>();
        m.put("validate", ValidateCommand.class);
        m.put("proxy", ProxyCommand.class);
        m.put("control", ControlCommand.class);
        m.put("up", UpCommand.class);
        m.put("status", StatusCommand.class);
        m.put("graph", GraphCommand.class);
        m.put("rollout", RolloutCommand.class);
        m.put("assess", AssessCommand.class);
        m.put("mtls", MtlsCommand.class);
        m.put("bench", BenchCommand.class);
        m.put("version", VersionCommand.class);
        m.put("help", CommandLine.HelpCommand.class);
        return m;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
