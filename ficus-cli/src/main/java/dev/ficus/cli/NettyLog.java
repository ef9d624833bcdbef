package dev.ficus.cli;

import io.netty.util.internal.logging.AbstractInternalLogger;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;

import java.io.PrintStream;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * Netty's log lines in ficus's one-line format, on stderr: info and above, debug and trace off.
 * Netty's own choice would be java.util.logging, whose start-up looks for logging back ends with a
 * ServiceLoader over the whole class path: every jar of the distribution opened and its manifest
 * read, about 4 MB allocated before a proxy is ready. A throwable is printed as one line; its stack
 * trace too when {@code FICUS_DEBUG} is set.
 */
final class NettyLog extends InternalLoggerFactory {
    static final NettyLog INSTANCE = new NettyLog(System.err, System.getenv("FICUS_DEBUG") != null);

    private final PrintStream out;
    private final boolean traces;

    NettyLog(PrintStream out, boolean traces) {
        this.out = out;
        this.traces = traces;
    }

    @Override
    protected InternalLogger newInstance(String name) {
        return new Logger(name, this);
    }

    /** {@code {}} placeholders filled in order, as SLF4J does; a last argument that is a throwable is the cause. */
    static String format(String pattern, Object... args) {
        if (pattern == null) return "null";
        StringBuilder b = new StringBuilder(pattern.length() + 32);
        int from = 0, arg = 0;
        int usable = args.length > 0 && args[args.length - 1] instanceof Throwable ? args.length - 1 : args.length;
        for (int at; arg < usable && (at = pattern.indexOf("{}", from)) >= 0; from = at + 2) {
            b.append(pattern, from, at).append(args[arg++]);
        }
        return b.append(pattern, from, pattern.length()).toString();
    }

    private void line(String level, String logger, String message, Throwable cause) {
        String name = logger.substring(logger.lastIndexOf('.') + 1);
        StringBuilder b = new StringBuilder(96).append(Instant.now().truncatedTo(ChronoUnit.MILLIS)).append(' ').append(level)
                .append(" netty: ").append(name).append(": ").append(message);
        if (cause != null) b.append(": ").append(cause);
        synchronized (out) {
            out.println(b);
            if (cause != null && traces) cause.printStackTrace(out);
        }
    }

    private static final class Logger extends AbstractInternalLogger {
        private final NettyLog log;

        Logger(String name, NettyLog log) {
            super(name);
            this.log = log;
        }

        private void emit(String level, String pattern, Object... args) {
            Throwable cause = args.length > 0 && args[args.length - 1] instanceof Throwable t ? t : null;
            log.line(level, name(), format(pattern, args), cause);
        }

        @Override public boolean isTraceEnabled() { return false; }
        @Override public void trace(String msg) { }
        @Override public void trace(String format, Object arg) { }
        @Override public void trace(String format, Object argA, Object argB) { }
        @Override public void trace(String format, Object... arguments) { }
        @Override public void trace(String msg, Throwable t) { }

        @Override public boolean isDebugEnabled() { return false; }
        @Override public void debug(String msg) { }
        @Override public void debug(String format, Object arg) { }
        @Override public void debug(String format, Object argA, Object argB) { }
        @Override public void debug(String format, Object... arguments) { }
        @Override public void debug(String msg, Throwable t) { }

        @Override public boolean isInfoEnabled() { return true; }
        @Override public void info(String msg) { emit("info", msg); }
        @Override public void info(String format, Object arg) { emit("info", format, arg); }
        @Override public void info(String format, Object argA, Object argB) { emit("info", format, argA, argB); }
        @Override public void info(String format, Object... arguments) { emit("info", format, arguments); }
        @Override public void info(String msg, Throwable t) { emit("info", msg, t); }

        @Override public boolean isWarnEnabled() { return true; }
        @Override public void warn(String msg) { emit("warn", msg); }
        @Override public void warn(String format, Object arg) { emit("warn", format, arg); }
        @Override public void warn(String format, Object argA, Object argB) { emit("warn", format, argA, argB); }
        @Override public void warn(String format, Object... arguments) { emit("warn", format, arguments); }
        @Override public void warn(String msg, Throwable t) { emit("warn", msg, t); }

        @Override public boolean isErrorEnabled() { return true; }
        @Override public void error(String msg) { emit("error", msg); }
        @Override public void error(String format, Object arg) { emit("error", format, arg); }
        @Override public void error(String format, Object argA, Object argB) { emit("error", format, argA, argB); }
        @Override public void error(String format, Object... arguments) { emit("error", format, arguments); }
        @Override public void error(String msg, Throwable t) { emit("error", msg, t); }
    }
}
