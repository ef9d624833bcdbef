package dev.ficus.bench.mesh;

import dev.ficus.bench.load.LoadResult;
import dev.ficus.bench.report.JsonWriter;
import dev.ficus.bench.report.SmpReport;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.ToDoubleFunction;

/**
 * The result of {@code ficus bench mesh}: every run, the per-scenario medians over rounds, the
 * cost of each step over {@code direct}, ficus beside HAProxy, and issue #5's mTLS check; as a
 * text table, as JSON, and as an SMP array.
 */
public final class MeshReport {
    /** Issue #5: two hops with mTLS may cost at most this much throughput against two plaintext hops. */
    public static final double MTLS_MAX_THROUGHPUT_COST = 0.20;
    /** Issue #5: and add at most this many times the plaintext hops' added p99. */
    public static final double MTLS_MAX_ADDED_P99_RATIO = 1.3;
    /** Issue #7: telemetry on vs off may cost at most this much max throughput and add this much p99 (as a fraction). */
    public static final double TELEMETRY_MAX_COST = 0.05;

    /** Where and when it ran; {@code pinning} says which CPUs ran what under {@code --pin} ("" without). */
    public record Machine(int processors, String loadAverageBefore, String loadAverageAfter, long clockTicks,
                          boolean clockTicksAssumed, boolean procAvailable, String backend, String transport,
                          Instant start, Instant end, String workDir, String pinning) {
        /** Not pinned. */
        public Machine(int processors, String loadAverageBefore, String loadAverageAfter, long clockTicks, boolean clockTicksAssumed,
                       boolean procAvailable, String backend, String transport, Instant start, Instant end, String workDir) {
            this(processors, loadAverageBefore, loadAverageAfter, clockTicks, clockTicksAssumed, procAvailable, backend, transport,
                    start, end, workDir, "");
        }
    }

    /**
     * The median and the quartiles of {@code n} per-round ratios; NaN when no round had both sides.
     * {@link #halfWidth()} is the half-width of the box plot's notch, 1.57 × IQR / √n: roughly a
     * 95% interval for the median (McGill, Tukey and Larsen, 1978), which says whether a
     * difference of a few percent was resolved at all.
     */
    public record Ratio(double median, double q1, double q3, int n) {
        static Ratio of(double[] values) {
            double[] v = java.util.Arrays.stream(values).filter(d -> !Double.isNaN(d) && !Double.isInfinite(d)).sorted().toArray();
            return new Ratio(quantile(v, 0.5), quantile(v, 0.25), quantile(v, 0.75), v.length);
        }

        public double halfWidth() {
            return n == 0 ? Double.NaN : 1.57 * (q3 - q1) / Math.sqrt(n);
        }
    }

    /** Whether a bar held, judged by a statistic's interval: inside it, beyond it, or across it (not resolved). */
    public enum Verdict { HELD, NOT_HELD, NOT_RESOLVED;
        @Override
        public String toString() {
            return switch (this) {
                case HELD -> "held";
                case NOT_HELD -> "NOT held";
                case NOT_RESOLVED -> "not resolved (the interval spans the bar)";
            };
        }

        /**
         * A with/without ratio's interval against a bar of {@code maxCost}: with {@code higherIsWorse}
         * (p99, CPU) held when the whole interval is at most 1 + maxCost, NOT held when all of it is
         * above; otherwise (throughput) held when all of it is at least 1 − maxCost, NOT held when
         * all of it is below.
         */
        static Verdict of(PairedBootstrap.Interval ratio, double maxCost, boolean higherIsWorse) {
            if (!ratio.defined()) return NOT_RESOLVED;
            if (higherIsWorse) {
                if (ratio.high() <= 1 + maxCost) return HELD;
                if (ratio.low() > 1 + maxCost) return NOT_HELD;
            } else {
                if (ratio.low() >= 1 - maxCost) return HELD;
                if (ratio.high() < 1 - maxCost) return NOT_HELD;
            }
            return NOT_RESOLVED;
        }

        static Verdict both(Verdict a, Verdict b) {
            if (a == NOT_HELD || b == NOT_HELD) return NOT_HELD;
            return a == HELD && b == HELD ? HELD : NOT_RESOLVED;
        }
    }

    /** The share of open-loop passes the generator may have spoiled (kept, after repeats) for the pooled p99 to judge a bar. */
    public static final double MAX_SPOILED_SHARE = 0.10;

    /** The share of sends at the rate a busy connection may have delayed for the p99 from the actual send to judge a bar. */
    public static final double MAX_BUSY_LATE_SHARE = 0.001;

    /** A closed-loop pass whose proxies used at least this many cores (pinned: of their one CPU) was bound by them. */
    public static final double CPU_BOUND_CORES = 0.9;

    /**
     * One pair's figures over all its rounds pooled, each the ratio with/without and its 95%
     * bootstrap interval over the pairs ({@link PairedBootstrap}).
     *
     * <p>The throughput cost is judged by {@link #capacity()}, the proxies' requests per
     * CPU-second in the closed-loop passes (max rps over the cores the proxies used), not by max
     * rps itself. When the proxies are the bottleneck the two differ only by the CPU other programs
     * took from them, which telemetry does not cause; when they are not (on two CPUs the load
     * generator and the backend share the other one, and cost about as much per request as the
     * proxy), max rps measures that side and capacity is still the proxies' own: their throughput
     * once their CPU is the limit.
     *
     * @param maxRps           Σ responses in the closed-loop windows / Σ their seconds
     * @param p99              the 99th percentile of every round's open-loop latencies merged (from the intended send time)
     * @param p50              the same, 50th percentile
     * @param svcP99           the 99th percentile of every round's open-loop latencies from the actual send merged: without
     *                         the load generator's own delays (what a send waited for its timer or its CPU)
     * @param cpuPer1000AtRate Σ proxy CPU seconds / Σ requests sent, open-loop passes (warm-ups included on both)
     * @param cpuPer1000AtMax  the same over the closed-loop passes
     * @param coresAtMaxWith   Σ proxy CPU seconds / Σ seconds of the closed-loop passes (warm-ups included), with
     * @param coresAtMaxWithout the same, without
     * @param jitShareWith     the share of the proxies' CPU over both passes of every round that their JIT compilers took, with
     *                         (NaN when not measured); more than {@link #JIT_SHARE_WARNING}, priming was too short
     * @param jitShareWithout  the same, without
     */
    public record Pooled(PairedBootstrap.Interval maxRps, PairedBootstrap.Interval p99, PairedBootstrap.Interval p50,
                         PairedBootstrap.Interval svcP99, PairedBootstrap.Interval cpuPer1000AtRate, PairedBootstrap.Interval cpuPer1000AtMax,
                         double coresAtMaxWith, double coresAtMaxWithout, double jitShareWith, double jitShareWithout) {
        /**
         * A JIT share above this in the measured passes means the proxies' code was still being
         * compiled. Below it is the background a HotSpot proxy keeps on one CPU: 1-2% after 30 s
         * and after 60 s of priming alike (recompilations), the same for both sides of a pair.
         */
        public static final double JIT_SHARE_WARNING = 0.05;

        /** The proxies' requests per CPU-second at max, with/without: 1 / {@link #cpuPer1000AtMax}. */
        public PairedBootstrap.Interval capacity() { return cpuPer1000AtMax.reciprocal(); }

        /** Whether the proxies used at least {@link #CPU_BOUND_CORES} cores at max on both sides: they bound the closed loop. */
        public boolean cpuBound() { return coresAtMaxWith >= CPU_BOUND_CORES && coresAtMaxWithout >= CPU_BOUND_CORES; }
    }

    /**
     * One {@link Scenario.Pair} over the rounds where both sides ran. The per-round figures are
     * each round's ratio with/without (the two ran back to back), summarised by median and
     * quartiles, for reading; {@link #pooled()} holds the statistics the bar is judged by.
     * {@code coresAtMax*} is the proxies' CPU over the closed-loop pass in cores (1.0: one CPU
     * busy all the time), the median over rounds. {@code generatorWith}/{@code generatorWithout}:
     * what the load generator itself did to each side's open-loop passes.
     */
    public record PairSummary(Scenario.Pair pair, int pairs, Ratio maxRps, Ratio p99, Ratio p50, Ratio cpuPer1000AtRate,
                              Ratio cpuPer1000AtMax, double coresAtMaxWith, double coresAtMaxWithout, Pooled pooled,
                              GeneratorNoise generatorWith, GeneratorNoise generatorWithout) {
        /** Throughput cost of the feature, by the statistic the bar uses (pooled capacity at max): 1 − its ratio. */
        public double throughputCost() { return 1 - pooled.capacity().estimate(); }

        /** p99 added by the feature at the fixed rate, by the pooled p99: its ratio − 1. */
        public double p99Increase() { return pooled.p99().estimate() - 1; }

        /**
         * For a telemetry pair, issue #7's bar, judged by the pooled statistics' intervals: held when
         * both lie within it, NOT held when either lies beyond it, else not resolved; empty for
         * other features.
         */
        public Optional<Verdict> telemetryBar() {
            if (!pair.feature().startsWith("telemetry") || pairs == 0) return Optional.empty();
            Verdict p99 = p99Trusted() ? Verdict.of(pooled.p99(), TELEMETRY_MAX_COST, true)
                    : svcP99Trusted() ? Verdict.of(pooled.svcP99(), TELEMETRY_MAX_COST, true) : Verdict.NOT_RESOLVED;
            return Optional.of(Verdict.both(Verdict.of(pooled.capacity(), TELEMETRY_MAX_COST, false), p99));
        }

        /**
         * Whether the pooled p99 may judge a bar: the load generator spoiled at most
         * {@link #MAX_SPOILED_SHARE} of the open-loop passes kept on both sides. Beyond that its own
         * delays decide the tail, and an interval that happens to lie on one side of the bar
         * (seen at load average 14: 0.588 [0.123-1.036]) says nothing about the proxies.
         */
        public boolean p99Trusted() {
            int passes = generatorWith.passes() + generatorWithout.passes();
            return passes == 0 || generatorWith.spoiledKept() + generatorWithout.spoiledKept() <= MAX_SPOILED_SHARE * passes;
        }

        /**
         * When the generator's own delays spoiled too many passes for {@link #p99Trusted()}, whether
         * the p99 from the actual send may judge the bar instead: it leaves out what the generator
         * delayed itself, and it misses only what a send waited for a connection still busy with the
         * previous response (the target falling behind, {@link LoadResult#lateSends()}), so those must
         * be too few on both sides to reach the tail: at most {@link #MAX_BUSY_LATE_SHARE} of the
         * requests sent at the rate, a tenth of the 1% above a p99.
         */
        public boolean svcP99Trusted() {
            return generatorWith.busyLateShare() <= MAX_BUSY_LATE_SHARE && generatorWithout.busyLateShare() <= MAX_BUSY_LATE_SHARE;
        }
    }

    /**
     * Medians over rounds of one scenario. Latencies in µs; {@code addedP50}/{@code addedP99} and
     * {@code throughputChange} are NaN when {@code direct} did not run (or for direct itself: 0).
     */
    public record Summary(Scenario scenario, int rounds, double rate, double p50, double p90, double p99, double p999,
                          double maxRps, double addedP50, double addedP99, double throughputChange,
                          double cpuPer1000AtRate, double cpuPer1000AtMax, double peakRssMib, long failures,
                          long lateSends, String security) {
    }

    private final MeshBenchConfig config;
    private final Machine machine;
    private final List<ScenarioRun> runs;
    private final Map<Scenario, String> skipped;
    private final Map<Scenario, Summary> summaries = new LinkedHashMap<>();
    private final List<PairSummary> pairs = new ArrayList<>();

    public MeshReport(MeshBenchConfig config, Machine machine, List<ScenarioRun> runs, Map<Scenario, String> skipped) {
        this.config = config;
        this.machine = machine;
        this.runs = List.copyOf(runs);
        this.skipped = Map.copyOf(skipped);
        Map<Scenario, List<ScenarioRun>> by = new LinkedHashMap<>();
        for (Scenario s : config.scenarios()) {
            List<ScenarioRun> rs = runs.stream().filter(r -> r.scenario() == s).toList();
            if (!rs.isEmpty()) by.put(s, rs);
        }
        List<ScenarioRun> direct = by.getOrDefault(Scenario.DIRECT, List.of());
        for (var e : by.entrySet()) summaries.put(e.getKey(), summarize(e.getKey(), e.getValue(), direct));
        for (Scenario.Pair p : Scenario.PAIRS) {
            if (by.containsKey(p.with()) && by.containsKey(p.without())) pairs.add(pair(p, this.runs));
        }
    }

    private static PairSummary pair(Scenario.Pair p, List<ScenarioRun> runs) {
        Map<Integer, ScenarioRun> with = new java.util.TreeMap<>(), without = new java.util.TreeMap<>();
        for (ScenarioRun r : runs) {
            if (r.scenario() == p.with()) with.put(r.round(), r);
            if (r.scenario() == p.without()) without.put(r.round(), r);
        }
        List<ScenarioRun[]> both = with.keySet().stream().filter(without::containsKey)
                .map(k -> new ScenarioRun[]{with.get(k), without.get(k)}).toList();
        java.util.function.Function<ToDoubleFunction<ScenarioRun>, Ratio> ratio = f -> Ratio.of(both.stream()
                .mapToDouble(b -> f.applyAsDouble(b[0]) / f.applyAsDouble(b[1])).toArray());
        return new PairSummary(p, both.size(), ratio.apply(r -> r.max().achievedRate()), ratio.apply(r -> us(r.atRate(), 99)),
                ratio.apply(r -> us(r.atRate(), 50)), ratio.apply(r -> ScenarioRun.cpuPer1000(r.cpuAtRate(), r.atRate())),
                ratio.apply(r -> ScenarioRun.cpuPer1000(r.cpuMax(), r.max())),
                median(both.stream().map(b -> b[0]).toList(), MeshReport::coresAtMax),
                median(both.stream().map(b -> b[1]).toList(), MeshReport::coresAtMax), pooled(both),
                GeneratorNoise.of(both.stream().map(b -> b[0]).toList()), GeneratorNoise.of(both.stream().map(b -> b[1]).toList()));
    }

    /** The pooled statistics of paired runs ({@code both[i]} = with, without of round i) and their bootstrap intervals. */
    static Pooled pooled(List<ScenarioRun[]> both) {
        int n = both.size(), resamples = PairedBootstrap.RESAMPLES;
        long seed = PairedBootstrap.SEED;
        java.util.function.BiFunction<Integer, ToDoubleFunction<ScenarioRun>, double[]> side = (i, f) ->
                both.stream().mapToDouble(b -> f.applyAsDouble(b[i])).toArray();
        ToDoubleFunction<ScenarioRun> responses = r -> r.max().responsesInWindow(), seconds = r -> r.max().measured().toNanos() / 1e9;
        ToDoubleFunction<ScenarioRun> cpuAtRate = ScenarioRun::cpuAtRate, sentAtRate = r -> r.atRate().sent();
        ToDoubleFunction<ScenarioRun> cpuMax = ScenarioRun::cpuMax, sentMax = r -> r.max().sent();
        var maxRps = PairedBootstrap.ratioOfSums(side.apply(0, responses), side.apply(0, seconds), side.apply(1, responses), side.apply(1, seconds), resamples, seed);
        var atRate = PairedBootstrap.ratioOfSums(side.apply(0, cpuAtRate), side.apply(0, sentAtRate), side.apply(1, cpuAtRate), side.apply(1, sentAtRate), resamples, seed);
        var atMax = PairedBootstrap.ratioOfSums(side.apply(0, cpuMax), side.apply(0, sentMax), side.apply(1, cpuMax), side.apply(1, sentMax), resamples, seed);
        List<org.HdrHistogram.Histogram> latWith = both.stream().map(b -> b[0].atRate().latency()).toList();
        List<org.HdrHistogram.Histogram> latWithout = both.stream().map(b -> b[1].atRate().latency()).toList();
        var p99 = PairedBootstrap.percentileRatio(latWith, latWithout, 99, resamples, seed);
        var p50 = PairedBootstrap.percentileRatio(latWith, latWithout, 50, resamples, seed);
        var svcP99 = PairedBootstrap.percentileRatio(both.stream().map(b -> b[0].atRate().serviceTime()).toList(),
                both.stream().map(b -> b[1].atRate().serviceTime()).toList(), 99, resamples, seed);
        ToDoubleFunction<Integer> cores = i -> {
            double cpu = both.stream().mapToDouble(b -> b[i].cpuMax()).sum(), s = both.stream().mapToDouble(b -> passSeconds(b[i].max())).sum();
            return s > 0 ? cpu / s : Double.NaN;
        };
        ToDoubleFunction<Integer> jit = i -> {
            if (both.stream().anyMatch(b -> b[i].besideAtRate() == null || b[i].besideMax() == null)) return Double.NaN;
            double j = both.stream().mapToDouble(b -> b[i].besideAtRate().proxyJitCpu() + b[i].besideMax().proxyJitCpu()).sum();
            double cpu = both.stream().mapToDouble(b -> b[i].cpuAtRate() + b[i].cpuMax()).sum();
            return cpu > 0 ? j / cpu : Double.NaN;
        };
        return new Pooled(maxRps, p99, p50, svcP99, atRate, atMax, cores.applyAsDouble(0), cores.applyAsDouble(1), jit.applyAsDouble(0), jit.applyAsDouble(1));
    }

    /** The proxies' CPU over the closed-loop pass (warm-up included), in cores. */
    static double coresAtMax(ScenarioRun r) {
        double seconds = r.max().measured().plus(r.max().config().warmup()).toNanos() / 1e9;
        return seconds > 0 ? r.cpuMax() / seconds : Double.NaN;
    }

    /** The generator's own delays in a run's open-loop pass: late sends / max lateness ms / GC pauses, and the passes discarded. */
    private static String generatorText(ScenarioRun r) {
        LoadResult.Instrument g = r.atRate().instrument();
        if (g == LoadResult.Instrument.UNKNOWN) return "-";
        String text = String.format(Locale.ROOT, "%d/%.1f/%d/%s", g.ownLateSends(), g.maxOwnLatenessMillis(), g.gcPauses(),
                g.loopWaitNanos() < 0 ? "-" : String.format(Locale.ROOT, "%.0f", g.loopWaitNanos() / 1e6));
        return r.discardedAtRate().isEmpty() ? text : text + " +" + r.discardedAtRate().size() + " discarded";
    }

    /**
     * What the load generator did to one side's open-loop passes over the pairs: passes it spoiled
     * among those kept, and passes discarded and run again.
     *
     * @param passes         open-loop passes kept (one per pair)
     * @param spoiledKept    of those, passes the generator spoiled (the repeats ran out, or none were allowed)
     * @param ownLateSends   sends >= 1 ms late with a free connection, over the kept passes
     * @param gcPauses       GC pauses of the generator's JVM in the kept passes' windows
     * @param discarded      passes discarded and run again
     * @param maxLatenessMs  the latest such send of any kept pass, ms
     */
    public record GeneratorNoise(int passes, int spoiledKept, long ownLateSends, long gcPauses, int discarded, double maxLatenessMs,
                                 long busyLateSends, long sent) {
        static GeneratorNoise of(List<ScenarioRun> side) {
            int spoiled = 0, discarded = 0;
            long late = 0, gc = 0, busy = 0, sent = 0;
            double max = 0;
            for (ScenarioRun r : side) {
                LoadResult.Instrument g = r.atRate().instrument();
                if (g.spoiled()) spoiled++;
                late += g.ownLateSends();
                gc += g.gcPauses();
                max = Math.max(max, g.maxOwnLatenessMillis());
                discarded += r.discardedAtRate().size();
                busy += r.atRate().lateSends();
                sent += r.atRate().sent();
            }
            return new GeneratorNoise(side.size(), spoiled, late, gc, discarded, max, busy, sent);
        }

        /** Sends delayed by a connection still busy (the target's doing), as a share of the requests sent at the rate. */
        double busyLateShare() {
            return sent == 0 ? 0 : (double) busyLateSends / sent;
        }

        String text() {
            return String.format(Locale.ROOT, "%d of %d passes spoiled (%d sends >= 1 ms late with a free connection, latest %.1f ms; %d GC pauses), %d discarded and run again",
                    spoiledKept, passes, ownLateSends, maxLatenessMs, gcPauses, discarded);
        }
    }

    /** The cores each side used over the closed-loop pass and the share of it the proxies waited for a CPU, as text. */
    private static String besideAtMax(ScenarioRun r) {
        double seconds = passSeconds(r.max());
        if (r.besideMax() == null || !(seconds > 0)) return "-";
        ScenarioRun.Beside x = r.besideMax();
        return String.format(Locale.ROOT, "%.2f/%.2f/%.2f, %.0f%%, JIT %.0f%%", coresAtMax(r), x.clientCpu() / seconds, x.backendCpu() / seconds,
                100 * x.proxyWaited() / seconds, r.cpuMax() > 0 ? 100 * x.proxyJitCpu() / r.cpuMax() : 0);
    }

    /** The length of a pass, warm-up included (what the CPU figures cover). */
    static double passSeconds(LoadResult r) {
        return r.measured().plus(r.config().warmup()).toNanos() / 1e9;
    }

    /** The q-quantile of sorted values, linear between neighbours; NaN for none. */
    static double quantile(double[] sorted, double q) {
        if (sorted.length == 0) return Double.NaN;
        double at = q * (sorted.length - 1);
        int lo = (int) Math.floor(at), hi = (int) Math.ceil(at);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
    }

    public MeshBenchConfig config() { return config; }
    public Machine machine() { return machine; }
    public List<ScenarioRun> runs() { return runs; }
    public Map<Scenario, String> skipped() { return skipped; }
    public Map<Scenario, Summary> summaries() { return Map.copyOf(summaries); }
    public Optional<Summary> summary(Scenario s) { return Optional.ofNullable(summaries.get(s)); }
    /** The with/without pairs of which both sides ran, in {@link Scenario#PAIRS} order. */
    public List<PairSummary> pairs() { return List.copyOf(pairs); }

    /** Failed requests over every run and pass. */
    public long failures() {
        return runs.stream().mapToLong(r -> ScenarioRun.failures(r.atRate()) + ScenarioRun.failures(r.max())).sum();
    }

    private static Summary summarize(Scenario s, List<ScenarioRun> rs, List<ScenarioRun> direct) {
        double p50 = median(rs, r -> us(r.atRate(), 50)), p99 = median(rs, r -> us(r.atRate(), 99));
        double max = median(rs, r -> r.max().achievedRate());
        double dp50 = direct.isEmpty() ? Double.NaN : median(direct, r -> us(r.atRate(), 50));
        double dp99 = direct.isEmpty() ? Double.NaN : median(direct, r -> us(r.atRate(), 99));
        double dmax = direct.isEmpty() ? Double.NaN : median(direct, r -> r.max().achievedRate());
        return new Summary(s, rs.size(), median(rs, r -> r.atRate().achievedRate()), p50, median(rs, r -> us(r.atRate(), 90)), p99,
                median(rs, r -> us(r.atRate(), 99.9)), max, p50 - dp50, p99 - dp99, max / dmax - 1,
                median(rs, r -> ScenarioRun.cpuPer1000(r.cpuAtRate(), r.atRate())),
                median(rs, r -> ScenarioRun.cpuPer1000(r.cpuMax(), r.max())),
                rs.stream().mapToLong(ScenarioRun::totalRssKib).max().orElse(0) / 1024.0,
                rs.stream().mapToLong(r -> ScenarioRun.failures(r.atRate()) + ScenarioRun.failures(r.max())).sum(),
                rs.stream().mapToLong(r -> r.atRate().lateSends()).sum(),
                rs.stream().map(ScenarioRun::security).distinct().reduce((a, b) -> a + "," + b).orElse("-"));
    }

    static double us(LoadResult r, double percentile) {
        return r.latency().getTotalCount() == 0 ? Double.NaN : r.latency().getValueAtPercentile(percentile);
    }

    static double serviceUs(LoadResult r, double percentile) {
        return r.serviceTime().getTotalCount() == 0 ? Double.NaN : r.serviceTime().getValueAtPercentile(percentile);
    }

    static double median(List<ScenarioRun> rs, ToDoubleFunction<ScenarioRun> f) {
        double[] v = rs.stream().mapToDouble(f).sorted().toArray();
        if (v.length == 0) return Double.NaN;
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    /** {@code ficus-1hop} over {@code haproxy}: max throughput ratio (higher is better). */
    public double ficusToHaproxyThroughput() {
        return ratio(Scenario.FICUS_1HOP, Scenario.HAPROXY, Summary::maxRps);
    }

    /** {@code ficus-1hop} over {@code haproxy}: added p99 ratio (lower is better). */
    public double ficusToHaproxyAddedP99() {
        return ratio(Scenario.FICUS_1HOP, Scenario.HAPROXY, Summary::addedP99);
    }

    /** Issue #5: 1 − max rps of {@code ficus-2hop-mtls} / max rps of {@code ficus-2hop}. */
    public double mtlsThroughputCost() {
        return 1 - ratio(Scenario.FICUS_2HOP_MTLS, Scenario.FICUS_2HOP, Summary::maxRps);
    }

    /** Issue #5: added p99 of {@code ficus-2hop-mtls} over that of {@code ficus-2hop}. */
    public double mtlsAddedP99Ratio() {
        return ratio(Scenario.FICUS_2HOP_MTLS, Scenario.FICUS_2HOP, Summary::addedP99);
    }

    /** Issue #5 held (both bounds), or empty when either scenario (or direct) did not run. */
    public Optional<Boolean> mtlsGoalHeld() {
        double cost = mtlsThroughputCost(), p99 = mtlsAddedP99Ratio();
        if (Double.isNaN(cost) || Double.isNaN(p99)) return Optional.empty();
        return Optional.of(cost <= MTLS_MAX_THROUGHPUT_COST && p99 <= MTLS_MAX_ADDED_P99_RATIO);
    }

    private double ratio(Scenario a, Scenario b, ToDoubleFunction<Summary> f) {
        Summary x = summaries.get(a), y = summaries.get(b);
        if (x == null || y == null) return Double.NaN;
        double d = f.applyAsDouble(y);
        return d > 0 ? f.applyAsDouble(x) / d : Double.NaN;
    }

    // ---- text ----

    public String text() {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "ficus bench mesh: after %ds of unrecorded priming at max, %s req/s open loop for %ds "
                        + "(+%ds warm-up) and a closed-loop pass of %ds; %d connections, %d load thread(s), %d round(s), medians over rounds%n",
                config.prime().toSeconds(), num(config.rate()), config.duration().toSeconds(), config.warmup().toSeconds(), config.maxDuration().toSeconds(),
                config.connections(), config.threads(), config.rounds()));
        if (config.sameProcesses()) b.append("same processes: each scenario's processes started and primed once, measured in every round\n");
        if (config.concurrentPairs()) {
            b.append("concurrent pairs: the two sides of a pair had their passes at the rate at the same time, sends half an interval apart;"
                    + " the load generator's and backend's CPU during those passes are the pair's together\n");
        }
        if (config.repeatSpoiled() > 0) {
            b.append(String.format(Locale.ROOT, "repeat spoiled: an open-loop pass the load generator spoiled itself is run again, up to %d times%n",
                    config.repeatSpoiled()));
        }
        b.append(String.format(Locale.ROOT, "backend: %s; %d cores; load average before %s, after %s%n",
                machine.backend(), machine.processors(), machine.loadAverageBefore(), machine.loadAverageAfter()));
        if (!machine.pinning().isEmpty()) b.append("pinned (taskset): ").append(machine.pinning()).append('\n');
        if (!machine.procAvailable()) b.append("CPU and RSS not measured (no /proc)\n");
        else if (machine.clockTicksAssumed()) b.append("CPU: clock ticks assumed to be 100/s (getconf CLK_TCK failed)\n");
        skipped.forEach((s, why) -> b.append(s.label()).append(": skipped, ").append(why).append('\n'));
        b.append('\n');
        String[] head = {"scenario", "rate/s", "p50 us", "p90 us", "p99 us", "p99.9 us", "max rps", "+p50 us", "+p99 us",
                "tput vs direct", "CPU-s/1k@rate", "CPU-s/1k@max", "RSS MiB", "failed", "between proxies"};
        List<String[]> rows = new ArrayList<>();
        for (Summary s : summaries.values()) {
            boolean base = s.scenario() == Scenario.DIRECT;
            rows.add(new String[]{s.scenario().label(), fixed(s.rate(), 0), fixed(s.p50(), 0), fixed(s.p90(), 0), fixed(s.p99(), 0),
                    fixed(s.p999(), 0), fixed(s.maxRps(), 0), base ? "-" : signed(s.addedP50()), base ? "-" : signed(s.addedP99()),
                    base ? "-" : percent(s.throughputChange()), s.scenario() == Scenario.DIRECT ? "-" : fixed(s.cpuPer1000AtRate(), 3),
                    base ? "-" : fixed(s.cpuPer1000AtMax(), 3), base ? "-" : fixed(s.peakRssMib(), 1), Long.toString(s.failures()),
                    s.security()});
        }
        table(b, head, rows);
        b.append("+p50/+p99: over direct's; CPU-s/1k: CPU seconds of the proxy processes per 1000 requests sent (warm-up included);\n"
                + "RSS: the sum of each proxy process's peak VmRSS; failed: errors and 4xx/5xx over both passes\n");
        b.append('\n').append("each round (open loop: rate, p50/p99/p99.9 us from the intended send time, svc p50/p99 us from the actual send;\n"
                + "closed loop: max rps; proxies' CPU-s per 1000 requests at rate):\n");
        List<String[]> rr = new ArrayList<>();
        for (ScenarioRun r : runs) {
            rr.add(new String[]{Integer.toString(r.round()), r.scenario().label(), fixed(r.atRate().achievedRate(), 0),
                    fixed(us(r.atRate(), 50), 0), fixed(us(r.atRate(), 99), 0), fixed(us(r.atRate(), 99.9), 0),
                    fixed(serviceUs(r.atRate(), 50), 0), fixed(serviceUs(r.atRate(), 99), 0), fixed(r.max().achievedRate(), 0), r.scenario() == Scenario.DIRECT ? "-" : fixed(ScenarioRun.cpuPer1000(r.cpuAtRate(), r.atRate()), 3),
                    Long.toString(r.atRate().lateSends()), generatorText(r), r.scenario() == Scenario.DIRECT ? "-" : fixed(ScenarioRun.cpuPer1000(r.cpuMax(), r.max()), 4),
                    besideAtMax(r)});
        }
        table(b, new String[]{"round", "scenario", "rate/s", "p50", "p99", "p99.9", "svc p50", "svc p99", "max rps", "CPU-s/1k", "late sends",
                "generator", "CPU-s/1k@max", "cores@max proxy/client/backend, proxy waited, JIT share of proxy CPU"}, rr);
        b.append("late sends: the connection was still busy at the due time (the target's doing); generator: the load generator's own\n"
                + "delays at the rate, sends >= 1 ms late with a free connection / the latest of those sends in ms / GC pauses of its JVM\n"
                + "in the window / ms its event loops waited for a CPU (warm-up included), then '+N discarded' for passes it spoiled that\n"
                + "were run again (--repeat-spoiled)\n");
        b.append('\n');
        if (!Double.isNaN(ficusToHaproxyThroughput())) {
            double p99 = ficusToHaproxyAddedP99();
            b.append(String.format(Locale.ROOT, "ficus-1hop / haproxy: throughput %.2f (higher is better), added p99 %s (lower is better)%n",
                    ficusToHaproxyThroughput(), Double.isNaN(p99) ? "n/a (haproxy's p99 was not above direct's in this run)"
                            : String.format(Locale.ROOT, "%.2f", p99)));
        }
        if (summaries.containsKey(Scenario.FICUS_2HOP) && summaries.containsKey(Scenario.FICUS_2HOP_MTLS) && mtlsGoalHeld().isEmpty()) {
            b.append(String.format(Locale.ROOT, "issue #5, mTLS vs plaintext over two hops: throughput cost %.1f%%, added p99 ratio n/a "
                    + "(needs direct, and ficus-2hop's p99 above direct's)%n", mtlsThroughputCost() * 100));
        }
        mtlsGoalHeld().ifPresent(held -> b.append(String.format(Locale.ROOT,
                "issue #5, mTLS vs plaintext over two hops: throughput cost %.1f%% (goal <= %.0f%%), added p99 %.2fx (goal <= %.1fx): %s%n",
                mtlsThroughputCost() * 100, MTLS_MAX_THROUGHPUT_COST * 100, mtlsAddedP99Ratio(), MTLS_MAX_ADDED_P99_RATIO,
                held ? "held" : "NOT held")));
        pairsText(b);
        tracingText(b);
        return b.toString();
    }

    private void pairsText(StringBuilder b) {
        if (pairs.isEmpty()) return;
        b.append('\n').append("paired rounds, each round's ratio with / without the feature (the two ran "
                + (config.concurrentPairs() ? "at the same time at the rate, back to back at max" : "back to back") + "): median [quartiles] ±notch\n"
                + "over the pairs (notch: 1.57 x IQR / sqrt(pairs)); for reading only: one round's p99 rests on ~1% of its requests\n"
                + "and its max rps on whatever bound the pass, so these spread widely. cores@max: the proxies' CPU during the closed-loop pass\n");
        List<String[]> rows = new ArrayList<>();
        for (PairSummary p : pairs) {
            rows.add(new String[]{p.pair().feature(), p.pair().with().label() + " / " + p.pair().without().label(), Integer.toString(p.pairs()),
                    ratio(p.maxRps()), ratio(p.p99()), ratio(p.p50()), ratio(p.cpuPer1000AtRate()), ratio(p.cpuPer1000AtMax()),
                    fixed(p.coresAtMaxWith(), 2) + " / " + fixed(p.coresAtMaxWithout(), 2)});
        }
        table(b, new String[]{"feature", "scenarios", "pairs", "max rps", "p99@rate", "p50@rate", "CPU-s/1k@rate", "CPU-s/1k@max", "cores@max"}, rows);

        b.append('\n').append(String.format(Locale.ROOT, "pooled over the rounds, with / without [%.0f%% interval: percentile bootstrap, %d resamples of the pairs, seed %d]:%n"
                        + "max rps = all closed-loop responses / all their seconds; capacity@max = 1 / (all proxy CPU-s / all requests) of the closed-loop passes;%n"
                        + "p99, p50 = percentile of every round's open-loop latencies merged into one histogram per side; CPU-s/1k = all proxy CPU-s / all requests%n",
                PairedBootstrap.LEVEL * 100, PairedBootstrap.RESAMPLES, PairedBootstrap.SEED));
        rows = new ArrayList<>();
        for (PairSummary p : pairs) {
            Pooled q = p.pooled();
            rows.add(new String[]{p.pair().feature(), Integer.toString(p.pairs()), interval(q.maxRps()), interval(q.capacity()), interval(q.p99()),
                    interval(q.p50()), interval(q.cpuPer1000AtRate()), interval(q.cpuPer1000AtMax()),
                    fixed(q.coresAtMaxWith(), 2) + " / " + fixed(q.coresAtMaxWithout(), 2)});
        }
        table(b, new String[]{"feature", "pairs", "max rps", "capacity@max", "p99@rate", "p50@rate", "CPU-s/1k@rate", "CPU-s/1k@max", "cores@max"}, rows);
        for (PairSummary p : pairs) p.telemetryBar().ifPresent(v -> b.append(barText(p, v)));
    }

    /** Issue #7's verdict for one pair, saying which statistics it rests on and why. */
    private String barText(PairSummary p, Verdict v) {
        Pooled q = p.pooled();
        PairedBootstrap.Interval t = q.capacity(), p99 = q.p99();
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "issue #7, %s, %d pairs: each cost <= %.0f%% over its whole %.0f%% interval%n",
                p.pair().feature(), p.pairs(), TELEMETRY_MAX_COST * 100, PairedBootstrap.LEVEL * 100));
        String cores = fixed(q.coresAtMaxWith(), 2) + " / " + fixed(q.coresAtMaxWithout(), 2);
        b.append(String.format(Locale.ROOT, "  throughput: the proxies' capacity at max (requests per proxy CPU-second over all closed-loop passes, "
                + "i.e. max rps / the proxies' cores), with / without %s: cost %s%n", interval(t), costText(t, false)));
        b.append(String.format(Locale.ROOT, q.cpuBound()
                        ? "    the proxies bound the closed loop (%s cores at max, >= %.2f); max rps itself, %s, also moves with the CPU other programs took from them%n"
                        : "    not max rps (%3$s): the proxies did not bind the closed loop (%1$s cores at max, under %2$.2f), so max rps measured what did%n",
                cores, CPU_BOUND_CORES, interval(q.maxRps())));
        b.append(String.format(Locale.ROOT, "  p99: the 99th percentile of all rounds' latencies at %s/s merged, with / without %s: %s%n",
                num(config.rate()), interval(p99), costText(p99, true)));
        b.append(String.format(Locale.ROOT, "  p99 from the actual send (without the load generator's own delays), with / without %s: %s%n",
                interval(q.svcP99()), costText(q.svcP99(), true)));
        b.append(String.format(Locale.ROOT, "  the load generator's own delays at the rate, with: %s; without: %s%n",
                p.generatorWith().text(), p.generatorWithout().text()));
        int spoiled = p.generatorWith().spoiledKept() + p.generatorWithout().spoiledKept();
        if (!p.p99Trusted()) {
            String busy = String.format(Locale.ROOT, "sends a busy connection delayed: %d of %d with, %d of %d without",
                    p.generatorWith().busyLateSends(), p.generatorWith().sent(), p.generatorWithout().busyLateSends(), p.generatorWithout().sent());
            b.append(String.format(Locale.ROOT, "  p99 from the intended send not judged: the load generator spoiled %d of the %d passes kept (more than %.0f%%), "
                    + "so its own delays decide that tail; %s%n", spoiled, p.generatorWith().passes() + p.generatorWithout().passes(), MAX_SPOILED_SHARE * 100,
                    p.svcP99Trusted() ? String.format(Locale.ROOT, "judged by the p99 from the actual send instead (%s: at most %.1f%% on each side, "
                            + "too few to reach the tail)", busy, MAX_BUSY_LATE_SHARE * 100)
                            : String.format(Locale.ROOT, "nor the p99 from the actual send (%s: more than %.1f%% on a side, so the tail "
                            + "from the actual send misses the waits of the target's own falling behind)", busy, MAX_BUSY_LATE_SHARE * 100)));
        }
        if (2 * spoiled > p.generatorWith().passes() + p.generatorWithout().passes()) {
            b.append("  warning: the load generator spoiled most passes: its event loop waited for a CPU (other programs on its CPU) "
                    + "or its JVM paused; p99 measured the machine, not the proxies; run it when `cat /proc/loadavg` shows less than 1\n");
        } else if (spoiled > 0) {
            b.append("  warning: passes the load generator spoiled are in the pooled p99 (its delays count as latency, on whichever side they fell); "
                    + "--repeat-spoiled N runs such passes again\n");
        }
        if (q.jitShareWith() > Pooled.JIT_SHARE_WARNING || q.jitShareWithout() > Pooled.JIT_SHARE_WARNING) {
            b.append(String.format(Locale.ROOT, "  warning: the proxies' JIT compilers took %.1f%% / %.1f%% of their CPU in the measured passes: "
                    + "their code was still being compiled, so CPU per request was not steady; prime longer (--prime)%n",
                    q.jitShareWith() * 100, q.jitShareWithout() * 100));
        }
        b.append("  verdict: ").append(v).append('\n');
        return b.toString();
    }

    /** A ratio's interval as a cost in percent: 1 − ratio for throughput, ratio − 1 for latency. */
    private static String costText(PairedBootstrap.Interval r, boolean higherIsWorse) {
        if (!r.defined()) return "n/a";
        return higherIsWorse
                ? String.format(Locale.ROOT, "%+.1f%% [%+.1f%% to %+.1f%%]", (r.estimate() - 1) * 100, (r.low() - 1) * 100, (r.high() - 1) * 100)
                : String.format(Locale.ROOT, "%.1f%% [%.1f%% to %.1f%%]", (1 - r.estimate()) * 100, (1 - r.high()) * 100, (1 - r.low()) * 100);
    }

    private static String interval(PairedBootstrap.Interval r) {
        return !r.defined() ? "n/a" : String.format(Locale.ROOT, "%.3f [%.3f-%.3f]", r.estimate(), r.low(), r.high());
    }

    private void tracingText(StringBuilder b) {
        List<ScenarioRun> traced = runs.stream().filter(r -> r.tracing() != null).toList();
        if (traced.isEmpty()) return;
        b.append('\n').append("tracing at 100% (spans the benchmark's OTLP sink received per second of each pass, warm-up included; "
                + "spans per request sent; the proxies' own counters at the end: exported, dropped with a full queue, failed):\n");
        List<String[]> rows = new ArrayList<>();
        for (ScenarioRun r : traced) {
            ScenarioRun.Tracing t = r.tracing();
            rows.add(new String[]{Integer.toString(r.round()), r.scenario().label(), fixed(t.spansPerSecondAtRate(), 0),
                    fixed(t.spansPerSecondAtMax(), 0), fixed(spansPerRequest(r), 2), Long.toString(t.exportRequests()),
                    fixed(t.exportRequests() == 0 ? Double.NaN : (double) t.bytes() / Math.max(1, t.spansAtRate() + t.spansAtMax()), 0),
                    Long.toString(t.exported()), Long.toString(t.dropped()), Long.toString(t.failed()), Long.toString(t.malformed())});
        }
        table(b, new String[]{"round", "scenario", "spans/s@rate", "spans/s@max", "spans/request", "exports", "bytes/span", "exported",
                "dropped", "failed", "unreadable"}, rows);
    }

    /** Spans the sink received per request sent over both passes (2 for two traced hops when nothing is dropped). */
    static double spansPerRequest(ScenarioRun r) {
        long sent = r.atRate().sent() + r.max().sent();
        return r.tracing() == null || sent == 0 ? Double.NaN : (double) (r.tracing().spansAtRate() + r.tracing().spansAtMax()) / sent;
    }

    private static String ratio(Ratio r) {
        return Double.isNaN(r.median()) ? "n/a" : String.format(Locale.ROOT, "%.3f [%.3f-%.3f] ±%.3f", r.median(), r.q1(), r.q3(), r.halfWidth());
    }

    private static void table(StringBuilder b, String[] head, List<String[]> rows) {
        int[] w = new int[head.length];
        for (int i = 0; i < head.length; i++) w[i] = head[i].length();
        for (String[] r : rows) for (int i = 0; i < r.length; i++) w[i] = Math.max(w[i], r[i].length());
        List<String[]> all = new ArrayList<>();
        all.add(head);
        all.addAll(rows);
        for (String[] r : all) {
            for (int i = 0; i < r.length; i++) {
                if (i == 0) b.append(String.format("%-" + w[i] + "s", r[i]));
                else b.append("  ").append(String.format("%" + w[i] + "s", r[i]));
            }
            b.append('\n');
        }
    }

    private static String fixed(double v, int decimals) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    private static String signed(double v) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%+.0f", v);
    }

    private static String percent(double v) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%+.1f%%", v * 100);
    }

    private static String num(double v) {
        return dev.ficus.bench.report.ReportFormat.number(v);
    }

    // ---- JSON ----

    /** Everything: settings, machine, per-scenario medians, comparisons, and every run. */
    public String json() {
        JsonWriter w = new JsonWriter().beginObject();
        w.name("settings").beginObject()
                .field("rate", config.rate()).field("connections", config.connections()).field("threads", config.threads())
                .field("duration_s", config.duration().toMillis() / 1000.0).field("warmup_s", config.warmup().toMillis() / 1000.0)
                .field("max_duration_s", config.maxDuration().toMillis() / 1000.0).field("prime_s", config.prime().toMillis() / 1000.0).field("rounds", config.rounds())
                .field("policy_rules", config.policyRules()).field("pin", config.pin()).field("same_processes", config.sameProcesses()).field("concurrent_pairs", config.concurrentPairs()).field("repeat_spoiled", config.repeatSpoiled()).field("ficus", config.ficus().toString());
        w.name("scenarios").beginArray();
        config.scenarios().forEach(s -> w.value(s.label()));
        w.endArray().endObject();
        w.name("machine").beginObject()
                .field("processors", machine.processors()).field("load_average_before", machine.loadAverageBefore())
                .field("load_average_after", machine.loadAverageAfter()).field("clock_ticks_per_s", machine.clockTicks())
                .field("clock_ticks_assumed", machine.clockTicksAssumed()).field("proc_available", machine.procAvailable())
                .field("backend", machine.backend()).field("load_transport", machine.transport())
                .field("start_time", machine.start().toString()).field("end_time", machine.end().toString())
                .field("work_dir", machine.workDir()).field("pinning", machine.pinning()).endObject();
        w.name("skipped").beginObject();
        skipped.forEach((s, why) -> w.field(s.label(), why));
        w.endObject();
        w.name("summary").beginArray();
        for (Summary s : summaries.values()) {
            w.beginObject().field("scenario", s.scenario().label()).field("mtls_enabled", s.scenario().mtls())
                    .field("rounds", s.rounds()).field("rate", s.rate()).field("p50_us", s.p50()).field("p90_us", s.p90())
                    .field("p99_us", s.p99()).field("p999_us", s.p999()).field("max_rps", s.maxRps())
                    .field("added_p50_us", s.addedP50()).field("added_p99_us", s.addedP99())
                    .field("throughput_change_vs_direct", s.throughputChange())
                    .field("cpu_s_per_1000_requests_at_rate", s.cpuPer1000AtRate())
                    .field("cpu_s_per_1000_requests_at_max", s.cpuPer1000AtMax()).field("peak_rss_mib", s.peakRssMib())
                    .field("failures", s.failures()).field("late_sends", s.lateSends()).field("between_proxies", s.security())
                    .endObject();
        }
        w.endArray();
        w.name("comparisons").beginObject()
                .field("ficus_1hop_to_haproxy_throughput", ficusToHaproxyThroughput())
                .field("ficus_1hop_to_haproxy_added_p99", ficusToHaproxyAddedP99())
                .field("mtls_throughput_cost_vs_2hop", mtlsThroughputCost())
                .field("mtls_added_p99_ratio_vs_2hop", mtlsAddedP99Ratio());
        w.name("mtls_goal_held");
        mtlsGoalHeld().ifPresentOrElse(w::value, () -> w.value((String) null));
        w.endObject();
        w.name("pairs").beginArray();
        for (PairSummary p : pairs) {
            w.beginObject().field("feature", p.pair().feature()).field("with", p.pair().with().label())
                    .field("without", p.pair().without().label()).field("pairs", p.pairs());
            ratioJson(w, "max_rps_ratio", p.maxRps());
            ratioJson(w, "p99_ratio", p.p99());
            ratioJson(w, "p50_ratio", p.p50());
            ratioJson(w, "cpu_per_1000_at_rate_ratio", p.cpuPer1000AtRate());
            ratioJson(w, "cpu_per_1000_at_max_ratio", p.cpuPer1000AtMax());
            w.field("cores_at_max_with", p.coresAtMaxWith()).field("cores_at_max_without", p.coresAtMaxWithout());
            Pooled q = p.pooled();
            w.name("pooled").beginObject().field("resamples", PairedBootstrap.RESAMPLES).field("seed", PairedBootstrap.SEED)
                    .field("level", PairedBootstrap.LEVEL);
            intervalJson(w, "max_rps_ratio", q.maxRps());
            intervalJson(w, "capacity_at_max_ratio", q.capacity());
            intervalJson(w, "p99_ratio", q.p99());
            intervalJson(w, "p50_ratio", q.p50());
            intervalJson(w, "svc_p99_ratio", q.svcP99());
            intervalJson(w, "cpu_per_1000_at_rate_ratio", q.cpuPer1000AtRate());
            intervalJson(w, "cpu_per_1000_at_max_ratio", q.cpuPer1000AtMax());
            w.field("cores_at_max_with", q.coresAtMaxWith()).field("cores_at_max_without", q.coresAtMaxWithout())
                    .field("jit_share_with", q.jitShareWith()).field("jit_share_without", q.jitShareWithout()).endObject();
            w.field("throughput_statistic", "capacity_at_max").field("proxies_cpu_bound_at_max", q.cpuBound())
                    .field("throughput_cost", p.throughputCost()).field("p99_increase", p.p99Increase());
            generatorJson(w, "generator_with", p.generatorWith());
            generatorJson(w, "generator_without", p.generatorWithout());
            w.field("p99_trusted", p.p99Trusted()).field("svc_p99_trusted", p.svcP99Trusted());
            w.name("telemetry_bar");
            p.telemetryBar().ifPresentOrElse(v -> w.value(v.name().toLowerCase(Locale.ROOT)), () -> w.value((String) null));
            w.endObject();
        }
        w.endArray();
        w.name("runs").beginArray();
        for (ScenarioRun r : runs) {
            w.beginObject().field("scenario", r.scenario().label()).field("round", r.round()).field("between_proxies", r.security());
            if (r.tracing() != null) {
                ScenarioRun.Tracing t = r.tracing();
                w.name("tracing").beginObject().field("spans_at_rate", t.spansAtRate()).field("spans_at_max", t.spansAtMax())
                        .field("spans_per_s_at_rate", t.spansPerSecondAtRate()).field("spans_per_s_at_max", t.spansPerSecondAtMax())
                        .field("spans_per_request", spansPerRequest(r)).field("export_requests", t.exportRequests())
                        .field("export_bytes", t.bytes()).field("unreadable_exports", t.malformed())
                        .field("proxies_exported", t.exported()).field("proxies_dropped", t.dropped()).field("proxies_failed", t.failed())
                        .endObject();
            }
            pass(w, "at_rate", r.atRate(), r.cpuAtRate(), r.besideAtRate());
            // open-loop passes the generator spoiled, discarded and run again: what they measured, and why they went
            w.name("discarded_at_rate").beginArray();
            for (LoadResult d : r.discardedAtRate()) {
                w.beginObject().field("why", d.instrument().why()).field("p50_us", us(d, 50)).field("p99_us", us(d, 99));
                generatorFields(w, d.instrument());
                w.endObject();
            }
            w.endArray();
            pass(w, "max", r.max(), r.cpuMax(), r.besideMax());
            w.name("peak_rss_kib").beginObject();
            r.maxRssKib().forEach(w::field);
            w.endObject().endObject();
        }
        return w.endArray().endObject().toString();
    }

    private static void ratioJson(JsonWriter w, String name, Ratio r) {
        w.name(name).beginObject().field("median", r.median()).field("q1", r.q1()).field("q3", r.q3())
                .field("notch_half_width", r.halfWidth()).field("n", r.n()).endObject();
    }

    /** The generator's own delays: sends with a free connection, how late they went out, its loops' CPU wait, its GC pauses. */
    private static void generatorFields(JsonWriter w, LoadResult.Instrument g) {
        org.HdrHistogram.Histogram h = g.ownLateness();
        boolean any = h.getTotalCount() > 0;
        w.field("own_sends", h.getTotalCount()).field("own_late_sends", g.ownLateSends())
                .field("own_lateness_p50_us", any ? h.getValueAtPercentile(50) : Double.NaN)
                .field("own_lateness_p99_us", any ? h.getValueAtPercentile(99) : Double.NaN)
                .field("own_lateness_p999_us", any ? h.getValueAtPercentile(99.9) : Double.NaN)
                .field("own_lateness_max_us", any ? h.getMaxValue() : Double.NaN)
                .field("generator_loop_wait_s", g.loopWaitNanos() < 0 ? Double.NaN : g.loopWaitNanos() / 1e9)
                .field("generator_gc_pauses", g.gcPauses()).field("generator_gc_pause_ms", g.gcPauseMillis())
                .field("generator_gc_pause_max_ms", g.gcPauseMaxMillis());
    }

    private static void generatorJson(JsonWriter w, String name, GeneratorNoise g) {
        w.name(name).beginObject().field("passes", g.passes()).field("spoiled_kept", g.spoiledKept()).field("own_late_sends", g.ownLateSends())
                .field("gc_pauses", g.gcPauses()).field("discarded", g.discarded()).field("max_lateness_ms", g.maxLatenessMs())
                .field("busy_late_sends", g.busyLateSends()).field("sent", g.sent()).endObject();
    }

    private static void intervalJson(JsonWriter w, String name, PairedBootstrap.Interval r) {
        w.name(name).beginObject().field("estimate", r.estimate()).field("low", r.low()).field("high", r.high()).field("pairs", r.pairs()).endObject();
    }

    private static void pass(JsonWriter w, String name, LoadResult r, double cpuSeconds, ScenarioRun.Beside beside) {
        w.name(name).beginObject()
                .field("requested_rate", r.config().closedLoop() ? Double.NaN : r.config().rate())
                .field("start_time", r.startTime().toString()).field("end_time", r.endTime().toString())
                .field("achieved_rate", r.achievedRate()).field("sent", r.sent()).field("responses_in_window", r.responsesInWindow())
                .field("p50_us", us(r, 50)).field("p90_us", us(r, 90)).field("p99_us", us(r, 99)).field("p999_us", us(r, 99.9))
                // from the actual send, not the intended one: tells a slow path from a schedule that fell behind
                .field("service_p50_us", serviceUs(r, 50)).field("service_p99_us", serviceUs(r, 99))
                .field("max_us", r.latency().getTotalCount() == 0 ? Double.NaN : r.latency().getMaxValue())
                .field("failures", ScenarioRun.failures(r)).field("late_sends", r.lateSends())
                .field("generator_spoiled", r.instrument().spoiled())
                .field("proxy_cpu_s", cpuSeconds).field("proxy_cpu_s_per_1000_requests", ScenarioRun.cpuPer1000(cpuSeconds, r));
        generatorFields(w, r.instrument());
        if (beside != null) {
            // what else ran: the client side's CPU, and how long the proxies' threads waited for theirs
            w.field("pass_s", passSeconds(r)).field("client_cpu_s", beside.clientCpu()).field("backend_cpu_s", beside.backendCpu())
                    .field("proxy_run_queue_wait_s", beside.proxyWaited()).field("proxy_jit_cpu_s", beside.proxyJitCpu());
        }
        w.endObject();
    }

    /** One SMP result per scenario, round and pass, labelled; {@code mtls_enabled} for the mTLS scenarios. */
    public String smp() {
        List<String> out = new ArrayList<>();
        for (ScenarioRun r : runs) {
            for (String pass : List.of("at_rate", "max")) {
                LoadResult lr = pass.equals("max") ? r.max() : r.atRate();
                double cpu = pass.equals("max") ? r.cpuMax() : r.cpuAtRate();
                double seconds = lr.measured().plus(lr.config().warmup()).toNanos() / 1e9;
                Map<String, String> labels = new LinkedHashMap<>();
                labels.put("scenario", r.scenario().label());
                labels.put("round", Integer.toString(r.round()));
                labels.put("pass", pass);
                labels.put("mesh", "ficus bench mesh");
                boolean proxies = !r.maxRssKib().isEmpty();
                out.add(SmpReport.toJson(lr, new SmpReport.Meta(null, labels, r.scenario().mtls(),
                        proxies ? cpu / seconds * 1000 : null, proxies ? r.totalRssKib() / 1024.0 : null)));
            }
        }
        return "[\n" + String.join(",\n", out) + "\n]";
    }
}
