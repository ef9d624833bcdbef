package dev.ficus.bench.mesh;

import org.HdrHistogram.AbstractHistogram;
import org.HdrHistogram.HistogramIterationValue;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;

/**
 * Intervals for a with/without comparison made of paired rounds: a statistic of all rounds pooled
 * (a ratio of sums, or a ratio of percentiles of the merged latency histograms) and its percentile
 * bootstrap over the pairs. A resample draws as many pairs as there are, with replacement, and
 * keeps each pair whole, so what the two sides of a round shared (the machine's load at that
 * moment, a scheduler hiccup that hit both) stays shared; the interval runs from the 2.5th to
 * the 97.5th percentile of the statistic over the resamples.
 *
 * <p>Why pooling: a few seconds at 1000 requests/s leave about 30 requests above the 99th
 * percentile, so one round's p99 is decided by whether a collection pause or a preemption fell in
 * its window, and the median of per-round ratios inherits that. The p99 of every round's
 * requests together rests on all of them, and the bootstrap over rounds says how much it would
 * move with other rounds. The random draws come from a fixed seed: the same runs give the same
 * interval.
 *
 * <p>Pure functions; called by the report on the command's thread.
 */
public final class PairedBootstrap {
    /** Resamples per interval. */
    public static final int RESAMPLES = 2000;
    /** The seed of the draws (any fixed value: it makes the report reproducible). */
    public static final long SEED = 7L;
    /** The interval's coverage: from the 2.5th to the 97.5th percentile of the resampled statistic. */
    public static final double LEVEL = 0.95;

    private PairedBootstrap() {
    }

    /**
     * A pooled statistic and its bootstrap interval; NaN throughout when no pair had both sides.
     *
     * @param estimate  the statistic of all pairs pooled
     * @param low       the 2.5th percentile over the resamples
     * @param high      the 97.5th percentile
     * @param pairs     pairs the statistic rests on
     * @param resamples resamples drawn
     */
    public record Interval(double estimate, double low, double high, int pairs, int resamples) {
        static final Interval NONE = new Interval(Double.NaN, Double.NaN, Double.NaN, 0, 0);

        /** The interval of 1 / the statistic (e.g. capacity from CPU per request): the bounds swap. */
        Interval reciprocal() {
            return new Interval(1 / estimate, 1 / high, 1 / low, pairs, resamples);
        }

        public boolean defined() {
            return !Double.isNaN(estimate) && !Double.isNaN(low) && !Double.isNaN(high);
        }
    }

    /**
     * The bootstrap of {@code statistic}, which reads a weight per pair (how many times the
     * resample drew it; all ones for the estimate itself) and returns NaN when it is undefined for
     * a resample (those are left out of the percentiles).
     */
    static Interval of(int pairs, ToDoubleFunction<int[]> statistic, int resamples, long seed) {
        if (pairs == 0) return Interval.NONE;
        int[] w = new int[pairs];
        Arrays.fill(w, 1);
        double estimate = statistic.applyAsDouble(w);
        SplittableRandom random = new SplittableRandom(seed);
        double[] values = new double[resamples];
        int n = 0;
        for (int b = 0; b < resamples; b++) {
            Arrays.fill(w, 0);
            for (int i = 0; i < pairs; i++) w[random.nextInt(pairs)]++;
            double v = statistic.applyAsDouble(w);
            if (!Double.isNaN(v) && !Double.isInfinite(v)) values[n++] = v;
        }
        if (n == 0) return new Interval(estimate, Double.NaN, Double.NaN, pairs, resamples);
        double[] sorted = Arrays.copyOf(values, n);
        Arrays.sort(sorted);
        double tail = (1 - LEVEL) / 2;
        return new Interval(estimate, MeshReport.quantile(sorted, tail), MeshReport.quantile(sorted, 1 - tail), pairs, resamples);
    }

    /**
     * (Σ numWith / Σ denWith) / (Σ numWithout / Σ denWithout) over the pairs, e.g. CPU seconds
     * over requests on each side: the ratio of the pooled rates, not a median of per-round ratios.
     */
    static Interval ratioOfSums(double[] numWith, double[] denWith, double[] numWithout, double[] denWithout, int resamples, long seed) {
        int n = numWith.length;
        if (denWith.length != n || numWithout.length != n || denWithout.length != n) throw new IllegalArgumentException("one value per pair on every side");
        return of(n, w -> {
            double a = 0, b = 0, c = 0, d = 0;
            for (int i = 0; i < n; i++) {
                if (w[i] == 0) continue;
                a += w[i] * numWith[i];
                b += w[i] * denWith[i];
                c += w[i] * numWithout[i];
                d += w[i] * denWithout[i];
            }
            return b > 0 && c > 0 && d > 0 ? (a / b) / (c / d) : Double.NaN;
        }, resamples, seed);
    }

    /**
     * The {@code percentile} of the with-side's histograms merged over the pairs, over that of the
     * without-side's; {@code with.get(i)} and {@code without.get(i)} are one pair.
     */
    static Interval percentileRatio(List<? extends AbstractHistogram> with, List<? extends AbstractHistogram> without, double percentile,
                                    int resamples, long seed) {
        if (with.size() != without.size()) throw new IllegalArgumentException("one histogram per pair on each side");
        Pooled a = new Pooled(with), b = new Pooled(without);
        return of(with.size(), w -> {
            double x = a.valueAtPercentile(w, percentile), y = b.valueAtPercentile(w, percentile);
            return y > 0 ? x / y : Double.NaN;
        }, resamples, seed);
    }

    /**
     * Several histograms on one grid of the values they recorded, so that the percentile of any
     * weighted merge is found without building it: per grid value, the count of each histogram.
     */
    static final class Pooled {
        private final long[] values; // highest equivalent value of each recorded bucket, ascending
        private final long[][] counts; // [grid index][histogram]
        private final long[] totals; // per histogram

        Pooled(List<? extends AbstractHistogram> histograms) {
            TreeMap<Long, long[]> grid = new TreeMap<>();
            int n = histograms.size();
            totals = new long[n];
            for (int h = 0; h < n; h++) {
                for (HistogramIterationValue v : histograms.get(h).recordedValues()) {
                    grid.computeIfAbsent(v.getValueIteratedTo(), k -> new long[n])[h] += v.getCountAtValueIteratedTo();
                    totals[h] += v.getCountAtValueIteratedTo();
                }
            }
            values = grid.keySet().stream().mapToLong(Long::longValue).toArray();
            counts = grid.values().toArray(long[][]::new);
        }

        /**
         * The value at {@code percentile} (0-100) of the merge that takes histogram {@code i}
         * {@code weights[i]} times, as HdrHistogram defines it for one histogram: the highest
         * equivalent value of the bucket where the count from below first reaches
         * ⌈percentile/100 × total⌉ (at least 1). NaN for an empty merge.
         */
        double valueAtPercentile(int[] weights, double percentile) {
            long total = 0;
            for (int h = 0; h < totals.length; h++) total += weights[h] * totals[h];
            if (total == 0) return Double.NaN;
            // one ulp below, as HdrHistogram does, so that round-off never pushes the rank into the next bucket
            double p = Math.min(Math.max(Math.nextAfter(percentile, Double.NEGATIVE_INFINITY), 0), 100);
            long rank = Math.max(1, (long) Math.ceil(p / 100 * total));
            long allowedAbove = total - rank; // the answer is the lowest grid value with at most this many counts above it
            long above = 0;
            int g = values.length - 1;
            while (g > 0) {
                long here = 0;
                long[] c = counts[g];
                for (int h = 0; h < c.length; h++) here += weights[h] * c[h];
                if (above + here > allowedAbove) break;
                above += here;
                g--;
            }
            return values[g];
        }
    }
}
