package dev.ficus.bench.mesh;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The statistics the telemetry bar is judged by: a percentile of histograms merged over rounds,
 * a ratio of sums, and their bootstrap over pairs. Every input is drawn from a fixed seed, so
 * each assertion is about one known data set.
 */
class PairedBootstrapTest {

    /**
     * Latencies of one round as the benchmark sees them: a log-normal body around {@code medianUs}
     * whose scale moves from round to round (the machine), and now and then a burst of slow
     * requests (a pause that fell in the window).
     */
    private static Histogram round(SplittableRandom r, double medianUs, double shift, int n) {
        Histogram h = new Histogram(1, 60_000_000, 3);
        double machine = Math.exp(0.1 * gaussian(r));
        for (int i = 0; i < n; i++) {
            double us = medianUs * machine * shift * Math.exp(0.35 * gaussian(r));
            h.recordValue(Math.max(1, Math.round(us)));
        }
        if (r.nextInt(4) == 0) { // a quarter of the rounds: a pause of a few ms delays a few dozen requests
            double pause = 2000 + r.nextDouble(6000);
            for (int i = 0; i < 20; i++) h.recordValue(Math.round(pause * shift * (1 - i / 40.0)));
        }
        return h;
    }

    private static double gaussian(SplittableRandom r) {
        return Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());
    }

    private static List<List<Histogram>> pairs(long seed, int n, double shiftWith) {
        SplittableRandom r = new SplittableRandom(seed);
        List<Histogram> with = new ArrayList<>(), without = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            with.add(round(r, 400, shiftWith, 3000));
            without.add(round(r, 400, 1, 3000));
        }
        return List.of(with, without);
    }

    @Test
    void twoSidesFromTheSameDistributionGiveAnIntervalAroundOne() {
        for (long seed : new long[]{1, 2, 3}) {
            List<List<Histogram>> p = pairs(seed, 30, 1.0);
            PairedBootstrap.Interval i = PairedBootstrap.percentileRatio(p.get(0), p.get(1), 99, PairedBootstrap.RESAMPLES, PairedBootstrap.SEED);
            assertThat(i.pairs()).isEqualTo(30);
            assertThat(i.low()).as("seed %d: %s", seed, i).isLessThanOrEqualTo(1.0);
            assertThat(i.high()).as("seed %d: %s", seed, i).isGreaterThanOrEqualTo(1.0);
            assertThat(i.low()).isLessThanOrEqualTo(i.estimate());
            assertThat(i.high()).isGreaterThanOrEqualTo(i.estimate());
        }
    }

    @Test
    void aTenPercentShiftIsResolved() {
        for (long seed : new long[]{1, 2, 3}) {
            List<List<Histogram>> p = pairs(seed, 30, 1.10);
            PairedBootstrap.Interval i = PairedBootstrap.percentileRatio(p.get(0), p.get(1), 99, PairedBootstrap.RESAMPLES, PairedBootstrap.SEED);
            assertThat(i.low()).as("seed %d: %s", seed, i).isGreaterThan(1.0);
            assertThat(i.low()).as("seed %d: %s", seed, i).isLessThan(1.10);
            assertThat(i.high()).as("seed %d: %s", seed, i).isGreaterThan(1.10);
            // and the bar of 5%: all of it lies above 1.05 or the data cannot tell, never "held"
            assertThat(MeshReport.Verdict.of(i, 0.05, true)).isNotEqualTo(MeshReport.Verdict.HELD);
        }
    }

    /**
     * The interval's coverage, checked the only way it can be: many data sets drawn with a known
     * true ratio (1.0, and 1.10), each with its own interval. A 95% interval must hold the true
     * ratio in about 95% of them; a percentile taken at the wrong rank, pairs broken apart or one
     * side's histograms resampled without the other would move that far off (too narrow, or
     * centred elsewhere). What it gives on these data (20 pairs, 400 resamples): 182 and 181 of
     * 200, i.e. 91% (the percentile bootstrap of a statistic this skewed is a little short; 60
     * pairs gave 91% too, with the interval 40% narrower). The bound, 175 of 200, leaves room for
     * that and still fails an interval that is wrong.
     */
    @Test
    void aNinetyFivePercentIntervalHoldsTheTrueRatioInAboutNinetyFivePercentOfDataSets() {
        for (double truth : new double[]{1.0, 1.10}) {
            int covered = 0, below = 0, above = 0, sets = 200;
            for (int set = 0; set < sets; set++) {
                List<List<Histogram>> p = pairs(1000 + set, 20, truth);
                PairedBootstrap.Interval i = PairedBootstrap.percentileRatio(p.get(0), p.get(1), 99, 400, set);
                if (i.high() < truth) below++;
                else if (i.low() > truth) above++;
                else covered++;
            }
            assertThat(covered).as("true ratio %s: covered %d, interval below it %d, above it %d", truth, covered, below, above)
                    .isBetween(175, 200);
            // and missed on both sides alike, not always on one (a biased estimate)
            assertThat(Math.abs(below - above)).as("true ratio %s: below %d, above %d", truth, below, above).isLessThanOrEqualTo(12);
        }
    }

    @Test
    void theSameRunsGiveTheSameInterval() {
        List<List<Histogram>> p = pairs(5, 12, 1.0);
        PairedBootstrap.Interval a = PairedBootstrap.percentileRatio(p.get(0), p.get(1), 99, 500, 11);
        PairedBootstrap.Interval b = PairedBootstrap.percentileRatio(p.get(0), p.get(1), 99, 500, 11);
        assertThat(a).isEqualTo(b);
    }

    @Test
    void thePooledPercentileIsThatOfTheMergedHistogram() {
        List<Histogram> rounds = pairs(9, 5, 1.0).getFirst();
        PairedBootstrap.Pooled pooled = new PairedBootstrap.Pooled(rounds);
        int[] weights = {1, 0, 2, 1, 3}; // a resample: round 2 twice, round 5 three times, round 2 not at all
        Histogram merged = new Histogram(1, 60_000_000, 3), all = new Histogram(1, 60_000_000, 3);
        for (int i = 0; i < rounds.size(); i++) {
            for (int k = 0; k < weights[i]; k++) merged.add(rounds.get(i));
            all.add(rounds.get(i));
        }
        for (double pct : new double[]{0.1, 50, 90, 99, 99.9, 100}) {
            assertThat(pooled.valueAtPercentile(weights, pct)).as("p%s", pct).isEqualTo((double) merged.getValueAtPercentile(pct));
            assertThat(pooled.valueAtPercentile(new int[]{1, 1, 1, 1, 1}, pct)).as("p%s", pct).isEqualTo((double) all.getValueAtPercentile(pct));
        }
        assertThat(pooled.valueAtPercentile(new int[5], 99)).isNaN();
    }

    @Test
    void aRatioOfSumsPoolsTheRatesNotTheRatios() {
        // CPU seconds and requests per round: with costs 10% more CPU per request in every round, whatever the round's load
        SplittableRandom r = new SplittableRandom(3);
        int n = 20;
        double[] cpuWith = new double[n], reqWith = new double[n], cpuWithout = new double[n], reqWithout = new double[n];
        for (int i = 0; i < n; i++) {
            reqWith[i] = 5000 + r.nextInt(10_000);
            reqWithout[i] = 5000 + r.nextInt(10_000);
            cpuWith[i] = reqWith[i] * 55e-6 * (1 + 0.04 * gaussian(r));
            cpuWithout[i] = reqWithout[i] * 50e-6 * (1 + 0.04 * gaussian(r));
        }
        PairedBootstrap.Interval i = PairedBootstrap.ratioOfSums(cpuWith, reqWith, cpuWithout, reqWithout, PairedBootstrap.RESAMPLES, PairedBootstrap.SEED);
        double exact = (sum(cpuWith) / sum(reqWith)) / (sum(cpuWithout) / sum(reqWithout));
        assertThat(i.estimate()).isCloseTo(exact, within(1e-12));
        assertThat(i.low()).isGreaterThan(1.05).isLessThan(1.10);
        assertThat(i.high()).isGreaterThan(1.10).isLessThan(1.15);
        // as a capacity (1 / CPU per request) the bounds swap and the cost of about 9% is beyond a 5% bar
        PairedBootstrap.Interval capacity = i.reciprocal();
        assertThat(capacity.low()).isCloseTo(1 / i.high(), within(1e-12));
        assertThat(MeshReport.Verdict.of(capacity, 0.05, false)).isEqualTo(MeshReport.Verdict.NOT_HELD);

        // the same CPU per request on both sides: the interval holds 1, and is narrow enough to say "within 5%"
        PairedBootstrap.Interval same = PairedBootstrap.ratioOfSums(cpuWithout, reqWithout, cpuWithout.clone(), reqWithout.clone(), 200, 1);
        assertThat(same.estimate()).isEqualTo(1.0);
        assertThat(same.low()).isEqualTo(1.0);
        double[] shuffled = cpuWith.clone();
        for (int k = 0; k < n; k++) shuffled[k] = reqWith[k] * 50e-6 * (1 + 0.04 * gaussian(r));
        PairedBootstrap.Interval equal = PairedBootstrap.ratioOfSums(shuffled, reqWith, cpuWithout, reqWithout, PairedBootstrap.RESAMPLES, PairedBootstrap.SEED);
        assertThat(equal.low()).isLessThanOrEqualTo(1.0);
        assertThat(equal.high()).isGreaterThanOrEqualTo(1.0);
        assertThat(MeshReport.Verdict.of(equal.reciprocal(), 0.05, false)).isEqualTo(MeshReport.Verdict.HELD);
    }

    @Test
    void noPairsNoInterval() {
        PairedBootstrap.Interval i = PairedBootstrap.ratioOfSums(new double[0], new double[0], new double[0], new double[0], 100, 1);
        assertThat(i.defined()).isFalse();
        assertThat(MeshReport.Verdict.of(i, 0.05, true)).isEqualTo(MeshReport.Verdict.NOT_RESOLVED);
    }

    private static double sum(double[] v) {
        double s = 0;
        for (double x : v) s += x;
        return s;
    }
}
