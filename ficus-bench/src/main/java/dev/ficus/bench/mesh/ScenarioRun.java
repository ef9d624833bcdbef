package dev.ficus.bench.mesh;

import dev.ficus.bench.load.LoadResult;

import java.util.List;
import java.util.Map;

/**
 * One scenario in one round: the open-loop pass at the fixed rate, the closed-loop pass, and what
 * its proxy processes used.
 *
 * @param atRate        the open-loop pass
 * @param max           the closed-loop pass
 * @param cpuAtRate     CPU seconds of all proxy processes over the open-loop pass (warm-up included)
 * @param cpuMax        the same over the closed-loop pass
 * @param maxRssKib     per proxy process, the largest VmRSS seen during both passes
 * @param security      how B's callers were seen ("mutual_tls", "plaintext", "-")
 * @param tracing       what the OTLP sink received and the proxies counted, for the tracing scenario; else null
 * @param besideAtRate  what ran beside the proxies during the open-loop pass (null: not measured)
 * @param besideMax     the same during the closed-loop pass
 * @param discardedAtRate open-loop passes of this run that the load generator spoiled ({@link
 *                      LoadResult.Instrument#spoiled()}) and that were run again ({@code --repeat-spoiled}),
 *                      in order; {@link #atRate} is the last attempt, spoiled too when the repeats ran out
 */
public record ScenarioRun(Scenario scenario, int round, LoadResult atRate, LoadResult max, double cpuAtRate,
                          double cpuMax, Map<String, Long> maxRssKib, String security, Tracing tracing,
                          Beside besideAtRate, Beside besideMax, List<LoadResult> discardedAtRate) {
    public ScenarioRun {
        discardedAtRate = List.copyOf(discardedAtRate);
    }

    /** A run whose open-loop pass was not repeated. */
    public ScenarioRun(Scenario scenario, int round, LoadResult atRate, LoadResult max, double cpuAtRate, double cpuMax,
                       Map<String, Long> maxRssKib, String security, Tracing tracing, Beside besideAtRate, Beside besideMax) {
        this(scenario, round, atRate, max, cpuAtRate, cpuMax, maxRssKib, security, tracing, besideAtRate, besideMax, List.of());
    }

    /**
     * Over one pass (warm-up included): CPU seconds of the benchmark's own process (the load
     * generator, and the backend when it is in-process) and of the nginx backend, and the seconds
     * the proxies' threads were runnable but waited for a CPU. They tell what bound a closed-loop
     * pass: the proxies (their cores near 1, little waiting), the client side (its CPU near its
     * cores), or other programs on the proxies' CPU (waiting). {@code proxyJitCpu} is the part of
     * the proxies' CPU their JIT compilers took: near 0 once priming compiled their code.
     */
    public record Beside(double clientCpu, double backendCpu, double proxyWaited, double proxyJitCpu) {
    }

    /** A run without what ran beside it. */
    public ScenarioRun(Scenario scenario, int round, LoadResult atRate, LoadResult max, double cpuAtRate, double cpuMax,
                       Map<String, Long> maxRssKib, String security, Tracing tracing) {
        this(scenario, round, atRate, max, cpuAtRate, cpuMax, maxRssKib, security, tracing, null, null);
    }

    /**
     * Spans of one tracing run. The window runs from the start of the open-loop pass to the end
     * of the closed-loop pass (warm-ups included); the proxies' counters are totals since they
     * started (priming included), read at the end of the window.
     *
     * @param spansAtRate    spans the sink received during the open-loop pass
     * @param spansAtMax     spans the sink received during the closed-loop pass
     * @param secondsAtRate  length of the open-loop pass, warm-up included
     * @param secondsAtMax   length of the closed-loop pass, warm-up included
     * @param exportRequests OTLP export requests the sink received in the window
     * @param bytes          their body bytes
     * @param malformed      export requests the sink could not read (their spans are not counted)
     * @param exported       {@code ficus_tracing_spans_total{result="exported"}}, both proxies
     * @param dropped        the same, {@code result="dropped"} (the export queue was full)
     * @param failed         the same, {@code result="failed"} (the sink refused or was away)
     */
    public record Tracing(long spansAtRate, long spansAtMax, double secondsAtRate, double secondsAtMax, long exportRequests,
                          long bytes, long malformed, long exported, long dropped, long failed) {
        public double spansPerSecondAtRate() { return secondsAtRate > 0 ? spansAtRate / secondsAtRate : Double.NaN; }
        public double spansPerSecondAtMax() { return secondsAtMax > 0 ? spansAtMax / secondsAtMax : Double.NaN; }
    }

    /** A run without tracing. */
    public ScenarioRun(Scenario scenario, int round, LoadResult atRate, LoadResult max, double cpuAtRate, double cpuMax,
                       Map<String, Long> maxRssKib, String security) {
        this(scenario, round, atRate, max, cpuAtRate, cpuMax, maxRssKib, security, null);
    }

    /** Requests that failed: transport errors plus responses with a status of 400 or more. */
    static long failures(LoadResult r) {
        long responses = r.statusCodes().values().stream().mapToLong(Long::longValue).sum();
        return r.errorCount() + responses - r.successes();
    }

    /** CPU seconds per 1000 requests sent (warm-up included, as the CPU is). */
    static double cpuPer1000(double cpuSeconds, LoadResult r) {
        return r.sent() == 0 ? Double.NaN : cpuSeconds * 1000 / r.sent();
    }

    public long totalRssKib() {
        return maxRssKib.values().stream().mapToLong(Long::longValue).sum();
    }
}
