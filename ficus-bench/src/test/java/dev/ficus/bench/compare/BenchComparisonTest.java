package dev.ficus.bench.compare;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BenchComparisonTest {
    static BenchComparison.Figures f(String s, double p50, double p99, double rps, double cpu) {
        return new BenchComparison.Figures(s, p50, p99, rps, cpu);
    }

    @Test
    void aRiseBeyondTheLimitIsARegressionWithItsFigures() {
        var r = BenchComparison.compare(List.of(f("ficus-1hop", 200, 1000, 10000, 0.05)), List.of(f("ficus-1hop", 210, 1150, 9500, 0.07)),
                BenchComparison.Limits.DEFAULT);
        assertThat(r.regressed()).isTrue();
        assertThat(r.rows().getFirst().regressions()).containsExactly("p99 1000 → 1150 µs is 15.0% higher, more than the 10.00% allowed");
        assertThat(r.text(BenchComparison.Limits.DEFAULT)).contains("1 regression").contains("ficus-1hop: p99 1000 → 1150 µs");
    }

    @Test
    void withinLimitsOrUnderTheNoiseFloorIsNotARegression() {
        var within = BenchComparison.compare(List.of(f("a", 200, 1000, 10000, 0.05)), List.of(f("a", 300, 1090, 9100, 0.09)), BenchComparison.Limits.DEFAULT);
        assertThat(within.regressed()).isFalse();
        var floor = new BenchComparison.Limits(null, 0.10, null, null, 100);
        assertThat(BenchComparison.compare(List.of(f("a", 20, 100, 1, 1)), List.of(f("a", 20, 180, 1, 1)), floor).regressed())
                .as("+80 µs is under a 100 µs floor").isFalse();
        assertThat(BenchComparison.compare(List.of(f("a", 20, 100, 1, 1)), List.of(f("a", 20, 250, 1, 1)), floor).regressed()).isTrue();
    }

    @Test
    void throughputCpuAndP50AreCheckedWhenAsked() {
        var all = new BenchComparison.Limits(0.05, null, 0.05, 0.05, 0);
        var r = BenchComparison.compare(List.of(f("a", 100, 1000, 10000, 0.10)), List.of(f("a", 110, 5000, 9000, 0.12)), all);
        assertThat(r.rows().getFirst().regressions()).hasSize(3)
                .anySatisfy(s -> assertThat(s).startsWith("p50 100 → 110 µs is 10.0% higher"))
                .anySatisfy(s -> assertThat(s).startsWith("max throughput 10000 → 9000 req/s is 10.0% lower"))
                .anySatisfy(s -> assertThat(s).startsWith("CPU per 1000 requests 0.100 → 0.120 s is 20.0% higher"));
    }

    @Test
    void scenariosInOneFileOnlyAreListedNotFailed() {
        var r = BenchComparison.compare(List.of(f("a", 1, 1, 1, 1), f("b", 1, 1, 1, 1)), List.of(f("a", 1, 1, 1, 1), f("c", 1, 1, 1, 1)), BenchComparison.Limits.DEFAULT);
        assertThat(r.regressed()).isFalse();
        assertThat(r.onlyInBaseline()).containsExactly("b");
        assertThat(r.onlyInCurrent()).containsExactly("c");
    }

    @Test
    void readsMeshJsonAndFortioJsonAndRefusesOtherFiles(@TempDir Path dir) throws Exception {
        Path mesh = Files.writeString(dir.resolve("mesh.json"), """
                {"settings":{},"summary":[{"scenario":"direct","p50_us":100.0,"p99_us":400.0,"max_rps":20000.0,"cpu_s_per_1000_requests_at_rate":"NaN"},
                 {"scenario":"ficus-1hop","p50_us":250.0,"p99_us":900.0,"max_rps":9000.0,"cpu_s_per_1000_requests_at_rate":0.04}]}
                """);
        assertThat(BenchComparison.read(mesh)).extracting(BenchComparison.Figures::scenario).containsExactly("direct", "ficus-1hop");
        assertThat(BenchComparison.read(mesh).get(1).cpuPer1000()).isEqualTo(0.04);
        assertThat(BenchComparison.read(mesh).get(0).cpuPer1000()).isNaN();
        Path fortio = Files.writeString(dir.resolve("fortio.json"), """
                {"RunType":"HTTP","Labels":"","ActualQPS":99.5,"DurationHistogram":{"Percentiles":[{"Percentile":50,"Value":0.0005},{"Percentile":99,"Value":0.002}]}}
                """);
        BenchComparison.Figures run = BenchComparison.read(fortio).getFirst();
        assertThat(run.scenario()).isEqualTo("run");
        assertThat(run.p50Us()).isEqualTo(500.0);
        assertThat(run.p99Us()).isEqualTo(2000.0);
        assertThat(run.maxRps()).isEqualTo(99.5);
        Path other = Files.writeString(dir.resolve("x.json"), "{\"a\":1}");
        assertThatThrownBy(() -> BenchComparison.read(other)).hasMessageContaining("x.json").hasMessageContaining("neither");
        Path broken = Files.writeString(dir.resolve("y.json"), "{\"a\":");
        assertThatThrownBy(() -> BenchComparison.read(broken)).hasMessageContaining("y.json: not JSON");
    }
}
