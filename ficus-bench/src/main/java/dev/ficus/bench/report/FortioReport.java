package dev.ficus.bench.report;

import dev.ficus.api.Durations;
import dev.ficus.bench.load.ErrorKind;
import dev.ficus.bench.load.LoadResult;
import dev.ficus.bench.load.SizeStats;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;

import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.TreeMap;

/**
 * A run as Fortio's HTTP result JSON (the fields of its {@code HTTPRunnerResults}: {@code RunType},
 * {@code StartTime}, {@code RequestedQPS}, {@code ActualQPS}, {@code DurationHistogram} in
 * seconds, {@code RetCodes} ...), so Fortio's report UI and the scripts built on it read ficus runs.
 * As Fortio does, transport errors are counted under return code -1 and {@code ActualDuration} is
 * in nanoseconds. gRPC and TCP echo runs take the shape of Fortio's gRPC and TCP results
 * ({@code RunType} GRPC or TCP, {@code Destination}, return codes by name).
 */
public final class FortioReport {
    /** Percentiles listed in {@code DurationHistogram.Percentiles}. */
    static final double[] PERCENTILES = {50, 75, 90, 99, 99.9};

    private FortioReport() {
    }

    public static String toJson(LoadResult r, String labels, String version) {
        var c = r.config();
        JsonWriter w = new JsonWriter().beginObject();
        w.field("RunType", switch (c.protocol()) {
            case HTTP1, H2C -> "HTTP";
            case GRPC -> "GRPC";
            case TCP -> "TCP";
        });
        w.field("Labels", labels == null ? "" : labels);
        w.field("StartTime", DateTimeFormatter.ISO_INSTANT.format(r.startTime()));
        w.field("RequestedQPS", c.closedLoop() ? "max" : ReportFormat.number(c.rate()));
        w.field("RequestedDuration", Durations.format(c.duration()));
        w.field("ActualQPS", r.achievedRate());
        w.field("ActualDuration", r.measured().toNanos());
        w.field("NumThreads", c.slots()); // as Fortio's gRPC runner counts them: connections x streams
        w.field("Version", version == null ? "" : version);
        w.name("DurationHistogram");
        durations(w, r.latency());
        w.field("Exactly", 0);
        long transport = 0;
        for (ErrorKind k : ErrorKind.values()) {
            if (!k.withResponse()) transport += r.errors().get(k);
        }
        w.name("RetCodes").beginObject();
        switch (c.protocol()) {
            case HTTP1, H2C -> {
                for (Map.Entry<Integer, Long> e : new TreeMap<>(r.statusCodes()).entrySet()) {
                    w.field(Integer.toString(e.getKey()), e.getValue());
                }
                if (transport > 0) w.field("-1", transport);
            }
            case GRPC -> {
                // Fortio keys a gRPC run's results by status name and a call that failed by "ERROR".
                for (Map.Entry<Integer, Long> e : new TreeMap<>(r.statusCodes()).entrySet()) {
                    w.field(GrpcStatus.name(e.getKey()), e.getValue());
                }
                if (transport > 0) w.field("ERROR", transport);
            }
            case TCP -> {
                // Fortio keys a TCP run's results by "OK" and by each error's text.
                w.field("OK", r.statusCodes().getOrDefault(0, 0L));
                for (ErrorKind k : ErrorKind.values()) {
                    if (r.errors().get(k) > 0) w.field(k.label(), r.errors().get(k));
                }
            }
        }
        w.endObject();
        w.name("Sizes");
        sizes(w, r.responseSizes());
        w.name("HeaderSizes");
        sizes(w, r.headerSizes());
        switch (c.protocol()) {
            case HTTP1, H2C -> w.field("URL", c.target().toString());
            case GRPC -> {
                w.field("Destination", c.target().toString());
                w.field("Streams", c.streams());
            }
            case TCP -> {
                w.field("Destination", c.target().toString());
                w.field("BytesSent", r.sent() * c.bodySize());
                w.field("BytesReceived", r.responseSizes().sum());
            }
        }
        w.field("SocketCount", r.connectionsOpened());
        return w.endObject().toString();
    }

    /** Latency histogram in seconds: Fortio's {@code HistogramData}, cumulative percents per bucket. */
    private static void durations(JsonWriter w, Histogram h) {
        long count = h.getTotalCount();
        double min = count == 0 ? 0 : h.getMinValue() / 1e6;
        double max = count == 0 ? 0 : h.getMaxValue() / 1e6;
        double avg = count == 0 ? 0 : h.getMean() / 1e6;
        w.beginObject()
                .field("Count", count)
                .field("Min", min)
                .field("Max", max)
                .field("Sum", avg * count)
                .field("Avg", avg)
                .field("StdDev", count == 0 ? 0 : h.getStdDeviation() / 1e6);
        w.name("Data").beginArray();
        if (count > 0) {
            long seen = 0;
            double start = min;
            // Buckets growing by 25% from 50 µs: at most about 65 of them up to 60 s.
            for (HistogramIterationValue v : h.logarithmicBucketValues(50, 1.25)) {
                long n = v.getCountAddedInThisIterationStep();
                double end = Math.min(max, h.highestEquivalentValue(v.getValueIteratedTo()) / 1e6);
                if (n > 0) {
                    seen += n;
                    w.beginObject()
                            .field("Start", start)
                            .field("End", Math.max(start, end))
                            .field("Percent", 100.0 * seen / count)
                            .field("Count", n)
                            .endObject();
                }
                start = Math.max(start, end);
                if (seen >= count) break;
            }
        }
        w.endArray();
        w.name("Percentiles").beginArray();
        for (double p : PERCENTILES) {
            w.beginObject().field("Percentile", p)
                    .field("Value", count == 0 ? 0 : h.getValueAtPercentile(p) / 1e6).endObject();
        }
        w.endArray();
        w.endObject();
    }

    /** Sizes in bytes: count, min, max, mean and deviation, one bucket spanning min..max. */
    private static void sizes(JsonWriter w, SizeStats s) {
        w.beginObject()
                .field("Count", s.count())
                .field("Min", s.min())
                .field("Max", s.max())
                .field("Sum", s.sum())
                .field("Avg", s.mean())
                .field("StdDev", s.stdDev());
        w.name("Data").beginArray();
        if (s.count() > 0) {
            w.beginObject().field("Start", s.min()).field("End", s.max()).field("Percent", 100)
                    .field("Count", s.count()).endObject();
        }
        w.endArray();
        w.endObject();
    }
}
