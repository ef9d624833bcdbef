package dev.ficus.proxy.route;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The proxy's one piece of shared mutable state on the request path: the current snapshot.
 * Written by {@code ProxyServer.update} (any thread), read once per request on event loops.
 */
public final class SnapshotHolder {
    private final AtomicReference<RuntimeSnapshot> current;

    public SnapshotHolder(RuntimeSnapshot initial) {
        current = new AtomicReference<>(Objects.requireNonNull(initial));
    }

    public RuntimeSnapshot current() { return current.get(); }

    /** Installs {@code next}; returns the snapshot it replaced. */
    public RuntimeSnapshot swap(RuntimeSnapshot next) { return current.getAndSet(Objects.requireNonNull(next)); }
}
