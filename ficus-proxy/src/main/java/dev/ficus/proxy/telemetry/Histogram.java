package dev.ficus.proxy.telemetry;

import java.util.concurrent.atomic.LongAdder;

/**
 * A Prometheus histogram with Envoy's default bucket bounds (the ones Istio's sidecars export),
 * updated by any event loop without locks: one {@link LongAdder} per bucket, so an observation
 * touches one cell and the sum (not the sum when it adds 0, as for a request without a body).
 * Bucket counts are kept non-cumulative and summed when scraped; the count is their total, so it
 * needs no adder of its own (each adder update is an atomic instruction on the request path).
 */
final class Histogram {
    /** Envoy's default histogram bounds, used by Istio for durations (ms) and sizes (bytes). */
    static final double[] BOUNDS = {0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000};
    private static final String[] LE = new String[BOUNDS.length];
    /** The bounds × 1000 (every one is whole), compared with an observation in µs without a division. */
    private static final long[] BOUNDS_MICROS = new long[BOUNDS.length];

    static {
        for (int i = 0; i < BOUNDS.length; i++) {
            double b = BOUNDS[i];
            LE[i] = b == Math.rint(b) ? Long.toString((long) b) : Double.toString(b);
            BOUNDS_MICROS[i] = Math.round(b * 1000);
        }
    }

    private final LongAdder[] buckets = new LongAdder[BOUNDS.length + 1]; // the last one is +Inf only
    private final LongAdder sumMicros = new LongAdder(); // sum × 1000, kept integral so that adding never loses precision

    Histogram() {
        for (int i = 0; i < buckets.length; i++) buckets[i] = new LongAdder();
    }

    /** Records {@code micros} / 1000 (durations in µs count as ms; sizes pass bytes × 1000). */
    void observeMicros(long micros) {
        int i = 0;
        while (i < BOUNDS_MICROS.length && micros > BOUNDS_MICROS[i]) i++;
        buckets[i].increment();
        if (micros != 0) sumMicros.add(micros);
    }

    void observe(long value) { observeMicros(value * 1000); }

    /** Appends {@code name_bucket}, {@code _sum} and {@code _count} lines with {@code labels} (no braces). */
    void write(StringBuilder b, String name, String labels) {
        long cumulative = 0;
        for (int i = 0; i < BOUNDS.length; i++) {
            cumulative += buckets[i].sum();
            b.append(name).append("_bucket{").append(labels).append(",le=\"").append(LE[i]).append("\"} ").append(cumulative).append('\n');
        }
        cumulative += buckets[BOUNDS.length].sum();
        b.append(name).append("_bucket{").append(labels).append(",le=\"+Inf\"} ").append(cumulative).append('\n');
        long s = sumMicros.sum();
        b.append(name).append("_sum{").append(labels).append("} ");
        if (s % 1000 == 0) b.append(s / 1000);
        else b.append(s / 1000.0);
        b.append('\n');
        b.append(name).append("_count{").append(labels).append("} ").append(cumulative).append('\n');
    }
}
