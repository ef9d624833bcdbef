package dev.ficus.proxy.parallelrun;

import dev.ficus.api.JsonText;
import dev.ficus.xds.snapshot.RouteParallelRun;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;

/**
 * The results of one parallel run (one Rollout) in this proxy: counters by result, the paths
 * learned to be noisy (bounded) and a ring of recent mismatches. Kept by {@link ParallelRuns}
 * under the Rollout's id across snapshot swaps.
 *
 * <p>Threads: event loops count skips (lock-free adders); the comparer thread records
 * comparisons; the admin thread reads. The noise set and the samples are guarded by this object's
 * monitor, which neither event loops nor the request path ever take.
 */
public final class ParallelRunState {
    /** Why a sampled request was not compared. */
    public enum Skip {
        /** POST, PUT, PATCH, DELETE ... while {@code allowUnsafeMethods} is off. */
        UNSAFE_METHOD("unsafe_method", "unsafeMethod"),
        /** The request body is larger than the run's limit: it was not copied. */
        REQUEST_TOO_LARGE("request_too_large", "requestTooLarge"),
        /** Stable or candidate had not answered within the route's timeout. */
        TIMEOUT("timeout", "timeout"),
        /** The candidate could not be reached or closed before its answer ended. */
        CANDIDATE_ERROR("candidate_error", "candidateError"),
        /** The user's exchange did not end with a whole answer from stable (a local reply, a reset, a client gone). */
        STABLE_ERROR("stable_error", "stableError"),
        /** Too many comparisons in flight or waiting: memory and the comparer are bounded. */
        OVERLOADED("overloaded", "overloaded");

        final String label;
        final String json;

        Skip(String label, String json) {
            this.label = label;
            this.json = json;
        }
    }

    /** The outcome of one comparison. */
    public enum Result { MATCH, MISMATCH, NOISE }

    /** A recent mismatch, as the admin page shows it. */
    public record Sample(Instant at, String method, String path, int stableStatus, int candidateStatus, List<Difference> differences) {
    }

    /** Noisy paths kept per run; more are used for the answer that showed them, not remembered. */
    public static final int MAX_NOISY_PATHS = 256;
    /** Recent mismatches kept per run. */
    public static final int MAX_SAMPLES = 20;
    /** Differences kept per sample. */
    public static final int MAX_SAMPLE_DIFFERENCES = 10;
    /** Differences looked for per comparison. */
    public static final int MAX_DIFFERENCES = 256;

    private final String id;
    private final ParallelRuns runs;
    private final LongAdder matched = new LongAdder();
    private final LongAdder mismatched = new LongAdder();
    private final LongAdder noise = new LongAdder();
    private final LongAdder[] skipped = new LongAdder[Skip.values().length];
    private final Set<String> noisy = new LinkedHashSet<>(); // guarded by this
    private final ArrayDeque<Sample> samples = new ArrayDeque<>(); // guarded by this

    ParallelRunState(String id, ParallelRuns runs) {
        this.id = id;
        this.runs = runs;
        for (int i = 0; i < skipped.length; i++) skipped[i] = new LongAdder();
    }

    /** {@code namespace/name} of the Rollout. */
    public String id() { return id; }

    /** The proxy's registry of runs: its comparer thread and memory budget. */
    public ParallelRuns runs() { return runs; }

    /** Counts a sampled request that was not compared; any thread. */
    public void skip(Skip reason) { skipped[reason.ordinal()].increment(); }

    public long matched() { return matched.sum(); }

    public long mismatched() { return mismatched.sum(); }

    public long noise() { return noise.sum(); }

    public long skipped() {
        long n = 0;
        for (LongAdder a : skipped) n += a.sum();
        return n;
    }

    public long skipped(Skip reason) { return skipped[reason.ordinal()].sum(); }

    public long compared() { return matched() + mismatched() + noise(); }

    /** The noisy paths learned so far, in the order they were learned. */
    public synchronized List<String> noisyPaths() { return List.copyOf(noisy); }

    /** Recent mismatches, oldest first. */
    public synchronized List<Sample> samples() { return List.copyOf(samples); }

    /**
     * Compares the candidate's answer with stable's, filtering what differed between stable and
     * secondary (now or before) as noise, and records the outcome. Comparer thread.
     *
     * @param secondary the secondary's answer, or null (none configured, or it failed)
     */
    public Result compare(RouteParallelRun run, String method, String path, Answer stable, Answer candidate, Answer secondary) {
        List<Difference> found = AnswerDiff.diff(stable, candidate, run, MAX_DIFFERENCES);
        // A secondary that answers with another status failed as a whole; its fields teach nothing.
        List<Difference> learned = secondary == null || secondary.status() != stable.status() ? List.of()
                : AnswerDiff.diff(stable, secondary, run, MAX_DIFFERENCES);
        Set<String> fresh = new HashSet<>();
        for (Difference d : learned) fresh.add(d.noiseKey());
        Result result;
        synchronized (this) {
            for (String k : fresh) {
                if (noisy.size() >= MAX_NOISY_PATHS) break;
                noisy.add(k);
            }
            List<Difference> real = new ArrayList<>();
            for (Difference d : found) if (!isNoise(d, fresh)) real.add(d);
            result = found.isEmpty() ? Result.MATCH : real.isEmpty() ? Result.NOISE : Result.MISMATCH;
            if (result == Result.MISMATCH) {
                if (samples.size() >= MAX_SAMPLES) samples.removeFirst();
                samples.addLast(new Sample(Instant.now(), method, path, stable.status(), candidate.status(),
                        List.copyOf(real.subList(0, Math.min(real.size(), MAX_SAMPLE_DIFFERENCES)))));
            }
        }
        (result == Result.MATCH ? matched : result == Result.NOISE ? noise : mismatched).increment();
        return result;
    }

    private boolean isNoise(Difference d, Set<String> fresh) {
        for (String k : d.noiseKeys()) if (noisy.contains(k) || fresh.contains(k)) return true;
        return false;
    }

    /** The run as one element of {@code GET /parallel-runs}. */
    void json(StringBuilder b) {
        long m = matched(), mm = mismatched(), n = noise();
        long compared = m + mm + n;
        b.append("{\"rollout\":");
        JsonText.quote(b, id);
        b.append(",\"compared\":").append(compared)
                .append(",\"matched\":").append(m)
                .append(",\"mismatched\":").append(mm)
                .append(",\"noise\":").append(n)
                .append(",\"skipped\":").append(skipped())
                .append(",\"skippedBy\":{");
        for (Skip s : Skip.values()) {
            if (s.ordinal() > 0) b.append(',');
            b.append('"').append(s.json).append("\":").append(skipped(s));
        }
        b.append("},\"mismatchPercent\":").append(compared == 0 ? 0.0 : Math.round(mm * 10000.0 / compared) / 100.0);
        b.append(",\"noisyPaths\":[");
        List<String> paths = noisyPaths();
        for (int i = 0; i < paths.size(); i++) {
            if (i > 0) b.append(',');
            JsonText.quote(b, paths.get(i));
        }
        b.append("],\"samples\":[");
        List<Sample> recent = samples();
        for (int i = 0; i < recent.size(); i++) {
            Sample s = recent.get(i);
            if (i > 0) b.append(',');
            b.append("{\"at\":");
            JsonText.quote(b, s.at().toString());
            b.append(",\"method\":");
            JsonText.quote(b, s.method());
            b.append(",\"path\":");
            JsonText.quote(b, s.path());
            b.append(",\"stableStatus\":").append(s.stableStatus()).append(",\"candidateStatus\":").append(s.candidateStatus());
            b.append(",\"differences\":[");
            for (int j = 0; j < s.differences().size(); j++) {
                Difference d = s.differences().get(j);
                if (j > 0) b.append(',');
                b.append("{\"path\":");
                JsonText.quote(b, d.path());
                b.append(",\"stable\":");
                value(b, d.stable());
                b.append(",\"candidate\":");
                value(b, d.other());
                b.append('}');
            }
            b.append("]}");
        }
        b.append("]}");
    }

    private static void value(StringBuilder b, String v) {
        if (v == null) b.append("null");
        else JsonText.quote(b, v);
    }

    /** This run's Prometheus samples. */
    void prometheus(StringBuilder responses, StringBuilder skips) {
        line(responses, "ficus_parallel_run_responses_total", "result", "match", matched());
        line(responses, "ficus_parallel_run_responses_total", "result", "mismatch", mismatched());
        line(responses, "ficus_parallel_run_responses_total", "result", "noise", noise());
        line(responses, "ficus_parallel_run_responses_total", "result", "skipped", skipped());
        for (Skip s : Skip.values()) line(skips, "ficus_parallel_run_skipped_total", "reason", s.label, skipped(s));
    }

    private void line(StringBuilder b, String metric, String label, String value, long v) {
        b.append(metric).append("{rollout=\"");
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (c == '\\' || c == '"') b.append('\\').append(c);
            else if (c == '\n') b.append("\\n");
            else b.append(c);
        }
        b.append("\",").append(label).append("=\"").append(value).append("\"} ").append(v).append('\n');
    }
}
