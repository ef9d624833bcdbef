package dev.ficus.control.graph;

/** Percentiles from a Prometheus histogram, computed as PromQL's {@code histogram_quantile} does. */
final class Histograms {
    private Histograms() {
    }

    /**
     * The {@code q}-quantile of a histogram with upper {@code bounds} (ascending, the last +Inf)
     * and {@code cumulative} counts: the bucket holding the rank {@code q × count}, interpolated
     * linearly within it (observations assumed spread evenly). A rank in the +Inf bucket gives the
     * highest finite bound; the first bucket starts at 0 (unless its bound is ≤ 0, which is then
     * the answer). NaN when the histogram is empty or malformed.
     */
    static double quantile(double q, double[] bounds, long[] cumulative) {
        if (Double.isNaN(q)) return Double.NaN;
        if (q < 0) return Double.NEGATIVE_INFINITY;
        if (q > 1) return Double.POSITIVE_INFINITY;
        int n = bounds.length;
        if (n < 2 || cumulative.length != n || bounds[n - 1] != Double.POSITIVE_INFINITY) return Double.NaN;
        long total = cumulative[n - 1];
        if (total == 0) return Double.NaN;
        double rank = q * total;
        int b = 0;
        while (b < n - 1 && cumulative[b] < rank) b++;
        if (b == n - 1) return bounds[n - 2];
        if (b == 0 && bounds[0] <= 0) return bounds[0];
        double start = 0, end = bounds[b], count = cumulative[b];
        if (b > 0) {
            start = bounds[b - 1];
            count -= cumulative[b - 1];
            rank -= cumulative[b - 1];
        }
        return start + (end - start) * (rank / count);
    }
}
