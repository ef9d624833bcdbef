package dev.ficus.proxy.parallelrun;

import java.util.List;
import java.util.Objects;

/**
 * One place where two answers differ: {@code :status}, {@code :header.NAME}, or a body path
 * ({@code $} for a whole body compared as bytes, {@code $.items[3].id} in a JSON body).
 *
 * @param path      where, with array indexes as they are
 * @param noiseKeys the generalized form of {@code path} (indexes as {@code [*]}) and of each of its
 *                  ancestors, root first: a difference is noise when any of them was seen to
 *                  differ between stable and secondary
 * @param stable    the value in the reference answer (JSON text, truncated), or null when absent
 * @param other     the value in the other answer, or null when absent
 */
public record Difference(String path, List<String> noiseKeys, String stable, String other) {
    public Difference {
        Objects.requireNonNull(path, "path");
        noiseKeys = List.copyOf(noiseKeys);
    }

    /** Its own generalized path: what is learned as noise. */
    public String noiseKey() { return noiseKeys.getLast(); }

    /** A difference outside the body: the status or a header, which has no ancestors. */
    static Difference flat(String path, String stable, String other) {
        return new Difference(path, List.of(path), stable, other);
    }
}
