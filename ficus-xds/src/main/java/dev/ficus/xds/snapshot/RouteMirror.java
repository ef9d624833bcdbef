package dev.ficus.xds.snapshot;

import java.util.Objects;

/**
 * One mirror of a route (Istio's {@code mirror}/{@code mirrors}): a share of requests is copied
 * to {@code cluster}, fire and forget.
 *
 * @param perMillion share of requests copied, in parts per million
 */
public record RouteMirror(String cluster, int perMillion) {
    public RouteMirror {
        Objects.requireNonNull(cluster, "cluster");
        if (perMillion < 0 || perMillion > RouteFault.MILLION) throw new IllegalArgumentException("share must be within [0, 1000000]");
    }
}
