package dev.ficus.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code ficus rollout status|promote|pause|resume|abort|undo [NAME]}: the control plane's
 * rollouts ({@code /v1/rollouts}) — where each stands, and the commands that move it.
 */
@Command(name = "rollout", description = {"Show and steer rollouts (canary, blue-green, big bang, strangler fig, parallel run).",
                "ACTION: status (all, or NAME), promote (skip the step that waits), pause, resume (also restarts an",
                "aborted or rolled-back rollout), abort (all traffic back on stable), undo (back to stable after success)."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:done", "1:the control plane is unreachable, or refused (no such rollout, not possible now)", "2:usage error"})
final class RolloutCommand implements Callable<Integer> {
    @picocli.CommandLine.Mixin
    StandardHelp standardHelp;


    enum Action { status, promote, pause, resume, abort, undo }

    @Parameters(index = "0", paramLabel = "ACTION", description = "status, promote, pause, resume, abort or undo")
    Action action;

    @Parameters(index = "1", arity = "0..1", paramLabel = "NAME", description = "The Rollout: NAME, or NAMESPACE/NAME (needed when two namespaces have one of that name).")
    String name;

    @Option(names = {"-n", "--namespace"}, paramLabel = "NS", description = "The Rollout's namespace.")
    String namespace;

    @CommandLine.Mixin
    ControlAddress address;

    @Option(names = {"-o", "--format"}, defaultValue = "text", paramLabel = "FORMAT", description = "text or json. Default ${DEFAULT-VALUE}.")
    String format;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (action != Action.status && name == null) {
            err.println("ficus rollout " + action + ": name the rollout, e.g. ficus rollout " + action + " reviews");
            return Main.EXIT_USAGE;
        }
        try {
            HttpResponse<String> all = ControlApi.send(address.control, "GET", "/v1/rollouts", TIMEOUT);
            if (all.statusCode() != 200) {
                err.println("ficus rollout: " + address.control + " answered " + all.statusCode() + ": " + all.body());
                return 1;
            }
            JsonArray rollouts = JsonParser.parseString(all.body()).getAsJsonObject().getAsJsonArray("rollouts");
            List<JsonObject> chosen = new ArrayList<>();
            for (JsonElement e : rollouts) {
                JsonObject o = e.getAsJsonObject();
                if (name == null || matches(o)) chosen.add(o);
            }
            if (name != null && chosen.isEmpty()) {
                err.println("ficus rollout: no rollout '" + name + "'" + (namespace != null ? " in namespace " + namespace : "")
                        + (rollouts.isEmpty() ? " (the control plane runs none)" : "; there are: " + names(rollouts)));
                return 1;
            }
            if (chosen.size() > 1 && name != null) {
                err.println("ficus rollout: '" + name + "' is in several namespaces; write NAMESPACE/NAME: " + names(rollouts));
                return Main.EXIT_USAGE;
            }
            if (action == Action.status && name != null) {
                // one rollout: its own view (with a parallel run's comparisons)
                JsonObject one = chosen.getFirst();
                HttpResponse<String> r = ControlApi.send(address.control, "GET", "/v1/rollouts/" + one.get("namespace").getAsString() + "/" + one.get("name").getAsString(), TIMEOUT);
                if (r.statusCode() == 200) chosen.set(0, JsonParser.parseString(r.body()).getAsJsonObject());
            }
            if (action == Action.status) {
                if (format.equals("json")) {
                    out.println(name == null ? all.body() : chosen.getFirst().toString());
                } else if (chosen.isEmpty()) {
                    out.println("no rollouts");
                } else {
                    for (JsonObject o : chosen) print(out, o);
                }
                return 0;
            }
            JsonObject target = chosen.getFirst();
            String path = "/v1/rollouts/" + target.get("namespace").getAsString() + "/" + target.get("name").getAsString() + "/" + action;
            HttpResponse<String> r = ControlApi.send(address.control, "POST", path, TIMEOUT);
            if (r.statusCode() != 200) {
                err.println("ficus rollout " + action + ": " + ControlApi.errorOf(r.body()));
                return 1;
            }
            if (format.equals("json")) out.println(r.body());
            else print(out, JsonParser.parseString(r.body()).getAsJsonObject());
            return 0;
        } catch (ControlApi.Failure f) {
            err.println("ficus rollout: " + f.getMessage());
            return 1;
        }
    }

    private boolean matches(JsonObject o) {
        String ns = o.get("namespace").getAsString();
        String n = o.get("name").getAsString();
        if (name.contains("/")) return name.equals(ns + "/" + n);
        return n.equals(name) && (namespace == null || namespace.equals(ns));
    }

    private static String names(JsonArray rollouts) {
        List<String> out = new ArrayList<>();
        for (JsonElement e : rollouts) out.add(e.getAsJsonObject().get("namespace").getAsString() + "/" + e.getAsJsonObject().get("name").getAsString());
        return String.join(", ", out);
    }

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss", Locale.ROOT).withZone(ZoneId.systemDefault());

    /** One rollout, for people. */
    static void print(PrintWriter out, JsonObject o) {
        JsonObject p = o.getAsJsonObject("progress");
        out.printf("%s/%s  %s  %s%n", o.get("namespace").getAsString(), o.get("name").getAsString(), o.get("strategy").getAsString(),
                o.get("phase").getAsString().toUpperCase(Locale.ROOT));
        out.printf("  stable:  %s%n", str(o, "stable"));
        if (o.has("canary")) out.printf("  canary:  %s%n", str(o, "canary"));
        if (o.has("strangler")) {
            JsonObject s = o.getAsJsonObject("strangler");
            out.printf("  progress: %d of %d routes migrated (%.0f%%), %d moving%n", s.get("migrated").getAsInt(), s.get("routes").getAsInt(),
                    100 * s.get("routeShare").getAsDouble(), s.get("moving").getAsInt());
            if (s.has("traffic")) {
                JsonObject t = s.getAsJsonObject("traffic");
                long legacy = t.get("legacyRequests").getAsLong();
                long moved = t.get("newRequests").getAsLong();
                out.printf("  traffic:  %s over the last %s (%d requests to new services, %d to legacy)%n",
                        t.has("share") ? String.format(Locale.ROOT, "%.0f%% to new services", 100 * t.get("share").getAsDouble()) : "no requests",
                        t.get("window").getAsString(), moved, legacy);
            }
            for (var e : s.getAsJsonObject("table").entrySet()) {
                JsonObject r = e.getValue().getAsJsonObject();
                out.printf("    %-20s %-8s %3d%%  -> %s%n", e.getKey(), r.get("state").getAsString(), r.get("weight").getAsInt(), r.get("destination").getAsString());
            }
        } else {
            JsonArray steps = o.getAsJsonArray("steps");
            out.printf("  weight:  %d%% to canary%s%n", p.get("weight").getAsInt(), p.get("preview").getAsBoolean() ? " (+ preview route)" : "");
            out.printf("  step:    %d of %d: %s%n", Math.min(p.get("step").getAsInt() + 1, steps == null ? 0 : steps.size()), steps == null ? 0 : steps.size(),
                    str(o, "stepDescription"));
            out.printf("  checks:  %d failed%n", p.get("failures").getAsInt());
        }
        out.printf("  status:  %s%n", p.get("message").getAsString());
        if (o.has("parallelRun")) {
            JsonObject pr = o.getAsJsonObject("parallelRun");
            out.printf("  compared: %d responses: %d match, %d mismatch (%.2f%%), %d noise only, %d skipped; %d of %d proxies reporting%n",
                    pr.get("compared").getAsLong(), pr.get("matched").getAsLong(), pr.get("mismatched").getAsLong(), pr.get("mismatchPercent").getAsDouble(),
                    pr.get("noise").getAsLong(), pr.get("skipped").getAsLong(), pr.get("reporting").getAsInt(), pr.get("proxies").getAsInt());
            JsonArray noisy = pr.getAsJsonArray("noisyPaths");
            if (noisy != null && !noisy.isEmpty()) {
                List<String> paths = new ArrayList<>();
                for (JsonElement e : noisy) paths.add(e.getAsString());
                out.printf("  nondeterministic (not reported): %s%n", String.join(", ", paths));
            }
            JsonArray samples = pr.getAsJsonArray("samples");
            if (samples != null) {
                for (int i = 0; i < Math.min(3, samples.size()); i++) {
                    JsonObject sm = samples.get(i).getAsJsonObject();
                    out.printf("  diff: %s %s  status %s vs %s%n", str(sm, "method"), str(sm, "path"), str(sm, "stableStatus"), str(sm, "candidateStatus"));
                    JsonArray diffs = sm.getAsJsonArray("differences");
                    if (diffs == null) continue;
                    for (int k = 0; k < Math.min(5, diffs.size()); k++) {
                        JsonObject d = diffs.get(k).getAsJsonObject();
                        out.printf("        %s: %s -> %s%n", str(d, "path"), d.has("stable") && !d.get("stable").isJsonNull() ? d.get("stable").getAsString() : "(absent)",
                                d.has("candidate") && !d.get("candidate").isJsonNull() ? d.get("candidate").getAsString() : "(absent)");
                    }
                }
            }
        }
        if (o.has("lastCheck") && !o.get("lastCheck").isJsonNull()) {
            JsonObject c = o.getAsJsonObject("lastCheck");
            out.printf("  last check %s: %s — %s%n", TIME.format(Instant.ofEpochMilli(c.get("at").getAsLong())), c.get("verdict").getAsString(),
                    c.get("summary").getAsString());
        }
        JsonArray events = o.getAsJsonArray("events");
        if (events != null && !events.isEmpty()) {
            out.println("  events:");
            for (int i = Math.max(0, events.size() - 8); i < events.size(); i++) {
                JsonObject e = events.get(i).getAsJsonObject();
                out.printf("    %s  %-8s %-22s %s%n", TIME.format(Instant.ofEpochMilli(e.get("at").getAsLong())), e.get("type").getAsString(),
                        e.get("reason").getAsString(), e.get("message").getAsString());
            }
        }
        out.flush();
    }

    private static String str(JsonObject o, String k) {
        return o.has(k) && !o.get(k).isJsonNull() ? o.get(k).getAsString() : "";
    }
}
