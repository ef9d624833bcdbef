package dev.ficus.xds.snapshot;

import java.util.List;
import java.util.Objects;

/**
 * A route's CORS policy (Istio's {@code corsPolicy}, Envoy's CORS filter). The header values are
 * joined once here, so answering a preflight or decorating a response copies no lists.
 *
 * @param origins           allowed origins; a request from any other origin gets no CORS headers
 * @param allowMethods      {@code access-control-allow-methods}, or null
 * @param allowHeaders      {@code access-control-allow-headers}, or null
 * @param exposeHeaders     {@code access-control-expose-headers}, or null
 * @param maxAge            {@code access-control-max-age} in seconds, or null
 * @param allowCredentials  sends {@code access-control-allow-credentials: true}
 * @param forwardUnmatchedPreflights a preflight from an origin not allowed goes upstream (Istio's
 *                          default FORWARD); otherwise it is answered without CORS headers (IGNORE)
 */
public record RouteCors(List<StringMatch> origins, String allowMethods, String allowHeaders, String exposeHeaders, String maxAge,
                        boolean allowCredentials, boolean forwardUnmatchedPreflights) {
    public RouteCors {
        origins = List.copyOf(Objects.requireNonNull(origins, "origins"));
    }

    /** Whether {@code origin} (an {@code Origin} header value) is allowed. */
    public boolean allows(String origin) {
        for (int i = 0, n = origins.size(); i < n; i++) {
            if (origins.get(i).matches(origin)) return true;
        }
        return false;
    }
}
