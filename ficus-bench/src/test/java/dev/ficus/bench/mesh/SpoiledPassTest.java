package dev.ficus.bench.mesh;

import dev.ficus.bench.load.LoadResult;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Open-loop passes the load generator spoiled itself: which are run again under
 * {@code --repeat-spoiled}, and what the report says about the ones discarded and the ones kept.
 */
class SpoiledPassTest {

    private static LoadResult.Instrument instrument(long ownLate, int gcPauses) {
        Histogram h = new Histogram(1, 60_000_000, 3);
        h.recordValueWithCount(20, 3000);
        if (ownLate > 0) h.recordValueWithCount(4_200, ownLate);
        return new LoadResult.Instrument(h, ownLate, 1_000_000, gcPauses, gcPauses * 30L, gcPauses > 0 ? 30 : 0);
    }

    private static final LoadResult.Instrument CLEAN = instrument(0, 0);

    @Test
    void onlyPassesTheGeneratorSpoiledAreRepeatedAndNoMoreThanAllowed() {
        LoadResult.Instrument late = instrument(3, 0), paused = instrument(0, 1);
        assertThat(late.spoiled()).isTrue();
        assertThat(paused.spoiled()).isTrue();
        assertThat(CLEAN.spoiled()).isFalse();

        assertThat(MeshBench.repeat(late, 0, 2)).isTrue();
        assertThat(MeshBench.repeat(paused, 1, 2)).isTrue();
        assertThat(MeshBench.repeat(late, 2, 2)).as("the repeats ran out: the last attempt is kept").isFalse();
        assertThat(MeshBench.repeat(late, 0, 0)).as("--repeat-spoiled 0: never").isFalse();
        assertThat(MeshBench.repeat(CLEAN, 0, 2)).as("a clean pass is kept").isFalse();
        // a pass with many sends delayed by a busy connection (the target was slow) is the target's: kept
        LoadResult slowTarget = HtmlReportTest.result(100, 20_000, 1000);
        assertThat(MeshBench.repeat(slowTarget.instrument(), 0, 2)).isFalse();
    }

    @Test
    void theReportCountsSpoiledPassesOnEachSideAndListsTheDiscardedOnes() {
        LoadResult spoiledA = withInstrument(HtmlReportTest.result(100, 9_000, 1000), instrument(5, 1));
        LoadResult spoiledB = withInstrument(HtmlReportTest.result(100, 7_000, 1000), instrument(2, 0));
        LoadResult clean = withInstrument(HtmlReportTest.result(100, 1_000, 1000), CLEAN);
        LoadResult max = HtmlReportTest.result(100, 200, 4000);
        List<ScenarioRun> runs = List.of(
                // round 1: with telemetry, two spoiled attempts discarded, the third clean
                new ScenarioRun(Scenario.FICUS_1HOP, 1, clean, max, 0.1, 0.2, Map.of("proxy", 1L), "-", null, null, null, List.of(spoiledA, spoiledB)),
                new ScenarioRun(Scenario.FICUS_1HOP_NO_TELEMETRY, 1, clean, max, 0.1, 0.2, Map.of("proxy", 1L), "-", null, null, null, List.of()),
                // round 2: without telemetry, spoiled and kept (no repeats left)
                new ScenarioRun(Scenario.FICUS_1HOP_NO_TELEMETRY, 2, spoiledB, max, 0.1, 0.2, Map.of("proxy", 1L), "-", null, null, null, List.of(spoiledA)),
                new ScenarioRun(Scenario.FICUS_1HOP, 2, clean, max, 0.1, 0.2, Map.of("proxy", 1L), "-", null, null, null, List.of()));
        MeshBenchConfig config = MeshBenchConfig.builder(Path.of("ficus")).scenarios(List.of(Scenario.FICUS_1HOP, Scenario.FICUS_1HOP_NO_TELEMETRY))
                .rounds(2).repeatSpoiled(1).build();
        MeshReport report = new MeshReport(config, new MeshReport.Machine(2, "0.1", "0.2", 100, false, true, "nginx", "epoll",
                Instant.EPOCH, Instant.EPOCH, "/tmp/x", "proxies on CPU 1"), runs, Map.of());

        MeshReport.PairSummary p = report.pairs().getFirst();
        MeshReport.GeneratorNoise with = p.generatorWith(), without = p.generatorWithout();
        assertThat(List.of(with.passes(), with.spoiledKept(), with.discarded())).containsExactly(2, 0, 2);
        assertThat(List.of(with.ownLateSends(), with.gcPauses())).containsExactly(0L, 0L);
        assertThat(List.of(without.passes(), without.spoiledKept(), without.discarded())).containsExactly(2, 1, 1);
        assertThat(List.of(without.ownLateSends(), without.gcPauses())).containsExactly(2L, 0L);
        assertThat(without.maxLatenessMs()).isCloseTo(4.2, org.assertj.core.api.Assertions.within(0.01));

        String text = report.text();
        assertThat(text).contains("repeat spoiled: an open-loop pass the load generator spoiled itself is run again, up to 1 times");
        assertThat(text).contains("0/0.0/0/1 +2 discarded").contains("2/4.2/0/1 +1 discarded");
        assertThat(text).contains("with: 0 of 2 passes spoiled").contains("without: 1 of 2 passes spoiled (2 sends >= 1 ms late with a free connection, latest 4.2 ms; 0 GC pauses), 1 discarded and run again");
        assertThat(text).contains("warning: passes the load generator spoiled are in the pooled p99");

        String json = report.json();
        assertThat(json).contains("\"repeat_spoiled\":1");
        assertThat(json).contains("\"discarded_at_rate\":[{\"why\":\"5 sends >= 1 ms late with a free connection (max 4.2 ms); 1 GC pause(s) of the generator's JVM, 30 ms (max 30 ms)\",\"p50_us\":100");
        assertThat(json).contains("\"generator_without\":{\"passes\":2,\"spoiled_kept\":1,\"own_late_sends\":2,\"gc_pauses\":0,\"discarded\":1");
        assertThat(json).contains("\"generator_spoiled\":true").contains("\"own_late_sends\":2");
    }

    @Test
    void aMachineTooBusyForTheGeneratorIsSaidSo() {
        // spoiled passes in which the target also fell behind (a busy connection delayed 0.5% of the sends): nothing judges p99
        LoadResult spoiled = withBusyLateSends(withInstrument(HtmlReportTest.result(100, 9_000, 1000), instrument(400, 0)), 6);
        LoadResult clean = withInstrument(HtmlReportTest.result(100, 1_000, 1000), CLEAN);
        LoadResult max = HtmlReportTest.result(100, 200, 4000);
        List<ScenarioRun> runs = List.of(
                new ScenarioRun(Scenario.FICUS_1HOP, 1, spoiled, max, 0.1, 0.2, Map.of("proxy", 1L), "-"),
                new ScenarioRun(Scenario.FICUS_1HOP_NO_TELEMETRY, 1, spoiled, max, 0.1, 0.2, Map.of("proxy", 1L), "-"),
                new ScenarioRun(Scenario.FICUS_1HOP_NO_TELEMETRY, 2, spoiled, max, 0.1, 0.2, Map.of("proxy", 1L), "-"),
                new ScenarioRun(Scenario.FICUS_1HOP, 2, clean, max, 0.1, 0.2, Map.of("proxy", 1L), "-"));
        MeshBenchConfig config = MeshBenchConfig.builder(Path.of("ficus")).scenarios(List.of(Scenario.FICUS_1HOP, Scenario.FICUS_1HOP_NO_TELEMETRY))
                .rounds(2).build();
        MeshReport busy = new MeshReport(config, new MeshReport.Machine(2, "9.1", "9.2", 100, false, true, "nginx", "epoll",
                Instant.EPOCH, Instant.EPOCH, "/tmp/x", "proxies on CPU 1"), runs, Map.of());
        String text = busy.text();
        assertThat(text).contains("warning: the load generator spoiled most passes").doesNotContain("--repeat-spoiled N runs such passes again");
        // both sides measured the same latencies and CPU: the intervals lie at 1.0, inside the bar, yet p99 is not judged
        MeshReport.PairSummary p = busy.pairs().getFirst();
        assertThat(MeshReport.Verdict.of(p.pooled().p99(), MeshReport.TELEMETRY_MAX_COST, true)).isEqualTo(MeshReport.Verdict.HELD);
        assertThat(p.p99Trusted()).isFalse();
        assertThat(p.telemetryBar()).contains(MeshReport.Verdict.NOT_RESOLVED);
        assertThat(p.svcP99Trusted()).isFalse();
        assertThat(text).contains("p99 from the intended send not judged: the load generator spoiled 3 of the 4 passes kept (more than 10%)")
                .contains("nor the p99 from the actual send (sends a busy connection delayed: 6 of 2200 with, 12 of 2200 without: more than 0.1% on a side");
        assertThat(busy.json()).contains("\"p99_trusted\":false").contains("\"svc_p99_trusted\":false").contains("\"telemetry_bar\":\"not_resolved\"");

        // the same figures from passes the generator did not spoil: held
        List<ScenarioRun> quiet = runs.stream().map(r -> new ScenarioRun(r.scenario(), r.round(), clean, max, 0.1, 0.2, Map.of("proxy", 1L), "-")).toList();
        MeshReport.PairSummary q = new MeshReport(config, new MeshReport.Machine(2, "0.1", "0.2", 100, false, true, "nginx", "epoll",
                Instant.EPOCH, Instant.EPOCH, "/tmp/x", "proxies on CPU 1"), quiet, Map.of()).pairs().getFirst();
        assertThat(q.p99Trusted()).isTrue();
        assertThat(q.telemetryBar()).contains(MeshReport.Verdict.HELD);
    }

    @Test
    void whenTheGeneratorSpoiledThePassesButTheTargetKeptUpTheP99FromTheActualSendJudges() {
        // every pass spoiled by the generator's own delays (its intended-time tail is the machine's), the same service
        // times on both sides and no send delayed by a busy connection: the p99 from the actual send judges, and holds
        LoadResult spoiledLong = withInstrument(HtmlReportTest.result(100, 9_000, 1000), instrument(400, 0));
        LoadResult spoiledShort = withInstrument(HtmlReportTest.result(100, 2_000, 1000), instrument(300, 0));
        LoadResult max = HtmlReportTest.result(100, 200, 4000);
        java.util.function.Function<LoadResult, LoadResult> sameService = r -> new LoadResult(r.config(), r.transport(), r.startTime(), r.endTime(),
                r.measured(), r.latency(), HtmlReportTest.result(100, 1_000, 1000).serviceTime(), r.sent(), r.responsesInWindow(), r.statusCodes(),
                r.errors(), r.lateSends(), r.responseSizes(), r.headerSizes(), r.connectionsOpened(), r.instrument());
        List<ScenarioRun> runs = List.of(
                new ScenarioRun(Scenario.FICUS_1HOP, 1, sameService.apply(spoiledLong), max, 0.1, 0.2, Map.of("proxy", 1L), "-"),
                new ScenarioRun(Scenario.FICUS_1HOP_NO_TELEMETRY, 1, sameService.apply(spoiledShort), max, 0.1, 0.2, Map.of("proxy", 1L), "-"),
                new ScenarioRun(Scenario.FICUS_1HOP_NO_TELEMETRY, 2, sameService.apply(spoiledShort), max, 0.1, 0.2, Map.of("proxy", 1L), "-"),
                new ScenarioRun(Scenario.FICUS_1HOP, 2, sameService.apply(spoiledLong), max, 0.1, 0.2, Map.of("proxy", 1L), "-"));
        MeshBenchConfig config = MeshBenchConfig.builder(Path.of("ficus")).scenarios(List.of(Scenario.FICUS_1HOP, Scenario.FICUS_1HOP_NO_TELEMETRY))
                .rounds(2).build();
        MeshReport report = new MeshReport(config, new MeshReport.Machine(2, "0.8", "0.9", 100, false, true, "nginx", "epoll",
                Instant.EPOCH, Instant.EPOCH, "/tmp/x", "proxies on CPU 1"), runs, Map.of());
        MeshReport.PairSummary p = report.pairs().getFirst();
        assertThat(p.p99Trusted()).isFalse();
        assertThat(p.svcP99Trusted()).isTrue();
        // the intended-time p99 differs (the generator's delays were longer on one side): it would say NOT held
        assertThat(MeshReport.Verdict.of(p.pooled().p99(), MeshReport.TELEMETRY_MAX_COST, true)).isEqualTo(MeshReport.Verdict.NOT_HELD);
        assertThat(p.pooled().svcP99().estimate()).isEqualTo(1.0);
        assertThat(p.telemetryBar()).contains(MeshReport.Verdict.HELD);
        assertThat(report.text()).contains("judged by the p99 from the actual send instead (sends a busy connection delayed: 0 of 2200 with, 0 of 2200 without");
        assertThat(report.json()).contains("\"svc_p99_trusted\":true").contains("\"svc_p99_ratio\":{\"estimate\":1,\"low\":1,\"high\":1");
    }

    private static LoadResult withBusyLateSends(LoadResult r, long busy) {
        return new LoadResult(r.config(), r.transport(), r.startTime(), r.endTime(), r.measured(), r.latency(), r.serviceTime(), r.sent(),
                r.responsesInWindow(), r.statusCodes(), r.errors(), busy, r.responseSizes(), r.headerSizes(), r.connectionsOpened(), r.instrument());
    }

    private static LoadResult withInstrument(LoadResult r, LoadResult.Instrument g) {
        return new LoadResult(r.config(), r.transport(), r.startTime(), r.endTime(), r.measured(), r.latency(), r.serviceTime(), r.sent(),
                r.responsesInWindow(), r.statusCodes(), r.errors(), r.lateSends(), r.responseSizes(), r.headerSizes(), r.connectionsOpened(), g);
    }
}
