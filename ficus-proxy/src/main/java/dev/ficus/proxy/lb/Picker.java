package dev.ficus.proxy.lb;

/**
 * Chooses the endpoint for one request. Immutable apart from its own lock-free cursor, published
 * by a {@link LoadBalancer} and called on any event loop.
 */
@FunctionalInterface
public interface Picker {
    /** A picker for a cluster without healthy endpoints. */
    Picker EMPTY = () -> null;

    /** The endpoint for the next request, or null when no endpoint is healthy. */
    EndpointRef pick();

    /** The endpoint for the request in {@code ctx}; policies that ignore the request need not override it. */
    default EndpointRef pick(PickContext ctx) { return pick(); }
}
