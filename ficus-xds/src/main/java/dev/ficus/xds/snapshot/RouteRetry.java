package dev.ficus.xds.snapshot;

import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;

/**
 * The retry policy of a route (Istio's {@code HTTPRetry}, Envoy's {@code retry_policy}), with the
 * {@code retryOn} conditions parsed once into a bit set so the router tests a failure with one AND.
 *
 * @param retries         retries allowed after the first attempt (Istio's {@code attempts}); 0 disables
 * @param perTryTimeout   the time one attempt may take once its request is sent; {@link Duration#ZERO} for none
 * @param retryOn         a set of {@code ON_*} bits
 * @param retriableStatusCodes sorted status codes retried under {@link #ON_RETRIABLE_STATUS_CODES}
 * @param backoffBase     the base of the jittered exponential back-off; the cap is ten times it (Envoy)
 */
public record RouteRetry(int retries, Duration perTryTimeout, int retryOn, int[] retriableStatusCodes, Duration backoffBase) {
    public static final int ON_5XX = 1;
    public static final int ON_GATEWAY_ERROR = 1 << 1;
    public static final int ON_RESET = 1 << 2;
    public static final int ON_CONNECT_FAILURE = 1 << 3;
    public static final int ON_RETRIABLE_4XX = 1 << 4;
    public static final int ON_REFUSED_STREAM = 1 << 5;
    public static final int ON_RETRIABLE_STATUS_CODES = 1 << 6;
    public static final int ON_GRPC_CANCELLED = 1 << 7;
    public static final int ON_GRPC_DEADLINE_EXCEEDED = 1 << 8;
    public static final int ON_GRPC_INTERNAL = 1 << 9;
    public static final int ON_GRPC_RESOURCE_EXHAUSTED = 1 << 10;
    public static final int ON_GRPC_UNAVAILABLE = 1 << 11;

    /** Envoy's default back-off base. */
    public static final Duration DEFAULT_BACKOFF = Duration.ofMillis(25);

    /** No retries. */
    public static final RouteRetry NONE = new RouteRetry(0, Duration.ZERO, 0, new int[0], DEFAULT_BACKOFF);

    /**
     * What Istio programs for a route that sets no {@code retries}: two retries on
     * {@code connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes} with 503
     * as the retriable status.
     */
    public static final RouteRetry ISTIO_DEFAULT = new RouteRetry(2, Duration.ZERO,
            ON_CONNECT_FAILURE | ON_REFUSED_STREAM | ON_GRPC_UNAVAILABLE | ON_GRPC_CANCELLED | ON_RETRIABLE_STATUS_CODES,
            new int[] {503}, DEFAULT_BACKOFF);

    public RouteRetry {
        Objects.requireNonNull(perTryTimeout, "perTryTimeout");
        Objects.requireNonNull(backoffBase, "backoffBase");
        if (retries < 0) throw new IllegalArgumentException("retries must not be negative: " + retries);
        if (perTryTimeout.isNegative()) throw new IllegalArgumentException("perTryTimeout must not be negative");
        if (backoffBase.isNegative() || backoffBase.isZero()) throw new IllegalArgumentException("backoff must be positive");
        retriableStatusCodes = retriableStatusCodes == null ? new int[0] : retriableStatusCodes.clone();
        Arrays.sort(retriableStatusCodes);
    }

    public boolean enabled() { return retries > 0 && retryOn != 0; }

    public boolean on(int condition) { return (retryOn & condition) != 0; }

    /** Whether a response head with {@code status} (and {@code grpcStatus}, -1 when absent) is retried. */
    public boolean retriesResponse(int status, int grpcStatus) {
        int on = retryOn;
        if ((on & ON_5XX) != 0 && status >= 500 && status <= 599) return true;
        if ((on & ON_GATEWAY_ERROR) != 0 && (status == 502 || status == 503 || status == 504)) return true;
        if ((on & ON_RETRIABLE_4XX) != 0 && status == 409) return true;
        if ((on & ON_RETRIABLE_STATUS_CODES) != 0 && Arrays.binarySearch(retriableStatusCodes, status) >= 0) return true;
        if (grpcStatus > 0) {
            return switch (grpcStatus) {
                case 1 -> (on & ON_GRPC_CANCELLED) != 0;
                case 4 -> (on & ON_GRPC_DEADLINE_EXCEEDED) != 0;
                case 8 -> (on & ON_GRPC_RESOURCE_EXHAUSTED) != 0;
                case 13 -> (on & ON_GRPC_INTERNAL) != 0;
                case 14 -> (on & ON_GRPC_UNAVAILABLE) != 0;
                default -> false;
            };
        }
        return false;
    }

    /** Whether a connection that could not be opened is retried. */
    public boolean retriesConnectFailure() { return (retryOn & (ON_CONNECT_FAILURE | ON_5XX | ON_GATEWAY_ERROR | ON_RESET)) != 0; }

    /** Whether an upstream that closed or reset before answering is retried (Envoy counts a reset as a 5xx and a gateway error). */
    public boolean retriesReset() { return (retryOn & (ON_RESET | ON_5XX | ON_GATEWAY_ERROR)) != 0; }

    /**
     * Whether an HTTP/2 stream the upstream refused before processing it is retried: RST_STREAM
     * with REFUSED_STREAM, or a stream above a GOAWAY's last-stream-id. Envoy retries it under
     * {@code refused-stream}, and as any other reset under {@code reset}, {@code 5xx} and {@code gateway-error}.
     */
    public boolean retriesRefusedStream() { return (retryOn & (ON_REFUSED_STREAM | ON_RESET | ON_5XX | ON_GATEWAY_ERROR)) != 0; }

    /** Whether an attempt that outlived {@link #perTryTimeout} is retried (Envoy: it counts as a 504 and a reset). */
    public boolean retriesPerTryTimeout() { return (retryOn & (ON_RESET | ON_5XX | ON_GATEWAY_ERROR)) != 0; }

    /**
     * Parses Envoy's {@code retry_on} list. Bare status codes are retriable status codes, as
     * Istio accepts them. Returns the bits; unknown names are reported to {@code unknown}.
     */
    public static int parseRetryOn(Iterable<String> conditions, java.util.function.IntConsumer statusCode, java.util.function.Consumer<String> unknown) {
        int bits = 0;
        for (String raw : conditions) {
            String c = raw.trim();
            if (c.isEmpty()) continue;
            int bit = switch (c) {
                case "5xx" -> ON_5XX;
                case "gateway-error" -> ON_GATEWAY_ERROR;
                case "reset" -> ON_RESET;
                case "connect-failure" -> ON_CONNECT_FAILURE;
                case "retriable-4xx" -> ON_RETRIABLE_4XX;
                case "refused-stream" -> ON_REFUSED_STREAM;
                case "retriable-status-codes" -> ON_RETRIABLE_STATUS_CODES;
                case "cancelled" -> ON_GRPC_CANCELLED;
                case "deadline-exceeded" -> ON_GRPC_DEADLINE_EXCEEDED;
                case "internal" -> ON_GRPC_INTERNAL;
                case "resource-exhausted" -> ON_GRPC_RESOURCE_EXHAUSTED;
                case "unavailable" -> ON_GRPC_UNAVAILABLE;
                default -> 0;
            };
            if (bit == 0 && c.chars().allMatch(Character::isDigit) && c.length() == 3) {
                statusCode.accept(Integer.parseInt(c));
                bit = ON_RETRIABLE_STATUS_CODES;
            }
            if (bit == 0) unknown.accept(c);
            bits |= bit;
        }
        return bits;
    }

    @Override public boolean equals(Object o) {
        return o instanceof RouteRetry r && r.retries == retries && r.perTryTimeout.equals(perTryTimeout) && r.retryOn == retryOn
                && Arrays.equals(r.retriableStatusCodes, retriableStatusCodes) && r.backoffBase.equals(backoffBase);
    }
    @Override public int hashCode() { return Objects.hash(retries, perTryTimeout, retryOn, Arrays.hashCode(retriableStatusCodes), backoffBase); }
    @Override public String toString() {
        return "RouteRetry[retries=" + retries + ", perTryTimeout=" + perTryTimeout + ", retryOn=0x" + Integer.toHexString(retryOn)
                + ", codes=" + Arrays.toString(retriableStatusCodes) + ", backoff=" + backoffBase + "]";
    }
}
