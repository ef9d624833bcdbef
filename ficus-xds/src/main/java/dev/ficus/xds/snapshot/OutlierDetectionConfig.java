package dev.ficus.xds.snapshot;

import java.time.Duration;
import java.util.Objects;

/**
 * Passive health checking (DestinationRule's {@code outlierDetection}): an endpoint that fails
 * too many times in a row is ejected from load balancing for {@code baseEjectionTime} times the
 * number of its ejections, at most {@code maxEjectionPercent} of the cluster at once; below
 * {@code minHealthPercent} available endpoints, ejections are ignored (Envoy's panic mode).
 *
 * @param consecutive5xxErrors           5xx responses (and, unless split, connect failures and resets) in a row; 0 disables
 * @param consecutiveGatewayErrors       502, 503, 504 (and, unless split, connect failures) in a row; 0 disables
 * @param splitExternalLocalOriginErrors count connect failures, resets and timeouts apart from HTTP statuses
 * @param consecutiveLocalOriginFailures those local failures in a row when split; 0 disables
 * @param interval                       how often ejections are reconsidered
 */
public record OutlierDetectionConfig(
        int consecutive5xxErrors,
        int consecutiveGatewayErrors,
        boolean splitExternalLocalOriginErrors,
        int consecutiveLocalOriginFailures,
        Duration interval,
        Duration baseEjectionTime,
        int maxEjectionPercent,
        int minHealthPercent) {
    /** Istio's defaults: 5 consecutive 5xx, 10s interval, 30s base ejection, 10% ejected at most, no panic threshold. */
    public static final OutlierDetectionConfig DEFAULT = new OutlierDetectionConfig(5, 0, false, 5, Duration.ofSeconds(10), Duration.ofSeconds(30), 10, 0);
    /** Envoy's cap on one ejection: the base time times the ejections, but never over this (or the base time if longer). */
    public static final Duration MAX_EJECTION_TIME = Duration.ofSeconds(300);

    public OutlierDetectionConfig {
        if (consecutive5xxErrors < 0 || consecutiveGatewayErrors < 0 || consecutiveLocalOriginFailures < 0) throw new IllegalArgumentException("error counts must be >= 0");
        Objects.requireNonNull(interval, "interval");
        Objects.requireNonNull(baseEjectionTime, "baseEjectionTime");
        if (interval.toMillis() < 1 || baseEjectionTime.toMillis() < 1) throw new IllegalArgumentException("interval and baseEjectionTime must be >= 1ms");
        if (maxEjectionPercent < 0 || maxEjectionPercent > 100 || minHealthPercent < 0 || minHealthPercent > 100) throw new IllegalArgumentException("percentages must be in [0, 100]");
    }

    /** How long the {@code n}th ejection of one endpoint lasts. */
    public Duration ejectionTime(int n) {
        Duration cap = baseEjectionTime.compareTo(MAX_EJECTION_TIME) > 0 ? baseEjectionTime : MAX_EJECTION_TIME;
        Duration t = baseEjectionTime.multipliedBy(Math.max(1, n));
        return t.compareTo(cap) > 0 ? cap : t;
    }
}
