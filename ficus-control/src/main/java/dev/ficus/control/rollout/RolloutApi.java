package dev.ficus.control.rollout;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.ficus.api.JsonText;
import dev.ficus.control.ControlHttpServer;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * {@code /v1/rollouts} on the control plane's HTTP port: {@code GET /v1/rollouts} (all),
 * {@code GET /v1/rollouts/NS/NAME} (one), {@code POST /v1/rollouts/NS/NAME/ACTION} with ACTION
 * one of promote, pause, resume, abort, undo (the new state, or 409 with why not).
 */
public final class RolloutApi {
    public static final String PREFIX = "/v1/rollouts";
    private static final Gson GSON = new GsonBuilder().serializeSpecialFloatingPointValues().create();

    private final RolloutController controller;

    public RolloutApi(RolloutController controller) {
        this.controller = controller;
    }

    public CompletableFuture<ControlHttpServer.Reply> handle(FullHttpRequest req) {
        String path = new QueryStringDecoder(req.uri()).path();
        if (!path.equals(PREFIX) && !path.startsWith(PREFIX + "/")) return done(error(HttpResponseStatus.NOT_FOUND, "no such path: " + path));
        List<String> parts = new ArrayList<>();
        for (String p : path.substring(PREFIX.length()).split("/")) if (!p.isEmpty()) parts.add(p);
        boolean get = req.method().equals(HttpMethod.GET) || req.method().equals(HttpMethod.HEAD);
        if (parts.isEmpty()) {
            if (!get) return done(error(HttpResponseStatus.METHOD_NOT_ALLOWED, "use GET"));
            return traffic().thenApply(g -> ControlHttpServer.Reply.json(HttpResponseStatus.OK, list(g)));
        }
        if (parts.size() == 2) {
            if (!get) return done(error(HttpResponseStatus.METHOD_NOT_ALLOWED, "use GET, or POST to " + path + "/promote|pause|resume|abort|undo"));
            String key = parts.get(0) + "/" + parts.get(1);
            RolloutState st = controller.states().get(key);
            if (st == null) return done(error(HttpResponseStatus.NOT_FOUND, "no rollout " + key));
            RolloutController.Info info = controller.infos().get(key);
            CompletableFuture<String> compared = st.parallelRun() != null && st.progress().candidateServes() || st.progress().phase().terminal()
                    ? CompletableFuture.completedFuture(st.parallelRun()) // the run is over: its last report
                    : info != null && info.strategy().equals("parallelRun")
                    ? controller.parallelRun(parts.get(0), parts.get(1)).thenApply(r -> r.toJson())
                            .completeOnTimeout(null, 5, java.util.concurrent.TimeUnit.SECONDS).exceptionally(t -> null)
                    : CompletableFuture.completedFuture(null);
            return traffic().thenCombine(compared, (g, pr) -> {
                JsonObject o = view(st, info, g);
                if (pr != null) o.add("parallelRun", com.google.gson.JsonParser.parseString(pr));
                return ControlHttpServer.Reply.json(HttpResponseStatus.OK, GSON.toJson(o));
            });
        }
        if (parts.size() == 3) {
            if (!req.method().equals(HttpMethod.POST)) return done(error(HttpResponseStatus.METHOD_NOT_ALLOWED, "use POST"));
            RolloutController.Command cmd;
            try {
                cmd = RolloutController.Command.valueOf(parts.get(2).toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                return done(error(HttpResponseStatus.NOT_FOUND, "no action '" + parts.get(2) + "'; one of promote, pause, resume, abort, undo"));
            }
            String key = parts.get(0) + "/" + parts.get(1);
            return controller.command(parts.get(0), parts.get(1), cmd)
                    .thenApply(st -> ControlHttpServer.Reply.json(HttpResponseStatus.OK, GSON.toJson(view(st, controller.infos().get(key)))))
                    .exceptionally(t -> {
                        Throwable c = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
                        if (c instanceof RolloutController.CommandRefused r) {
                            return error(r.getMessage().startsWith("no rollout") ? HttpResponseStatus.NOT_FOUND : HttpResponseStatus.CONFLICT, r.getMessage());
                        }
                        return error(HttpResponseStatus.INTERNAL_SERVER_ERROR, String.valueOf(c));
                    });
        }
        return done(error(HttpResponseStatus.NOT_FOUND, "no such path: " + path + " (try " + PREFIX + ", " + PREFIX + "/NS/NAME)"));
    }

    /** The window a strangler's share of traffic is read over. */
    static final java.time.Duration TRAFFIC_WINDOW = java.time.Duration.ofMinutes(1);

    /** The graph when a strangler needs it for its share of traffic (null otherwise, or when it cannot be read in time). */
    private CompletableFuture<dev.ficus.control.graph.ServiceGraph> traffic() {
        boolean strangler = controller.infos().values().stream().anyMatch(i -> !i.stranglerRoutes().isEmpty());
        if (!strangler) return CompletableFuture.completedFuture(null);
        return controller.graph(TRAFFIC_WINDOW).completeOnTimeout(null, 5, java.util.concurrent.TimeUnit.SECONDS).exceptionally(t -> null);
    }

    private String list(dev.ficus.control.graph.ServiceGraph g) {
        StringBuilder b = new StringBuilder("{\"rollouts\":[");
        boolean first = true;
        for (Map.Entry<String, RolloutState> e : new java.util.TreeMap<>(controller.states()).entrySet()) {
            if (!first) b.append(',');
            first = false;
            b.append(GSON.toJson(view(e.getValue(), controller.infos().get(e.getKey()), g)));
        }
        return b.append("]}").toString();
    }

    /** The state with what status shows beside it: the step in words, a strangler's progress. */
    static JsonObject view(RolloutState st, RolloutController.Info info) { return view(st, info, null); }

    static JsonObject view(RolloutState st, RolloutController.Info info, dev.ficus.control.graph.ServiceGraph g) {
        JsonObject o = GSON.toJsonTree(st).getAsJsonObject();
        o.remove("parallelRun");
        if (st.parallelRun() != null) o.add("parallelRun", com.google.gson.JsonParser.parseString(st.parallelRun()));
        o.addProperty("phase", st.progress().phase().label());
        if (info == null) return o;
        o.addProperty("stable", info.stable());
        if (info.canary() != null) o.addProperty("canary", info.canary());
        JsonElement steps = GSON.toJsonTree(info.steps());
        o.add("steps", steps);
        int step = st.progress().step();
        o.addProperty("stepDescription", step < info.steps().size() ? info.steps().get(step) : "done");
        if (!info.stranglerRoutes().isEmpty()) {
            int total = info.stranglerRoutes().size();
            long migrated = info.stranglerRoutes().keySet().stream()
                    .filter(n -> st.routes().containsKey(n) && st.routes().get(n).phase() == Phase.SUCCEEDED).count();
            JsonObject s = new JsonObject();
            s.addProperty("routes", total);
            s.addProperty("migrated", migrated);
            s.addProperty("moving", st.routes().values().stream().filter(p -> p.phase() == Phase.PROGRESSING).count());
            s.addProperty("routeShare", total == 0 ? 0 : (double) migrated / total);
            JsonObject table = new JsonObject();
            for (var e : info.stranglerRoutes().entrySet()) {
                Progress p = st.routes().get(e.getKey());
                JsonObject r = new JsonObject();
                r.addProperty("destination", e.getValue());
                r.addProperty("state", p == null ? "legacy" : p.phase() == Phase.SUCCEEDED ? "migrated" : p.phase() == Phase.PROGRESSING ? "moving"
                        : p.phase().label());
                r.addProperty("weight", p == null ? 0 : p.phase() == Phase.SUCCEEDED ? 100 : p.weight());
                table.add(e.getKey(), r);
            }
            s.add("table", table);
            if (g != null) {
                // requests to the new services' hosts against the legacy host's, over the window: the share of traffic already moved
                long legacy = 0;
                long moved = 0;
                for (var e : g.edges()) {
                    if (e.service().equals(info.stableHost())) legacy += e.requests();
                    else if (info.newHosts().contains(e.service())) moved += e.requests();
                }
                JsonObject t = new JsonObject();
                t.addProperty("window", dev.ficus.api.Durations.format(TRAFFIC_WINDOW));
                t.addProperty("legacyRequests", legacy);
                t.addProperty("newRequests", moved);
                if (legacy + moved > 0) t.addProperty("share", (double) moved / (legacy + moved));
                s.add("traffic", t);
            }
            o.add("strangler", s);
        }
        return o;
    }

    private static CompletableFuture<ControlHttpServer.Reply> done(ControlHttpServer.Reply r) {
        return CompletableFuture.completedFuture(r);
    }

    private static ControlHttpServer.Reply error(HttpResponseStatus status, String message) {
        return ControlHttpServer.Reply.json(status, "{\"error\":" + JsonText.quote(message) + "}");
    }
}
