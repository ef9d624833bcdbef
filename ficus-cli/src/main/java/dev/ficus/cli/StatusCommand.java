package dev.ficus.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * {@code ficus status}: the proxies connected to a control plane, the version each serves and
 * whether it ACKed or NACKed the last push (with the error), from the control plane's
 * {@code /v1/status}.
 */
@Command(name = "status", description = "Show the proxies of a running control plane: versions, ACK/NACK, errors.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:every proxy serves the latest push", "1:a proxy refused a push (NACK) or the control plane is unreachable"})
final class StatusCommand implements Callable<Integer> {
    @picocli.CommandLine.Mixin
    StandardHelp standardHelp;


    @CommandLine.Mixin
    ControlAddress address;

    @Option(names = "--json", description = "Print the control plane's JSON as is.")
    boolean json;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        String body;
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build()) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + address.control + "/v1/status"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                err.println("ficus status: " + address.control + " answered " + r.statusCode() + ": " + r.body().strip());
                return 1;
            }
            body = r.body();
        } catch (IOException e) {
            err.println("ficus status: cannot reach a control plane at http://" + address.control + " (" + (e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName())
                    + "); is `ficus control` or `ficus up` running? see --control");
            return 1;
        }
        if (json) {
            out.println(body);
        }
        JsonObject status = JsonParser.parseString(body).getAsJsonObject();
        int refused = 0;
        if (!json) {
            out.printf("%-28s %-28s %-14s %-14s %6s %6s  %s%n", "PROXY", "WORKLOADS", "ACKED", "PENDING", "ACKS", "NACKS", "LAST NACK");
        }
        for (JsonElement e : status.getAsJsonArray("proxies")) {
            JsonObject p = e.getAsJsonObject();
            String lastNack = str(p, "lastNack");
            String nackVersion = str(p, "lastNackVersion");
            if (!lastNack.isEmpty()) refused++;
            if (json) continue;
            StringBuilder workloads = new StringBuilder();
            for (JsonElement w : p.getAsJsonArray("workloads")) workloads.append(workloads.isEmpty() ? "" : ",").append(w.getAsString());
            String ns = str(p, "namespace");
            out.printf("%-28s %-28s %-14s %-14s %6d %6d  %s%n", str(p, "id"), (ns.isEmpty() ? "" : ns + "/") + workloads,
                    str(p, "ackedVersion"), str(p, "pendingVersion").isEmpty() ? "-" : str(p, "pendingVersion"),
                    p.get("acks").getAsLong(), p.get("nacks").getAsLong(),
                    lastNack.isEmpty() ? "-" : nackVersion + ": " + lastNack);
        }
        if (!json) out.println(status.getAsJsonArray("proxies").size() + " proxies; " + refused + " with a refused push");
        return refused == 0 ? 0 : 1;
    }

    private static String str(JsonObject o, String field) {
        JsonElement e = o.get(field);
        return e == null || e.isJsonNull() ? "" : e.getAsString();
    }
}
