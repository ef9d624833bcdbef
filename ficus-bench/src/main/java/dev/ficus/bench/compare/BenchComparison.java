package dev.ficus.bench.compare;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Compares a current benchmark result with a baseline, scenario by scenario, and names every
 * figure that got worse by more than its allowed share: what {@code ficus bench compare} prints
 * and exits non-zero on. Reads what ficus writes: {@code ficus bench mesh --json} (one row per
 * scenario, its medians over rounds) and Fortio JSON ({@code ficus bench run --fortio}, or Fortio
 * itself: one row).
 */
public final class BenchComparison {
    private BenchComparison() {}

    /** The compared figures of one scenario; NaN when the file does not have one. */
    public record Figures(String scenario, double p50Us, double p99Us, double maxRps, double cpuPer1000) {
    }

    /**
     * How much worse a figure may get, as a share (0.10 = 10%); null: not checked. A latency
     * change smaller than {@code noiseFloorUs} microseconds is never a regression.
     */
    public record Limits(Double p50, Double p99, Double throughput, Double cpu, double noiseFloorUs) {
        public static final Limits DEFAULT = new Limits(null, 0.10, 0.10, null, 0);
    }

    /** One scenario in both files, and what regressed (empty when nothing did). */
    public record Row(String scenario, Figures baseline, Figures current, List<String> regressions) {
    }

    public record Result(List<Row> rows, List<String> onlyInBaseline, List<String> onlyInCurrent) {
        public boolean regressed() { return rows.stream().anyMatch(r -> !r.regressions().isEmpty()); }

        /** A table of every scenario, then one line per regression. */
        public String text(Limits limits) {
            StringBuilder b = new StringBuilder();
            b.append(String.format(Locale.ROOT, "%-32s %24s %24s %24s %20s%n", "scenario", "p50 µs", "p99 µs", "max req/s", "CPU s/1000 req"));
            for (Row r : rows) {
                b.append(String.format(Locale.ROOT, "%-32s %24s %24s %24s %20s%n", r.scenario(),
                        change(r.baseline().p50Us(), r.current().p50Us()), change(r.baseline().p99Us(), r.current().p99Us()),
                        change(r.baseline().maxRps(), r.current().maxRps()), change(r.baseline().cpuPer1000(), r.current().cpuPer1000())));
            }
            for (String s : onlyInBaseline) b.append("only in the baseline (not compared): ").append(s).append('\n');
            for (String s : onlyInCurrent) b.append("only in the current result (not compared): ").append(s).append('\n');
            b.append('\n');
            List<String> all = new ArrayList<>();
            for (Row r : rows) for (String why : r.regressions()) all.add(r.scenario() + ": " + why);
            if (all.isEmpty()) {
                b.append("no regression (limits: ").append(describe(limits)).append(")\n");
            } else {
                b.append(all.size()).append(all.size() == 1 ? " regression" : " regressions").append(" (limits: ").append(describe(limits)).append("):\n");
                for (String line : all) b.append("  ").append(line).append('\n');
            }
            return b.toString();
        }

        private static String change(double base, double cur) {
            if (Double.isNaN(base) || Double.isNaN(cur)) return "-";
            String pct = base == 0 ? "" : String.format(Locale.ROOT, " (%+.1f%%)", (cur - base) / base * 100);
            return fmt(base) + " → " + fmt(cur) + pct;
        }
    }

    static String fmt(double v) {
        if (v >= 100) return String.format(Locale.ROOT, "%.0f", v);
        return String.format(Locale.ROOT, "%.3g", v);
    }

    static String describe(Limits l) {
        List<String> parts = new ArrayList<>();
        if (l.p50() != null) parts.add("p50 +" + pct(l.p50()));
        if (l.p99() != null) parts.add("p99 +" + pct(l.p99()));
        if (l.throughput() != null) parts.add("throughput -" + pct(l.throughput()));
        if (l.cpu() != null) parts.add("CPU +" + pct(l.cpu()));
        if (l.noiseFloorUs() > 0) parts.add("latency changes under " + fmt(l.noiseFloorUs()) + " µs ignored");
        return parts.isEmpty() ? "none" : String.join(", ", parts);
    }

    private static String pct(double share) { return String.format(Locale.ROOT, "%.4g%%", share * 100); }

    /** Compares the scenarios present in both results, in the baseline's order. */
    public static Result compare(List<Figures> baseline, List<Figures> current, Limits limits) {
        Map<String, Figures> cur = new LinkedHashMap<>();
        for (Figures f : current) cur.put(f.scenario(), f);
        List<Row> rows = new ArrayList<>();
        List<String> onlyBase = new ArrayList<>();
        for (Figures b : baseline) {
            Figures c = cur.remove(b.scenario());
            if (c == null) {
                onlyBase.add(b.scenario());
                continue;
            }
            List<String> why = new ArrayList<>();
            latency("p50", b.p50Us(), c.p50Us(), limits.p50(), limits.noiseFloorUs(), why);
            latency("p99", b.p99Us(), c.p99Us(), limits.p99(), limits.noiseFloorUs(), why);
            if (limits.throughput() != null && ok(b.maxRps()) && ok(c.maxRps()) && b.maxRps() > 0) {
                double drop = (b.maxRps() - c.maxRps()) / b.maxRps();
                if (drop > limits.throughput()) {
                    why.add(String.format(Locale.ROOT, "max throughput %s → %s req/s is %.1f%% lower, more than the %s allowed",
                            fmt(b.maxRps()), fmt(c.maxRps()), drop * 100, pct(limits.throughput())));
                }
            }
            if (limits.cpu() != null && ok(b.cpuPer1000()) && ok(c.cpuPer1000()) && b.cpuPer1000() > 0) {
                double rise = (c.cpuPer1000() - b.cpuPer1000()) / b.cpuPer1000();
                if (rise > limits.cpu()) {
                    why.add(String.format(Locale.ROOT, "CPU per 1000 requests %s → %s s is %.1f%% higher, more than the %s allowed",
                            fmt(b.cpuPer1000()), fmt(c.cpuPer1000()), rise * 100, pct(limits.cpu())));
                }
            }
            rows.add(new Row(b.scenario(), b, c, why));
        }
        return new Result(rows, onlyBase, List.copyOf(cur.keySet()));
    }

    private static void latency(String name, double base, double cur, Double limit, double floorUs, List<String> why) {
        if (limit == null || !ok(base) || !ok(cur) || base <= 0) return;
        double rise = (cur - base) / base;
        if (rise > limit && cur - base >= floorUs) {
            why.add(String.format(Locale.ROOT, "%s %s → %s µs is %.1f%% higher, more than the %s allowed", name, fmt(base), fmt(cur), rise * 100, pct(limit)));
        }
    }

    private static boolean ok(double v) { return !Double.isNaN(v) && !Double.isInfinite(v); }

    /** The figures of a result file; fails with a message naming the file when it is neither format. */
    public static List<Figures> read(Path file) throws IOException {
        JsonElement root;
        try {
            root = JsonParser.parseString(Files.readString(file));
        } catch (JsonParseException e) {
            throw new IOException(file + ": not JSON (" + e.getMessage() + ")");
        }
        if (root.isJsonObject() && root.getAsJsonObject().has("summary")) return mesh(file, root.getAsJsonObject().getAsJsonArray("summary"));
        if (root.isJsonObject() && root.getAsJsonObject().has("DurationHistogram")) return List.of(fortio(root.getAsJsonObject()));
        throw new IOException(file + ": neither 'ficus bench mesh --json' output (no \"summary\") nor Fortio JSON (no \"DurationHistogram\")");
    }

    private static List<Figures> mesh(Path file, JsonArray summary) throws IOException {
        List<Figures> out = new ArrayList<>();
        for (JsonElement e : summary) {
            if (!e.isJsonObject() || !e.getAsJsonObject().has("scenario")) throw new IOException(file + ": a summary entry without \"scenario\"");
            JsonObject o = e.getAsJsonObject();
            out.add(new Figures(o.get("scenario").getAsString(), num(o, "p50_us"), num(o, "p99_us"), num(o, "max_rps"), num(o, "cpu_s_per_1000_requests_at_rate")));
        }
        return out;
    }

    private static Figures fortio(JsonObject o) {
        double p50 = Double.NaN, p99 = Double.NaN;
        JsonObject h = o.getAsJsonObject("DurationHistogram");
        if (h != null && h.has("Percentiles")) {
            for (JsonElement e : h.getAsJsonArray("Percentiles")) {
                JsonObject p = e.getAsJsonObject();
                double at = p.get("Percentile").getAsDouble(), seconds = p.get("Value").getAsDouble();
                if (at == 50) p50 = seconds * 1e6;
                if (at == 99) p99 = seconds * 1e6;
            }
        }
        String labels = o.has("Labels") && !o.get("Labels").getAsString().isBlank() ? o.get("Labels").getAsString() : "run";
        return new Figures(labels, p50, p99, num(o, "ActualQPS"), Double.NaN);
    }

    private static double num(JsonObject o, String name) {
        JsonElement e = o.get(name);
        if (e == null || e.isJsonNull()) return Double.NaN;
        try {
            return e.getAsDouble();
        } catch (NumberFormatException | UnsupportedOperationException ex) {
            return Double.NaN; // NaN is written as a string by some writers
        }
    }
}
