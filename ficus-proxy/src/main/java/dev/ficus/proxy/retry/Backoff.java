package dev.ficus.proxy.retry;

import java.util.concurrent.ThreadLocalRandom;

/** Envoy's jittered exponential back-off between retries: a uniform draw below {@code min(base * 2^n, 10 * base)}. */
public final class Backoff {
    private Backoff() {}

    /**
     * The wait before retry number {@code retry} (1 for the first retry), in nanoseconds.
     *
     * @param baseNanos the back-off base (Envoy and Istio: 25 ms); the cap is ten times it
     */
    public static long nanos(long baseNanos, int retry) {
        long cap = baseNanos * 10;
        int shift = Math.min(Math.max(retry - 1, 0), 20);
        long ceiling = Math.min(cap, baseNanos << shift);
        return ThreadLocalRandom.current().nextLong(Math.max(1, ceiling));
    }
}
