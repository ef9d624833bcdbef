package dev.ficus.api.networking;

import dev.ficus.api.bind.Deprecated;

import java.time.Duration;
import java.util.List;

/**
 * Cross-origin resource sharing policy of a route; the proxy answers preflight requests itself.
 *
 * @param allowOrigin         deprecated exact origins; use {@code allowOrigins}
 * @param unmatchedPreflights what to do with a preflight whose origin matches none
 */
public record CorsPolicy(
        List<StringMatch> allowOrigins,
        @Deprecated(use = "allowOrigins[].exact") List<String> allowOrigin,
        List<String> allowMethods,
        List<String> allowHeaders,
        List<String> exposeHeaders,
        Duration maxAge,
        Boolean allowCredentials,
        UnmatchedPreflights unmatchedPreflights) {

    public enum UnmatchedPreflights {
        UNSPECIFIED,
        FORWARD,
        IGNORE
    }
}
