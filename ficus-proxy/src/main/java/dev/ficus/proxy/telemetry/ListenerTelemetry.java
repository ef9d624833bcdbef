package dev.ficus.proxy.telemetry;

import dev.ficus.xds.snapshot.ListenerConfig;
import dev.ficus.xds.snapshot.ListenerKind;
import dev.ficus.xds.snapshot.TelemetryPolicy;
import dev.ficus.xds.snapshot.TelemetryPolicy.PeerWorkload;
import dev.ficus.xds.snapshot.TelemetryPolicy.ServiceRef;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The telemetry stage of one listener, compiled from its {@link TelemetryPolicy} once per snapshot:
 * the reporter it speaks as (source for outbound and gateway listeners, destination for inbound
 * ones), the peer-metadata exchange, Istio's standard metrics and the observers (tracing, access
 * log) the policy turns on. The router calls it at fixed points of each exchange, on the
 * exchange's event loop.
 */
public final class ListenerTelemetry {
    /** Made on first use: the JDK finds its logger back end with a search of every jar of the class
     *  path (~0.1 s of a proxy's start when done while the class loads). */
    private static final class Log {
        static final System.Logger LOG = System.getLogger(ListenerTelemetry.class.getName());
    }
    /** Failures inside telemetry (a bug, or an observer's): counted and logged once, never passed to the request. */
    private static final java.util.concurrent.atomic.LongAdder FAILURES = new java.util.concurrent.atomic.LongAdder();
    private static final java.util.concurrent.atomic.AtomicBoolean LOGGED = new java.util.concurrent.atomic.AtomicBoolean();
    private final boolean sourceReporter;
    private final TelemetryPolicy policy;
    private final IstioMetrics metrics; // null: istio_* metrics are off for this listener
    private final AsciiString localHeader;
    private final ExchangeObserver[] observers;
    /** An inbound listener's destination_service when its workload has exactly one service; else null (picked by authority). */
    private final ServiceRef onlyService;
    /**
     * The authority an exchange of this listener (any connection, any event loop) last resolved
     * and its service. Racy by design: the pair is immutable and replaced whole, so a reader sees
     * one pair or another, and a lost update only costs a second lookup.
     */
    private AuthorityService lastAuthority;

    private record AuthorityService(String authority, ServiceRef service) {
    }

    /**
     * For a connection whose listener left the snapshot (it drains on the old one's settings
     * otherwise): counts nothing, observes nothing, still keeps peer metadata from leaking.
     */
    public static final ListenerTelemetry DETACHED = new ListenerTelemetry(true, TelemetryPolicy.DEFAULT, null, new ExchangeObserver[0]);

    private ListenerTelemetry(boolean sourceReporter, TelemetryPolicy policy, IstioMetrics metrics, ExchangeObserver[] observers) {
        this.sourceReporter = sourceReporter;
        this.policy = policy;
        this.metrics = metrics;
        this.localHeader = PeerMetadata.encode(policy.local());
        this.observers = observers;
        this.onlyService = policy.services().size() == 1 ? policy.services().getFirst() : null;
    }

    /** The stage of {@code l}; {@code factories} make its tracing and access-log observers. Off the event loop. */
    public static ListenerTelemetry compile(ListenerConfig l, IstioMetrics metrics, List<ExchangeObserver.Factory> factories) {
        List<ExchangeObserver> obs = new ArrayList<>();
        for (ExchangeObserver.Factory f : factories) {
            ExchangeObserver o = f.forListener(l);
            if (o != null) obs.add(o);
        }
        TelemetryPolicy p = l.telemetry();
        return new ListenerTelemetry(l.kind() != ListenerKind.INBOUND, p, p.metrics().enabled() ? metrics : null, obs.toArray(ExchangeObserver[]::new));
    }

    public boolean sourceReporter() { return sourceReporter; }

    public TelemetryPolicy policy() { return policy; }

    /**
     * The request head arrived: an inbound listener learns its caller's workload from the peer
     * metadata (and removes it) and, when it counts metrics, which service the request is for.
     * The service is picked here rather than when the exchange ends because the authority string
     * was just made from the request head: at the end, after the event loop has served other
     * connections' requests, reading it again costs a cache miss, which profiling showed as the
     * largest part of what metrics cost a standalone proxy.
     */
    public void onRequest(Exchange ex) {
        HttpHeaders h = ex.request().headers();
        String v = h.get(PeerMetadata.HEADER);
        if (v != null) {
            if (!sourceReporter) ex.peer(PeerMetadata.decode(v));
            h.remove(PeerMetadata.HEADER); // never forwarded: an outbound listener replaces what the app sent
        }
        if (metrics != null && !sourceReporter) {
            ex.inboundService(inboundService(ex));
            if (ex.countsMessages()) countMessages(ex); // a server side knows its edge from the request
        }
        for (ExchangeObserver o : observers) {
            try {
                o.onRequest(ex);
            } catch (RuntimeException e) {
                failed(e);
            }
        }
    }

    /**
     * The request goes upstream: a client side tells the server side who calls, unless the
     * request leaves the mesh through the passthrough cluster (a host outside the registry).
     */
    public void onUpstreamRequest(Exchange ex, HttpHeaders h) {
        if (sourceReporter && !dev.ficus.proxy.cluster.Passthrough.CLUSTER.equals(ex.cluster())) h.set(PeerMetadata.HEADER, localHeader);
        for (ExchangeObserver o : observers) {
            try {
                o.onUpstreamRequest(ex, h);
            } catch (RuntimeException e) {
                failed(e);
            }
        }
    }

    /**
     * A response head goes to the client (from upstream or a local reply): a client side learns
     * the server's workload (and removes the header), a server side names itself to a caller that named itself.
     */
    public void onResponse(Exchange ex, HttpHeaders h) {
        if (sourceReporter) {
            String v = h.get(PeerMetadata.HEADER);
            if (v != null) {
                ex.peer(PeerMetadata.decode(v));
                h.remove(PeerMetadata.HEADER);
            } else if (ex.upstreamPeer() != null) {
                // no proxy answered for the server: name it from the endpoint's WorkloadEntry, as Istio's metadata discovery does
                ex.peer(ex.upstreamPeer());
            }
            if (metrics != null && ex.countsMessages()) countMessages(ex); // a client side knows its edge once the server named itself
        } else if (ex.peer() != PeerWorkload.UNKNOWN) { // a server side answers a proxy that named itself, not a client outside the mesh
            h.set(PeerMetadata.HEADER, localHeader);
        }
    }

    /** The exchange ended: counts it and tells the observers. */
    public void onEnd(Exchange ex) {
        if (metrics != null) {
            try {
                IstioMetrics.Edge e = edge(ex);
                if (ex.countsMessages() && !ex.messageSeriesKnown()) ex.messageSeries(e.messages(ex));
                IstioMetrics.HttpSeries s = e.perRequestTags() ? e.series(ex) : e.series(ex.grpc(), ex.status(), ex.flags(), ex.grpcStatus());
                s.record(ex.durationMicros(), ex.requestBytes(), ex.responseBytes());
            } catch (RuntimeException e) {
                failed(e);
            }
        }
        for (ExchangeObserver o : observers) {
            try {
                o.onEnd(ex);
            } catch (RuntimeException e) {
                failed(e);
            }
        }
    }

    /**
     * Counts the exchange's gRPC messages on its edge from now on, as they pass, and the ones seen
     * so far: a long stream's messages show before it ends, as Istio reports them periodically
     * once the peer is known. Once per gRPC exchange; one that never gets here counts at its end.
     */
    private void countMessages(Exchange ex) {
        if (ex.messageSeriesKnown()) return;
        try {
            ex.messageSeries(edge(ex).messages(ex));
        } catch (RuntimeException e) {
            failed(e);
        }
    }

    private static void failed(RuntimeException e) {
        FAILURES.increment();
        if (LOGGED.compareAndSet(false, true)) Log.LOG.log(System.Logger.Level.ERROR, "telemetry failed on an exchange (counted in ficus_telemetry_failures_total; logged once)", e);
    }

    /** Failures inside telemetry since the proxy started (a metric of the admin port). */
    public static long failures() { return FAILURES.sum(); }

    /**
     * The edge of this exchange: the one used last on its connection unless a part of its name
     * changed. Parts are compared by value, not identity: on a client side the peer's principal is
     * a string made per upstream connection, and consecutive requests of one downstream connection
     * take different pooled upstream connections, so identity would miss (a new key, its hash over
     * the nested records and a map lookup per request) where nothing changed.
     */
    private IstioMetrics.Edge edge(Exchange ex) {
        ServiceRef svc = sourceReporter ? ex.clusterService() : ex.inboundServiceKnown() ? ex.inboundService() : inboundService(ex);
        IstioMetrics.Edge e = ex.lastEdge;
        if (e != null && ex.lastTelemetry == this && same(ex.lastPeer, ex.peer()) && same(ex.lastService, svc)
                && same(ex.lastPeerPrincipal, ex.peerPrincipal()) && same(ex.lastLocalPrincipal, ex.localPrincipal())
                && ex.lastMutualTls == ex.mutualTls()) {
            return e;
        }
        PeerWorkload local = policy.local();
        String peerP = principal(ex.peerPrincipal()), localP = principal(ex.localPrincipal());
        IstioMetrics.EdgeKey key = sourceReporter
                ? new IstioMetrics.EdgeKey(true, local, localP, ex.peer(), peerP, svc, "unknown", policy.metrics())
                : new IstioMetrics.EdgeKey(false, ex.peer(), peerP, local, localP, svc, ex.mutualTls() ? "mutual_tls" : "none", policy.metrics());
        e = metrics.edge(key);
        ex.lastEdge = e;
        ex.lastTelemetry = this;
        ex.lastPeer = ex.peer();
        ex.lastService = svc;
        ex.lastPeerPrincipal = ex.peerPrincipal();
        ex.lastLocalPrincipal = ex.localPrincipal();
        ex.lastMutualTls = ex.mutualTls();
        return e;
    }

    private static String principal(String p) { return p == null ? "unknown" : p; }

    /** Identity first (the usual case: cached values), then value. */
    private static boolean same(Object a, Object b) {
        return a == b || a != null && a.equals(b);
    }

    /** The TCP counters of a connection on this listener (opened once per connection, off the request path). */
    public IstioMetrics.TcpSeries tcp(PeerWorkload peer, String peerPrincipal, String localPrincipal, boolean mutualTls, ServiceRef service) {
        if (metrics == null) return null;
        PeerWorkload local = policy.local();
        ServiceRef svc = service != null ? service : sourceReporter || policy.services().isEmpty() ? null : policy.services().getFirst();
        IstioMetrics.EdgeKey key = sourceReporter
                ? new IstioMetrics.EdgeKey(true, local, principal(localPrincipal), peer, principal(peerPrincipal), svc, "unknown", policy.metrics())
                : new IstioMetrics.EdgeKey(false, peer, principal(peerPrincipal), local, principal(localPrincipal), svc, mutualTls ? "mutual_tls" : "none", policy.metrics());
        return metrics.edge(key).tcp();
    }

    /**
     * destination_service on an inbound listener: the workload's only service, or the one the
     * authority names; without services, the authority's host (as Istio reports unknown hosts).
     * An authority is looked up in two caches before it is resolved: this listener's last one
     * (shared by its connections, so its string stays in the CPU's cache) and this connection's
     * last one (so that connections with different authorities do not undo each other's).
     * Nothing is allocated unless both miss.
     */
    private ServiceRef inboundService(Exchange ex) {
        if (onlyService != null) return onlyService;
        String authority = ex.authority();
        if (authority == null) return pick(policy.services(), null);
        AuthorityService shared = lastAuthority;
        if (shared != null && authority.equals(shared.authority())) return shared.service();
        if (authority.equals(ex.lastAuthority)) return ex.lastAuthorityService;
        ServiceRef s = pick(policy.services(), authority);
        ex.lastAuthority = authority;
        ex.lastAuthorityService = s;
        lastAuthority = new AuthorityService(authority, s);
        return s;
    }

    private ServiceRef pick(List<ServiceRef> all, String authority) {
        String host = authority == null ? null : hostOf(authority);
        if (host != null) {
            for (ServiceRef s : all) {
                if (s.host().equals(host) || s.name().equals(host) || host.startsWith(s.name() + "." + s.namespace())) return s;
            }
        }
        if (!all.isEmpty()) return all.getFirst();
        if (host == null) return null;
        return new ServiceRef(host, host, policy.local().namespace());
    }

    private static String hostOf(String authority) {
        String a = authority.toLowerCase(Locale.ROOT);
        if (a.startsWith("[")) {
            int end = a.indexOf(']');
            return end < 0 ? a : a.substring(0, end + 1);
        }
        int colon = a.lastIndexOf(':');
        return colon < 0 ? a : a.substring(0, colon);
    }

    /** destination_service of an outbound cluster, from its Istio name ({@code outbound|9080|v1|reviews.shop.svc.cluster.local}). */
    public static ServiceRef serviceOfCluster(String cluster) {
        int bar = cluster.lastIndexOf('|');
        String host = bar < 0 ? cluster : cluster.substring(bar + 1);
        if (host.isEmpty()) return null;
        int dot = host.indexOf('.');
        if (dot > 0) {
            int svc = host.indexOf(".svc.", dot);
            if (svc > dot) return new ServiceRef(host, host.substring(0, dot), host.substring(dot + 1, svc));
        }
        return new ServiceRef(host, host, "unknown");
    }
}
