package dev.ficus.cli;

import dev.ficus.api.Durations;
import dev.ficus.control.assess.Assessment;
import dev.ficus.control.assess.AssessmentJson;
import dev.ficus.control.assess.AssessmentText;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * {@code ficus assess}: the assessment phase of a gradual adoption, from the control plane's
 * {@code /v1/assess} (the service graph over a window, the registry and the connected proxies):
 * what is meshed, how ready the rest is and in which order to onboard it, as a report or JSON.
 */
@Command(name = "assess", description = {"Assess the mesh for onboarding: the dependency graph, per service whether it is meshed, its mTLS,",
                "error rate, p99 and callers, a readiness verdict with reasons, and a recommended onboarding order",
                "(what a service calls first, then the least critical)."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:the assessment was printed", "1:the control plane is unreachable or refused the request", "2:usage error"})
final class AssessCommand implements Callable<Integer> {
    @picocli.CommandLine.Mixin
    StandardHelp standardHelp;


    enum Format { text, json }

    @CommandLine.Mixin
    ControlAddress address;

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
        try {
            // the control plane scrapes every proxy first (each bounded by its scrape timeout)
            body = ControlApi.get(address.control, "/v1/assess?window=" + URLEncoder.encode(Durations.format(window), StandardCharsets.UTF_8), Duration.ofSeconds(30));
        } catch (ControlApi.Failure f) {
            err.println("ficus assess: " + f.getMessage());
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
            err.println("ficus assess: " + address.control + " answered something else than an assessment: " + e.getMessage());
            return 1;
        }
        out.print(AssessmentText.write(a));
        out.flush();
        return 0;
    }
}
