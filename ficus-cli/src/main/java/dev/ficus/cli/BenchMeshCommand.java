package dev.ficus.cli;

import dev.ficus.api.Durations;
import dev.ficus.bench.mesh.MeshBench;
import dev.ficus.bench.mesh.MeshBenchConfig;
import dev.ficus.bench.mesh.MeshReport;
import dev.ficus.bench.mesh.Scenario;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code ficus bench mesh}: what each mesh step costs. Starts a backend and, per scenario, the
 * processes of one path to it (HAProxy, nginx, one ficus proxy, two ficus proxies plaintext, with
 * mTLS, with authorization) on loopback, sends the same load through each, and prints medians
 * over interleaved rounds with each step's cost over the direct path.
 */
@Command(name = "mesh", sortOptions = false,
        description = {
                "Measure each mesh step on loopback: direct, haproxy, nginx, ficus-1hop, ficus-1hop-no-telemetry (Istio",
                "metrics off: telemetry's cost), ficus-1hop-access-log (a line per request to a file), ficus-2hop,",
                "ficus-2hop-mtls, ficus-2hop-mtls-authz, ficus-2hop-mtls-no-telemetry, ficus-2hop-mtls-tracing (every request",
                "traced, spans exported over OTLP/HTTP to a sink in the benchmark).",
                "Each scenario gets an open-loop pass at --rate (latency corrected for",
                "coordinated omission) and a closed-loop pass (max throughput); the proxies' CPU time and RSS are",
                "sampled from /proc. Rounds rotate the scenario order; the table shows medians over rounds.",
                "Scenarios that differ by one feature (with/without telemetry, tracing, access log) run back to back in",
                "each round, in alternating order. The report gives each round's ratios (median and quartiles) and, what",
                "a verdict rests on, the ratios of all rounds pooled (p99 of the merged latency histograms, the proxies'",
                "requests per CPU-second at max) with 95%% intervals from a bootstrap over the pairs of rounds.",
                "To resolve a few percent on a small machine: --pin --same-processes and many short rounds, e.g.",
                "  --scenarios ficus-1hop,ficus-1hop-no-telemetry --pin --same-processes --rounds 56 --prime 60s --duration 4s",
                "and, for the p99, --concurrent-pairs (both sides at the rate at the same time, so the machine's drift",
                "between two passes no longer enters their ratio)."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:every request of every run succeeded", "1:a scenario failed to start or requests failed", "2:usage error"})
final class BenchMeshCommand implements Callable<Integer> {
    @picocli.CommandLine.Mixin
    StandardHelp standardHelp;


    @Option(names = "--rate", paramLabel = "N", defaultValue = "2000", description = "Requests/s of the open-loop pass. Default: ${DEFAULT-VALUE}.")
    String rate;

    @Option(names = "--connections", paramLabel = "C", defaultValue = "16", description = "Keep-alive connections. Default: ${DEFAULT-VALUE}.")
    String connections;

    @Option(names = "--threads", paramLabel = "T", defaultValue = "1", description = "Load-generator event loops. Default: ${DEFAULT-VALUE}.")
    String threads;

    @Option(names = "--duration", paramLabel = "D", defaultValue = "10s", description = "Measured time at the fixed rate. Default: ${DEFAULT-VALUE}.")
    String duration;

    @Option(names = "--max-duration", paramLabel = "D", defaultValue = "5s", description = "Measured time of the closed-loop pass. Default: ${DEFAULT-VALUE}.")
    String maxDuration;

    @Option(names = "--prime", paramLabel = "D", defaultValue = "5s",
            description = "Closed-loop load sent to each freshly started path first, not recorded (the JVM compiles its hot code). Default: ${DEFAULT-VALUE}.")
    String prime;

    @Option(names = "--warmup", paramLabel = "D", defaultValue = "2s", description = "Load before each pass, not recorded. Default: ${DEFAULT-VALUE}.")
    String warmup;

    @Option(names = "--rounds", paramLabel = "N", defaultValue = "3", description = "Rounds (scenario order rotated each round). Default: ${DEFAULT-VALUE}.")
    String rounds;

    @Option(names = "--scenarios", paramLabel = "A,B", split = ",", description = "A subset, in this order. Default: all of them.")
    List<String> scenarios;

    @Option(names = "--policy-rules", paramLabel = "N", defaultValue = "10",
            description = "Rules of the AuthorizationPolicy in ficus-2hop-mtls-authz; the request matches the last. Default: ${DEFAULT-VALUE}.")
    String policyRules;

    @Option(names = "--pin",
            description = "Run the proxies on the last CPU and everything else (load generator, backend, control plane) on the others (taskset).")
    boolean pin;

    @Option(names = "--same-processes",
            description = {"Start and prime each scenario's processes once and measure them again in every round (rounds become short",
                    "slices of one run: JVM start and JIT no longer differ between rounds; pairs see the same background load)."})
    boolean sameProcesses;

    @Option(names = "--concurrent-pairs",
            description = {"With --same-processes: the open-loop passes of a pair's two sides (with/without a feature) run at the same",
                    "time, each at --rate, their sends half an interval apart, so a stall of the machine meets both sides and",
                    "their p99 ratio is not the machine's drift between two passes. Closed-loop passes still run one at a time."})
    boolean concurrentPairs;

    @Option(names = "--repeat-spoiled", paramLabel = "N", defaultValue = "0",
            description = {"Run an open-loop pass again, up to N times, when the load generator spoiled it itself (a send it delayed by",
                    "1 ms or more with a free connection, or a GC pause of its JVM, in the measured window); the report counts",
                    "and lists the discarded passes. 0: never (spoiled passes are only counted). Default: ${DEFAULT-VALUE}."})
    String repeatSpoiled;

    @Option(names = "--ficus", paramLabel = "PATH", description = "The ficus launcher to start proxies with. Default: the one running this command.")
    Path ficus;

    @Option(names = "--smp", paramLabel = "FILE", description = "Also write every run as an SMP JSON array.")
    Path smp;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write everything (settings, medians, every run) as JSON.")
    Path json;

    @Option(names = "--html", paramLabel = "FILE", description = "Also write a self-contained HTML report (table, latency-by-percentile plot, throughput bars).")
    Path html;

    @Option(names = "--fortio", paramLabel = "DIR",
            description = "Also write every run as a Fortio result, one JSON file per scenario, round and pass (what `fortio report -data-dir DIR` browses).")
    Path fortio;

    @Option(names = "--profile", paramLabel = "FILE",
            description = {"Take the settings from a YAML profile: option names without dashes to values (rate: 2000, scenarios: [direct, ficus-1hop]);",
                    "options given on the command line win. --print-profile shows the built-in one."})
    Path profile;

    @Option(names = "--print-profile", description = "Print the built-in profile (every setting with its default) as YAML and exit.")
    boolean printProfile;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (printProfile) {
            out.print(BenchProfiles.defaults(spec, "ficus bench mesh: the built-in profile"));
            out.flush();
            return 0;
        }
        java.util.Map<String, String> fromProfile = java.util.Map.of();
        MeshBenchConfig config;
        try {
            if (profile != null) fromProfile = BenchProfiles.apply(spec, dev.ficus.bench.mesh.MeshProfile.load(profile));
            config = config();
        } catch (dev.ficus.bench.mesh.MeshProfile.ProfileException e) {
            err.println("ficus bench mesh: " + e.getMessage());
            err.flush();
            return Main.EXIT_USAGE;
        } catch (IllegalArgumentException e) {
            err.println("ficus bench mesh: " + BenchProfiles.locate(e.getMessage(), fromProfile));
            err.flush();
            return Main.EXIT_USAGE;
        }
        MeshReport report;
        try {
            report = new MeshBench(config, line -> {
                err.println("bench mesh: " + line);
                err.flush();
            }).run();
        } catch (IOException e) {
            err.println("ficus bench mesh: " + e.getMessage());
            err.flush();
            return 1;
        }
        out.print(report.text());
        out.flush();
        if (smp != null) write(smp, report.smp());
        if (json != null) write(json, report.json());
        if (html != null) write(html, dev.ficus.bench.mesh.HtmlReport.render(report));
        if (fortio != null) dev.ficus.bench.mesh.MeshFortio.write(report, fortio, VersionCommand.version());
        return report.failures() == 0 ? 0 : 1;
    }

    private static void write(Path file, String text) throws IOException {
        Files.writeString(file, text + "\n", StandardCharsets.UTF_8);
    }

    MeshBenchConfig config() {
        Path launcher = ficus != null ? ficus.toAbsolutePath() : MeshBench.findLauncher(Path.of("")).orElseThrow(() ->
                new IllegalArgumentException("cannot find the ficus launcher; give --ficus PATH/TO/ficus"));
        if (!Files.isExecutable(launcher)) throw new IllegalArgumentException("--ficus: not an executable file: " + launcher);
        MeshBenchConfig.Builder b = MeshBenchConfig.builder(launcher);
        b.rate(number("--rate", rate));
        b.connections(integer("--connections", connections));
        b.threads(integer("--threads", threads));
        b.duration(duration("--duration", duration));
        b.maxDuration(duration("--max-duration", maxDuration));
        b.warmup(duration("--warmup", warmup));
        b.prime(duration("--prime", prime));
        b.rounds(integer("--rounds", rounds));
        b.policyRules(integer("--policy-rules", policyRules));
        b.pin(pin);
        b.sameProcesses(sameProcesses);
        b.concurrentPairs(concurrentPairs);
        b.repeatSpoiled(integer("--repeat-spoiled", repeatSpoiled));
        if (scenarios != null) {
            List<Scenario> list = new ArrayList<>();
            for (String s : scenarios) {
                try {
                    list.add(Scenario.parse(s));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("--scenarios: " + e.getMessage());
                }
            }
            b.scenarios(list);
        } else {
            b.scenarios(Arrays.asList(Scenario.values()));
        }
        return b.build();
    }

    private static Duration duration(String option, String text) {
        try {
            return Durations.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(option + ": " + e.getMessage());
        }
    }

    private static double number(String option, String text) {
        try {
            return Double.parseDouble(text.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + ": expected a number, got '" + text + "'");
        }
    }

    private static int integer(String option, String text) {
        try {
            return Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "%s: expected a whole number, got '%s'", option, text));
        }
    }
}
