package dev.ficus.api.networking;

/** A percentage in [0.0, 100.0]; fractions allowed (0.1 means one request in a thousand). */
public record Percent(Double value) {

    /** The value, or {@code fallback} when unset. */
    public double valueOr(double fallback) {
        return value == null ? fallback : value;
    }
}
