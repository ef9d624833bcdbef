package dev.ficus.control.rollout;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.ficus.api.Kind;
import dev.ficus.api.Resource;
import dev.ficus.api.config.ConfigSet;
import dev.ficus.api.mesh.Rollout;
import dev.ficus.api.networking.DestinationRule;
import dev.ficus.api.networking.Destination;
import dev.ficus.api.networking.Hosts;
import dev.ficus.api.networking.ServiceEntry;
import dev.ficus.api.networking.WorkloadEntry;
import dev.ficus.control.graph.ServiceGraph;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * One check of a candidate: reads the mesh's own telemetry of the candidate's workloads over the
 * interval (the service graph, scraped afresh), asks Prometheus for metrics with a query, and
 * calls the {@code rollout} webhooks. Pass: every metric in range and every webhook 2xx. Fail:
 * any out of range or refused. Inconclusive: the candidate served fewer than
 * {@code minRequests} requests, so its figures say nothing yet.
 */
final class Checker {
    static final String PASS = "pass";
    static final String FAIL = "fail";
    static final String INCONCLUSIVE = "inconclusive";

    /** When a rollout names no metric: a success rate of 99% at least, as most canaries start. */
    static final List<Rollout.Metric> DEFAULT_METRICS = List.of(
            new Rollout.Metric(Rollout.Metric.REQUEST_SUCCESS_RATE, new Rollout.Range(99.0, null), null));

    private final Function<Duration, CompletableFuture<ServiceGraph>> graph;
    private final Webhooks webhooks;
    private final HttpClient http;

    Checker(Function<Duration, CompletableFuture<ServiceGraph>> graph, Webhooks webhooks, HttpClient http) {
        this.graph = graph;
        this.webhooks = webhooks;
        this.http = http;
    }

    /** What the candidate's telemetry said over a window. */
    record Reading(long requests, long errors, double p99Ms, Set<String> workloads) {
    }

    CompletableFuture<RolloutState.Check> check(Resource<Rollout> r, ConfigSet config, Destination target, RolloutState state, long now) {
        Rollout.Analysis a = r.spec().analysisOrDefault();
        Duration window = a.intervalOrDefault();
        Set<String> workloads = workloadsOf(config, r.namespace(), target);
        String fqdn = Hosts.fqdn(target.host(), r.namespace());
        String label = target.host() + (target.subset() != null ? " subset " + target.subset() : "");
        // a little less than the interval: the window's base is then the previous check's scrape, not the one before it
        Duration read = window.toMillis() >= 10 ? window.minusMillis(window.toMillis() / 10) : window;
        CompletableFuture<Reading> reading = graph.apply(read).thenApply(g -> read(g, fqdn, workloads));
        List<Rollout.Metric> metrics = a.metrics().isEmpty() ? DEFAULT_METRICS : a.metrics();
        List<CompletableFuture<RolloutState.Metric>> queries = new ArrayList<>();
        for (Rollout.Metric m : metrics) {
            if (m.query() != null && a.prometheus() != null) queries.add(query(a.prometheus().address(), m));
        }
        CompletableFuture<List<Webhooks.Answer>> hooks = webhooks.call(r, "rollout", state);
        return CompletableFuture.allOf(queries.toArray(CompletableFuture[]::new)).thenCombine(reading, (x, rd) -> rd)
                .thenCombine(hooks, (rd, answers) -> {
                    List<RolloutState.Metric> out = new ArrayList<>();
                    boolean failed = false;
                    boolean conclusive = rd.requests() >= a.minRequestsOrDefault();
                    int q = 0;
                    for (Rollout.Metric m : metrics) {
                        RolloutState.Metric v;
                        if (m.query() != null) {
                            v = queries.get(q++).join();
                        } else {
                            v = builtIn(m, rd, conclusive);
                        }
                        out.add(v);
                        if (!v.passed() && (conclusive || m.query() != null)) failed = true;
                    }
                    List<String> refused = new ArrayList<>();
                    for (Webhooks.Answer ans : answers) {
                        if (!ans.ok()) refused.add(ans.name() + ": " + ans.detail());
                    }
                    String verdict = failed || !refused.isEmpty() ? FAIL : conclusive ? PASS : INCONCLUSIVE;
                    StringBuilder summary = new StringBuilder();
                    summary.append(label).append(": ").append(rd.requests()).append(" requests in ").append(dev.ficus.api.Durations.format(window));
                    for (RolloutState.Metric v : out) {
                        if (!v.passed()) summary.append("; ").append(v.name()).append(' ').append(v.detail());
                    }
                    if (!refused.isEmpty()) summary.append("; webhook ").append(String.join(", ", refused));
                    if (!conclusive && !failed) summary.append("; fewer than ").append(a.minRequestsOrDefault()).append(" requests: inconclusive");
                    return new RolloutState.Check(now, verdict, label, rd.requests(), out, summary.toString());
                });
    }

    private static RolloutState.Metric builtIn(Rollout.Metric m, Reading rd, boolean conclusive) {
        Rollout.Range range = m.thresholdRange();
        Double min = range == null ? null : range.min();
        Double max = range == null ? null : range.max();
        double v;
        String unit;
        switch (m.name()) {
            case Rollout.Metric.REQUEST_SUCCESS_RATE -> {
                v = rd.requests() == 0 ? Double.NaN : 100.0 * (rd.requests() - rd.errors()) / rd.requests();
                unit = "%";
            }
            case Rollout.Metric.REQUEST_DURATION -> {
                v = rd.p99Ms();
                unit = " ms (p99)";
            }
            case Rollout.Metric.ERROR_COUNT -> {
                v = rd.errors();
                unit = " errors";
            }
            default -> {
                return new RolloutState.Metric(m.name(), Double.NaN, min, max, false, "has no query");
            }
        }
        if (Double.isNaN(v)) return new RolloutState.Metric(m.name(), v, min, max, !conclusive, "no data");
        boolean ok = range == null || range.holds(v);
        String detail = String.format(java.util.Locale.ROOT, "%.2f%s%s", v, unit,
                ok ? "" : " outside " + (min != null ? "min " + fmt(min) : "") + (min != null && max != null ? ", " : "") + (max != null ? "max " + fmt(max) : ""));
        return new RolloutState.Metric(m.name(), v, min, max, ok, detail);
    }

    static String fmt(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }

    /** The candidate's requests over the graph's window: edges to its service served by its workloads (any, when it names no subset). */
    static Reading read(ServiceGraph g, String fqdn, Set<String> workloads) {
        long requests = 0;
        long errors = 0;
        double p99 = Double.NaN;
        for (ServiceGraph.Edge e : g.edges()) {
            if (!e.service().equals(fqdn)) continue;
            if (workloads != null && !workloads.contains(e.destination().id())) continue;
            requests += e.requests();
            errors += e.serverErrors();
            if (e.requests() > 0 && !Double.isNaN(e.p99Ms())) p99 = Double.isNaN(p99) ? e.p99Ms() : Math.max(p99, e.p99Ms());
        }
        return new Reading(requests, errors, p99, workloads == null ? Set.of() : workloads);
    }

    /**
     * The workloads ({@code namespace/name}) that serve {@code d}: the WorkloadEntries its
     * ServiceEntry selects, narrowed by the subset's labels; null when {@code d} names no subset (any).
     */
    static Set<String> workloadsOf(ConfigSet config, String ns, Destination d) {
        if (d.subset() == null) return null;
        String fqdn = Hosts.fqdn(d.host(), ns);
        Map<String, String> subsetLabels = null;
        for (Resource<DestinationRule> dr : config.all(Kind.DESTINATION_RULE, DestinationRule.class)) {
            if (dr.spec().host() == null || !Hosts.covers(Hosts.fqdn(dr.spec().host(), dr.namespace()), fqdn)) continue;
            var s = dr.spec().subset(d.subset());
            if (s.isPresent()) {
                subsetLabels = s.get().labels();
                break;
            }
        }
        Set<String> out = new HashSet<>();
        if (subsetLabels == null) return out;
        for (Resource<ServiceEntry> se : config.all(Kind.SERVICE_ENTRY, ServiceEntry.class)) {
            if (se.spec().hosts().stream().noneMatch(h -> Hosts.fqdn(h, se.namespace()).equals(fqdn))) continue;
            if (se.spec().workloadSelector() == null) continue;
            Map<String, String> selector = se.spec().workloadSelector().labels();
            for (Resource<WorkloadEntry> we : config.all(Kind.WORKLOAD_ENTRY, WorkloadEntry.class)) {
                if (!we.namespace().equals(se.namespace())) continue;
                Map<String, String> labels = we.spec().labels();
                if (labels.entrySet().containsAll(selector.entrySet()) && labels.entrySet().containsAll(subsetLabels.entrySet())) {
                    out.add(we.namespace() + "/" + we.name());
                }
            }
        }
        return out;
    }

    private CompletableFuture<RolloutState.Metric> query(String address, Rollout.Metric m) {
        Rollout.Range range = m.thresholdRange();
        Double min = range == null ? null : range.min();
        Double max = range == null ? null : range.max();
        URI uri = URI.create(address.replaceAll("/+$", "") + "/api/v1/query?query=" + URLEncoder.encode(m.query(), StandardCharsets.UTF_8));
        HttpRequest req = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET().build();
        return http.sendAsync(req, HttpResponse.BodyHandlers.ofString()).handle((res, t) -> {
            if (t != null) return new RolloutState.Metric(m.name(), Double.NaN, min, max, false, "Prometheus unreachable: " + rootMessage(t));
            if (res.statusCode() != 200) return new RolloutState.Metric(m.name(), Double.NaN, min, max, false, "Prometheus answered " + res.statusCode());
            try {
                double v = promValue(res.body());
                if (Double.isNaN(v)) return new RolloutState.Metric(m.name(), v, min, max, false, "the query returned no value");
                boolean ok = range == null || range.holds(v);
                return new RolloutState.Metric(m.name(), v, min, max, ok, fmt(v) + (ok ? "" : " out of range"));
            } catch (RuntimeException e) {
                return new RolloutState.Metric(m.name(), Double.NaN, min, max, false, "unreadable Prometheus answer: " + e.getMessage());
            }
        });
    }

    /** The one number of a Prometheus instant-query answer (a scalar, or the first sample of a vector); NaN when empty. */
    static double promValue(String body) {
        JsonObject o = JsonParser.parseString(body).getAsJsonObject();
        if (!"success".equals(o.get("status").getAsString())) throw new IllegalStateException("status " + o.get("status"));
        JsonObject data = o.getAsJsonObject("data");
        JsonElement result = data.get("result");
        JsonArray value;
        if (result.isJsonArray()) {
            JsonArray a = result.getAsJsonArray();
            if (a.isEmpty()) return Double.NaN;
            value = a.get(0).getAsJsonObject().getAsJsonArray("value");
        } else {
            value = result.getAsJsonArray();
        }
        return Double.parseDouble(value.get(1).getAsString());
    }

    static String rootMessage(Throwable t) {
        while (t.getCause() != null) t = t.getCause();
        return t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
    }
}
