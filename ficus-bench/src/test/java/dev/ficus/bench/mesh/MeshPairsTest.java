package dev.ficus.bench.mesh;

import dev.ficus.bench.load.LoadResult;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * What the telemetry-cost measurement is built from: the round order that keeps each with/without
 * pair back to back in alternating order, the per-round ratios and their quartiles, the OTLP
 * sink's span count, and taskset's CPU lists.
 */
class MeshPairsTest {

    @Test
    void pairsRunBackToBackAndTakeTurnsGoingFirst() {
        List<Scenario> s = List.of(Scenario.FICUS_1HOP, Scenario.FICUS_1HOP_NO_TELEMETRY);
        assertThat(MeshBench.roundOrder(s, 1)).containsExactly(Scenario.FICUS_1HOP, Scenario.FICUS_1HOP_NO_TELEMETRY);
        assertThat(MeshBench.roundOrder(s, 2)).containsExactly(Scenario.FICUS_1HOP_NO_TELEMETRY, Scenario.FICUS_1HOP);
        assertThat(MeshBench.roundOrder(s, 3)).containsExactly(Scenario.FICUS_1HOP, Scenario.FICUS_1HOP_NO_TELEMETRY);

        // pairs given apart are brought together; groups rotate like single scenarios did
        List<Scenario> mixed = List.of(Scenario.FICUS_1HOP, Scenario.DIRECT, Scenario.FICUS_1HOP_NO_TELEMETRY);
        assertThat(MeshBench.roundOrder(mixed, 1)).containsExactly(Scenario.FICUS_1HOP, Scenario.FICUS_1HOP_NO_TELEMETRY, Scenario.DIRECT);
        assertThat(MeshBench.roundOrder(mixed, 2)).containsExactly(Scenario.DIRECT, Scenario.FICUS_1HOP_NO_TELEMETRY, Scenario.FICUS_1HOP);

        // a chain (tracing ↔ mTLS ↔ mTLS without telemetry) is one group: every round runs each scenario once
        List<Scenario> chain = List.of(Scenario.FICUS_2HOP_MTLS_TRACING, Scenario.FICUS_2HOP_MTLS_NO_TELEMETRY, Scenario.FICUS_2HOP_MTLS);
        for (int round = 1; round <= 3; round++) assertThat(MeshBench.roundOrder(chain, round)).containsExactlyInAnyOrderElementsOf(chain);
        assertThat(MeshBench.roundOrder(chain, 1).getFirst()).isNotEqualTo(MeshBench.roundOrder(chain, 2).getFirst());

        // without pairs: the plain rotation by one
        List<Scenario> plain = List.of(Scenario.DIRECT, Scenario.HAPROXY, Scenario.NGINX);
        assertThat(MeshBench.roundOrder(plain, 2)).containsExactly(Scenario.HAPROXY, Scenario.NGINX, Scenario.DIRECT);
    }

    @Test
    void eachRoundIsComparedWithItsOwnPartner() {
        // round 1: with telemetry 900/s vs 1000/s; round 2: 1800 vs 2000 (the whole machine was twice as fast);
        // round 3: 1000 vs 1000. Medians of the scenarios would mix rounds; per-round ratios do not.
        List<ScenarioRun> runs = List.of(
                run(Scenario.FICUS_1HOP, 1, 900, 1100), run(Scenario.FICUS_1HOP_NO_TELEMETRY, 1, 1000, 1000),
                run(Scenario.FICUS_1HOP_NO_TELEMETRY, 2, 2000, 500), run(Scenario.FICUS_1HOP, 2, 1800, 550),
                run(Scenario.FICUS_1HOP, 3, 1000, 1000), run(Scenario.FICUS_1HOP_NO_TELEMETRY, 3, 1000, 1000));
        MeshBenchConfig config = MeshBenchConfig.builder(Path.of("ficus"))
                .scenarios(List.of(Scenario.FICUS_1HOP, Scenario.FICUS_1HOP_NO_TELEMETRY)).rounds(3).build();
        MeshReport report = new MeshReport(config, new MeshReport.Machine(2, "0.1", "0.2", 100, false, true, "nginx", "epoll",
                Instant.EPOCH, Instant.EPOCH, "/tmp/x", "proxies on CPU 1"), runs, Map.of());
        assertThat(report.pairs()).hasSize(1);
        MeshReport.PairSummary p = report.pairs().getFirst();
        assertThat(p.pairs()).isEqualTo(3);
        assertThat(p.maxRps().median()).isCloseTo(0.9, within(1e-9));
        assertThat(p.maxRps().q1()).isCloseTo(0.9, within(1e-9));
        assertThat(p.maxRps().q3()).isCloseTo(0.95, within(1e-9));
        assertThat(p.throughputCost()).isCloseTo(0.1, within(1e-9));
        assertThat(p.p99Increase()).isCloseTo(0.1, within(1e-3));
        // notch: 1.57 × (0.95 − 0.9) / √3 ≈ 0.045, so the interval of the 10% cost, 5.5%-14.5%, lies beyond the 5% bar
        assertThat(p.maxRps().halfWidth()).isCloseTo(1.57 * 0.05 / Math.sqrt(3), within(1e-9));
        assertThat(p.telemetryBar()).contains(MeshReport.Verdict.NOT_HELD);
        assertThat(report.text()).contains("paired rounds").contains("pinned (taskset): proxies on CPU 1")
                .contains("issue #7, telemetry, one hop (destination reporter): throughput cost 10.0% ±4.5, p99 +10.0%").contains("NOT held");
        assertThat(report.json()).contains("\"pairs\":[{\"feature\":\"telemetry, one hop (destination reporter)\"")
                .contains("\"max_rps_ratio\":{\"median\":0.9,").contains("\"telemetry_bar\":\"not_held\"");
    }

    @Test
    void aBarIsHeldOrNotOnlyWhenTheIntervalOfTheMedianIsOnOneSideOfIt() {
        // cost 2% ± 1%: held; 2% ± 5%: not resolved; 12% ± 5%: not held
        assertThat(MeshReport.Verdict.of(ratio(0.98, 0.01), 0.05, false)).isEqualTo(MeshReport.Verdict.HELD);
        assertThat(MeshReport.Verdict.of(ratio(0.98, 0.05), 0.05, false)).isEqualTo(MeshReport.Verdict.NOT_RESOLVED);
        assertThat(MeshReport.Verdict.of(ratio(0.88, 0.05), 0.05, false)).isEqualTo(MeshReport.Verdict.NOT_HELD);
        // p99: higher is worse
        assertThat(MeshReport.Verdict.of(ratio(1.02, 0.01), 0.05, true)).isEqualTo(MeshReport.Verdict.HELD);
        assertThat(MeshReport.Verdict.of(ratio(1.12, 0.01), 0.05, true)).isEqualTo(MeshReport.Verdict.NOT_HELD);
        assertThat(MeshReport.Verdict.both(MeshReport.Verdict.HELD, MeshReport.Verdict.NOT_RESOLVED)).isEqualTo(MeshReport.Verdict.NOT_RESOLVED);
        assertThat(MeshReport.Verdict.both(MeshReport.Verdict.NOT_HELD, MeshReport.Verdict.NOT_RESOLVED)).isEqualTo(MeshReport.Verdict.NOT_HELD);
    }

    /** A ratio with median {@code m} whose notch is {@code halfWidth}, from 16 pairs. */
    private static MeshReport.Ratio ratio(double m, double halfWidth) {
        double iqr = halfWidth * 4 / 1.57;
        return new MeshReport.Ratio(m, m - iqr / 2, m + iqr / 2, 16);
    }

    @Test
    void quartilesInterpolateBetweenNeighbours() {
        double[] v = {1, 2, 3, 4};
        assertThat(MeshReport.quantile(v, 0.5)).isEqualTo(2.5);
        assertThat(MeshReport.quantile(v, 0.25)).isEqualTo(1.75);
        assertThat(MeshReport.quantile(v, 0.75)).isEqualTo(3.25);
        assertThat(MeshReport.quantile(new double[0], 0.5)).isNaN();
        assertThat(MeshReport.Ratio.of(new double[]{Double.NaN, 2, Double.POSITIVE_INFINITY}).median()).isEqualTo(2);
    }

    @Test
    void theSinkCountsTheSpansOfEachExportAndDiscardsThem() throws Exception {
        try (OtlpSink sink = new OtlpSink(); HttpClient client = HttpClient.newHttpClient()) {
            // two ResourceSpans: one with two ScopeSpans of 2 and 1 spans, one with one ScopeSpans of 3
            byte[] request = concat(
                    field(1, concat(field(1, bytes(0x0a, 0x00)), field(2, spans(2)), field(2, spans(1)))),
                    field(1, concat(field(2, spans(3)))));
            assertThat(OtlpSink.countSpans(request)).isEqualTo(6);
            HttpResponse<Void> r = client.send(HttpRequest.newBuilder(URI.create(sink.endpoint()))
                    .header("Content-Type", "application/x-protobuf").POST(HttpRequest.BodyPublishers.ofByteArray(request)).build(),
                    HttpResponse.BodyHandlers.discarding());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(sink.spans()).isEqualTo(6);
            assertThat(sink.requests()).isEqualTo(1);
            assertThat(sink.bytes()).isEqualTo(request.length);

            byte[] cut = java.util.Arrays.copyOf(request, request.length - 3);
            assertThat(OtlpSink.countSpans(cut)).isEqualTo(-1);
            client.send(HttpRequest.newBuilder(URI.create(sink.endpoint())).POST(HttpRequest.BodyPublishers.ofByteArray(cut)).build(),
                    HttpResponse.BodyHandlers.discarding());
            assertThat(sink.malformed()).isEqualTo(1);
            assertThat(sink.spans()).isEqualTo(6);
        }
    }

    @Test
    void cpuListsAsTasksetPrintsThem() {
        assertThat(CpuPinning.parseList("0-3,6,8-9")).containsExactly(0, 1, 2, 3, 6, 8, 9);
        assertThat(CpuPinning.parseList("1")).containsExactly(1);
        assertThat(CpuPinning.NONE.proxy(List.of("ficus", "proxy"))).containsExactly("ficus", "proxy");
    }

    private static ScenarioRun run(Scenario s, int round, long maxRps, long p99Us) {
        LoadResult atRate = HtmlReportTest.result(100, p99Us, 1000);
        LoadResult max = HtmlReportTest.result(100, 200, (int) (maxRps * 2)); // 2 s measured
        return new ScenarioRun(s, round, atRate, max, 0.1, 0.2, Map.of("proxy", 100_000L), "-");
    }

    private static byte[] spans(int n) {
        byte[][] parts = new byte[n + 1][];
        parts[0] = field(1, bytes(0x0a, 0x01, 0x78)); // the scope
        for (int i = 1; i <= n; i++) parts[i] = field(2, concat(field(1, new byte[16]), bytes(0x28, 0x96, 0x01))); // trace id, a varint
        return concat(parts);
    }

    private static byte[] field(int number, byte[] value) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(number << 3 | 2);
        for (int len = value.length; ; len >>>= 7) {
            if (len < 0x80) {
                b.write(len);
                break;
            }
            b.write(len & 0x7f | 0x80);
        }
        b.writeBytes(value);
        return b.toByteArray();
    }

    private static byte[] bytes(int... v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) b[i] = (byte) v[i];
        return b;
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (byte[] p : parts) b.writeBytes(p);
        return b.toByteArray();
    }
}
