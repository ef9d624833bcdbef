package dev.ficus.xds.snapshot;

import java.time.Duration;
import java.util.Objects;

/**
 * Faults a route injects before forwarding (Istio's {@code HTTPFaultInjection}). Shares are kept
 * in parts per million so the router decides with one random int and one compare.
 *
 * @param delay            fixed delay, or {@link Duration#ZERO} for none
 * @param delayPerMillion  share of requests delayed
 * @param abortStatus      HTTP status of the abort (200 for a gRPC abort), or 0 for none
 * @param abortGrpcStatus  gRPC status code sent in {@code grpc-status}, or -1 for an HTTP abort
 * @param abortPerMillion  share of requests aborted
 */
public record RouteFault(Duration delay, int delayPerMillion, int abortStatus, int abortGrpcStatus, int abortPerMillion) {
    public static final int MILLION = 1_000_000;

    public RouteFault {
        Objects.requireNonNull(delay, "delay");
        if (delay.isNegative()) throw new IllegalArgumentException("delay must not be negative");
        if (delayPerMillion < 0 || delayPerMillion > MILLION || abortPerMillion < 0 || abortPerMillion > MILLION) {
            throw new IllegalArgumentException("shares must be within [0, 1000000]");
        }
        if (abortStatus != 0 && (abortStatus < 200 || abortStatus > 599)) throw new IllegalArgumentException("abort status out of range: " + abortStatus);
    }

    public boolean delays() { return delayPerMillion > 0 && !delay.isZero(); }

    public boolean aborts() { return abortStatus != 0 && abortPerMillion > 0; }

    /** A percentage in [0, 100] as parts per million, clamped. */
    public static int perMillion(double percent) {
        if (!(percent > 0)) return 0;
        if (percent >= 100) return MILLION;
        return (int) Math.round(percent * 10_000);
    }

    /** gRPC status names as Istio spells them, to their codes; -1 when unknown. */
    public static int grpcCode(String name) {
        return switch (name.trim().toUpperCase(java.util.Locale.ROOT)) {
            case "OK" -> 0;
            case "CANCELLED" -> 1;
            case "UNKNOWN" -> 2;
            case "INVALID_ARGUMENT" -> 3;
            case "DEADLINE_EXCEEDED" -> 4;
            case "NOT_FOUND" -> 5;
            case "ALREADY_EXISTS" -> 6;
            case "PERMISSION_DENIED" -> 7;
            case "RESOURCE_EXHAUSTED" -> 8;
            case "FAILED_PRECONDITION" -> 9;
            case "ABORTED" -> 10;
            case "OUT_OF_RANGE" -> 11;
            case "UNIMPLEMENTED" -> 12;
            case "INTERNAL" -> 13;
            case "UNAVAILABLE" -> 14;
            case "DATA_LOSS" -> 15;
            case "UNAUTHENTICATED" -> 16;
            default -> -1;
        };
    }
}
