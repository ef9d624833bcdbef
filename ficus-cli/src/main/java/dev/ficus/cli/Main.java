package dev.ficus.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;

/** Entry point of the {@code ficus} command; the launcher script at the repository root runs it. */
@Command(name = "ficus",
        mixinStandardHelpOptions = true,
        versionProvider = VersionCommand.Provider.class,
        description = "A service mesh you can adopt one service at a time.",
        subcommands = {ValidateCommand.class, ProxyCommand.class, ControlCommand.class, UpCommand.class, StatusCommand.class, GraphCommand.class, RolloutCommand.class, AssessCommand.class, MtlsCommand.class, BenchCommand.class, VersionCommand.class, CommandLine.HelpCommand.class},
        usageHelpAutoWidth = true)
public final class Main implements Runnable {

    /** Exit code for a usage error (picocli's convention). */
    public static final int EXIT_USAGE = 2;
    /** Exit code for an internal error: a bug in ficus, not in the user's input. */
    public static final int EXIT_INTERNAL = 70;

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
        CommandLine cli = new CommandLine(new Main());
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

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
