package dev.ficus.api.networking;

import dev.ficus.api.bind.Deprecated;

import java.time.Duration;

/**
 * Ejects upstream hosts that keep failing from the load-balancing pool for a while.
 *
 * @param consecutiveErrors deprecated; use {@code consecutive5xxErrors}
 * @param interval          time between ejection sweeps, at least 1ms; 10s when unset
 * @param baseEjectionTime  minimum ejection time, multiplied by the times ejected; at least 1ms
 */
public record OutlierDetection(
        @Deprecated(use = "consecutive5xxErrors") Integer consecutiveErrors,
        Boolean splitExternalLocalOriginErrors,
        Integer consecutiveLocalOriginFailures,
        Integer consecutiveGatewayErrors,
        Integer consecutive5xxErrors,
        Duration interval,
        Duration baseEjectionTime,
        Integer maxEjectionPercent,
        Integer minHealthPercent) {

    /** 5xx errors before ejection: {@code consecutive5xxErrors}, else the deprecated field, else 5. */
    public int effectiveConsecutive5xxErrors() {
        if (consecutive5xxErrors != null) return consecutive5xxErrors;
        if (consecutiveErrors != null) return consecutiveErrors;
        return 5;
    }
}
