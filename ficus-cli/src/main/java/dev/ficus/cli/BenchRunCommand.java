package dev.ficus.cli;

import dev.ficus.api.Durations;
import dev.ficus.bench.load.LoadConfig;
import dev.ficus.bench.load.LoadGenerator;
import dev.ficus.bench.load.LoadResult;
import dev.ficus.bench.load.Progress;
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
import java.util.concurrent.Callable;

/**
 * {@code ficus bench run}: one load run against a URL, open loop at a fixed rate (latencies
 * corrected for coordinated omission) or closed loop with {@code --rate max}; prints the achieved
 * rate, percentiles and errors, and writes SMP and Fortio JSON on request.
 *
 * <p>Values are taken as text and checked here, so that any bad value gets one line naming the
 * option and what it accepts, and exit code 2.
 */
@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
                "Send HTTP/1.1 load to URL and report the achieved rate, p50/p90/p99/p99.9/max latency and errors.",
                "At a fixed --rate, each request has an intended send time and its latency counts from then",
                "(as wrk2 does), so a stalled target shows in the percentiles. --rate max sends each next",
                "request as soon as a response is in."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:the run completed", "1:no request got a response (see the errors)", "2:usage error"})
final class BenchRunCommand implements Callable<Integer> {

    @Option(names = "--url", paramLabel = "URL", description = "Target, http://HOST:PORT/PATH.")
    String url;

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
            description = "Load sent before measuring, left out of the results. Default: ${DEFAULT-VALUE}.")
    String warmup;

    @Option(names = "--method", paramLabel = "M", defaultValue = "GET", description = "Request method. Default: ${DEFAULT-VALUE}.")
    String method;

    @Option(names = "--body-size", paramLabel = "N", defaultValue = "0", description = "Request body bytes. Default: ${DEFAULT-VALUE}.")
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
        Map<String, String> labelMap = new LinkedHashMap<>();
        try {
            for (String l : labels) {
                int eq = l.indexOf('=');
                if (eq <= 0) throw new UsageException("--label: expected KEY=VALUE, got '" + l + "'");
                labelMap.put(l.substring(0, eq), l.substring(eq + 1));
            }
            config = config();
        } catch (UsageException | IllegalArgumentException e) {
            err.println("ficus bench run: " + e.getMessage());
            err.flush();
            return Main.EXIT_USAGE;
        }
        boolean terminal = System.console() != null;
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

    private static void write(Path file, String json) throws IOException {
        Files.writeString(file, json + "\n", StandardCharsets.UTF_8);
    }

    LoadConfig config() throws UsageException {
        if (url == null) throw new UsageException("--url is required, e.g. --url http://127.0.0.1:8080/");
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new UsageException("--url: not a URL: " + url);
        }
        if (!"http".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
            throw new UsageException("--url: only http://HOST[:PORT]/PATH is supported, got " + url);
        }
        LoadConfig.Builder b = LoadConfig.builder(uri);
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
        b.bodySize(integer("--body-size", bodySize, 0, LoadConfig.MAX_BODY_SIZE));
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
