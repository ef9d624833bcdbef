package dev.ficus.xds.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which upstream failures a route's {@code retryOn} retries, as Envoy's retry state decides for a reset. */
class RouteRetryTest {
    static RouteRetry on(String retryOn) {
        int bits = RouteRetry.parseRetryOn(List.of(retryOn.split(",")), code -> {}, unknown -> { throw new AssertionError(unknown); });
        return new RouteRetry(2, Duration.ZERO, bits, new int[0], RouteRetry.DEFAULT_BACKOFF);
    }

    @Test
    void aRefusedStreamIsRetriedUnderRefusedStreamAndUnderEveryResetCondition() {
        for (String c : List.of("refused-stream", "reset", "5xx", "gateway-error")) {
            assertThat(on(c).retriesRefusedStream()).as(c).isTrue();
        }
        for (String c : List.of("connect-failure", "retriable-4xx", "retriable-status-codes", "unavailable", "cancelled")) {
            assertThat(on(c).retriesRefusedStream()).as(c).isFalse();
        }
        assertThat(RouteRetry.ISTIO_DEFAULT.retriesRefusedStream()).isTrue();
    }

    @Test
    void anyOtherResetIsRetriedUnderResetAndAs5xxOrGatewayErrorButNotUnderRefusedStream() {
        assertThat(on("reset").retriesReset()).isTrue();
        assertThat(on("5xx").retriesReset()).isTrue();
        assertThat(on("gateway-error").retriesReset()).isTrue();
        assertThat(on("refused-stream").retriesReset()).isFalse();
        assertThat(RouteRetry.ISTIO_DEFAULT.retriesReset()).as("Istio's default retries no plain reset").isFalse();
    }
}
