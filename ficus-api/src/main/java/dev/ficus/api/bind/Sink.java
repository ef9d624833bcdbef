package dev.ficus.api.bind;

import dev.ficus.api.config.Severity;

/** Where the binder sends what it finds; positions are 1-based. */
public interface Sink {
    void report(Severity severity, String path, int line, int column, String message);

    /** Remembers where a field path stands, for checks that run later on the records. */
    void position(String path, int line, int column);
}
