package dev.ficus.xds.snapshot;

import java.util.Objects;

/**
 * A strangler route's way back: when the new service fails (a 5xx answer, a refused or reset
 * connection, a timeout, no healthy endpoint) and its own retries are spent, the request is sent
 * once to the legacy service's cluster instead.
 *
 * @param cluster            the legacy service's cluster
 * @param allowNonIdempotent also for POST, PATCH and other methods that are not idempotent (off:
 *                           GET, HEAD, OPTIONS, TRACE, PUT and DELETE only)
 */
public record RouteFallback(String cluster, boolean allowNonIdempotent) {
    public RouteFallback {
        Objects.requireNonNull(cluster, "cluster");
    }
}
