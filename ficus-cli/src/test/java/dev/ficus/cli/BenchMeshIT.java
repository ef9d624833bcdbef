package dev.ficus.cli;

import dev.ficus.bench.mesh.MeshBench;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code ficus bench mesh} as a user runs it, tiny: direct, one ficus proxy, and two ficus proxies
 * with mTLS under a real control plane, started through {@code ./ficus}; 200 requests/s for 2 s,
 * one round. The backend is nginx when installed, an in-process server otherwise (named in the report).
 */
class BenchMeshIT {
    static final List<String> SUMMARY_FIELDS = List.of("scenario", "mtls_enabled", "rounds", "rate", "p50_us", "p90_us", "p99_us",
            "p999_us", "max_rps", "added_p50_us", "added_p99_us", "throughput_change_vs_direct",
            "cpu_s_per_1000_requests_at_rate", "cpu_s_per_1000_requests_at_max", "peak_rss_mib", "failures", "late_sends",
            "between_proxies");

    @Test
    void directOneHopAndTwoHopsWithMtls(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("mesh.json"), smp = dir.resolve("smp.json");
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cmd = new CommandLine(new BenchMeshCommand()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err));
        int exit = cmd.execute("--ficus", FicusCommandIT.ROOT.resolve("ficus").toString(),
                "--scenarios", "direct,ficus-1hop,ficus-2hop-mtls", "--rate", "200", "--duration", "2s", "--warmup", "1s",
                "--max-duration", "1s", "--connections", "4", "--rounds", "1",
                "--json", json.toString(), "--smp", smp.toString(), "--fortio", dir.resolve("fortio").toString());
        assertThat(exit).as("exit code; stderr:\n%s\nstdout:\n%s", err, out).isZero();
        // Fortio results: one file per scenario and pass, each a Fortio run with its histogram and return codes
        try (var files = Files.list(dir.resolve("fortio"))) {
            assertThat(files.map(p -> p.getFileName().toString()).sorted().toList()).containsExactly(
                    "direct_r1_at_rate.json", "direct_r1_max.json", "ficus-1hop_r1_at_rate.json", "ficus-1hop_r1_max.json",
                    "ficus-2hop-mtls_r1_at_rate.json", "ficus-2hop-mtls_r1_max.json");
        }
        assertThat(Files.readString(dir.resolve("fortio/ficus-2hop-mtls_r1_at_rate.json"))).contains("\"RunType\":\"HTTP\"")
                .contains("\"DurationHistogram\":").contains("\"RetCodes\":{\"200\":").contains("\"ActualQPS\":");

        String text = out.toString();
        assertThat(text).contains("scenario").contains("p99.9 us").contains("CPU-s/1k@rate").contains("RSS MiB")
                .contains("direct").contains("ficus-1hop").contains("ficus-2hop-mtls");
        if (MeshBench.findTool("nginx").isEmpty()) {
            assertThat(text).as("without nginx the report names the stand-in backend").contains("nginx not installed");
        }

        String report = Files.readString(json);
        for (String scenario : List.of("direct", "ficus-1hop", "ficus-2hop-mtls")) {
            String summary = object(report, scenario);
            for (String field : SUMMARY_FIELDS) assertThat(summary).as(scenario).contains("\"" + field + "\":");
            assertThat(summary).as(scenario + ": no failed request").contains("\"failures\":0,");
            assertThat(number(summary, "rate")).as(scenario + " achieved rate").isBetween(190.0, 210.0);
            assertThat(number(summary, "max_rps")).as(scenario + " max throughput").isPositive();
            if (!scenario.equals("direct")) {
                assertThat(number(summary, "peak_rss_mib")).as(scenario + " RSS").isPositive();
                assertThat(number(summary, "cpu_s_per_1000_requests_at_rate")).as(scenario + " CPU").isPositive();
            }
        }
        // the mTLS path was checked on proxy B before measuring: STRICT, and every caller mutual_tls
        assertThat(object(report, "ficus-2hop-mtls")).contains("\"mtls_enabled\":true").contains("\"between_proxies\":\"mutual_tls\"");
        assertThat(object(report, "ficus-1hop")).contains("\"mtls_enabled\":false");
        assertThat(report).contains("\"comparisons\":").contains("\"runs\":[").contains("\"clock_ticks_per_s\":");

        String smpText = Files.readString(smp).strip();
        assertThat(smpText).startsWith("[").endsWith("]");
        // two passes (at rate, max) per scenario
        assertThat(Pattern.compile("\"smp_version\"").matcher(smpText).results().count()).isEqualTo(6);
        assertThat(smpText).contains("\"scenario\":\"ficus-2hop-mtls\"").contains("\"mtls_enabled\":true")
                .contains("\"latencies_ms\"").contains("\"actual_QPS\"").contains("\"cpu_mCores\"").contains("\"mem_mb\"");
    }

    /**
     * {@code --concurrent-pairs}: the two sides of the telemetry pair have their passes at the rate
     * at the same time (their measured windows overlap), then their closed-loop passes one after
     * the other; both sides are reported as a pair as usual.
     */
    @Test
    void concurrentPairsMeasureBothSidesAtTheSameTime(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("mesh.json");
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cmd = new CommandLine(new BenchMeshCommand()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err));
        int exit = cmd.execute("--ficus", FicusCommandIT.ROOT.resolve("ficus").toString(), "--same-processes", "--concurrent-pairs",
                "--scenarios", "ficus-1hop,ficus-1hop-no-telemetry", "--rate", "200", "--duration", "2s",
                "--warmup", "1s", "--max-duration", "1s", "--prime", "1s", "--connections", "4", "--rounds", "1",
                "--json", json.toString());
        assertThat(exit).as("exit code; stderr:\n%s\nstdout:\n%s", err, out).isZero();
        assertThat(out.toString()).contains("concurrent pairs: the two sides of a pair had their passes at the rate at the same time")
                .contains("ficus-1hop / ficus-1hop-no-telemetry");
        assertThat(err.toString()).contains("(at the rate beside ficus-1hop-no-telemetry)");

        String report = Files.readString(json);
        assertThat(report).contains("\"concurrent_pairs\":true");
        List<java.time.Instant[]> windows = Pattern.compile("\"at_rate\":\\{\"requested_rate\":[0-9.]+,\"start_time\":\"([^\"]+)\",\"end_time\":\"([^\"]+)\"")
                .matcher(report).results().map(m -> new java.time.Instant[] {java.time.Instant.parse(m.group(1)), java.time.Instant.parse(m.group(2))}).toList();
        assertThat(windows).as("the two passes at the rate in " + report).hasSize(2);
        // each window is 2 s; run one after the other they would not overlap at all
        java.time.Instant overlapStart = windows.get(0)[0].isAfter(windows.get(1)[0]) ? windows.get(0)[0] : windows.get(1)[0];
        java.time.Instant overlapEnd = windows.get(0)[1].isBefore(windows.get(1)[1]) ? windows.get(0)[1] : windows.get(1)[1];
        assertThat(java.time.Duration.between(overlapStart, overlapEnd)).as("overlap of the two measured windows")
                .isGreaterThan(java.time.Duration.ofMillis(1900));
        for (String scenario : List.of("ficus-1hop", "ficus-1hop-no-telemetry")) {
            assertThat(object(report, scenario)).as(scenario + ": no failed request").contains("\"failures\":0,");
        }
    }

    /**
     * The telemetry-cost measurement, tiny: pinned, processes started once, two rounds of one ficus proxy with and without
     * telemetry and of two mTLS hops tracing every request to the benchmark's OTLP sink. The pair
     * runs back to back in alternating order; the report gives its per-round ratios, the pooled
     * ratios with their bootstrap intervals and the verdict they make, what ran beside the
     * proxies, and the spans the sink received. Whether the cost is within the bar is not asserted here (it needs many
     * rounds), only that the figures are there and sane.
     */
    @Test
    void pinnedTelemetryPairsAndTracingAtEveryRequest(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(MeshBench.findTool("taskset").isPresent() && Runtime.getRuntime().availableProcessors() >= 2,
                "--pin needs taskset and two CPUs");
        Path json = dir.resolve("mesh.json"), smp = dir.resolve("smp.json");
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cmd = new CommandLine(new BenchMeshCommand()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err));
        int exit = cmd.execute("--ficus", FicusCommandIT.ROOT.resolve("ficus").toString(), "--pin", "--same-processes",
                "--scenarios", "ficus-1hop,ficus-1hop-no-telemetry,ficus-2hop-mtls-tracing", "--rate", "200", "--duration", "2s",
                "--warmup", "1s", "--max-duration", "1s", "--prime", "1s", "--connections", "4", "--rounds", "2",
                "--json", json.toString(), "--smp", smp.toString());
        assertThat(exit).as("exit code; stderr:\n%s\nstdout:\n%s", err, out).isZero();

        String text = out.toString();
        assertThat(text).contains("pinned (taskset): proxies on CPU").contains("paired rounds")
                .contains("ficus-1hop / ficus-1hop-no-telemetry").contains("issue #7, telemetry, one hop")
                .contains("tracing at 100%").contains("ficus-2hop-mtls-tracing");

        String report = Files.readString(json);
        assertThat(report).contains("\"pin\":true").contains("\"same_processes\":true").contains("\"pinning\":\"proxies on CPU ");
        assertThat(err.toString()).as("each scenario started once").containsOnlyOnce("ficus-1hop: starting").containsOnlyOnce("ficus-1hop-no-telemetry: starting");
        for (String scenario : List.of("ficus-1hop", "ficus-1hop-no-telemetry", "ficus-2hop-mtls-tracing")) {
            String summary = object(report, scenario);
            assertThat(summary).as(scenario + ": no failed request").contains("\"failures\":0,");
            assertThat(number(summary, "rounds")).as(scenario).isEqualTo(2);
            assertThat(number(summary, "max_rps")).as(scenario + " max throughput").isPositive();
            assertThat(number(summary, "cpu_s_per_1000_requests_at_max")).as(scenario + " CPU").isPositive();
        }
        assertThat(object(report, "ficus-2hop-mtls-tracing")).contains("\"between_proxies\":\"mutual_tls\"");

        // the pair ran back to back, with telemetry first in round 1 and second in round 2
        List<String> order = Pattern.compile("\\{\"scenario\":\"([a-z0-9-]+)\",\"round\":(\\d)").matcher(report).results()
                .map(m -> m.group(2) + " " + m.group(1)).toList();
        assertThat(order).containsExactly("1 ficus-1hop", "1 ficus-1hop-no-telemetry", "1 ficus-2hop-mtls-tracing",
                "2 ficus-2hop-mtls-tracing", "2 ficus-1hop-no-telemetry", "2 ficus-1hop");

        Matcher pair = Pattern.compile("\\{\"feature\":\"telemetry, one hop[^}]*\"pairs\":(\\d+),\"max_rps_ratio\":\\{\"median\":([0-9.Ee+-]+)")
                .matcher(report);
        assertThat(pair.find()).as("the telemetry pair in " + report).isTrue();
        assertThat(Integer.parseInt(pair.group(1))).isEqualTo(2);
        assertThat(Double.parseDouble(pair.group(2))).as("max rps with/without telemetry").isBetween(0.2, 5.0);
        // the verdict's statistics: pooled over both rounds, each with an interval around its estimate
        assertThat(text).contains("pooled over the rounds").contains("throughput: the proxies' capacity at max")
                .contains("p99: the 99th percentile of all rounds' latencies at 200/s merged").contains("verdict: ");
        Matcher capacity = Pattern.compile("\"capacity_at_max_ratio\":\\{\"estimate\":([0-9.Ee+-]+),\"low\":([0-9.Ee+-]+),\"high\":([0-9.Ee+-]+)")
                .matcher(report);
        assertThat(capacity.find()).as("the pooled capacity in " + report).isTrue();
        double estimate = Double.parseDouble(capacity.group(1));
        assertThat(estimate).as("capacity with/without telemetry").isBetween(0.2, 5.0)
                .isBetween(Double.parseDouble(capacity.group(2)), Double.parseDouble(capacity.group(3)));
        assertThat(report).contains("\"throughput_statistic\":\"capacity_at_max\"").contains("\"telemetry_bar\":\"");
        // what ran beside the proxies in each pass: the load generator's and the backend's CPU, the proxies' wait for theirs
        assertThat(number(report, "client_cpu_s")).as("the load generator's CPU").isPositive();
        assertThat(report).contains("\"backend_cpu_s\":").contains("\"proxy_run_queue_wait_s\":");

        // every traced request makes a client span on A and a server span on B; the sink counted them
        Matcher traced = Pattern.compile("\"tracing\":\\{[^}]*}").matcher(report);
        int tracedRuns = 0;
        while (traced.find()) {
            tracedRuns++;
            String t = traced.group();
            // the proxies export in batches: on a busy machine a short pass's window can close before its batch arrives
            assertThat(number(t, "spans_at_rate") + number(t, "spans_at_max")).as(t).isPositive();
            assertThat(number(t, "spans_per_request")).as(t).isBetween(0.5, 3.0);
            assertThat(number(t, "proxies_exported")).as(t).isPositive();
            assertThat(number(t, "unreadable_exports")).as(t).isZero();
        }
        assertThat(tracedRuns).as("one tracing object per tracing run").isEqualTo(2);
        assertThat(Pattern.compile("\"smp_version\"").matcher(Files.readString(smp)).results().count()).isEqualTo(12);
    }

    /** The summary object of one scenario (flat: no nested objects). */
    private static String object(String json, String scenario) {
        Matcher m = Pattern.compile("\\{\"scenario\":\"" + Pattern.quote(scenario) + "\",\"mtls_enabled\"[^{}]*}").matcher(json);
        assertThat(m.find()).as("summary of " + scenario + " in " + json).isTrue();
        return m.group();
    }

    private static double number(String object, String field) {
        Matcher m = Pattern.compile("\"" + field + "\":(-?[0-9.Ee+-]+)").matcher(object);
        assertThat(m.find()).as(field + " in " + object).isTrue();
        return Double.parseDouble(m.group(1));
    }
}
