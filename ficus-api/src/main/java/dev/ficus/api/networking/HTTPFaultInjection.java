package dev.ficus.api.networking;

import dev.ficus.api.bind.Deprecated;
import dev.ficus.api.bind.OneOf;
import dev.ficus.api.bind.Unsupported;

import java.time.Duration;

/**
 * Faults injected on the client side of a route: a delay before forwarding and/or an abort with
 * an error instead of forwarding. Timeouts and retries do not apply to injected faults.
 */
public record HTTPFaultInjection(Delay delay, Abort abort) {

    /**
     * Delays a share of requests by {@code fixedDelay}.
     *
     * @param percent deprecated integer share; use {@code percentage}
     */
    @OneOf(value = {"fixedDelay", "exponentialDelay"}, required = true)
    public record Delay(
            @Deprecated(use = "percentage.value") Integer percent,
            Duration fixedDelay,
            @Unsupported("exponential delays are not implemented by ficus; use fixedDelay") Duration exponentialDelay,
            Percent percentage) {

        /** Share of requests delayed: {@code percentage}, else the deprecated {@code percent}, else 100. */
        public double effectivePercentage() {
            return effective(percentage, percent);
        }
    }

    /**
     * Answers a share of requests with an HTTP status, a gRPC status or an HTTP/2 reset instead of
     * forwarding them.
     *
     * @param percent    deprecated integer share; use {@code percentage}
     * @param grpcStatus gRPC status name, e.g. UNAVAILABLE
     * @param http2Error HTTP/2 error name to reset the stream with
     */
    @OneOf(value = {"httpStatus", "grpcStatus", "http2Error"}, required = true)
    public record Abort(
            @Deprecated(use = "percentage.value") Integer percent,
            Integer httpStatus,
            String grpcStatus,
            @Unsupported("aborting with an HTTP/2 error is not implemented by ficus; use httpStatus or grpcStatus") String http2Error,
            Percent percentage) {

        /** Share of requests aborted: {@code percentage}, else the deprecated {@code percent}, else 100. */
        public double effectivePercentage() {
            return effective(percentage, percent);
        }
    }

    private static double effective(Percent percentage, Integer percent) {
        if (percentage != null && percentage.value() != null) return percentage.value();
        if (percent != null) return percent;
        return 100.0;
    }
}
