package dev.ficus.cli;

import java.io.PrintStream;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** The one-line log of long-running commands: {@code time level component: message}, to stderr. */
final class Log {
    private final String component;
    private final PrintStream out;

    Log(String component, PrintStream out) {
        this.component = component;
        this.out = out;
    }

    void info(String message) {
        line("info", message);
    }

    void warn(String message) {
        line("warn", message);
    }

    void error(String message) {
        line("error", message);
    }

    private void line(String level, String message) {
        out.println(Instant.now().truncatedTo(ChronoUnit.MILLIS) + " " + level + " " + component + ": " + message);
    }
}
