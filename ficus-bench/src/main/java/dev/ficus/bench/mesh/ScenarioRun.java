package dev.ficus.bench.mesh;

import dev.ficus.bench.load.LoadResult;

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
 */
public record ScenarioRun(Scenario scenario, int round, LoadResult atRate, LoadResult max, double cpuAtRate,
                          double cpuMax, Map<String, Long> maxRssKib, String security) {

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
