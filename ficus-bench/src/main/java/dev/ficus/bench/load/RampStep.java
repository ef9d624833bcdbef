package dev.ficus.bench.load;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;

/**
 * What one step of a ramp measured, reduced to what the knee is judged on. Built on the thread
 * that ran the step, after it ended.
 *
 * @param askedRate    the step's open-loop rate, requests/s
 * @param achievedRate responses per second inside the measured window
 * @param p50          corrected median latency (from each request's intended send time)
 * @param p99          corrected 99th percentile latency
 * @param requests     measured requests that ended: responses of any status, plus requests that
 *                     failed without one (connect, timeout, reset, protocol, stream reset, goaway)
 * @param errors       errors among them, of every kind (4xx and 5xx included)
 */
public record RampStep(double askedRate, double achievedRate, Duration p50, Duration p99, long requests, long errors) {

    /** A step is broken when it achieved less than this share of the asked rate. */
    public static final double MIN_ACHIEVED_SHARE = 0.9;
    /** A step is broken when more than this share of its requests failed. */
    public static final double MAX_ERROR_SHARE = 0.01;

    /** Why a step does not count as served within the objective. */
    public enum Breach {
        /** The corrected p99 is above the objective. */
        P99,
        /** The target answered less than 90% of the asked rate: the open loop could not keep up. */
        SHORTFALL,
        /** More than 1% of the requests failed. */
        ERRORS
    }

    public static RampStep of(LoadResult r) {
        long failedWithoutResponse = 0;
        for (ErrorKind k : ErrorKind.values()) {
            if (!k.withResponse()) failedWithoutResponse += r.errors().get(k);
        }
        return new RampStep(r.config().rate(), r.achievedRate(), percentile(r, 50), percentile(r, 99),
                r.latency().getTotalCount() + failedWithoutResponse, r.errorCount());
    }

    private static Duration percentile(LoadResult r, double p) {
        return r.latency().getTotalCount() == 0 ? Duration.ZERO
                : Duration.ofNanos(r.latency().getValueAtPercentile(p) * 1_000); // recorded in µs
    }

    /** Errors as a share of requests; 0 when no request ended. */
    public double errorShare() {
        return requests == 0 ? 0 : (double) errors / requests;
    }

    /** Everything that breaks this step against {@code sloP99}; empty when the step met it. */
    public Set<Breach> breaches(Duration sloP99) {
        Set<Breach> b = EnumSet.noneOf(Breach.class);
        if (p99.compareTo(sloP99) > 0) b.add(Breach.P99);
        if (achievedRate < askedRate * MIN_ACHIEVED_SHARE) b.add(Breach.SHORTFALL);
        if (errorShare() > MAX_ERROR_SHARE) b.add(Breach.ERRORS);
        return b;
    }

    public boolean met(Duration sloP99) {
        return breaches(sloP99).isEmpty();
    }
}
