package dev.ficus.proxy.listener;

import dev.ficus.proxy.detect.DetectedProtocol;
import dev.ficus.proxy.detect.ProtocolDetectHandler;
import dev.ficus.proxy.http.Http1ServerCodec;
import dev.ficus.proxy.http.Http1Limits;
import dev.ficus.proxy.http.RequestGuardHandler;
import dev.ficus.proxy.http2.Http2ServerSteps;
import dev.ficus.proxy.router.RouterConfig;
import dev.ficus.proxy.router.RouterHandler;
import dev.ficus.proxy.tcp.TcpProxyConfig;
import dev.ficus.proxy.tcp.TcpProxyHandler;
import dev.ficus.xds.snapshot.ListenerProtocol;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import dev.ficus.proxy.tls.InboundPeers;
import dev.ficus.proxy.tls.MeshTls;
import dev.ficus.proxy.tls.PeerAuth;
import dev.ficus.proxy.tls.MtlsServerHandshake;
import dev.ficus.proxy.tls.ServerTlsContexts;
import dev.ficus.proxy.tls.ServerTlsHandshake;
import dev.ficus.xds.snapshot.MtlsMode;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * Assembles the pipeline of one accepted connection, in named steps. Every connection starts with
 * {@code track}; then, by the listener's protocol:
 * <ul>
 *   <li>TCP: {@code tcp-proxy} (route by port, splice);</li>
 *   <li>HTTP: {@code detect} (HTTP/2 preface or not), then the HTTP/1.1 or HTTP/2 steps;</li>
 *   <li>AUTO: {@code detect} (TLS, HTTP/2, HTTP/1.x, else TCP), then the matching steps.</li>
 * </ul>
 * HTTP/1.1 is {@code head-scan → codec → guard → router}; HTTP/2 is {@link Http2ServerSteps};
 * TLS without termination is {@code tcp-proxy} routed by SNI; a listener with TLS servers of its
 * own (Gateway HTTPS) is {@code detect → tls → tls-verify}, then the HTTP steps with the route
 * table of the server the SNI picked. The detect step calls back here and leaves, so handlers
 * never look each other up.
 */
public final class ListenerInitializer extends ChannelInitializer<Channel> {
    /** Istio's protocol-detection timeout for server-first protocols, before a connection is taken as TCP. */
    public static final Duration DEFAULT_DETECT_TIMEOUT = Duration.ofSeconds(1);

    private final ListenerProtocol protocol;
    private final RouterConfig router;
    private final TcpProxyConfig tcp;
    private final Http1Limits limits;
    private final ConnectionTracker tracker;
    private final long detectTimeoutNanos;
    private final long httpDetectTimeoutNanos;
    private final InboundTls inboundTls;
    private final Supplier<ServerTlsContexts> serverTls;

    /**
     * Mesh mTLS on an inbound listener: the proxy's certificate, the listener's current
     * PeerAuthentication mode (read per connection, so a change applies without rebinding) and its
     * counters.
     */
    public record InboundTls(MeshTls tls, Supplier<MtlsMode> mode, MtlsServerHandshake.Counters counters, InboundPeers peers) {
    }

    public ListenerInitializer(ListenerProtocol protocol, RouterConfig router, TcpProxyConfig tcp, Http1Limits limits, ConnectionTracker tracker, Duration detectTimeout) {
        this(protocol, router, tcp, limits, tracker, detectTimeout, null);
    }

    /** @param inboundTls null for listeners that never terminate mesh mTLS (outbound, gateway) */
    public ListenerInitializer(ListenerProtocol protocol, RouterConfig router, TcpProxyConfig tcp, Http1Limits limits, ConnectionTracker tracker,
                               Duration detectTimeout, InboundTls inboundTls) {
        this(protocol, router, tcp, limits, tracker, detectTimeout, ProtocolDetectHandler.HTTP_DETECT_TIMEOUT, inboundTls);
    }

    /** @param httpDetectTimeout how long an HTTP listener waits for the bytes that tell its protocol (see {@link ProtocolDetectHandler}) */
    public ListenerInitializer(ListenerProtocol protocol, RouterConfig router, TcpProxyConfig tcp, Http1Limits limits, ConnectionTracker tracker,
                               Duration detectTimeout, Duration httpDetectTimeout, InboundTls inboundTls) {
        this(protocol, router, tcp, limits, tracker, detectTimeout, httpDetectTimeout, inboundTls, null);
    }

    /**
     * @param serverTls the listener's own TLS servers (Gateway HTTPS, Sidecar ingress {@code tls}) as the
     *                  current snapshot has them, read per connection; null or a null answer: none
     */
    public ListenerInitializer(ListenerProtocol protocol, RouterConfig router, TcpProxyConfig tcp, Http1Limits limits, ConnectionTracker tracker,
                               Duration detectTimeout, Duration httpDetectTimeout, InboundTls inboundTls, Supplier<ServerTlsContexts> serverTls) {
        this.serverTls = serverTls;
        this.httpDetectTimeoutNanos = httpDetectTimeout.toNanos();
        this.inboundTls = inboundTls;
        this.protocol = protocol;
        this.router = router;
        this.tcp = tcp;
        this.limits = limits;
        this.tracker = tracker;
        this.detectTimeoutNanos = detectTimeout.toNanos();
    }

    @Override
    protected void initChannel(Channel ch) {
        ChannelPipeline p = ch.pipeline();
        addTracking(p);
        ServerTlsContexts own = serverTls == null ? null : serverTls.get();
        if (own != null && protocol != ListenerProtocol.TCP) { // terminated with the listener's certificates, before anything else
            p.addLast("detect", new ProtocolDetectHandler((ctx, what, sni) -> detectedServerTls(ctx, what, sni, own), true, true, httpDetectTimeoutNanos));
            return;
        }
        MtlsMode mode = inboundTls == null ? MtlsMode.DISABLE : inboundTls.mode().get();
        if (mode != MtlsMode.DISABLE) { // TLS must be told apart first, whatever the listener's protocol
            p.addLast("detect", new ProtocolDetectHandler((ctx, what, sni) -> detectedInbound(ctx, what, sni, mode),
                    protocol == ListenerProtocol.HTTP, true, protocol == ListenerProtocol.HTTP ? httpDetectTimeoutNanos : detectTimeoutNanos));
            return;
        }
        switch (protocol) {
            case TCP -> {
                if (tcp.routes(tcp.snapshots().current()).hasTlsRoutes()) addDetect(p, false); // SNI is needed
                else addTcpProxy(p);
            }
            case HTTP -> addDetect(p, true);
            case AUTO -> addDetect(p, false);
        }
    }

    private void addTracking(ChannelPipeline p) { p.addLast("track", tracker.handler(router.stats())); }

    private void addDetect(ChannelPipeline p, boolean httpOnly) {
        p.addLast("detect", new ProtocolDetectHandler(this::detected, httpOnly, httpOnly ? httpDetectTimeoutNanos : detectTimeoutNanos));
    }

    /** The detect step's decision: builds the rest of the pipeline after it. */
    private void detected(ChannelHandlerContext ctx, DetectedProtocol what, String sni) {
        ChannelPipeline p = ctx.pipeline();
        if (what == DetectedProtocol.MESH_TLS) what = DetectedProtocol.TLS; // not terminated here: passed through like any TLS
        if (protocol == ListenerProtocol.TCP && what != DetectedProtocol.TLS) what = DetectedProtocol.TCP;
        switch (what) {
            case HTTP1 -> addHttp1(p);
            case HTTP2 -> Http2ServerSteps.add(p, router);
            case TLS, MESH_TLS -> addTlsPassthrough(p, sni);
            case TCP -> addTcpProxy(p);
        }
    }

    /**
     * An inbound listener under PERMISSIVE or STRICT: mesh mTLS is terminated and the decrypted
     * bytes go through the listener's usual steps; plaintext is served under PERMISSIVE and refused
     * (closed, counted) under STRICT, as is any TLS that is not the mesh's.
     */
    private void detectedInbound(ChannelHandlerContext ctx, DetectedProtocol what, String sni, MtlsMode mode) {
        ChannelPipeline p = ctx.pipeline();
        if (what == DetectedProtocol.MESH_TLS) {
            boolean added = MtlsServerHandshake.add(p, "detect", inboundTls.tls(), inboundTls.counters(), inboundTls.peers(), inner -> {
                if (protocol == ListenerProtocol.TCP) addTcpProxy(inner);
                else if (protocol == ListenerProtocol.AUTO) inner.addLast("detect-inner", new ProtocolDetectHandler((c, w, s) -> detected(c, w, s), false, detectTimeoutNanos)); // HTTP, else TCP inside too
                else inner.addLast("detect-inner", new ProtocolDetectHandler((c, w, s) -> detected(c, w, s), true, httpDetectTimeoutNanos));
            });
            if (added) return;
            inboundTls.counters().failed.increment(); // no certificate yet: cannot terminate
            ctx.close();
            return;
        }
        inboundTls.peers().record(InboundPeers.address(ctx.channel()), PeerAuth.PLAINTEXT);
        if (mode == MtlsMode.STRICT) {
            inboundTls.counters().plaintextRefused.increment();
            ctx.close();
            return;
        }
        if (protocol == ListenerProtocol.HTTP && what == DetectedProtocol.TLS) { // an app's own TLS, or a malformed hello, on an HTTP port
            inboundTls.counters().failed.increment();
            ctx.close();
            return;
        }
        detected(ctx, what, sni);
    }

    private void addHttp1(ChannelPipeline p) { addHttp1(p, router); }

    private void addHttp1(ChannelPipeline p, RouterConfig rc) {
        addHttp1Codec(p);
        addRequestGuard(p);
        addRouter(p, rc);
    }

    /**
     * A listener with TLS servers of its own: the SNI picks the server (and so the certificate and
     * the route table), its handshake runs, and HTTP/2 or HTTP/1.1 follows as ALPN agreed. Bytes
     * that are not TLS are refused (closed), as a TLS-only port does.
     */
    private void detectedServerTls(ChannelHandlerContext ctx, DetectedProtocol what, String sni, ServerTlsContexts own) {
        if (what != DetectedProtocol.TLS && what != DetectedProtocol.MESH_TLS) {
            ctx.close();
            return;
        }
        ServerTlsContexts.Chain chain = own.select(sni);
        RouterConfig rc = new RouterConfig(chain.routerKey(), router.snapshots(), router.stats(), router.pools(), router.budgets(), router.inbound(), router.passthrough());
        boolean added = ServerTlsHandshake.add(ctx.pipeline(), "detect", chain, router.stats(), (inner, alpn) -> {
            if (alpn.equals(io.netty.handler.ssl.ApplicationProtocolNames.HTTP_2)) Http2ServerSteps.add(inner, rc);
            else if (alpn.equals(MeshTls.ALPN_MESH)) { // mesh mTLS says nothing of what follows: h2c prior knowledge or HTTP/1.1
                inner.addLast("detect-inner", new ProtocolDetectHandler((c, w, s) -> {
                    if (w == DetectedProtocol.HTTP2) Http2ServerSteps.add(c.pipeline(), rc);
                    else addHttp1(c.pipeline(), rc);
                }, true, httpDetectTimeoutNanos));
            } else addHttp1(inner, rc);
        });
        if (!added) ctx.close(); // ISTIO_MUTUAL before this proxy has a mesh certificate
    }

    /**
     * TLS is not terminated here: a TLS route (by SNI) passes it through; without one, a TCP
     * listener's TCP route takes it, and so does an inbound listener's (an application's own TLS
     * reaches the application, as Istio passes TLS that is not the mesh's through to it); elsewhere
     * the connection is refused.
     */
    private void addTlsPassthrough(ChannelPipeline p, String sni) {
        p.addLast("tcp-proxy", TcpProxyHandler.tls(tcp, sni, protocol == ListenerProtocol.TCP || inboundTls != null));
    }

    private void addTcpProxy(ChannelPipeline p) { p.addLast("tcp-proxy", TcpProxyHandler.tcp(tcp)); }

    private void addHttp1Codec(ChannelPipeline p) { p.addLast("codec", new Http1ServerCodec(limits)); }

    private void addRequestGuard(ChannelPipeline p) { p.addLast("guard", new RequestGuardHandler(limits, router.stats())); }

    private void addRouter(ChannelPipeline p, RouterConfig rc) { p.addLast("router", new RouterHandler(rc)); }
}
