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

/** {@code ficus mtls}: the PERMISSIVE → STRICT migration view. */
@Command(name = "mtls", description = "Mutual TLS between proxies: who still calls in plaintext.",
        subcommands = {MtlsCommand.Status.class, CommandLine.HelpCommand.class})
final class MtlsCommand implements Runnable {
    @picocli.CommandLine.Mixin
    StandardHelp standardHelp;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /**
     * {@code ficus mtls status}: per inbound listener of a proxy, its mode and the callers of the
     * last N minutes by security and identity, and whether STRICT would refuse one of them now.
     */
    @Command(name = "status", description = {"Show the callers of a proxy's inbound ports by security (mutual_tls or plaintext) and identity,",
                    "and whether switching a port to STRICT would refuse a caller now."},
            exitCodeListHeading = "%nExit codes:%n",
            exitCodeList = {"0:every caller in the window used mTLS", "1:some caller used plaintext (STRICT would refuse it), or the proxy is unreachable"})
    static final class Status implements Callable<Integer> {
        @picocli.CommandLine.Mixin
        StandardHelp standardHelp;

        @Option(names = "--admin", defaultValue = "127.0.0.1:15000", paramLabel = "HOST:PORT", description = "The proxy's admin address. Default ${DEFAULT-VALUE}.")
        String admin;

        @Option(names = "--minutes", defaultValue = "15", paramLabel = "N", description = "The window, 1 to 60 minutes. Default ${DEFAULT-VALUE}.")
        int minutes;

        @Option(names = "--json", description = "Print the proxy's JSON as is.")
        boolean json;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws InterruptedException {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            String body;
            try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build()) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + admin + "/mtls?minutes=" + minutes))
                        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() != 200) {
                    err.println("ficus mtls status: " + admin + " answered " + r.statusCode());
                    return 1;
                }
                body = r.body();
            } catch (IOException e) {
                err.println("ficus mtls status: cannot reach a proxy's admin port at http://" + admin + " (" + e.getMessage() + "); see --admin");
                return 1;
            }
            if (json) out.println(body);
            JsonObject view = JsonParser.parseString(body).getAsJsonObject();
            long refused = 0;
            if (!json) {
                JsonElement cert = view.get("certificate");
                out.println("proxy " + admin + ": " + (cert == null || cert.isJsonNull() ? "no mesh certificate" : "certificate " + cert.getAsString())
                        + "; callers of the last " + view.get("minutes").getAsInt() + " minutes");
            }
            for (JsonElement le : view.getAsJsonArray("listeners")) {
                JsonObject l = le.getAsJsonObject();
                long plain = l.get("strictWouldRefuse").getAsLong();
                refused += plain;
                if (json) continue;
                out.printf("%n%s  mode %s%n", l.get("listener").getAsString(), l.get("mode").getAsString());
                out.printf("  %-18s %-11s %-44s %11s  %s%n", "SOURCE", "SECURITY", "PRINCIPAL", "CONNECTIONS", "LAST SEEN");
                for (JsonElement ce : l.getAsJsonArray("callers")) {
                    JsonObject c = ce.getAsJsonObject();
                    out.printf("  %-18s %-11s %-44s %11d  %s%n", c.get("address").getAsString(), c.get("security").getAsString(),
                            c.get("principal").isJsonNull() ? "-" : c.get("principal").getAsString(), c.get("connections").getAsLong(),
                            c.get("lastSeen").getAsString());
                }
                String verdict = l.get("mode").getAsString().equals("STRICT") ? "STRICT: plaintext callers are refused"
                        : plain == 0 ? "STRICT would break no caller seen in this window"
                        : "STRICT would refuse " + plain + " plaintext caller(s) seen in this window";
                out.println("  " + verdict);
            }
            return refused == 0 ? 0 : 1;
        }
    }
}
