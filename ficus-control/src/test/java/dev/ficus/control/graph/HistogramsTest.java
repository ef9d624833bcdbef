package dev.ficus.control.graph;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Percentiles as PromQL's histogram_quantile computes them, on hand-checked histograms. */
class HistogramsTest {
    static final double[] BOUNDS = {0.5, 1, 5, 10, 25, 50, 100, Double.POSITIVE_INFINITY};

    @Test
    void interpolatesLinearlyInsideTheBucketThatHoldsTheRank() {
        // 10 observations in (1,5], 50 in (10,25], 40 in (25,50]
        long[] c = {0, 0, 10, 10, 60, 100, 100, 100};
        // p50: rank 50 is the 40th of the 50 in (10,25]: 10 + 15 × 40/50
        assertThat(Histograms.quantile(0.5, BOUNDS, c)).isEqualTo(22.0);
        // p99: rank 99 is the 39th of the 40 in (25,50]: 25 + 25 × 39/40
        assertThat(Histograms.quantile(0.99, BOUNDS, c)).isEqualTo(49.375);
        // p10: rank 10 is the last of (1,5]
        assertThat(Histograms.quantile(0.1, BOUNDS, c)).isEqualTo(5.0);
        assertThat(Histograms.quantile(1.0, BOUNDS, c)).isEqualTo(50.0);
    }

    @Test
    void theFirstBucketStartsAtZero() {
        long[] c = {4, 4, 4, 4, 4, 4, 4, 4};
        assertThat(Histograms.quantile(0.5, BOUNDS, c)).isEqualTo(0.25);
        assertThat(Histograms.quantile(0.99, BOUNDS, c)).isCloseTo(0.495, within(1e-12));
    }

    @Test
    void aRankInTheInfBucketGivesTheHighestFiniteBound() {
        long[] c = {0, 0, 0, 0, 0, 0, 90, 100};
        assertThat(Histograms.quantile(0.99, BOUNDS, c)).isEqualTo(100.0);
        assertThat(Histograms.quantile(0.5, BOUNDS, c)).isCloseTo(50 + 50 * 50 / 90.0, within(1e-12));
    }

    @Test
    void emptyOrMalformedHistogramsHaveNoQuantile() {
        assertThat(Histograms.quantile(0.5, BOUNDS, new long[8])).isNaN();
        assertThat(Histograms.quantile(0.5, new double[] {1, 2}, new long[] {1, 2})).as("no +Inf bucket").isNaN();
        assertThat(Histograms.quantile(0.5, BOUNDS, new long[3])).isNaN();
        assertThat(Histograms.quantile(-0.1, BOUNDS, new long[] {1, 1, 1, 1, 1, 1, 1, 1})).isEqualTo(Double.NEGATIVE_INFINITY);
        assertThat(Histograms.quantile(1.1, BOUNDS, new long[] {1, 1, 1, 1, 1, 1, 1, 1})).isEqualTo(Double.POSITIVE_INFINITY);
    }
}
