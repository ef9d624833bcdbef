package dev.ficus.bench.mesh;

import org.HdrHistogram.Histogram;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * {@code ficus bench mesh --html FILE}: one self-contained page (no scripts, no external files)
 * with the settings, the medians table, the latency percentile distribution of every scenario
 * (all rounds of its fixed-rate pass merged) as an SVG plot on the usual log "nines" axis, and
 * the closed-loop throughput, the CPU per 1000 requests and the peak memory as bars. Plain SVG
 * drawn here rather than a script: the page renders the same in any browser, offline, with
 * scripts disabled; HtmlReportBrowserTest renders it in headless Chromium.
 */
public final class HtmlReport {
    /** Percentiles plotted: 50 … 99.99, evenly spaced on the nines axis. */
    static final double[] PERCENTILES = {50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99};
    private static final String[] COLOURS = {"#1b6ca8", "#d1495b", "#edae49", "#00798c", "#66a182", "#8d5a97", "#30343f", "#e07a5f"};
    private static final int W = 760, H = 360, LEFT = 70, RIGHT = 180, TOP = 20, BOTTOM = 50;

    private HtmlReport() {
    }

    public static String render(MeshReport r) {
        StringBuilder b = new StringBuilder(32 * 1024);
        b.append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>ficus bench mesh</title><style>")
                .append("body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse}")
                .append("td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}")
                .append("svg{background:#fff;border:1px solid #ddd;margin:1em 0}.note{color:#555;max-width:60em}</style></head><body>");
        b.append("<h1>ficus bench mesh</h1>");
        var m = r.machine();
        var c = r.config();
        b.append("<p class=\"note\">").append(esc(String.format(Locale.ROOT,
                "%s to %s · %d cores · load average before %s, after %s · backend %s · %s req/s open loop for %ds (%ds warm-up), "
                        + "%d connections, %d load thread(s), %d round(s)",
                m.start(), m.end(), m.processors(), m.loadAverageBefore(), m.loadAverageAfter(), m.backend(),
                fmt(c.rate()), c.duration().toSeconds(), c.warmup().toSeconds(), c.connections(), c.threads(), c.rounds())))
                .append("</p>");

        b.append("<h2>Medians over rounds</h2><table><tr><th>scenario</th><th>req/s</th><th>p50 µs</th><th>p90 µs</th><th>p99 µs</th>")
                .append("<th>p99.9 µs</th><th>max req/s</th><th>added p50 µs</th><th>added p99 µs</th><th>throughput vs direct</th>")
                .append("<th>CPU-s / 1000 req</th><th>peak RSS MiB</th><th>failures</th><th>security</th></tr>");
        for (MeshReport.Summary s : r.summaries().values().stream().sorted((x, y) -> x.scenario().compareTo(y.scenario())).toList()) {
            b.append("<tr><td>").append(esc(s.scenario().label())).append("</td>")
                    .append(td(s.rate())).append(td(s.p50())).append(td(s.p90())).append(td(s.p99())).append(td(s.p999()))
                    .append(td(s.maxRps())).append(td(s.addedP50())).append(td(s.addedP99()))
                    .append("<td>").append(Double.isNaN(s.throughputChange()) ? "–" : String.format(Locale.ROOT, "%+.1f%%", s.throughputChange() * 100)).append("</td>")
                    .append(td(s.cpuPer1000AtRate())).append(td(s.peakRssMib())).append("<td>").append(s.failures()).append("</td>")
                    .append("<td>").append(esc(s.security() == null ? "" : s.security())).append("</td></tr>");
        }
        b.append("</table>");
        for (var e : r.skipped().entrySet()) {
            b.append("<p class=\"note\">").append(esc(e.getKey().label())).append(": not run (").append(esc(e.getValue())).append(")</p>");
        }

        b.append("<h2>Latency by percentile (fixed rate, all rounds)</h2>");
        b.append("<p class=\"note\">Latency from the intended send time (stalls count, as wrk2 counts them); log scales.</p>");
        b.append(percentilePlot(merged(r)));
        var sums = r.summaries().values().stream().sorted((x, y) -> x.scenario().compareTo(y.scenario())).toList();
        b.append("<h2>Closed-loop throughput (median)</h2>");
        b.append(bars(sums, MeshReport.Summary::maxRps, " req/s", "no closed-loop pass"));
        b.append("<h2>CPU per 1000 requests at the fixed rate (median)</h2>");
        b.append("<p class=\"note\">CPU seconds of the processes under test (proxies, backend) per 1000 requests.</p>");
        b.append(bars(sums, MeshReport.Summary::cpuPer1000AtRate, " CPU-s", "no CPU measured"));
        b.append("<h2>Peak memory (median)</h2>");
        b.append(bars(sums, MeshReport.Summary::peakRssMib, " MiB", "no memory measured"));
        b.append("</body></html>\n");
        return b.toString();
    }

    /** Every scenario's fixed-rate latency histograms, all rounds added up, in scenario order. */
    static Map<Scenario, Histogram> merged(MeshReport r) {
        Map<Scenario, Histogram> out = new java.util.TreeMap<>();
        for (ScenarioRun run : r.runs()) {
            Histogram h = out.computeIfAbsent(run.scenario(), k -> new Histogram(run.atRate().latency().getHighestTrackableValue(), 3));
            h.add(run.atRate().latency());
        }
        return out;
    }

    private static String percentilePlot(Map<Scenario, Histogram> hs) {
        double maxNines = nines(PERCENTILES[PERCENTILES.length - 1]);
        double lo = Double.MAX_VALUE, hi = 0;
        for (Histogram h : hs.values()) {
            if (h.getTotalCount() == 0) continue;
            for (double p : PERCENTILES) {
                double v = Math.max(1, h.getValueAtPercentile(p));
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
        }
        if (hi == 0) return "<p class=\"note\">no latencies recorded</p>";
        double yLo = Math.pow(10, Math.floor(Math.log10(lo))), yHi = Math.pow(10, Math.ceil(Math.log10(hi)));
        if (yHi <= yLo) yHi = yLo * 10;
        StringBuilder b = new StringBuilder();
        b.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(W).append("\" height=\"").append(H).append("\" role=\"img\">");
        int plotW = W - LEFT - RIGHT, plotH = H - TOP - BOTTOM;
        for (double p : PERCENTILES) { // x grid
            double x = LEFT + plotW * nines(p) / maxNines;
            b.append(line(x, TOP, x, TOP + plotH, "#eee")).append(text(x, H - BOTTOM + 18, "p" + fmt(p), "middle"));
        }
        for (double v = yLo; v <= yHi * 1.0001; v *= 10) { // y grid, decades
            double y = y(v, yLo, yHi, plotH);
            b.append(line(LEFT, y, LEFT + plotW, y, "#eee")).append(text(LEFT - 6, y + 4, micros(v), "end"));
        }
        b.append(line(LEFT, TOP + plotH, LEFT + plotW, TOP + plotH, "#888")).append(line(LEFT, TOP, LEFT, TOP + plotH, "#888"));
        int i = 0;
        for (var e : hs.entrySet()) {
            Histogram h = e.getValue();
            if (h.getTotalCount() == 0) continue;
            String colour = COLOURS[i % COLOURS.length];
            List<String> points = new ArrayList<>();
            for (double p : PERCENTILES) {
                double x = LEFT + plotW * nines(p) / maxNines;
                points.add(String.format(Locale.ROOT, "%.1f,%.1f", x, y(Math.max(1, h.getValueAtPercentile(p)), yLo, yHi, plotH)));
            }
            b.append("<polyline fill=\"none\" stroke-width=\"2\" stroke=\"").append(colour).append("\" points=\"").append(String.join(" ", points)).append("\"/>");
            double ly = TOP + 14 + 18 * i;
            b.append(line(W - RIGHT + 12, ly - 4, W - RIGHT + 32, ly - 4, colour)).append(text(W - RIGHT + 38, ly, e.getKey().label(), "start"));
            i++;
        }
        return b.append("</svg>").toString();
    }

    /** One horizontal bar per scenario; a scenario without the value (NaN) gets no bar and a dash. */
    private static String bars(List<MeshReport.Summary> sums, ToDoubleFunction<MeshReport.Summary> value, String unit,
                               String none) {
        double max = sums.stream().mapToDouble(value).filter(d -> !Double.isNaN(d)).max().orElse(0);
        if (!(max > 0)) return "<p class=\"note\">" + esc(none) + "</p>";
        int barH = 22, gap = 8, labelW = 170, plotW = W - labelW - 110;
        int h = TOP + sums.size() * (barH + gap) + 10;
        StringBuilder b = new StringBuilder("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + W + "\" height=\"" + h + "\" role=\"img\">");
        int i = 0;
        for (MeshReport.Summary s : sums) {
            double v = value.applyAsDouble(s);
            double y = TOP + i * (barH + gap);
            double w = Double.isNaN(v) ? 0 : plotW * v / max;
            b.append(text(labelW - 8, y + barH - 6, s.scenario().label(), "end"))
                    .append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%.1f\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>", labelW, y, w, barH, COLOURS[i % COLOURS.length]))
                    .append(text(labelW + w + 6, y + barH - 6, Double.isNaN(v) ? "–" : fmt(v) + unit, "start"));
            i++;
        }
        return b.append("</svg>").toString();
    }

    /** The "nines" of a percentile: 90 → 1, 99 → 2, 99.9 → 3; 50 → 0.3. */
    static double nines(double percentile) {
        return Math.log10(100.0 / (100.0 - percentile));
    }

    private static double y(double v, double lo, double hi, int plotH) {
        return TOP + plotH - plotH * (Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo));
    }

    private static String micros(double us) {
        return us >= 1_000_000 ? fmt(us / 1_000_000) + " s" : us >= 1000 ? fmt(us / 1000) + " ms" : fmt(us) + " µs";
    }

    private static String line(double x1, double y1, double x2, double y2, String colour) {
        return String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>", x1, y1, x2, y2, colour);
    }

    private static String text(double x, double y, String s, String anchor) {
        return String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" text-anchor=\"%s\">%s</text>", x, y, anchor, esc(s));
    }

    private static String td(double v) {
        return "<td>" + (Double.isNaN(v) ? "–" : fmt(v)) + "</td>";
    }

    private static String fmt(double v) {
        if (Double.isNaN(v)) return "–";
        if (v == Math.rint(v) && Math.abs(v) < 1e15) return String.format(Locale.ROOT, "%,d", (long) v);
        return Math.abs(v) >= 100 ? String.format(Locale.ROOT, "%,.0f", v) : String.format(Locale.ROOT, "%.3g", v);
    }

    static String esc(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (char ch : s.toCharArray()) {
            switch (ch) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                default -> b.append(ch);
            }
        }
        return b.toString();
    }
}
