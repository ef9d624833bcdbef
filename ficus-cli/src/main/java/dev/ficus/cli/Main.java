package dev.ficus.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;

/** Entry point of the {@code ficus} command; the launcher script at the repository root runs it. */
@Command(name = "ficus",
        description = "A service mesh you can adopt one service at a time.",
        usageHelpAutoWidth = true)
public final class Main implements Runnable {
    @picocli.CommandLine.Mixin
    StandardHelp standardHelp;


    /** Exit code for a usage error (picocli's convention). */
    public static final int EXIT_USAGE = 2;
    /** Exit code for an internal error: a bug in ficus, not in the user's input. */
    public static final int EXIT_INTERNAL = 70;

    /**
     * The subcommands, in the order {@code --help} lists them. picocli reads each command's
     * annotations by reflection when it is added (and generates a proxy class per annotation
     * type), so building all of them costs a large part of a short command's start. A command
     * line that names a subcommand gets only that one.
     */
    static final Map<String, Class<?>> SUBCOMMANDS = subcommands();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private static final String SELECTOR_PROVIDER = "java.nio.channels.spi.SelectorProvider";

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
        // Netty's buffer allocator defines Flight Recorder events, and the JVM instruments every
        // event class as it loads: 0.18 s of a proxy's start for events nobody records unless
        // asked. -Dio.netty.jfr.enabled=true (FICUS_JAVA_OPTS) brings them back.
        if (System.getProperty("io.netty.jfr.enabled") == null) System.setProperty("io.netty.jfr.enabled", "false");
        // Netty samples buffer allocations for leak reports by default (about 2% of a proxy's event
        // loop); the tests run with PARANOID leak detection instead. -Dio.netty.leakDetection.level=simple brings it back.
        if (System.getProperty("io.netty.leakDetection.level") == null) System.setProperty("io.netty.leakDetection.level", "disabled");
        // Netty looks for SLF4J and Log4J before settling on java.util.logging: each miss searches
        // every jar of the class path (40-80 ms of a start), and java.util.logging's set-up one more
        // time. Its lines go to ficus's log format instead.
        io.netty.util.internal.logging.InternalLoggerFactory.setDefaultFactory(NettyLog.INSTANCE);
        // Class-path-wide searches that find nothing in ficus's distribution, each opening all of its
        // jars: picocli's probe for Groovy closures, and the JDK's service lookup of a selector
        // provider (Netty's epoll transport opens a selector as it loads) when none is named.
        System.setProperty("picocli.disable.closures", "true");
        if (System.getProperty(SELECTOR_PROVIDER) == null && System.getProperty("os.name", "").equals("Linux")) {
            System.setProperty(SELECTOR_PROVIDER, "sun.nio.ch.EPollSelectorProvider");
        }
        if (args.length > 0 && args[0].equals("proxy")) { // beside the parsing below; BoringSSL after the start for a standalone proxy
            boolean standalone = java.util.Arrays.stream(args).anyMatch(a -> a.equals("--config") || a.startsWith("--config="));
            dev.ficus.proxy.ProxyServer.preloadNatives(!standalone);
        }
        CommandLine cli = new CommandLine(new Main(), new Factory());
        Class<?> named = args.length > 0 ? SUBCOMMANDS.get(args[0]) : null;
        if (named != null && !args[0].equals("help")) {
            cli.addSubcommand(args[0], named);
        } else if (!(args.length == 1 && (args[0].equals("--version") || args[0].equals("-V")))) {
            SUBCOMMANDS.forEach(cli::addSubcommand);
        }
        // set here, not in @Command: picocli makes an annotation's provider with its own factory,
        // whose set-up is the class-path search that Factory avoids
        versionEverywhere(cli, new VersionCommand.Provider());
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

    /**
     * Makes the commands, converters and option collections picocli asks for. picocli's own
     * factory first looks for Groovy's closure class, a miss that searches every jar of the
     * class path on each start.
     */
    static final class Factory implements CommandLine.IFactory {
        @Override
        public <K> K create(Class<K> type) throws Exception {
            if (type.isInterface()) {
                Object made = java.util.SortedMap.class.isAssignableFrom(type) ? new java.util.TreeMap<>()
                        : java.util.Map.class.isAssignableFrom(type) ? new LinkedHashMap<>()
                        : java.util.SortedSet.class.isAssignableFrom(type) ? new java.util.TreeSet<>()
                        : java.util.Set.class.isAssignableFrom(type) ? new java.util.LinkedHashSet<>()
                        : java.util.Queue.class.isAssignableFrom(type) ? new java.util.ArrayDeque<>()
                        : java.util.Collection.class.isAssignableFrom(type) ? new java.util.ArrayList<>()
                        : null;
                if (made != null) return type.cast(made);
            }
            java.lang.reflect.Constructor<K> c = type.getDeclaredConstructor();
            c.setAccessible(true);
            return c.newInstance();
        }
    }

    /** {@code -V} on a subcommand ({@code ficus proxy -V}) prints the version too. */
    private static void versionEverywhere(CommandLine c, CommandLine.IVersionProvider provider) {
        c.getCommandSpec().versionProvider(provider);
        for (CommandLine sub : c.getSubcommands().values()) versionEverywhere(sub, provider);
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
