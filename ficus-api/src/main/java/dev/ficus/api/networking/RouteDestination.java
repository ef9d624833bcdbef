package dev.ficus.api.networking;

import dev.ficus.api.bind.Required;

/** A weighted destination of a TCP or TLS route. */
public record RouteDestination(@Required Destination destination, Integer weight) {

    /** The weight, or 0 when unset. */
    public int weightOrZero() {
        return weight == null ? 0 : weight;
    }
}
