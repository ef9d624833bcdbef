package dev.ficus.control.graph;

import dev.ficus.api.Durations;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code ficus graph}'s table: one line per edge (caller → service and the workload that served
 * it, rate, 5xx share, share of responses the proxy shaped, p99, security), then the proxies that
 * could not be read and why.
 */
public final class GraphText {
    private GraphText() {
    }

    private static final String[] HEAD = {"CALLER", "", "CALLEE", "PROTO", "RATE", "ERRORS", "FLAGGED", "P50 MS", "P99 MS", "SECURITY"};
    private static final boolean[] RIGHT = {false, false, false, false, true, true, true, true, true, false};

    public static String write(ServiceGraph g) {
        List<String[]> rows = new ArrayList<>();
        rows.add(HEAD);
        for (ServiceGraph.Edge e : g.edges()) {
            boolean tcp = e.protocol() == EdgeKey.Protocol.TCP;
            rows.add(new String[] {
                    e.source().id(), "→", callee(e), e.protocol().label(),
                    tcp ? bytesPerSecond(e.tcpBytesPerSecond()) : String.format(Locale.ROOT, "%.2f rps", e.rps()),
                    tcp ? "-" : percent(e.errorRate()), tcp ? "-" : percent(e.flaggedRate()),
                    millis(e.p50Ms()), millis(e.p99Ms()), security(e)});
        }
        int[] width = new int[HEAD.length];
        for (String[] r : rows) for (int i = 0; i < r.length; i++) width[i] = Math.max(width[i], r[i].codePointCount(0, r[i].length()));
        StringBuilder b = new StringBuilder();
        if (g.edges().isEmpty()) {
            b.append("no traffic between workloads in the last ").append(Durations.format(g.window())).append('\n');
        } else {
            for (String[] r : rows) {
                StringBuilder line = new StringBuilder();
                for (int i = 0; i < r.length; i++) {
                    if (i > 0) line.append("  ");
                    int pad = width[i] - r[i].codePointCount(0, r[i].length());
                    if (RIGHT[i]) line.append(" ".repeat(pad)).append(r[i]);
                    else line.append(r[i]).append(i == r.length - 1 ? "" : " ".repeat(pad));
                }
                b.append(line.toString().stripTrailing()).append('\n');
            }
        }
        long read = g.proxies().stream().filter(p -> p.error() == null && p.samples() > 0).count();
        b.append(g.edges().size()).append(g.edges().size() == 1 ? " edge" : " edges").append(" over the last ").append(Durations.format(g.window()))
                .append(" from ").append(read).append(" of ").append(g.proxies().size()).append(g.proxies().size() == 1 ? " proxy" : " proxies").append('\n');
        for (ServiceGraph.ProxyState p : g.proxies()) {
            String who = p.id() + " (" + (p.namespace() == null ? "" : p.namespace() + "/") + String.join(",", p.workloads()) + ")";
            if (p.error() != null) b.append("proxy ").append(who).append(": ").append(p.error()).append('\n');
            else if (p.samples() == 1) b.append("proxy ").append(who).append(": read once so far; its rates come with the next scrape\n");
        }
        return b.toString();
    }

    /** The service called, and in parentheses the workload that served it when known. */
    static String callee(ServiceGraph.Edge e) {
        if (e.destination().isUnknown()) return e.service();
        if (e.service().equals("unknown")) return e.destination().id();
        return e.service() + " (" + e.destination().id() + ")";
    }

    static String security(ServiceGraph.Edge e) {
        if (e.security() == ServiceGraph.Security.MIXED && !Double.isNaN(e.mtlsShare())) {
            return String.format(Locale.ROOT, "mixed (%.0f%% mutual_tls)", e.mtlsShare() * 100);
        }
        return e.security().label();
    }

    static String percent(double share) {
        return String.format(Locale.ROOT, "%.1f%%", share * 100);
    }

    static String millis(double ms) {
        return Double.isNaN(ms) ? "-" : String.format(Locale.ROOT, "%.1f", ms);
    }

    static String bytesPerSecond(double b) {
        if (b < 1024) return String.format(Locale.ROOT, "%.0f B/s", b);
        if (b < 1024 * 1024) return String.format(Locale.ROOT, "%.1f KiB/s", b / 1024);
        return String.format(Locale.ROOT, "%.1f MiB/s", b / (1024 * 1024));
    }
}
