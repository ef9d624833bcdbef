package dev.ficus.control.graph;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.ficus.api.Durations;
import dev.ficus.api.JsonText;

import java.math.BigDecimal;
import java.math.MathContext;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The JSON of {@code GET /v1/graph}, the contract {@code ficus graph} (and the assessment step
 * after it) reads. Rates and shares are numbers (shares 0..1); a percentile without requests is
 * {@code null}. {@link #read} turns it back into a {@link ServiceGraph}.
 */
public final class GraphJson {
    private GraphJson() {
    }

    public static String write(ServiceGraph g) {
        StringBuilder b = new StringBuilder(1024 + g.edges().size() * 512);
        b.append("{\"window\":").append(JsonText.quote(Durations.format(g.window())))
                .append(",\"windowSeconds\":").append(number(g.window().toMillis() / 1000.0))
                .append(",\"at\":").append(JsonText.quote(g.at().toString()))
                .append(",\"proxies\":[");
        for (int i = 0; i < g.proxies().size(); i++) {
            ServiceGraph.ProxyState p = g.proxies().get(i);
            if (i > 0) b.append(',');
            b.append("{\"id\":").append(JsonText.quote(p.id()))
                    .append(",\"workloads\":").append(strings(p.workloads()))
                    .append(",\"namespace\":").append(str(p.namespace()))
                    .append(",\"admin\":").append(str(p.admin()))
                    .append(",\"samples\":").append(p.samples())
                    .append(",\"lastScrape\":").append(p.lastScrape() == null ? "null" : JsonText.quote(p.lastScrape().toString()))
                    .append(",\"spanSeconds\":").append(number(p.spanSeconds()))
                    .append(",\"error\":").append(str(p.error()))
                    .append('}');
        }
        b.append("],\"nodes\":[");
        for (int i = 0; i < g.nodes().size(); i++) {
            ServiceGraph.Node n = g.nodes().get(i);
            if (i > 0) b.append(',');
            b.append("{\"id\":").append(JsonText.quote(n.id())).append(",\"kind\":").append(JsonText.quote(n.kind().label())).append('}');
        }
        b.append("],\"edges\":[");
        for (int i = 0; i < g.edges().size(); i++) {
            ServiceGraph.Edge e = g.edges().get(i);
            if (i > 0) b.append(',');
            b.append("{\"source\":").append(JsonText.quote(e.source().id()))
                    .append(",\"destination\":").append(JsonText.quote(e.destination().id()))
                    .append(",\"service\":").append(JsonText.quote(e.service()))
                    .append(",\"protocol\":").append(JsonText.quote(e.protocol().label()))
                    .append(",\"reporter\":").append(JsonText.quote(e.reporter().label()))
                    .append(",\"requests\":").append(e.requests())
                    .append(",\"rps\":").append(number(e.rps()))
                    .append(",\"serverErrors\":").append(e.serverErrors())
                    .append(",\"errorRate\":").append(number(e.errorRate()))
                    .append(",\"flagged\":").append(e.flagged())
                    .append(",\"flaggedRate\":").append(number(e.flaggedRate()))
                    .append(",\"p50Ms\":").append(number(e.p50Ms()))
                    .append(",\"p99Ms\":").append(number(e.p99Ms()))
                    .append(",\"security\":").append(JsonText.quote(e.security().label()))
                    .append(",\"mtlsShare\":").append(number(e.mtlsShare()));
            if (e.protocol() == EdgeKey.Protocol.TCP) {
                b.append(",\"tcp\":{\"connections\":").append(e.tcpConnections())
                        .append(",\"sentBytes\":").append(e.tcpSentBytes())
                        .append(",\"receivedBytes\":").append(e.tcpReceivedBytes())
                        .append(",\"bytesPerSecond\":").append(number(e.tcpBytesPerSecond())).append('}');
            }
            b.append(",\"spanSeconds\":").append(number(e.spanSeconds())).append('}');
        }
        return b.append("]}").toString();
    }

    /** A {@code /v1/graph} answer as written by {@link #write}; anything else is an {@link IllegalArgumentException} saying what. */
    public static ServiceGraph read(String json) {
        try {
            JsonObject o = JsonParser.parseString(json).getAsJsonObject();
            List<ServiceGraph.ProxyState> proxies = new ArrayList<>();
            for (JsonElement e : array(o, "proxies")) {
                JsonObject p = e.getAsJsonObject();
                List<String> workloads = new ArrayList<>();
                for (JsonElement w : array(p, "workloads")) workloads.add(w.getAsString());
                String last = string(p, "lastScrape");
                proxies.add(new ServiceGraph.ProxyState(string(p, "id"), workloads, string(p, "namespace"), string(p, "admin"),
                        p.get("samples").getAsInt(), last == null ? null : Instant.parse(last), dbl(p, "spanSeconds"), string(p, "error")));
            }
            List<ServiceGraph.Node> nodes = new ArrayList<>();
            for (JsonElement e : array(o, "nodes")) {
                JsonObject n = e.getAsJsonObject();
                nodes.add(new ServiceGraph.Node(string(n, "id"), ServiceGraph.NodeKind.valueOf(string(n, "kind").toUpperCase(java.util.Locale.ROOT))));
            }
            List<ServiceGraph.Edge> edges = new ArrayList<>();
            for (JsonElement e : array(o, "edges")) {
                JsonObject x = e.getAsJsonObject();
                JsonObject tcp = x.has("tcp") ? x.getAsJsonObject("tcp") : null;
                edges.add(new ServiceGraph.Edge(workload(string(x, "source")), workload(string(x, "destination")), string(x, "service"),
                        EdgeKey.Protocol.valueOf(string(x, "protocol").toUpperCase(java.util.Locale.ROOT)),
                        EdgeKey.Reporter.valueOf(string(x, "reporter").toUpperCase(java.util.Locale.ROOT)),
                        x.get("requests").getAsLong(), dbl(x, "rps"), x.get("serverErrors").getAsLong(), dbl(x, "errorRate"),
                        x.get("flagged").getAsLong(), dbl(x, "flaggedRate"), dbl(x, "p50Ms"), dbl(x, "p99Ms"), security(string(x, "security")),
                        dbl(x, "mtlsShare"), tcp == null ? 0 : tcp.get("connections").getAsLong(), tcp == null ? 0 : tcp.get("sentBytes").getAsLong(),
                        tcp == null ? 0 : tcp.get("receivedBytes").getAsLong(), tcp == null ? 0 : dbl(tcp, "bytesPerSecond"), dbl(x, "spanSeconds")));
            }
            return new ServiceGraph(Durations.parse(string(o, "window")), Instant.parse(string(o, "at")), proxies, nodes, edges);
        } catch (RuntimeException e) { // Gson's parse and type errors, a missing field, an unknown name
            throw new IllegalArgumentException("not a ficus service graph: " + e.getMessage(), e);
        }
    }

    private static JsonArray array(JsonObject o, String field) {
        JsonElement e = o.get(field);
        if (e == null || !e.isJsonArray()) throw new JsonParseException("'" + field + "' is not an array");
        return e.getAsJsonArray();
    }

    private static String string(JsonObject o, String field) {
        JsonElement e = o.get(field);
        return e == null || e.isJsonNull() ? null : e.getAsString();
    }

    private static double dbl(JsonObject o, String field) {
        JsonElement e = o.get(field);
        return e == null || e.isJsonNull() ? Double.NaN : e.getAsDouble();
    }

    private static Workload workload(String id) {
        if (id == null) throw new JsonParseException("an edge without a workload id");
        if (id.equals("unknown")) return Workload.UNKNOWN;
        int slash = id.indexOf('/');
        if (slash < 0) throw new JsonParseException("workload id '" + id + "' is not namespace/name");
        return new Workload(id.substring(0, slash), id.substring(slash + 1));
    }

    private static ServiceGraph.Security security(String label) {
        for (ServiceGraph.Security s : ServiceGraph.Security.values()) if (s.label().equals(label)) return s;
        throw new JsonParseException("unknown security '" + label + "'");
    }

    /** Nine significant digits, plain notation; null for NaN and infinities (JSON has neither). */
    static String number(double d) {
        if (Double.isNaN(d) || Double.isInfinite(d)) return "null";
        if (d == 0) return "0";
        return BigDecimal.valueOf(d).round(new MathContext(9)).stripTrailingZeros().toPlainString();
    }

    private static String str(String s) {
        return s == null ? "null" : JsonText.quote(s);
    }

    private static String strings(List<String> xs) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < xs.size(); i++) b.append(i == 0 ? "" : ",").append(JsonText.quote(xs.get(i)));
        return b.append(']').toString();
    }
}
