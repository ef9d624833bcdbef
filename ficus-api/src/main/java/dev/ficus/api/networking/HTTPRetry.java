package dev.ficus.api.networking;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * Retry policy of an HTTP route.
 *
 * @param attempts                 retries allowed for one request (0 disables retries)
 * @param perTryTimeout            timeout of each attempt, at least 1ms
 * @param retryOn                  comma-separated Envoy retry conditions (5xx, reset, connect-failure,
 *                                 retriable-4xx, gRPC status names, bare HTTP status codes ...)
 * @param retryRemoteLocalities    whether retries may go to other localities
 * @param retryIgnorePreviousHosts whether a retry avoids hosts already tried
 * @param backoff                  base interval between retries
 */
public record HTTPRetry(
        Integer attempts,
        Duration perTryTimeout,
        String retryOn,
        Boolean retryRemoteLocalities,
        Boolean retryIgnorePreviousHosts,
        Duration backoff) {

    /** The {@code retryOn} conditions, split and trimmed; empty when unset. */
    public List<String> retryOnConditions() {
        if (retryOn == null || retryOn.isBlank()) return List.of();
        return Arrays.stream(retryOn.split(",")).map(String::trim).toList();
    }
}
