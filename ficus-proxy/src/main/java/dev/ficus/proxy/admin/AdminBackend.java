package dev.ficus.proxy.admin;

import dev.ficus.proxy.telemetry.StatsRegistry;
import dev.ficus.xds.snapshot.ProxySnapshot;
import java.util.concurrent.CompletableFuture;

/** What the admin port reads from and asks of the proxy; implemented by {@code ProxyServer}. */
public interface AdminBackend {
    ProxySnapshot snapshot();

    StatsRegistry stats();

    /** True while the proxy accepts traffic (started, its mesh certificate in hand when it gets one, not draining). */
    boolean ready();

    /** Why {@link #ready()} is false, as {@code GET /ready} answers it: {@code DRAINING}, or {@code STARTING} while the certificate is awaited. */
    default String notReady() { return "DRAINING"; }

    /** The migration view: callers of each inbound listener over the last {@code minutes}, by security. */
    default String mtlsJson(int minutes) { return "{\"listeners\":[]}"; }

    /** The parallel runs of the proxy's routes and their results ({@code GET /parallel-runs}). */
    default String parallelRunsJson() { return "{\"runs\":[]}"; }

    /** Starts draining; completes when the last in-flight exchange ended. */
    CompletableFuture<Void> drain();
}
