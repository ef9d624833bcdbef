package dev.ficus.proxy.telemetry.trace;

import dev.ficus.proxy.telemetry.Exchange;
import dev.ficus.xds.snapshot.TelemetryPolicy.ServiceRef;
import io.netty.handler.codec.http.HttpHeaders;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.api.trace.TraceStateBuilder;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.data.StatusData;
import java.util.List;
import java.util.Locale;

/**
 * One sampled exchange, finished: what the span needs, copied out of the exchange on the event
 * loop (references and numbers only). Its name and attributes are built when the batch
 * processor's thread exports it, not on the event loop. Immutable once handed over.
 */
final class FinishedSpan implements ReadableSpan, SpanData {
    static final InstrumentationScopeInfo SCOPE = InstrumentationScopeInfo.create("dev.ficus.proxy");
    private static final int MAX_PATH_TAG = 256; // Envoy's default max_path_tag_length

    private final ListenerTracer on;
    private final String traceId, traceState;
    private final long spanId, parentSpanId, startEpochNanos, endEpochNanos;
    private final String method, path, authority, protocol, cluster, upstreamHost, requestId, userAgent, peerAddress;
    private final ServiceRef clusterService;
    private final int status, grpcStatus;
    private final boolean grpc;
    private final int flags; // a ResponseFlags set
    private final long requestBytes, responseBytes;
    private final String[] headerTagValues;
    // built on first use: the event loop asks for the context (the processor checks it is sampled), the exporter thread for the rest
    private SpanContext context;
    private String name;
    private Attributes attributes;

    FinishedSpan(ListenerTracer on, ExchangeTrace t, Exchange ex) {
        this.on = on;
        this.traceId = t.traceId;
        this.spanId = t.spanId;
        this.parentSpanId = t.parentSpanId;
        this.startEpochNanos = on.tracer.epochNanos(ex.startNanos());
        this.endEpochNanos = startEpochNanos + ex.durationMicros() * 1000;
        HttpHeaders h = ex.request().headers();
        this.traceState = (t.formats & ExchangeTrace.W3C) != 0 ? h.get(TraceHeaders.TRACESTATE) : null;
        this.method = ex.method();
        this.path = ex.path();
        this.authority = ex.authority();
        this.protocol = ex.protocol();
        this.cluster = ex.cluster();
        this.clusterService = ex.clusterService();
        this.upstreamHost = ex.upstreamHost();
        this.requestId = ex.requestId();
        this.userAgent = ex.userAgent();
        this.peerAddress = ex.downstreamAddress();
        this.status = ex.status();
        this.grpc = ex.grpc();
        this.grpcStatus = ex.grpcStatus();
        this.flags = ex.flags();
        this.requestBytes = ex.requestBytes();
        this.responseBytes = ex.responseBytes();
        this.headerTagValues = on.headerTagValues(h);
    }

    boolean error() { return status == 0 || status >= 500; }

    // ---- the span's identity

    @Override
    public SpanContext getSpanContext() {
        SpanContext c = context;
        if (c == null) context = c = SpanContext.create(traceId, TraceHeaders.spanIdString(spanId), TraceFlags.getSampled(), traceState());
        return c;
    }

    @Override
    public SpanContext getParentSpanContext() {
        if (parentSpanId == 0) return SpanContext.getInvalid();
        return SpanContext.createFromRemoteParent(traceId, TraceHeaders.spanIdString(parentSpanId), TraceFlags.getSampled(), traceState());
    }

    /** The caller's {@code tracestate}, which travelled upstream unchanged; entries the API finds invalid are left out. */
    private TraceState traceState() {
        if (traceState == null || traceState.isEmpty()) return TraceState.getDefault();
        TraceStateBuilder b = TraceState.builder();
        String[] members = traceState.split(",");
        for (int i = members.length - 1; i >= 0; i--) { // the builder puts each entry first
            String m = members[i].trim();
            int eq = m.indexOf('=');
            if (eq > 0) b.put(m.substring(0, eq), m.substring(eq + 1));
        }
        return b.build();
    }

    /**
     * Istio's operation name: {@code <service host>:<port>/*} of the service called (client side)
     * or served (server side, with the service's port as the caller named it, not the workload's
     * target port of the inbound cluster); {@code <authority><path>} when the request reached no cluster.
     * A Host without a port still gets one: the port the request reached (see {@link #port}).
     */
    @Override
    public String getName() {
        String n = name;
        if (n == null) name = n = spanName();
        return n;
    }

    private String spanName() {
        if (cluster != null) {
            ServiceRef svc = on.kind == SpanKind.CLIENT ? clusterService : servedService();
            String host = svc != null ? svc.host() : authorityHost();
            String port = port(svc);
            if (host != null) return port != null ? host + ":" + port + "/*" : host + "/*";
        }
        String p = path == null ? "/" : path;
        int q = p.indexOf('?');
        return (authority == null ? "" : authority) + (q < 0 ? p : p.substring(0, q));
    }

    /**
     * The port of the operation name, whether or not the Host has one. Client side: the
     * destination service's port (of its cluster, {@code outbound|9080||reviews...}), else, for a
     * cluster that names none (the passthrough cluster), the Host's port, else the port of the
     * endpoint the request went to. Server side: the served service's port when the Host names it
     * with one, else the port the request reached: the inbound listener's, as Istio names the
     * operation of a Sidecar ingress port (the inbound cluster's {@code inbound|9080||} when the
     * listener binds an ephemeral port). Null when nothing tells.
     */
    private String port(ServiceRef svc) {
        if (on.kind == SpanKind.SERVER) {
            String p = svc != null ? servicePortOf(svc) : null;
            if (p == null && on.port > 0) p = Integer.toString(on.port);
            return p != null ? p : portOf(cluster);
        }
        String p = portOf(cluster);
        if (p == null) p = trailingPort(authority);
        if (p == null) p = trailingPort(upstreamHost);
        return p;
    }

    /** The port of {@code host:port} or {@code [v6]:port}, else null (no port, or a bare IPv6 literal). */
    static String trailingPort(String hostPort) {
        if (hostPort == null) return null;
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0 || colon == hostPort.length() - 1) return null;
        if (hostPort.indexOf(':') != colon && hostPort.charAt(colon - 1) != ']') return null; // ::1 is a host, not a port
        for (int i = colon + 1; i < hostPort.length(); i++) if (hostPort.charAt(i) < '0' || hostPort.charAt(i) > '9') return null;
        return hostPort.substring(colon + 1);
    }

    /** The inbound service the authority names, else the workload's first. */
    private ServiceRef servedService() {
        List<ServiceRef> all = on.services;
        if (all.size() == 1) return all.getFirst();
        String host = authorityHost();
        if (host != null) {
            for (ServiceRef s : all) if (s.host().equals(host) || s.name().equals(host)) return s;
        }
        return all.isEmpty() ? null : all.getFirst();
    }

    /** The port of an authority that names the served service ({@code reviews.shop.svc.cluster.local:9080}), else null. */
    private String servicePortOf(ServiceRef svc) {
        String host = authorityHost();
        if (host == null || !(host.equals(svc.host()) || host.equals(svc.name()))) return null;
        int colon = authority.lastIndexOf(':');
        if (colon < 0 || colon == authority.length() - 1 || authority.endsWith("]")) return null;
        for (int i = colon + 1; i < authority.length(); i++) if (authority.charAt(i) < '0' || authority.charAt(i) > '9') return null;
        return authority.substring(colon + 1);
    }

    private String authorityHost() {
        if (authority == null || authority.isEmpty()) return null;
        String a = authority.toLowerCase(Locale.ROOT);
        if (a.startsWith("[")) return a;
        int colon = a.lastIndexOf(':');
        return colon < 0 ? a : a.substring(0, colon);
    }

    /** The port of an Istio cluster name ({@code outbound|9080|v1|reviews...}, {@code inbound|9080||}). */
    static String portOf(String cluster) {
        int a = cluster.indexOf('|');
        if (a < 0) return null;
        int b = cluster.indexOf('|', a + 1);
        if (b < 0 || b == a + 1) return null;
        for (int i = a + 1; i < b; i++) if (cluster.charAt(i) < '0' || cluster.charAt(i) > '9') return null;
        return cluster.substring(a + 1, b);
    }

    @Override
    public SpanKind getKind() { return on.kind; }

    // ---- attributes, as Envoy's tracer in an Istio sidecar writes them (string values, as Envoy's are)

    @Override
    public Attributes getAttributes() {
        Attributes a = attributes;
        if (a == null) attributes = a = buildAttributes();
        return a;
    }

    private Attributes buildAttributes() {
        AttributesBuilder b = on.constant.toBuilder();
        b.put("http.method", method);
        b.put("http.url", url());
        b.put("http.protocol", protocol);
        b.put("http.status_code", Integer.toString(status));
        b.put("request_size", Long.toString(requestBytes));
        b.put("response_size", Long.toString(responseBytes));
        b.put("response_flags", dev.ficus.proxy.http.ResponseFlags.names(flags));
        if (cluster != null) {
            b.put("upstream_cluster", cluster);
            b.put("upstream_cluster.name", cluster);
        }
        if (upstreamHost != null) b.put("upstream_address", upstreamHost);
        if (requestId != null) b.put("guid:x-request-id", requestId);
        if (userAgent != null) b.put("user_agent", userAgent);
        if (peerAddress != null) b.put("peer.address", peerAddress);
        if (grpc && grpcStatus >= 0) b.put("grpc.status_code", Integer.toString(grpcStatus));
        if (error()) b.put("error", "true");
        if (headerTagValues != null) {
            for (int i = 0; i < headerTagValues.length; i++) {
                if (headerTagValues[i] != null) b.put(on.headerTagNames[i], headerTagValues[i]);
            }
        }
        return b.build();
    }

    private String url() {
        String p = path == null ? "/" : path;
        if (p.length() > MAX_PATH_TAG) p = p.substring(0, MAX_PATH_TAG);
        return "http://" + (authority == null ? "" : authority) + p;
    }

    @Override
    public <T> T getAttribute(AttributeKey<T> key) { return getAttributes().get(key); }

    @Override
    public int getTotalAttributeCount() { return getAttributes().size(); }

    @Override
    public StatusData getStatus() { return error() ? StatusData.error() : StatusData.unset(); }

    // ---- times and the rest of SpanData

    @Override
    public long getStartEpochNanos() { return startEpochNanos; }

    @Override
    public long getEndEpochNanos() { return endEpochNanos; }

    @Override
    public long getLatencyNanos() { return endEpochNanos - startEpochNanos; }

    @Override
    public boolean hasEnded() { return true; }

    @Override
    public List<EventData> getEvents() { return List.of(); }

    @Override
    public List<LinkData> getLinks() { return List.of(); }

    @Override
    public int getTotalRecordedEvents() { return 0; }

    @Override
    public int getTotalRecordedLinks() { return 0; }

    @Override
    public Resource getResource() { return on.resource; }

    @Override
    public InstrumentationScopeInfo getInstrumentationScopeInfo() { return SCOPE; }

    /** Required by the interfaces; the SDK reads {@link #getInstrumentationScopeInfo}. */
    @Deprecated
    @Override
    public io.opentelemetry.sdk.common.InstrumentationLibraryInfo getInstrumentationLibraryInfo() {
        return io.opentelemetry.sdk.common.InstrumentationLibraryInfo.create(SCOPE.getName(), null);
    }

    @Override
    public SpanData toSpanData() { return this; }

    @Override
    public String toString() { return "span " + traceId + "/" + TraceHeaders.spanIdString(spanId) + " " + getName(); }
}
