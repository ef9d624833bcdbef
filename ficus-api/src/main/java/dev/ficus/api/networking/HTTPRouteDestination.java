package dev.ficus.api.networking;

import dev.ficus.api.bind.Required;

/**
 * A weighted destination of an HTTP route. When a route lists several destinations, their
 * weights (0..100) sum to 100; {@code headers} apply only to traffic sent to this destination.
 */
public record HTTPRouteDestination(@Required Destination destination, Integer weight, Headers headers) {

    /** The weight, or 0 when unset (a single destination gets all traffic regardless). */
    public int weightOrZero() {
        return weight == null ? 0 : weight;
    }
}
