package dev.ficus.bench.mesh;

import dev.ficus.bench.load.ErrorKind;
import dev.ficus.bench.load.LoadConfig;
import dev.ficus.bench.load.LoadResult;
import dev.ficus.bench.load.SizeStatsFixture;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The HTML report of a known result: self-contained, one curve per scenario, every round merged. */
class HtmlReportTest {

    /** {@code n} responses at {@code fastUs} and a tenth of them at {@code slowUs}. */
    static LoadResult result(long fastUs, long slowUs, int n) {
        Histogram h = new Histogram(1, 60_000_000, 3);
        h.recordValueWithCount(fastUs, n);
        h.recordValueWithCount(slowUs, n / 10);
        LoadConfig config = LoadConfig.builder(URI.create("http://127.0.0.1:8080/")).rate(1000).duration(Duration.ofSeconds(2)).connections(4).build();
        Map<ErrorKind, Long> errors = new EnumMap<>(ErrorKind.class);
        for (ErrorKind k : ErrorKind.values()) errors.put(k, 0L);
        Instant start = Instant.parse("2026-11-26T00:00:00Z");
        long total = h.getTotalCount();
        return new LoadResult(config, "epoll", start, start.plusSeconds(2), Duration.ofSeconds(2), h, h.copy(), total, total,
                Map.of(200, total), errors, 0, SizeStatsFixture.of(1100, 10), SizeStatsFixture.of(76, 10), 4);
    }

    static ScenarioRun run(Scenario s, int round, long fastUs, long slowUs) {
        return new ScenarioRun(s, round, result(fastUs, slowUs, 1000), result(fastUs, slowUs, 5000), 0.1, 0.2, Map.of("proxy", 100_000L),
                s.mtls() ? "mutual_tls" : "plaintext");
    }

    static MeshReport report() {
        MeshBenchConfig config = MeshBenchConfig.builder(Path.of("ficus")).scenarios(List.of(Scenario.DIRECT, Scenario.FICUS_2HOP_MTLS)).build();
        var machine = new MeshReport.Machine(2, "0.5", "0.6", 100, false, true, "nginx <x>", "epoll",
                Instant.parse("2026-11-26T00:00:00Z"), Instant.parse("2026-11-26T00:01:00Z"), "/tmp/x");
        return new MeshReport(config, machine, List.of(
                run(Scenario.DIRECT, 1, 200, 2_000), run(Scenario.DIRECT, 2, 200, 2_000),
                run(Scenario.FICUS_2HOP_MTLS, 1, 800, 9_000), run(Scenario.FICUS_2HOP_MTLS, 2, 800, 9_000)),
                Map.of(Scenario.HAPROXY, "not installed"));
    }

    @Test
    void aSelfContainedPageWithACurvePerScenarioAndTheMedians() {
        String html = HtmlReport.render(report());
        assertThat(html).startsWith("<!doctype html>").endsWith("</html>\n")
                .doesNotContain("<script").doesNotContain("src=").doesNotContain("href=") // nothing fetched
                .contains("nginx &lt;x&gt;") // escaped
                .contains("<td>direct</td>").contains("<td>ficus-2hop-mtls</td>")
                .contains("haproxy: not run (not installed)");
        Matcher m = Pattern.compile("<polyline ").matcher(html);
        int curves = 0;
        while (m.find()) curves++;
        assertThat(curves).isEqualTo(2);
        assertThat(html).contains(">direct</text>").contains(">ficus-2hop-mtls</text>");
    }

    @Test
    void roundsAreMergedAndTheNinesAxisIsLogarithmic() {
        var merged = HtmlReport.merged(report());
        assertThat(merged.get(Scenario.DIRECT).getTotalCount()).isEqualTo(2 * 1100);
        assertThat(merged.get(Scenario.FICUS_2HOP_MTLS).getValueAtPercentile(99)).isCloseTo(9_000, within(10L));
        assertThat(HtmlReport.nines(90)).isCloseTo(1.0, within(1e-9));
        assertThat(HtmlReport.nines(99.9)).isCloseTo(3.0, within(1e-9));
    }
}
