package dev.ficus.bench.load;

import java.time.Duration;

/**
 * A once-a-second look at a running load: the rate and latencies of the last interval only.
 *
 * @param elapsed    since the first request was due
 * @param phase      which part of the run the interval ended in
 * @param rate       complete responses per second in the interval (warm-up included)
 * @param p50Micros  median corrected latency in the interval (0 during warm-up)
 * @param p99Micros  99th percentile corrected latency in the interval (0 during warm-up)
 * @param errors     errors of measured requests so far
 */
public record Progress(Duration elapsed, Phase phase, double rate, long p50Micros, long p99Micros, long errors) {

    public enum Phase { WARMUP, MEASURING, DRAINING }

    /** Receives progress on the thread that called {@link LoadGenerator#run}. */
    @FunctionalInterface
    public interface Listener {
        void onProgress(Progress progress);

        Listener NONE = p -> { };
    }
}
