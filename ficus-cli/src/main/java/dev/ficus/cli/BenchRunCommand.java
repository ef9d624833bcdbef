package dev.ficus.cli;

import dev.ficus.api.Durations;
import dev.ficus.bench.load.Knee;
import dev.ficus.bench.load.LoadConfig;
import dev.ficus.bench.load.LoadGenerator;
import dev.ficus.bench.load.LoadResult;
import dev.ficus.bench.load.Progress;
import dev.ficus.bench.load.Protocol;
import dev.ficus.bench.load.RampConfig;
import dev.ficus.bench.load.RampRunner;
import dev.ficus.bench.load.RampStep;
import dev.ficus.bench.report.ReportFormat;
import dev.ficus.bench.report.FortioReport;
import dev.ficus.bench.report.SmpReport;
import dev.ficus.bench.report.TextReport;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * {@code ficus bench run}: one load run against a URL, open loop at a fixed rate (latencies
 * corrected for coordinated omission) or closed loop with {@code --rate max}; prints the achieved
 * rate, percentiles and errors, and writes SMP and Fortio JSON on request. With {@code --ramp} it
 * runs open-loop steps of rising rate until the p99 objective breaks, and names the knee.
 *
 * <p>Values are taken as text and checked here, so that any bad value gets one line naming the
 * option and what it accepts, and exit code 2.
 */
@Command(name = "run", sortOptions = false,
        description = {
                "Send load to URL and report the achieved rate, p50/p90/p99/p99.9/max latency and errors.",
                "--protocol says what one request is:",
                "  http1 (default): an HTTP/1.1 keep-alive request, one in flight per connection;",
                "  h2c: an HTTP/2 stream over cleartext (prior knowledge), --streams in flight per connection;",
                "  grpc: a gRPC unary call over h2c to --grpc-method with a --body-size raw message; success is grpc-status 0;",
                "  tcp: --url tcp://HOST:PORT; --body-size bytes (default " + BenchRunCommand.TCP_BODY_SIZE + ") sent and as many awaited back.",
                "At a fixed --rate, each request has an intended send time and its latency counts from then",
                "(as wrk2 does), so a stalled target shows in the percentiles. --rate max sends each next",
                "request as soon as a response is in.",
                "--ramp START:STEP:MAX runs open-loop steps at START, START+STEP, ... up to MAX requests/s, each for --step-duration after its own warm-up.",
                "It stops at the first step that breaks --slo-p99, achieves less than 90%% of its rate or has more than 1%% errors; the step before is the knee.",
                "With --ramp, --smp and --fortio hold the knee step's result (the last step if the objective held throughout; not written if the first step broke it)."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:the run completed (with --ramp: a knee was found, the objective held up to MAX, or it broke at the first step)",
                "1:no request got a response (see the errors)", "2:usage error"})
final class BenchRunCommand implements Callable<Integer> {
    @picocli.CommandLine.Mixin
    StandardHelp standardHelp;


    @Option(names = "--url", paramLabel = "URL",
            description = "Target: http://HOST:PORT/PATH (http1, h2c, grpc) or tcp://HOST:PORT (tcp).")
    String url;

    @Option(names = "--protocol", paramLabel = "P",
            description = "http1, h2c, grpc or tcp. Default: tcp for a tcp:// URL, else http1.")
    String protocol;

    @Option(names = "--streams", paramLabel = "N", defaultValue = "1",
            description = "h2c and grpc: concurrent HTTP/2 streams per connection (each runs its share of --rate). Default: ${DEFAULT-VALUE}.")
    String streams;

    @Option(names = "--grpc-method", paramLabel = "/PKG.SERVICE/METHOD",
            description = "grpc: the method called, e.g. /helloworld.Greeter/SayHello (replaces the URL's path).")
    String grpcMethod;

    @Option(names = "--rate", paramLabel = "N|max", defaultValue = "100",
            description = "Requests per second over all connections, or max (closed loop). Default: ${DEFAULT-VALUE}.")
    String rate;

    @Option(names = "--duration", paramLabel = "D", defaultValue = "10s",
            description = "Measured time after the warm-up, e.g. 30s, 2m. Default: ${DEFAULT-VALUE}.")
    String duration;

    @Option(names = "--connections", paramLabel = "C", defaultValue = "1",
            description = "Keep-alive connections. Default: ${DEFAULT-VALUE}.")
    String connections;

    @Option(names = "--threads", paramLabel = "T", defaultValue = "0",
            description = "Event-loop threads; 0 (default) is min(connections, processors).")
    String threads;

    @Option(names = "--warmup", paramLabel = "D", defaultValue = "0s",
            description = "Load sent before measuring, left out of the results; with --ramp, before each step "
                    + "(default there: " + RAMP_WARMUP + "). Default: ${DEFAULT-VALUE}.")
    String warmup;

    @Option(names = "--ramp", paramLabel = "START:STEP:MAX",
            description = "Find the knee: open-loop steps from START to MAX requests/s, STEP apart; needs --slo-p99.")
    String ramp;

    @Option(names = "--step-duration", paramLabel = "D", defaultValue = "5s",
            description = "With --ramp: measured time of each step. Default: ${DEFAULT-VALUE}.")
    String stepDuration;

    @Option(names = "--slo-p99", paramLabel = "D",
            description = "With --ramp: a step meets the objective when its corrected p99 is at most this, e.g. 10ms.")
    String sloP99;

    @Option(names = "--method", paramLabel = "M", defaultValue = "GET", description = "Request method. Default: ${DEFAULT-VALUE}.")
    String method;

    @Option(names = "--body-size", paramLabel = "N",
            description = "Request body bytes (grpc: the message, framed with gRPC's 5-byte prefix; tcp: the bytes echoed). Default: 0, for tcp "
                    + TCP_BODY_SIZE + ".")
    String bodySize;

    @Option(names = "--header", paramLabel = "K:V", description = "Extra request header; repeatable.")
    List<String> headers = new ArrayList<>();

    @Option(names = "--timeout", paramLabel = "D", defaultValue = "10s",
            description = "A request without a full response after this long is a timeout error. Default: ${DEFAULT-VALUE}.")
    String timeout;

    @Option(names = "--max-requests", paramLabel = "N", description = "Stop after this many requests (warm-up included).")
    String maxRequests;

    @Option(names = "--smp", paramLabel = "FILE", description = "Also write the result as Service Mesh Performance (SMP) JSON.")
    Path smp;

    @Option(names = "--fortio", paramLabel = "FILE", description = "Also write the result as Fortio JSON.")
    Path fortio;

    @Option(names = "--label", paramLabel = "K=V", description = "A label stored in the JSON results; repeatable.")
    List<String> labels = new ArrayList<>();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** The echo size of a tcp run without --body-size. */
    static final int TCP_BODY_SIZE = 64;

    /** Each ramp step's warm-up unless --warmup says otherwise: new connections and a new rate settle. */
    static final String RAMP_WARMUP = "1s";

    /** A bad value: the message is shown as one line. */
    static final class UsageException extends Exception {
        UsageException(String message) {
            super(message);
        }
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        LoadConfig config;
        RampConfig rampConfig = null;
        Map<String, String> labelMap = new LinkedHashMap<>();
        try {
            for (String l : labels) {
                int eq = l.indexOf('=');
                if (eq <= 0) throw new UsageException("--label: expected KEY=VALUE, got '" + l + "'");
                labelMap.put(l.substring(0, eq), l.substring(eq + 1));
            }
            if (ramp != null) rampConfig = rampConfig();
            else if (given("--step-duration") || given("--slo-p99")) {
                throw new UsageException((given("--slo-p99") ? "--slo-p99" : "--step-duration") + " only applies with --ramp");
            }
            config = config();
        } catch (UsageException | IllegalArgumentException e) {
            err.println("ficus bench run: " + e.getMessage());
            err.flush();
            return Main.EXIT_USAGE;
        }
        boolean terminal = System.console() != null;
        if (rampConfig != null) return ramp(config, rampConfig, labelMap, terminal, out, err);
        Progress.Listener listener = terminal ? p -> {
            err.print("\r" + TextReport.progress(p) + "   ");
            err.flush();
        } : Progress.Listener.NONE;
        LoadResult result = new LoadGenerator(config).run(listener);
        if (terminal) {
            err.println();
            err.flush();
        }
        out.print(TextReport.summary(result));
        out.flush();
        if (smp != null) {
            write(smp, SmpReport.toJson(result, new SmpReport.Meta(null, labelMap, false, null, null)));
        }
        if (fortio != null) {
            // Fortio keeps labels as one free-form string.
            write(fortio, FortioReport.toJson(result, String.join(", ", labels), VersionCommand.version()));
        }
        return result.successes() == 0 ? 1 : 0;
    }

    private int ramp(LoadConfig config, RampConfig rampConfig, Map<String, String> labelMap, boolean terminal,
                     PrintWriter out, PrintWriter err) throws IOException, InterruptedException {
        String slo = Durations.format(rampConfig.sloP99());
        out.printf(Locale.ROOT, "ramp      %s (%s, %d thread%s, %d connection%s%s): open-loop steps %s req/s, %s each after %s warm-up, SLO p99 <= %s%n",
                TextReport.target(config), LoadGenerator.transportName(), config.threads(),
                config.threads() == 1 ? "" : "s", config.connections(), config.connections() == 1 ? "" : "s",
                config.protocol().multiplexed() ? " x " + config.streams() + " stream" + (config.streams() == 1 ? "" : "s") : "",
                ramp, Durations.format(config.duration()), Durations.format(config.warmup()), slo);
        out.printf(Locale.ROOT, "%4s %9s %11s %11s %11s %8s  %s%n", "step", "asked/s", "achieved/s", "p50", "p99", "errors", "SLO");
        out.flush();
        RampRunner.Result result = new RampRunner(config, rampConfig).run(new RampRunner.Listener() {
            @Override
            public void onProgress(int index, double askedRate, Progress p) {
                if (!terminal) return;
                err.print("\rstep " + (index + 1) + " at " + ReportFormat.number(askedRate) + "/s: " + TextReport.progress(p) + "   ");
                err.flush();
            }

            @Override
            public void onStep(int index, RampStep step, LoadResult r) {
                if (terminal) {
                    err.print("\r\033[K");
                    err.flush();
                }
                out.println(stepLine(index, step, rampConfig.sloP99()));
                out.flush();
            }
        });
        Knee knee = result.knee();
        out.println(kneeLine(result, rampConfig));
        out.flush();

        if (smp != null || fortio != null) {
            if (knee.kneeIndex() < 0) {
                err.println("ficus bench run: the first step broke the SLO, so there is no knee step to write to "
                        + (smp != null ? "--smp" : "--fortio") + (smp != null && fortio != null ? " and --fortio" : ""));
                err.flush();
            } else {
                LoadResult kneeResult = result.results().get(knee.kneeIndex());
                // The file holds one step; the labels say which ramp it is the knee of.
                Map<String, String> rampLabels = new LinkedHashMap<>(labelMap);
                rampLabels.putIfAbsent("ramp", ramp);
                rampLabels.putIfAbsent("slo_p99", slo);
                rampLabels.putIfAbsent("ramp_outcome", knee.outcome() == Knee.Outcome.HELD ? "held" : "knee");
                if (smp != null) {
                    write(smp, SmpReport.toJson(kneeResult, new SmpReport.Meta(null, rampLabels, false, null, null)));
                }
                if (fortio != null) {
                    List<String> all = new ArrayList<>(labels);
                    all.add("ramp=" + ramp);
                    all.add("slo_p99=" + slo);
                    write(fortio, FortioReport.toJson(kneeResult, String.join(", ", all), VersionCommand.version()));
                }
            }
        }
        long successes = result.results().stream().mapToLong(LoadResult::successes).sum();
        return successes == 0 ? 1 : 0;
    }

    static String stepLine(int index, RampStep s, Duration slo) {
        Set<RampStep.Breach> breaches = s.breaches(slo);
        StringBuilder verdict = new StringBuilder(breaches.isEmpty() ? "ok" : "broken (");
        if (!breaches.isEmpty()) {
            List<String> why = new ArrayList<>();
            if (breaches.contains(RampStep.Breach.P99)) why.add("p99 above " + Durations.format(slo));
            if (breaches.contains(RampStep.Breach.SHORTFALL)) {
                why.add(String.format(Locale.ROOT, "achieved %.0f%% of the asked rate", 100 * s.achievedRate() / s.askedRate()));
            }
            if (breaches.contains(RampStep.Breach.ERRORS)) {
                why.add(String.format(Locale.ROOT, "errors %.1f%%", 100 * s.errorShare()));
            }
            verdict.append(String.join(", ", why)).append(')');
        }
        return String.format(Locale.ROOT, "%4d %9s %11.1f %11s %11s %8d  %s", index + 1, ReportFormat.number(s.askedRate()),
                s.achievedRate(), ms(s.p50()), ms(s.p99()), s.errors(), verdict);
    }

    static String kneeLine(RampRunner.Result result, RampConfig rampConfig) {
        Knee knee = result.knee();
        String slo = Durations.format(rampConfig.sloP99());
        return switch (knee.outcome()) {
            case FOUND -> {
                RampStep k = result.steps().get(knee.kneeIndex());
                RampStep next = result.steps().get(knee.brokenIndex());
                StringBuilder why = new StringBuilder("p99 " + ms(next.p99()));
                Set<RampStep.Breach> b = next.breaches(rampConfig.sloP99());
                if (b.contains(RampStep.Breach.SHORTFALL)) {
                    why.append(String.format(Locale.ROOT, ", achieved %.1f/s", next.achievedRate()));
                }
                if (b.contains(RampStep.Breach.ERRORS)) {
                    why.append(String.format(Locale.ROOT, ", errors %.1f%%", 100 * next.errorShare()));
                }
                yield String.format(Locale.ROOT, "knee: the highest rate whose p99 met %s: %s req/s (next step %s: %s)",
                        slo, ReportFormat.number(k.askedRate()), ReportFormat.number(next.askedRate()), why);
            }
            case HELD -> String.format(Locale.ROOT, "knee: above the ramp; the SLO held up to %s req/s (p99 %s at the last step)",
                    ReportFormat.number(result.steps().getLast().askedRate()), ms(result.steps().getLast().p99()));
            case BROKE_AT_FIRST -> String.format(Locale.ROOT, "knee: below the ramp; the SLO broke at the first step, %s req/s (p99 %s)",
                    ReportFormat.number(result.steps().getFirst().askedRate()), ms(result.steps().getFirst().p99()));
        };
    }

    private static String ms(Duration d) {
        return String.format(Locale.ROOT, "%.3f ms", d.toNanos() / 1e6);
    }

    /** Whether the user typed the option (options with a default cannot tell by their value). */
    private boolean given(String option) {
        CommandLine.ParseResult p = spec.commandLine().getParseResult();
        return p != null && p.hasMatchedOption(option);
    }

    RampConfig rampConfig() throws UsageException {
        if (given("--rate")) {
            throw new UsageException("--ramp and --rate do not combine: the ramp sets each step's rate");
        }
        if (given("--duration")) {
            throw new UsageException("--ramp and --duration do not combine: each step lasts --step-duration");
        }
        if (maxRequests != null) {
            throw new UsageException("--ramp and --max-requests do not combine: a capped step would read as a shortfall");
        }
        if (sloP99 == null) throw new UsageException("--ramp needs --slo-p99, e.g. --slo-p99 10ms");
        Duration slo = duration("--slo-p99", sloP99);
        Duration step = duration("--step-duration", stepDuration);
        if (step.isZero() || step.compareTo(LoadConfig.MAX_DURATION) > 0) {
            throw new UsageException("--step-duration: must be more than 0 and at most 24h, got " + stepDuration);
        }
        if (slo.isZero()) throw new UsageException("--slo-p99: must be more than 0, got " + sloP99);
        RampConfig r;
        try {
            r = RampConfig.parse(ramp, slo);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--ramp: " + e.getMessage());
        }
        // The steps reuse the single-run options: the rate is set per step, the time per step.
        duration = stepDuration;
        if (!given("--warmup")) warmup = RAMP_WARMUP;
        rate = Double.toString(r.max()); // checks the highest step against the per-connection bound
        return r;
    }

    private static void write(Path file, String json) throws IOException {
        Files.writeString(file, json + "\n", StandardCharsets.UTF_8);
    }

    LoadConfig config() throws UsageException {
        if (url == null) throw new UsageException("--url is required, e.g. --url http://127.0.0.1:8080/ or --url tcp://127.0.0.1:9000");
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new UsageException("--url: not a URL: " + url);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        Protocol p;
        if (protocol != null) {
            try {
                p = Protocol.parse(protocol);
            } catch (IllegalArgumentException e) {
                throw new UsageException("--protocol: " + e.getMessage());
            }
        } else {
            p = scheme.equals("tcp") ? Protocol.TCP : Protocol.HTTP1;
        }
        if (p == Protocol.TCP) {
            if (!scheme.equals("tcp") || uri.getHost() == null || uri.getPort() == -1
                    || (uri.getRawPath() != null && !uri.getRawPath().isEmpty() && !uri.getRawPath().equals("/"))) {
                throw new UsageException("--url: tcp needs tcp://HOST:PORT, got " + url);
            }
            if (given("--method") || !headers.isEmpty()) {
                throw new UsageException((given("--method") ? "--method" : "--header") + " does not apply to tcp: it sends --body-size bytes");
            }
        } else if (!scheme.equals("http") || uri.getHost() == null) {
            throw new UsageException("--url: " + p.label() + " needs http://HOST[:PORT]/PATH"
                    + (scheme.equals("tcp") ? " (tcp:// is for --protocol tcp)" : "") + ", got " + url);
        }
        if (p == Protocol.GRPC) {
            if (given("--method")) throw new UsageException("--method does not apply to grpc: a call is a POST");
            if (grpcMethod != null) {
                if (!grpcMethod.startsWith("/")) {
                    throw new UsageException("--grpc-method: expected /package.Service/Method, got '" + grpcMethod + "'");
                }
                try {
                    uri = new URI("http", null, uri.getHost(), uri.getPort(), grpcMethod, null, null);
                } catch (URISyntaxException e) {
                    throw new UsageException("--grpc-method: not a path: " + grpcMethod);
                }
            } else if (uri.getRawPath() == null || uri.getRawPath().length() <= 1) {
                throw new UsageException("grpc needs --grpc-method /package.Service/Method");
            }
        } else if (grpcMethod != null) {
            throw new UsageException("--grpc-method only applies with --protocol grpc");
        }
        int streamCount = integer("--streams", streams, 1, LoadConfig.MAX_STREAMS);
        if (streamCount > 1 && !p.multiplexed()) {
            throw new UsageException("--streams only applies to h2c and grpc; " + p.label() + " carries one request at a time per connection");
        }
        LoadConfig.Builder b = LoadConfig.builder(uri).protocol(p).streams(streamCount);
        if (rate.equalsIgnoreCase("max")) {
            b.maxRate();
        } else {
            double r = number("--rate", rate, "a positive number of requests per second or max");
            if (!(r > 0) || Double.isInfinite(r)) throw new UsageException("--rate: must be more than 0 or max, got " + rate);
            b.rate(r);
        }
        b.duration(duration("--duration", duration));
        b.warmup(duration("--warmup", warmup));
        b.timeout(duration("--timeout", timeout));
        b.connections(integer("--connections", connections, 1, LoadConfig.MAX_CONNECTIONS));
        b.threads(integer("--threads", threads, 0, LoadConfig.MAX_CONNECTIONS));
        b.method(method);
        b.bodySize(bodySize == null ? (p == Protocol.TCP ? TCP_BODY_SIZE : 0)
                : integer("--body-size", bodySize, p == Protocol.TCP ? 1 : 0, LoadConfig.MAX_BODY_SIZE));
        if (maxRequests != null) {
            b.maxRequests(integer("--max-requests", maxRequests, 1, Integer.MAX_VALUE));
        }
        for (String h : headers) {
            int colon = h.indexOf(':');
            if (colon <= 0) throw new UsageException("--header: expected NAME:VALUE, got '" + h + "'");
            b.header(h.substring(0, colon).trim(), h.substring(colon + 1).trim());
        }
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    private static Duration duration(String option, String text) throws UsageException {
        try {
            return Durations.parse(text);
        } catch (IllegalArgumentException e) {
            throw new UsageException(option + ": " + e.getMessage());
        }
    }

    private static double number(String option, String text, String what) throws UsageException {
        try {
            return Double.parseDouble(text.trim());
        } catch (NumberFormatException e) {
            throw new UsageException(option + ": expected " + what + ", got '" + text + "'");
        }
    }

    private static int integer(String option, String text, int min, int max) throws UsageException {
        try {
            int n = Integer.parseInt(text.trim());
            if (n < min || n > max) throw new NumberFormatException();
            return n;
        } catch (NumberFormatException e) {
            throw new UsageException(String.format(Locale.ROOT, "%s: expected a whole number from %d to %d, got '%s'",
                    option, min, max, text));
        }
    }
}
