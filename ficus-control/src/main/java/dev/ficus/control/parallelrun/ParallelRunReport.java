package dev.ficus.control.parallelrun;

import dev.ficus.api.JsonText;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One parallel run (a Rollout with the {@code parallelRun} strategy) across the mesh: what the
 * connected proxies compared for it, summed. Immutable; built by {@link ParallelRunReader}.
 *
 * @param rollout         {@code namespace/name} of the Rollout
 * @param at              when the proxies were read
 * @param proxies         proxies that answered (whether or not they serve a route of the run)
 * @param reporting       proxies among them that know the run (serve at least one of its routes)
 * @param compared        requests compared: {@code matched + mismatched + noise}
 * @param matched         answers the candidate gave exactly as stable did
 * @param mismatched      answers that differed where stable and secondary agree
 * @param noise           answers that differed only where stable and secondary differ too
 * @param skipped         sampled requests not compared
 * @param skippedBy       the skips by reason ({@code unsafeMethod}, {@code requestTooLarge},
 *                        {@code timeout}, {@code candidateError}, {@code stableError}, {@code overloaded})
 * @param mismatchPercent {@code mismatched} per 100 compared; 0 when none was compared
 * @param noisyPaths      paths any proxy learned to be noisy, sorted
 * @param samples         recent mismatches, newest first, at most {@link #MAX_SAMPLES}
 * @param errors          proxies that could not be read, and why
 */
public record ParallelRunReport(String rollout, Instant at, int proxies, int reporting, long compared, long matched, long mismatched,
                                long noise, long skipped, Map<String, Long> skippedBy, double mismatchPercent, List<String> noisyPaths,
                                List<Sample> samples, List<ProxyError> errors) {
    /** Samples kept in a report. */
    public static final int MAX_SAMPLES = 20;

    public ParallelRunReport {
        Objects.requireNonNull(rollout, "rollout");
        Objects.requireNonNull(at, "at");
        skippedBy = Map.copyOf(skippedBy);
        noisyPaths = List.copyOf(noisyPaths);
        samples = List.copyOf(samples);
        errors = List.copyOf(errors);
    }

    /** A recent mismatch seen by one proxy. */
    public record Sample(String proxy, Instant at, String method, String path, int stableStatus, int candidateStatus, List<Difference> differences) {
        public Sample {
            differences = List.copyOf(differences);
        }
    }

    /**
     * Where a candidate's answer differed from stable's: {@code :status}, {@code :header.NAME} or a
     * body path ({@code $}, {@code $.items[3].id}); values as JSON text, cut; null when absent.
     */
    public record Difference(String path, String stable, String candidate) {
    }

    /** A proxy that could not be read. */
    public record ProxyError(String proxy, String error) {
    }

    /** What a report says about promotion, given a Rollout's limits. */
    public enum Verdict {
        /** Enough requests compared, and few enough mismatched. */
        PASSING,
        /** Enough requests compared, and too many mismatched. */
        FAILING,
        /** Fewer requests compared than asked for: no judgement yet. */
        INCONCLUSIVE
    }

    /**
     * The verdict under a Rollout's {@code maxMismatchPercent} and {@code minRequests}: inconclusive
     * below {@code minRequests} compared, else passing when {@link #mismatchPercent} is at most the limit.
     */
    public Verdict verdict(double maxMismatchPercent, long minRequests) {
        if (compared < Math.max(1, minRequests)) return Verdict.INCONCLUSIVE;
        return mismatchPercent <= maxMismatchPercent ? Verdict.PASSING : Verdict.FAILING;
    }

    /** The report as JSON, in the shape of a proxy's {@code /parallel-runs} entry plus who reported. */
    public String toJson() {
        StringBuilder b = new StringBuilder(512);
        b.append("{\"rollout\":");
        JsonText.quote(b, rollout);
        b.append(",\"at\":");
        JsonText.quote(b, at.toString());
        b.append(",\"proxies\":").append(proxies)
                .append(",\"reporting\":").append(reporting)
                .append(",\"compared\":").append(compared)
                .append(",\"matched\":").append(matched)
                .append(",\"mismatched\":").append(mismatched)
                .append(",\"noise\":").append(noise)
                .append(",\"skipped\":").append(skipped)
                .append(",\"skippedBy\":{");
        boolean first = true;
        for (var e : new TreeMap<>(skippedBy).entrySet()) {
            if (!first) b.append(',');
            first = false;
            JsonText.quote(b, e.getKey());
            b.append(':').append(e.getValue());
        }
        b.append("},\"mismatchPercent\":").append(mismatchPercent).append(",\"noisyPaths\":[");
        for (int i = 0; i < noisyPaths.size(); i++) {
            if (i > 0) b.append(',');
            JsonText.quote(b, noisyPaths.get(i));
        }
        b.append("],\"samples\":[");
        for (int i = 0; i < samples.size(); i++) {
            Sample s = samples.get(i);
            if (i > 0) b.append(',');
            b.append("{\"proxy\":");
            JsonText.quote(b, s.proxy());
            b.append(",\"at\":");
            JsonText.quote(b, s.at().toString());
            b.append(",\"method\":");
            JsonText.quote(b, s.method());
            b.append(",\"path\":");
            JsonText.quote(b, s.path());
            b.append(",\"stableStatus\":").append(s.stableStatus()).append(",\"candidateStatus\":").append(s.candidateStatus()).append(",\"differences\":[");
            for (int j = 0; j < s.differences().size(); j++) {
                Difference d = s.differences().get(j);
                if (j > 0) b.append(',');
                b.append("{\"path\":");
                JsonText.quote(b, d.path());
                b.append(",\"stable\":");
                nullable(b, d.stable());
                b.append(",\"candidate\":");
                nullable(b, d.candidate());
                b.append('}');
            }
            b.append("]}");
        }
        b.append("],\"errors\":[");
        for (int i = 0; i < errors.size(); i++) {
            if (i > 0) b.append(',');
            b.append("{\"proxy\":");
            JsonText.quote(b, errors.get(i).proxy());
            b.append(",\"error\":");
            JsonText.quote(b, errors.get(i).error());
            b.append('}');
        }
        return b.append("]}").toString();
    }

    private static void nullable(StringBuilder b, String v) {
        if (v == null) b.append("null");
        else JsonText.quote(b, v);
    }
}
