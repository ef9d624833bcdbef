package dev.ficus.xds.snapshot;

import java.util.Locale;
import java.util.Objects;

/**
 * A condition on one request header. The name is stored lower-case (HTTP field names are
 * case-insensitive); {@code invert} turns the condition around, as Istio's {@code withoutHeaders}.
 */
public record HeaderMatch(String name, StringMatch match, boolean invert) {
    public HeaderMatch {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(match, "match");
        name = name.toLowerCase(Locale.ROOT);
    }

    public HeaderMatch(String name, StringMatch match) { this(name, match, false); }

    /** Evaluates against the request's headers; an absent header never matches (before inversion). */
    public boolean matches(RequestAttributes request) {
        String v = request.header(name);
        boolean m = v != null && match.matches(v);
        return m != invert;
    }
}
