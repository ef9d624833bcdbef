package dev.ficus.bench.report;

import dev.ficus.api.Durations;
import dev.ficus.bench.load.ErrorKind;
import dev.ficus.bench.load.LoadConfig;
import dev.ficus.bench.load.LoadResult;
import dev.ficus.bench.load.Progress;
import dev.ficus.bench.load.Protocol;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;

/** The summary a person reads at the end of {@code ficus bench run}, and the live progress line. */
public final class TextReport {
    private TextReport() {
    }

    public static String summary(LoadResult r) {
        var c = r.config();
        StringBuilder sb = new StringBuilder(512);
        sb.append(String.format(Locale.ROOT, "target    %s (%s, %d thread%s, %d connection%s%s, %s)%n",
                target(c), r.transport(), c.threads(), c.threads() == 1 ? "" : "s",
                c.connections(), c.connections() == 1 ? "" : "s",
                c.protocol().multiplexed() ? " x " + c.streams() + " stream" + (c.streams() == 1 ? "" : "s") : "",
                c.closedLoop() ? "closed loop" : "open loop at " + ReportFormat.number(c.rate()) + "/s"));
        sb.append(String.format(Locale.ROOT, "rate      %.1f requests/s achieved over %s (%d responses; warm-up %s not counted)%n",
                r.achievedRate(), Durations.format(r.measured()), r.responsesInWindow(), Durations.format(c.warmup())));
        sb.append(String.format(Locale.ROOT, "latency   p50 %s  p90 %s  p99 %s  p99.9 %s  max %s%n",
                ms(r.latencyMillis(50)), ms(r.latencyMillis(90)), ms(r.latencyMillis(99)),
                ms(r.latencyMillis(99.9)), ms(r.latency().getTotalCount() == 0 ? 0 : r.latency().getMaxValue() / 1000.0)));
        if (!c.closedLoop()) {
            sb.append(String.format(Locale.ROOT,
                    "          (from each request's intended send time; %d sent late because the target fell behind)%n",
                    r.lateSends()));
        }
        if (c.protocol() == Protocol.GRPC && !r.statusCodes().isEmpty()) {
            List<String> codes = new ArrayList<>();
            new TreeMap<>(r.statusCodes()).forEach((code, n) -> codes.add(GrpcStatus.name(code) + " " + n));
            sb.append("status    ").append(String.join(", ", codes)).append(System.lineSeparator());
        }
        sb.append("errors    ").append(r.errorCount());
        if (r.errorCount() > 0) {
            sb.append(" (");
            boolean first = true;
            for (ErrorKind k : ErrorKind.values()) {
                long n = r.errors().get(k);
                if (n == 0) continue;
                if (!first) sb.append(", ");
                sb.append(k.label()).append(' ').append(n);
                first = false;
            }
            sb.append(')');
        }
        sb.append(System.lineSeparator());
        return sb.toString();
    }

    /** What is sent, in a few words: {@code GET http://…}, {@code h2c GET http://…}, {@code grpc /pkg.S/M at http://…}. */
    public static String target(LoadConfig c) {
        return switch (c.protocol()) {
            case HTTP1 -> c.method() + " " + c.target();
            case H2C -> "h2c " + c.method() + " " + c.target();
            case GRPC -> "grpc " + c.target().getRawPath() + " at " + c.target().resolve("/")
                    + " (" + c.bodySize() + "-byte messages)";
            case TCP -> "tcp echo of " + c.bodySize() + " bytes at " + c.target();
        };
    }

    public static String progress(Progress p) {
        String phase = switch (p.phase()) {
            case WARMUP -> "warm-up";
            case MEASURING -> "measuring";
            case DRAINING -> "draining";
        };
        return String.format(Locale.ROOT, "%6.1fs %-9s rate %9.1f/s  p50 %s  p99 %s  errors %d",
                p.elapsed().toMillis() / 1000.0, phase, p.rate(), ms(p.p50Micros() / 1000.0), ms(p.p99Micros() / 1000.0),
                p.errors());
    }

    static String ms(double millis) {
        return String.format(Locale.ROOT, "%.3f ms", millis);
    }
}
