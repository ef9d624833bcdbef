package dev.ficus.bench.report;

import dev.ficus.bench.load.ErrorKind;
import dev.ficus.bench.load.LoadConfig;
import dev.ficus.bench.load.LoadResult;
import dev.ficus.bench.load.Progress;
import dev.ficus.bench.load.SizeStatsFixture;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The three reports of one known result: the numbers a reader of each format expects, in its units. */
class ReportsTest {

    /** 1000 responses in 2 s: 900 at 1 ms, 90 at 10 ms, 10 at 100 ms; two 503s and one timeout. */
    static LoadResult result() {
        Histogram h = new Histogram(1, 60_000_000, 3);
        h.recordValueWithCount(1_000, 900);
        h.recordValueWithCount(10_000, 90);
        h.recordValueWithCount(100_000, 10);
        LoadConfig config = LoadConfig.builder(URI.create("http://127.0.0.1:8080/x")).rate(500)
                .duration(Duration.ofSeconds(2)).connections(4).build();
        Map<ErrorKind, Long> errors = new EnumMap<>(ErrorKind.class);
        for (ErrorKind k : ErrorKind.values()) errors.put(k, 0L);
        errors.put(ErrorKind.STATUS_5XX, 2L);
        errors.put(ErrorKind.TIMEOUT, 1L);
        Instant start = Instant.parse("2025-01-02T03:04:05Z");
        return new LoadResult(config, "epoll", start, start.plusSeconds(2), Duration.ofSeconds(2), h, h.copy(),
                1001, 1000, Map.of(200, 998L, 503, 2L), errors, 7,
                SizeStatsFixture.of(1100, 1000), SizeStatsFixture.of(76, 1000), 5);
    }

    @SuppressWarnings("unchecked")
    @Test
    void smpHasTheSpecFieldsInMillisecondsAndUtc() {
        var json = (Map<String, Object>) MiniJson.parse(SmpReport.toJson(result(),
                new SmpReport.Meta("run-1", Map.of("mesh", "ficus"), true, 250.0, null)));
        assertThat(json).containsEntry("smp_version", "v0.0.1").containsEntry("id", "run-1")
                .containsEntry("start_time", "2025-01-02T03:04:05Z").containsEntry("end_time", "2025-01-02T03:04:07Z")
                .containsEntry("actual_QPS", 500.0).containsEntry("mtls_enabled", true)
                .containsEntry("cpu_mCores", 250.0).doesNotContainKey("mem_mb");
        assertThat((Map<String, Object>) json.get("labels")).containsEntry("mesh", "ficus")
                .containsEntry("load_generator", "ficus").containsEntry("requested_rate", "500");
        var lat = (Map<String, Object>) json.get("latencies_ms");
        assertThat(lat).containsOnlyKeys("min", "average", "p50", "p90", "p99", "max");
        assertThat((Double) lat.get("min")).isCloseTo(1.0, within(0.001));
        assertThat((Double) lat.get("p50")).isCloseTo(1.0, within(0.001));
        assertThat((Double) lat.get("p99")).isCloseTo(10.0, within(0.01));
        assertThat((Double) lat.get("max")).isCloseTo(100.0, within(0.1));
        assertThat((Double) lat.get("average")).isCloseTo((900 * 1 + 90 * 10 + 10 * 100) / 1000.0, within(0.01));
    }

    @SuppressWarnings("unchecked")
    @Test
    void fortioHasItsFieldsInSecondsWithCumulativeBuckets() {
        var json = (Map<String, Object>) MiniJson.parse(FortioReport.toJson(result(), "lbl", "0.1.0"));
        assertThat(json).containsEntry("RunType", "HTTP").containsEntry("Labels", "lbl")
                .containsEntry("StartTime", "2025-01-02T03:04:05Z").containsEntry("RequestedQPS", "500")
                .containsEntry("RequestedDuration", "2s").containsEntry("ActualQPS", 500.0)
                .containsEntry("ActualDuration", 2e9).containsEntry("NumThreads", 4.0)
                .containsEntry("URL", "http://127.0.0.1:8080/x").containsEntry("SocketCount", 5.0);
        assertThat((Map<String, Object>) json.get("RetCodes"))
                .containsEntry("200", 998.0).containsEntry("503", 2.0).containsEntry("-1", 1.0);
        var h = (Map<String, Object>) json.get("DurationHistogram");
        assertThat(h).containsEntry("Count", 1000.0);
        assertThat((Double) h.get("Min")).isCloseTo(0.001, within(1e-6));
        assertThat((Double) h.get("Max")).isCloseTo(0.1, within(1e-4));
        assertThat((Double) h.get("Sum")).isCloseTo(2.8, within(0.01));
        var data = (List<Map<String, Object>>) h.get("Data");
        assertThat(data).hasSize(3);
        assertThat(data).extracting(b -> b.get("Count")).containsExactly(900.0, 90.0, 10.0);
        assertThat(data).extracting(b -> b.get("Percent")).containsExactly(90.0, 99.0, 100.0);
        for (var b : data) assertThat((Double) b.get("Start")).isLessThanOrEqualTo((Double) b.get("End"));
        var pct = (List<Map<String, Object>>) h.get("Percentiles");
        assertThat(pct).extracting(p -> p.get("Percentile")).containsExactly(50.0, 75.0, 90.0, 99.0, 99.9);
        assertThat((Double) pct.get(3).get("Value")).isCloseTo(0.010, within(1e-4));
        var sizes = (Map<String, Object>) json.get("Sizes");
        assertThat(sizes).containsEntry("Count", 1000.0).containsEntry("Avg", 1100.0);
        assertThat(json).containsKey("HeaderSizes");
    }

    @Test
    void textSummaryNamesRateLatenciesAndErrors() {
        String text = TextReport.summary(result());
        assertThat(text).contains("500.0 requests/s achieved over 2s")
                .contains("p50 1.000 ms").contains("p99 10.007 ms").contains("p99.9 100.")
                .contains("7 sent late").contains("errors    3 (timeout 1, 5xx 2)");
        assertThat(TextReport.progress(new Progress(Duration.ofMillis(2500), Progress.Phase.MEASURING, 499.5, 1000, 10_000, 3)))
                .contains("2.5s").contains("measuring").contains("499.5/s").contains("p50 1.000 ms")
                .contains("p99 10.000 ms").contains("errors 3");
    }

    @Test
    void jsonStringsAreEscaped() {
        String json = new JsonWriter().beginObject().field("a\"b", "line\nnext\u0001").name("n").beginArray()
                .value(1.5).value(Double.NaN).value(2).endArray().endObject().toString();
        assertThat(json).isEqualTo("{\"a\\\"b\":\"line\\nnext\\u0001\",\"n\":[1.5,null,2]}");
        assertThat(MiniJson.parse(json)).isNotNull();
    }
}
