package dev.ficus.api.networking;

import dev.ficus.api.bind.Required;

/** One mirror of an HTTP route: a copy of the request goes to {@code destination}, the reply is dropped. */
public record HTTPMirrorPolicy(@Required Destination destination, Percent percentage) {

    /** Share of requests mirrored, 100 when unset. */
    public double effectivePercentage() {
        return percentage == null ? 100.0 : percentage.valueOr(100.0);
    }
}
