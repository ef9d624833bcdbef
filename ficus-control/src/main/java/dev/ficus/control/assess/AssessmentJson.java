package dev.ficus.control.assess;

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
import java.util.Map;
import java.util.TreeMap;

/**
 * The JSON of {@code GET /v1/assess}, the contract {@code ficus assess --format json} prints and
 * scripts read. Shares are numbers 0..1, a value that could not be measured is {@code null};
 * {@code meshed} flags are written for readers' convenience (they follow from the verdict and the
 * proxy state). {@link #read} turns it back into an {@link Assessment}.
 */
public final class AssessmentJson {
    private AssessmentJson() {
    }

    public static String write(Assessment a) {
        StringBuilder b = new StringBuilder(2048 + a.services().size() * 1024);
        Assessment.Summary s = a.summary();
        b.append("{\"window\":").append(JsonText.quote(Durations.format(a.window())))
                .append(",\"windowSeconds\":").append(number(a.window().toMillis() / 1000.0))
                .append(",\"at\":").append(JsonText.quote(a.at().toString()))
                .append(",\"summary\":{\"services\":").append(s.services()).append(",\"meshedServices\":").append(s.meshedServices())
                .append(",\"workloads\":").append(s.workloads()).append(",\"meshedWorkloads\":").append(s.meshedWorkloads())
                .append(",\"proxies\":").append(s.proxies()).append(",\"proxiesRead\":").append(s.proxiesRead()).append('}')
                .append(",\"services\":[");
        for (int i = 0; i < a.services().size(); i++) {
            Assessment.Service v = a.services().get(i);
            Assessment.Traffic t = v.traffic();
            if (i > 0) b.append(',');
            b.append("{\"id\":").append(JsonText.quote(v.id()))
                    .append(",\"kind\":").append(JsonText.quote(v.kind().label()))
                    .append(",\"namespace\":").append(str(v.namespace()))
                    .append(",\"source\":").append(JsonText.quote(v.source().label()))
                    .append(",\"meshed\":").append(v.meshed())
                    .append(",\"meshedInstances\":").append(v.meshedInstances())
                    .append(",\"instances\":").append(v.instances())
                    .append(",\"workloads\":").append(strings(v.workloads()))
                    .append(",\"endpoints\":").append(strings(v.endpoints()))
                    .append(",\"mtls\":{\"mode\":").append(str(v.mtls().mode()))
                    .append(",\"observedShare\":").append(number(v.mtls().observedShare())).append('}')
                    .append(",\"traffic\":{\"requests\":").append(t.requests())
                    .append(",\"rps\":").append(number(t.rps()))
                    .append(",\"serverErrors\":").append(t.serverErrors())
                    .append(",\"errorRate\":").append(number(t.errorRate()))
                    .append(",\"p99Ms\":").append(number(t.p99Ms()))
                    .append(",\"tcpBytesPerSecond\":").append(number(t.tcpBytesPerSecond())).append('}')
                    .append(",\"callers\":[");
            for (int j = 0; j < v.callers().size(); j++) {
                Assessment.Caller c = v.callers().get(j);
                if (j > 0) b.append(',');
                b.append("{\"workload\":").append(JsonText.quote(c.workload()))
                        .append(",\"meshed\":").append(c.meshed())
                        .append(",\"security\":").append(JsonText.quote(c.security()))
                        .append(",\"requests\":").append(c.requests())
                        .append(",\"rps\":").append(number(c.rps())).append('}');
            }
            b.append("],\"dependsOn\":").append(strings(v.dependsOn()))
                    .append(",\"dependents\":").append(strings(v.dependents()))
                    .append(",\"transitiveDependents\":").append(v.transitiveDependents())
                    .append(",\"verdict\":").append(JsonText.quote(v.verdict().label()))
                    .append(",\"reasons\":").append(strings(v.reasons())).append('}');
        }
        b.append("],\"workloads\":[");
        for (int i = 0; i < a.workloads().size(); i++) {
            Assessment.Workload w = a.workloads().get(i);
            Assessment.PeerAuth p = w.peerAuthentication();
            if (i > 0) b.append(',');
            b.append("{\"id\":").append(JsonText.quote(w.id()))
                    .append(",\"namespace\":").append(str(w.namespace()))
                    .append(",\"name\":").append(str(w.name()))
                    .append(",\"source\":").append(JsonText.quote(w.source().label()))
                    .append(",\"meshed\":").append(w.proxy() == Assessment.ProxyState.CONNECTED)
                    .append(",\"proxy\":").append(JsonText.quote(w.proxy().label()))
                    .append(",\"proxyId\":").append(str(w.proxyId()))
                    .append(",\"services\":").append(strings(w.services()))
                    .append(",\"peerAuthentication\":{\"mode\":").append(JsonText.quote(p.mode()))
                    .append(",\"from\":").append(JsonText.quote(p.from()))
                    .append(",\"ports\":{");
            boolean first = true;
            for (var e : p.ports().entrySet()) {
                if (!first) b.append(',');
                first = false;
                b.append(JsonText.quote(String.valueOf(e.getKey()))).append(':').append(JsonText.quote(e.getValue()));
            }
            b.append("}},\"calls\":").append(strings(w.calls())).append('}');
        }
        b.append("],\"done\":").append(strings(a.done())).append(",\"order\":[");
        for (int i = 0; i < a.order().size(); i++) {
            Assessment.Step st = a.order().get(i);
            if (i > 0) b.append(',');
            b.append("{\"step\":").append(st.number())
                    .append(",\"services\":").append(strings(st.services()))
                    .append(",\"verdict\":").append(JsonText.quote(st.verdict().label()))
                    .append(",\"reason\":").append(JsonText.quote(st.reason())).append('}');
        }
        return b.append("],\"notes\":").append(strings(a.notes())).append('}').toString();
    }

    /** A {@code /v1/assess} answer as written by {@link #write}; anything else is an {@link IllegalArgumentException} saying what. */
    public static Assessment read(String json) {
        try {
            JsonObject o = JsonParser.parseString(json).getAsJsonObject();
            JsonObject s = object(o, "summary");
            Assessment.Summary summary = new Assessment.Summary(integer(s, "services"), integer(s, "meshedServices"), integer(s, "workloads"),
                    integer(s, "meshedWorkloads"), integer(s, "proxies"), integer(s, "proxiesRead"));
            List<Assessment.Service> services = new ArrayList<>();
            for (JsonElement e : array(o, "services")) {
                JsonObject v = e.getAsJsonObject();
                JsonObject m = object(v, "mtls"), t = object(v, "traffic");
                List<Assessment.Caller> callers = new ArrayList<>();
                for (JsonElement c : array(v, "callers")) {
                    JsonObject x = c.getAsJsonObject();
                    callers.add(new Assessment.Caller(string(x, "workload"), bool(x, "meshed"), string(x, "security"), longer(x, "requests"), dbl(x, "rps")));
                }
                services.add(new Assessment.Service(string(v, "id"), Assessment.Kind.of(string(v, "kind")), string(v, "namespace"),
                        Assessment.Source.of(string(v, "source")), strings(v, "workloads"), strings(v, "endpoints"),
                        integer(v, "meshedInstances"), integer(v, "instances"),
                        new Assessment.Mtls(string(m, "mode"), dbl(m, "observedShare")),
                        new Assessment.Traffic(longer(t, "requests"), dbl(t, "rps"), longer(t, "serverErrors"), dbl(t, "errorRate"),
                                dbl(t, "p99Ms"), dbl(t, "tcpBytesPerSecond")),
                        callers, strings(v, "dependsOn"), strings(v, "dependents"), integer(v, "transitiveDependents"),
                        Assessment.Verdict.of(string(v, "verdict")), strings(v, "reasons")));
            }
            List<Assessment.Workload> workloads = new ArrayList<>();
            for (JsonElement e : array(o, "workloads")) {
                JsonObject w = e.getAsJsonObject();
                JsonObject p = object(w, "peerAuthentication");
                Map<Integer, String> ports = new TreeMap<>();
                for (var x : object(p, "ports").entrySet()) ports.put(Integer.parseInt(x.getKey()), x.getValue().getAsString());
                workloads.add(new Assessment.Workload(string(w, "id"), string(w, "namespace"), string(w, "name"),
                        Assessment.Source.of(string(w, "source")), Assessment.ProxyState.of(string(w, "proxy")), string(w, "proxyId"),
                        strings(w, "services"), new Assessment.PeerAuth(string(p, "mode"), string(p, "from"), ports), strings(w, "calls")));
            }
            List<Assessment.Step> order = new ArrayList<>();
            for (JsonElement e : array(o, "order")) {
                JsonObject x = e.getAsJsonObject();
                order.add(new Assessment.Step(integer(x, "step"), strings(x, "services"), Assessment.Verdict.of(string(x, "verdict")), string(x, "reason")));
            }
            return new Assessment(Durations.parse(string(o, "window")), Instant.parse(string(o, "at")), summary, services, workloads,
                    strings(o, "done"), order, strings(o, "notes"));
        } catch (RuntimeException e) { // Gson's parse and type errors, a missing field, an unknown name
            throw new IllegalArgumentException("not a ficus assessment: " + e.getMessage(), e);
        }
    }

    private static JsonArray array(JsonObject o, String field) {
        JsonElement e = o.get(field);
        if (e == null || !e.isJsonArray()) throw new JsonParseException("'" + field + "' is not an array");
        return e.getAsJsonArray();
    }

    private static JsonObject object(JsonObject o, String field) {
        JsonElement e = o.get(field);
        if (e == null || !e.isJsonObject()) throw new JsonParseException("'" + field + "' is not an object");
        return e.getAsJsonObject();
    }

    private static List<String> strings(JsonObject o, String field) {
        List<String> out = new ArrayList<>();
        for (JsonElement e : array(o, field)) out.add(e.getAsString());
        return out;
    }

    private static String string(JsonObject o, String field) {
        JsonElement e = o.get(field);
        return e == null || e.isJsonNull() ? null : e.getAsString();
    }

    private static JsonElement required(JsonObject o, String field) {
        JsonElement e = o.get(field);
        if (e == null || e.isJsonNull()) throw new JsonParseException("'" + field + "' is missing");
        return e;
    }

    private static int integer(JsonObject o, String field) { return required(o, field).getAsInt(); }

    private static long longer(JsonObject o, String field) { return required(o, field).getAsLong(); }

    private static boolean bool(JsonObject o, String field) { return required(o, field).getAsBoolean(); }

    private static double dbl(JsonObject o, String field) {
        JsonElement e = o.get(field);
        return e == null || e.isJsonNull() ? Double.NaN : e.getAsDouble();
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
