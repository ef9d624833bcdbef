package dev.ficus.control.registry;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.ficus.api.Durations;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;

/**
 * The registry's REST API, as a function from an aggregated request to a response, so that it can
 * be tested without sockets and mounted by {@link RegistryApiHandler} in any Netty HTTP server.
 *
 * <pre>
 * POST   /v1/workloads                              register or replace → 201 | 200, 400 {"error","field"}
 * GET    /v1/workloads                              every registered workload, with health and expiry
 * GET    /v1/workloads/{namespace}/{name}           one workload → 200 | 404
 * DELETE /v1/workloads/{namespace}/{name}           deregister → 204 | 404
 * PUT    /v1/workloads/{namespace}/{name}/heartbeat renew the lease → 200 {"expiresAt"} | 404
 * </pre>
 * Runs on the server's event loop: every operation is in memory and bounded by the body size.
 */
public final class RegistryApi {
    /** The path prefix this API answers under. */
    public static final String PREFIX = "/v1/workloads";

    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().serializeNulls().create();

    private final WorkloadRegistry registry;

    public RegistryApi(WorkloadRegistry registry) {
        this.registry = registry;
    }

    /** Whether {@code uri} is under {@value #PREFIX}, i.e. whether {@link #handle} should answer it. */
    public static boolean serves(String uri) {
        String path = new QueryStringDecoder(uri).path();
        return path.equals(PREFIX) || path.startsWith(PREFIX + "/");
    }

    /** Answers one request; the caller still owns (and releases) the request, and sends the response. */
    public FullHttpResponse handle(FullHttpRequest request) {
        if (request.decoderResult().isFailure()) {
            return error(HttpResponseStatus.BAD_REQUEST, "malformed HTTP request", null);
        }
        String path = new QueryStringDecoder(request.uri()).path();
        HttpMethod method = request.method();
        if (path.equals(PREFIX) || path.equals(PREFIX + "/")) {
            if (method.equals(HttpMethod.GET)) return list();
            if (method.equals(HttpMethod.POST)) return register(request);
            return notAllowed(method, "GET, POST");
        }
        if (!path.startsWith(PREFIX + "/")) {
            return error(HttpResponseStatus.NOT_FOUND, "no such path: " + path, null);
        }
        String[] parts = path.substring(PREFIX.length() + 1).split("/", -1);
        if (parts.length == 2 && !parts[0].isEmpty() && !parts[1].isEmpty()) {
            if (method.equals(HttpMethod.GET)) return get(parts[0], parts[1]);
            if (method.equals(HttpMethod.DELETE)) return deregister(parts[0], parts[1]);
            return notAllowed(method, "GET, DELETE");
        }
        if (parts.length == 3 && !parts[0].isEmpty() && !parts[1].isEmpty() && parts[2].equals("heartbeat")) {
            if (method.equals(HttpMethod.PUT)) return heartbeat(parts[0], parts[1]);
            return notAllowed(method, "PUT");
        }
        return error(HttpResponseStatus.NOT_FOUND, "no such path: " + path
                + " (use /v1/workloads, /v1/workloads/{namespace}/{name} or /v1/workloads/{namespace}/{name}/heartbeat)", null);
    }

    private FullHttpResponse register(FullHttpRequest request) {
        Registration registration;
        try {
            registration = RegistrationJson.parse(request.content().toString(StandardCharsets.UTF_8));
        } catch (InvalidRegistrationException e) {
            JsonObject body = new JsonObject();
            body.addProperty("error", e.getMessage());
            if (e.field() != null) body.addProperty("field", e.field());
            if (e.line() > 0) {
                body.addProperty("line", e.line());
                body.addProperty("column", e.column());
            }
            return json(HttpResponseStatus.BAD_REQUEST, body);
        }
        WorkloadRegistry.Registered done = registry.register(registration);
        RegisteredWorkload w = done.workload();
        JsonObject body = new JsonObject();
        body.addProperty("name", w.name());
        body.addProperty("namespace", w.namespace());
        body.addProperty("ttl", Durations.format(w.registration().ttl()));
        body.addProperty("expiresAt", w.expiresAt().toString());
        FullHttpResponse response = json(done.outcome() == WorkloadRegistry.Outcome.CREATED
                ? HttpResponseStatus.CREATED : HttpResponseStatus.OK, body);
        response.headers().set(HttpHeaderNames.LOCATION, PREFIX + "/" + w.namespace() + "/" + w.name());
        return response;
    }

    private FullHttpResponse list() {
        JsonArray out = new JsonArray();
        for (RegisteredWorkload w : registry.list()) out.add(describe(w));
        return json(HttpResponseStatus.OK, out);
    }

    private FullHttpResponse get(String namespace, String name) {
        Optional<RegisteredWorkload> w = registry.get(namespace, name);
        return w.isPresent() ? json(HttpResponseStatus.OK, describe(w.get())) : unknown(namespace, name);
    }

    private FullHttpResponse heartbeat(String namespace, String name) {
        Optional<RegisteredWorkload> w = registry.heartbeat(namespace, name);
        if (w.isEmpty()) return unknown(namespace, name);
        JsonObject body = new JsonObject();
        body.addProperty("expiresAt", w.get().expiresAt().toString());
        return json(HttpResponseStatus.OK, body);
    }

    private FullHttpResponse deregister(String namespace, String name) {
        if (!registry.deregister(namespace, name)) return unknown(namespace, name);
        return new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NO_CONTENT);
    }

    /** One workload as {@code GET} shows it: the registration's fields plus its lease and health. */
    static JsonObject describe(RegisteredWorkload w) {
        Registration r = w.registration();
        JsonObject o = new JsonObject();
        o.addProperty("name", r.name());
        o.addProperty("namespace", r.namespace());
        o.addProperty("address", r.address());
        o.add("ports", map(r.ports()));
        o.add("labels", map(r.labels()));
        if (r.serviceAccount() != null) o.addProperty("serviceAccount", r.serviceAccount());
        if (r.weight() != null) o.addProperty("weight", r.weight());
        o.addProperty("ttl", Durations.format(r.ttl()));
        if (r.probe() != null) o.add("probe", probe(r.probe()));
        o.addProperty("registeredAt", w.registeredAt().toString());
        o.addProperty("expiresAt", w.expiresAt().toString());
        o.addProperty("health", w.healthy() ? "HEALTHY" : "UNHEALTHY");
        if (w.lastProbeError() != null) o.addProperty("lastProbeError", w.lastProbeError());
        return o;
    }

    private static JsonObject probe(Probe p) {
        JsonObject o = new JsonObject();
        switch (p.check()) {
            case Probe.HttpGet g -> {
                JsonObject h = new JsonObject();
                h.addProperty("path", g.path());
                h.addProperty("port", g.port());
                o.add("httpGet", h);
            }
            case Probe.TcpSocket s -> {
                JsonObject t = new JsonObject();
                t.addProperty("port", s.port());
                o.add("tcpSocket", t);
            }
        }
        o.addProperty("periodSeconds", p.period().toSeconds());
        o.addProperty("timeoutSeconds", p.timeout().toSeconds());
        o.addProperty("failureThreshold", p.failureThreshold());
        return o;
    }

    private static JsonObject map(Map<String, ?> m) {
        JsonObject o = new JsonObject();
        m.forEach((k, v) -> o.add(k, GSON.toJsonTree(v)));
        return o;
    }

    private static FullHttpResponse unknown(String namespace, String name) {
        return error(HttpResponseStatus.NOT_FOUND, "no workload " + namespace + "/" + name + " is registered", null);
    }

    private static FullHttpResponse notAllowed(HttpMethod method, String allow) {
        FullHttpResponse r = error(HttpResponseStatus.METHOD_NOT_ALLOWED, "method " + method + " is not allowed here; use " + allow, null);
        r.headers().set(HttpHeaderNames.ALLOW, allow);
        return r;
    }

    private static FullHttpResponse error(HttpResponseStatus status, String message, String field) {
        JsonObject body = new JsonObject();
        body.addProperty("error", message);
        if (field != null) body.addProperty("field", field);
        return json(status, body);
    }

    private static FullHttpResponse json(HttpResponseStatus status, JsonElement body) {
        byte[] bytes = (GSON.toJson(body) + "\n").getBytes(StandardCharsets.UTF_8);
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(bytes));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON + "; charset=utf-8");
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
        return r;
    }
}
