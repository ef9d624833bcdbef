package dev.ficus.proxy.telemetry.trace;

import dev.ficus.proxy.telemetry.Exchange;
import dev.ficus.proxy.telemetry.ExchangeObserver;
import dev.ficus.xds.snapshot.ListenerConfig;
import dev.ficus.xds.snapshot.ListenerKind;
import dev.ficus.xds.snapshot.TelemetryPolicy;
import dev.ficus.xds.snapshot.TelemetryPolicy.CustomTag;
import dev.ficus.xds.snapshot.TelemetryPolicy.PeerWorkload;
import dev.ficus.xds.snapshot.TelemetryPolicy.ServiceRef;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.resources.Resource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Tracing on one listener of one snapshot, as an Istio sidecar traces: an outbound or gateway
 * listener makes a CLIENT span per request, an inbound listener a SERVER span. At the request head
 * it reads the caller's context and decides sampling (a caller's decision is kept; a new trace is
 * sampled at the Telemetry policy's rate); before the request goes upstream it writes this hop's
 * context; at the end it hands a sampled span to the {@link Tracer}. Made off the event loop,
 * called on the exchange's event loop: no locks, and no allocation for an unsampled request beyond
 * its trace id string (and the header it sends when it starts the trace).
 */
final class ListenerTracer implements ExchangeObserver {
    private static final AttributeKey<String> SERVICE_NAME = AttributeKey.stringKey("service.name");
    private static final AttributeKey<String> SERVICE_NAMESPACE = AttributeKey.stringKey("service.namespace");

    final Tracer tracer;
    final String listener;
    final SpanKind kind;
    final Resource resource;
    /** Attributes every span of this listener carries: node, workload, literal and environment tags. */
    final Attributes constant;
    final List<ServiceRef> services;
    /** The port the listener binds, as configured (0: an ephemeral port, not known here): the port an inbound request reached. */
    final int port;
    /** HEADER custom tags: attribute name, header, default (null: no attribute when the header is absent). */
    final String[] headerTagNames, headerTagDefaults;
    final AsciiString[] headerTags;
    private final long sampleBelow; // a new trace is sampled when 53 random bits fall below this

    ListenerTracer(Tracer tracer, ListenerConfig l) {
        this.tracer = tracer;
        this.listener = l.name();
        TelemetryPolicy p = l.telemetry();
        this.kind = l.kind() == ListenerKind.INBOUND ? SpanKind.SERVER : SpanKind.CLIENT;
        this.services = p.services();
        this.port = l.bind().port();
        this.sampleBelow = (long) Math.floor(p.tracing().samplingPercent() / 100.0 * (1L << 53));
        PeerWorkload local = p.local();
        this.resource = Resource.getDefault().merge(Resource.create(Attributes.of(SERVICE_NAME, local.canonicalService(), SERVICE_NAMESPACE, local.namespace())));
        TracingConfig c = tracer.config();
        AttributesBuilder b = Attributes.builder()
                .put("node_id", c.nodeId())
                .put("component", "proxy")
                .put("istio.canonical_service", local.canonicalService())
                .put("istio.canonical_revision", local.canonicalRevision())
                .put("istio.namespace", local.namespace())
                .put("istio.mesh_id", c.meshId());
        List<String> names = new ArrayList<>(), defaults = new ArrayList<>();
        List<AsciiString> headers = new ArrayList<>();
        for (Map.Entry<String, CustomTag> e : p.tracing().customTags().entrySet()) {
            CustomTag t = e.getValue();
            switch (t.kind()) {
                case LITERAL -> b.put(e.getKey(), t.value());
                case ENVIRONMENT -> {
                    String v = c.env().apply(t.value());
                    if (v == null) v = t.defaultValue();
                    if (v != null) b.put(e.getKey(), v);
                }
                case HEADER -> {
                    names.add(e.getKey());
                    headers.add(AsciiString.of(t.value()));
                    defaults.add(t.defaultValue());
                }
            }
        }
        this.constant = b.build();
        this.headerTagNames = names.toArray(String[]::new);
        this.headerTagDefaults = defaults.toArray(String[]::new);
        this.headerTags = headers.toArray(AsciiString[]::new);
    }

    @Override
    public void onRequest(Exchange ex) {
        ExchangeTrace t = ex.traceState() instanceof ExchangeTrace s ? s : newState(ex);
        t.begin(this, ex.startNanos());
        HttpHeaders h = ex.request().headers();
        TraceHeaders.Context in = t.in;
        String v = h.get(TraceHeaders.TRACEPARENT);
        if (v != null && TraceHeaders.parseTraceparent(v, in)) t.formats |= ExchangeTrace.W3C;
        String b3 = h.get(TraceHeaders.B3);
        if (b3 != null) {
            // read when W3C gave nothing; written back in kind either way
            if ((t.formats & ExchangeTrace.W3C) != 0 || TraceHeaders.parseB3(b3, in)) t.formats |= ExchangeTrace.B3_SINGLE;
        }
        String b3Trace = h.get(TraceHeaders.X_B3_TRACEID), b3Sampled = h.get(TraceHeaders.X_B3_SAMPLED), b3Flags = h.get(TraceHeaders.X_B3_FLAGS);
        if (b3Trace != null || b3Sampled != null || b3Flags != null) {
            if ((t.formats & (ExchangeTrace.W3C | ExchangeTrace.B3_SINGLE)) != 0
                    || TraceHeaders.parseB3Multi(b3Trace, h.get(TraceHeaders.X_B3_SPANID), b3Sampled, b3Flags, in)) {
                t.formats |= ExchangeTrace.B3_MULTI;
            }
        }
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        t.debug = in.debug;
        if (in.hasIds()) {
            t.traceHigh = in.traceHigh;
            t.traceLow = in.traceLow;
            t.parentSpanId = in.spanId;
        } else { // this hop starts the trace (a caller's bare decision still counts)
            t.traceHigh = rnd.nextLong();
            do t.traceLow = rnd.nextLong(); while (t.traceLow == 0);
            t.parentSpanId = 0;
            t.decidedHere = true;
        }
        if (in.sampling == TraceHeaders.UNDECIDED) {
            t.sampled = (rnd.nextLong() >>> 11) < sampleBelow;
            t.decidedHere = true;
        } else {
            t.sampled = in.sampling == TraceHeaders.SAMPLED;
        }
        if (t.sampled || t.parentSpanId == 0) {
            long id;
            do id = rnd.nextLong(); while (id == 0);
            t.spanId = id;
        } else {
            t.spanId = t.parentSpanId; // not recorded: the caller's span stays the parent of what follows
        }
        t.traceId = TraceHeaders.traceIdString(t.traceHigh, t.traceLow);
        ex.traceId(t.traceId);
    }

    private static ExchangeTrace newState(Exchange ex) {
        ExchangeTrace t = new ExchangeTrace();
        ex.traceState(t);
        return t;
    }

    /** This hop's state of {@code ex}, or null when this tracer did not begin it (or already ended it). */
    private ExchangeTrace state(Exchange ex) {
        return ex.traceState() instanceof ExchangeTrace t && t.owner == this && t.start == ex.startNanos() && !t.ended ? t : null;
    }

    @Override
    public void onUpstreamRequest(Exchange ex, HttpHeaders h) {
        ExchangeTrace t = state(ex);
        if (t == null || !t.sampled && !t.decidedHere) return; // a caller's unsampled context passes as it came
        boolean s = t.sampled;
        h.set(TraceHeaders.TRACEPARENT, TraceHeaders.traceparent(t.traceHigh, t.traceLow, t.spanId, s));
        if ((t.formats & ExchangeTrace.B3_MULTI) != 0) {
            h.set(TraceHeaders.X_B3_TRACEID, TraceHeaders.b3TraceId(t.traceHigh, t.traceLow));
            h.set(TraceHeaders.X_B3_SPANID, TraceHeaders.hex16(t.spanId));
            if (s) {
                if (t.parentSpanId != 0) h.set(TraceHeaders.X_B3_PARENTSPANID, TraceHeaders.hex16(t.parentSpanId));
                else h.remove(TraceHeaders.X_B3_PARENTSPANID);
            }
            h.set(TraceHeaders.X_B3_SAMPLED, s ? TraceHeaders.ONE : TraceHeaders.ZERO);
            if (!t.debug) h.remove(TraceHeaders.X_B3_FLAGS);
        }
        if ((t.formats & ExchangeTrace.B3_SINGLE) != 0) {
            h.set(TraceHeaders.B3, TraceHeaders.b3(t.traceHigh, t.traceLow, t.spanId, s, t.debug, s ? t.parentSpanId : 0));
        }
    }

    @Override
    public void onEnd(Exchange ex) {
        ExchangeTrace t = state(ex);
        if (t == null) return;
        t.ended = true;
        if (!t.sampled) return;
        tracer.submit(new FinishedSpan(this, t, ex));
    }

    /** The values of the HEADER custom tags, read from the request as it went upstream (sampled spans only). */
    String[] headerTagValues(HttpHeaders h) {
        if (headerTags.length == 0) return null;
        String[] v = new String[headerTags.length];
        for (int i = 0; i < v.length; i++) {
            String s = h.get(headerTags[i]);
            v[i] = s != null ? s : headerTagDefaults[i];
        }
        return v;
    }
}
