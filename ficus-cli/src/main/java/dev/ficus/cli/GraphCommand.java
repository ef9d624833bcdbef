package dev.ficus.cli;

import dev.ficus.api.Durations;
import dev.ficus.control.graph.GraphDot;
import dev.ficus.control.graph.GraphJson;
import dev.ficus.control.graph.GraphText;
import dev.ficus.control.graph.ServiceGraph;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * {@code ficus graph}: who calls whom, from the control plane's {@code /v1/graph} (the proxies'
 * Istio metrics over a window), as a table, JSON or Graphviz DOT.
 */
@Command(name = "graph", description = {"Show who calls whom in the mesh: request rate, error rate, p99 and mTLS per edge,",
                "from the metrics of every proxy connected to the control plane."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:the graph was printed (proxies that could not be read are named)", "1:the control plane is unreachable or refused the request", "2:usage error"})
final class GraphCommand implements Callable<Integer> {
    @picocli.CommandLine.Mixin
    StandardHelp standardHelp;


    enum Format { text, json, dot }

    @CommandLine.Mixin
    ControlAddress address;

    @Option(names = "--window", defaultValue = "30s", paramLabel = "DURATION", converter = ProxyCommand.DurationConverter.class,
            description = "Rates over the last DURATION (at most the history the control plane keeps, 10m by default). Default ${DEFAULT-VALUE}.")
    Duration window;

    @Option(names = {"-o", "--format"}, defaultValue = "text", paramLabel = "FORMAT",
            description = "text (a table), json (/v1/graph as is) or dot (Graphviz: ficus graph --format dot | dot -Tsvg > graph.svg). Default ${DEFAULT-VALUE}.")
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
            body = ControlApi.get(address.control, "/v1/graph?window=" + URLEncoder.encode(Durations.format(window), StandardCharsets.UTF_8), Duration.ofSeconds(30));
        } catch (ControlApi.Failure f) {
            err.println("ficus graph: " + f.getMessage());
            return 1;
        }
        if (format == Format.json) {
            out.println(body);
            return 0;
        }
        ServiceGraph g;
        try {
            g = GraphJson.read(body);
        } catch (IllegalArgumentException e) {
            err.println("ficus graph: " + address.control + " answered something else than a graph: " + e.getMessage());
            return 1;
        }
        out.print(format == Format.dot ? GraphDot.write(g) : GraphText.write(g));
        out.flush();
        return 0;
    }
}
