package dev.ficus.bench.report;

import dev.ficus.bench.load.LoadResult;

import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * A run as a Service Mesh Performance (SMP) {@code PerformanceTestResult}: the spec's field
 * names (proto names: {@code smp_version}, {@code start_time}, {@code latencies_ms},
 * {@code actual_QPS} ...), times as RFC 3339 UTC, latencies in milliseconds. The mesh facts SMP
 * keeps in its {@code ServiceMeshConfig} ({@code mtls_enabled}, and CPU in millicores and memory
 * in MB of the proxy when measured) are added at the top level under the same names.
 */
public final class SmpReport {
    /** The SMP spec version these fields follow. */
    public static final String SMP_VERSION = "v0.0.1";

    /**
     * Facts about the mesh under test that the load generator cannot see.
     *
     * @param id          result id; null for a random UUID
     * @param labels      free-form labels (scenario, mesh, build ...)
     * @param mtlsEnabled whether the path under test used mutual TLS
     * @param cpuMillicores proxy CPU in millicores, or null when not measured
     * @param memoryMb    proxy memory in MB, or null when not measured
     */
    public record Meta(String id, Map<String, String> labels, boolean mtlsEnabled, Double cpuMillicores,
                       Double memoryMb) {
        public Meta {
            labels = Map.copyOf(labels);
        }

        public static Meta defaults() {
            return new Meta(null, Map.of(), false, null, null);
        }
    }

    private SmpReport() {
    }

    public static String toJson(LoadResult r, Meta meta) {
        JsonWriter w = new JsonWriter().beginObject();
        w.field("smp_version", SMP_VERSION);
        w.field("id", meta.id() != null ? meta.id() : UUID.randomUUID().toString());
        w.name("labels").beginObject();
        Map<String, String> labels = new TreeMap<>(meta.labels());
        labels.putIfAbsent("load_generator", "ficus");
        labels.putIfAbsent("url", r.config().target().toString());
        labels.putIfAbsent("protocol", r.config().protocol().label());
        if (r.config().protocol().multiplexed()) labels.putIfAbsent("streams", Integer.toString(r.config().streams()));
        labels.putIfAbsent("connections", Integer.toString(r.config().connections()));
        labels.putIfAbsent("requested_rate", r.config().closedLoop() ? "max" : ReportFormat.number(r.config().rate()));
        labels.forEach(w::field);
        w.endObject();
        w.field("start_time", DateTimeFormatter.ISO_INSTANT.format(r.startTime()));
        w.field("end_time", DateTimeFormatter.ISO_INSTANT.format(r.endTime()));
        var h = r.latency();
        boolean any = h.getTotalCount() > 0;
        w.name("latencies_ms").beginObject()
                .field("min", any ? h.getMinValue() / 1000.0 : 0)
                .field("average", any ? h.getMean() / 1000.0 : 0)
                .field("p50", r.latencyMillis(50))
                .field("p90", r.latencyMillis(90))
                .field("p99", r.latencyMillis(99))
                .field("max", any ? h.getMaxValue() / 1000.0 : 0)
                .endObject();
        w.field("actual_QPS", r.achievedRate());
        w.field("mtls_enabled", meta.mtlsEnabled());
        if (meta.cpuMillicores() != null) w.field("cpu_mCores", meta.cpuMillicores());
        if (meta.memoryMb() != null) w.field("mem_mb", meta.memoryMb());
        return w.endObject().toString();
    }
}
