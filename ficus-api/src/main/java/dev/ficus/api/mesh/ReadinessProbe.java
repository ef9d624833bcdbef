package dev.ficus.api.mesh;

import dev.ficus.api.bind.OneOf;

/**
 * When an {@link App} is ready, in the shape of Istio's WorkloadGroup {@code probe}: an HTTP GET
 * that answers 2xx or 3xx, or a TCP port that accepts connections. Unset numbers take
 * Kubernetes' defaults.
 *
 * @param periodSeconds    seconds between attempts (default {@value #DEFAULT_PERIOD_SECONDS})
 * @param timeoutSeconds   seconds one attempt may take (default {@value #DEFAULT_TIMEOUT_SECONDS})
 * @param failureThreshold consecutive failures after which a ready app counts as not ready
 *                         (default {@value #DEFAULT_FAILURE_THRESHOLD})
 */
@OneOf(value = {"httpGet", "tcpSocket"}, required = true)
public record ReadinessProbe(
        HTTPHealthCheckConfig httpGet,
        TCPHealthCheckConfig tcpSocket,
        Integer periodSeconds,
        Integer timeoutSeconds,
        Integer failureThreshold) {

    public static final int DEFAULT_PERIOD_SECONDS = 10;
    public static final int DEFAULT_TIMEOUT_SECONDS = 1;
    public static final int DEFAULT_FAILURE_THRESHOLD = 3;

    public int periodSecondsOrDefault() {
        return periodSeconds == null ? DEFAULT_PERIOD_SECONDS : periodSeconds;
    }

    public int timeoutSecondsOrDefault() {
        return timeoutSeconds == null ? DEFAULT_TIMEOUT_SECONDS : timeoutSeconds;
    }

    public int failureThresholdOrDefault() {
        return failureThreshold == null ? DEFAULT_FAILURE_THRESHOLD : failureThreshold;
    }
}
