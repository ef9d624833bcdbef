package dev.ficus.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import dev.ficus.api.Durations;
import dev.ficus.control.assess.Assessment;
import dev.ficus.control.assess.AssessmentJson;
import dev.ficus.control.assess.AssessmentText;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * {@code ficus assess}: the assessment phase of a gradual adoption, from the control plane's
 * {@code /v1/assess} (the service graph over a window, the registry and the connected proxies):
 * what is meshed, how ready the rest is and in which order to onboard it, as a report or JSON.
 */
@Command(name = "assess", mixinStandardHelpOptions = true,
        description = {"Assess the mesh for onboarding: the dependency graph, per service whether it is meshed, its mTLS,",
                "error rate, p99 and callers, a readiness verdict with reasons, and a recommended onboarding order",
                "(what a service calls first, then the least critical)."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:the assessment was printed", "1:the control plane is unreachable or refused the request", "2:usage error"})
final class AssessCommand implements Callable<Integer> {

    enum Format { text, json }

    @Option(names = "--control", defaultValue = "127.0.0.1:15014", paramLabel = "HOST:PORT",
            description = "The control plane's HTTP address. Default ${DEFAULT-VALUE}.")
    String control;

    @Option(names = "--window", defaultValue = "5m", paramLabel = "DURATION", converter = ProxyCommand.DurationConverter.class,
            description = "Traffic over the last DURATION (at most the history the control plane keeps, 10m by default). Default ${DEFAULT-VALUE}.")
    Duration window;

    @Option(names = {"-o", "--format"}, defaultValue = "text", paramLabel = "FORMAT",
            description = "text (a report) or json (/v1/assess as is). Default ${DEFAULT-VALUE}.")
    Format format;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        String body;
        URI uri = URI.create("http://" + control + "/v1/assess?window=" + URLEncoder.encode(Durations.format(window), StandardCharsets.UTF_8));
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build()) {
            // the control plane scrapes every proxy first (each bounded by its scrape timeout)
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                err.println("ficus assess: " + control + " answered " + r.statusCode() + ": " + errorOf(r.body()));
                return 1;
            }
            body = r.body();
        } catch (IOException e) {
            err.println("ficus assess: cannot reach a control plane at http://" + control + " (" + e.getMessage()
                    + "); is `ficus control` or `ficus up` running? see --control");
            return 1;
        }
        if (format == Format.json) {
            out.println(body);
            return 0;
        }
        Assessment a;
        try {
            a = AssessmentJson.read(body);
        } catch (IllegalArgumentException e) {
            err.println("ficus assess: " + control + " answered something else than an assessment: " + e.getMessage());
            return 1;
        }
        out.print(AssessmentText.write(a));
        out.flush();
        return 0;
    }

    /** The {@code error} of a JSON error body, else the body's first line. */
    private static String errorOf(String body) {
        try {
            JsonElement e = JsonParser.parseString(body).getAsJsonObject().get("error");
            if (e != null && e.isJsonPrimitive()) return e.getAsString();
        } catch (RuntimeException notJson) {
            // plain text
        }
        String s = body.strip();
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
