package dev.ficus.proxy.tcp;

import dev.ficus.proxy.authz.AuthzEngine;
import dev.ficus.proxy.cluster.ClusterRuntime;
import dev.ficus.proxy.http.ResponseFlag;
import dev.ficus.proxy.lb.EndpointRef;
import dev.ficus.proxy.route.RuntimeSnapshot;
import dev.ficus.proxy.telemetry.IstioMetrics;
import dev.ficus.proxy.telemetry.ListenerTelemetry;
import dev.ficus.proxy.tls.MeshTls;
import dev.ficus.proxy.tls.PeerAuth;
import dev.ficus.proxy.tls.UpstreamTlsHandshake;
import dev.ficus.xds.snapshot.RouteAction;
import dev.ficus.xds.snapshot.TcpRoute;
import dev.ficus.xds.snapshot.TelemetryPolicy;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.concurrent.ThreadLocalRandom;
import javax.net.ssl.SSLException;

/**
 * The terminal stage of an opaque TCP or TLS-passthrough connection: picks the listener's TCP route
 * (by SNI when the connection is TLS), a cluster by weight and an endpoint, connects to it on this
 * connection's event loop, then hands both channels to a {@link Splice}. Bytes that arrive before
 * the upstream is connected (the detected first bytes, for instance) are held and sent first. The
 * upstream connection is secured as an HTTP one would be ({@link UpstreamTlsHandshake}: mesh mTLS,
 * auto mTLS, DestinationRule origination), and the splice starts only after the handshake.
 *
 * <p>A connection without a route is closed and counted with flag NR, one without a healthy
 * endpoint with UH, a failed connect, TLS handshake or server identity with UF, one the listener's AuthorizationPolicies deny with RBAC. One instance per connection, on its event loop.
 */
public final class TcpProxyHandler extends ChannelInboundHandlerAdapter {
    private final TcpProxyConfig config;
    private final boolean tls;
    private final String sni;
    private final boolean tlsFallsBackToTcp;
    private final ArrayDeque<Object> held = new ArrayDeque<>(2);
    private ClusterRuntime cluster;
    private EndpointRef endpoint;
    private boolean started;
    private boolean done;
    private IstioMetrics.TcpSeries counters; // Istio's TCP metrics of this connection, or null
    private ListenerTelemetry tel; // the listener's Istio telemetry, or null
    private TelemetryPolicy.ServiceRef service; // destination_service on a client side

    /** An opaque TCP connection: served by the first route without SNI hosts. */
    public static TcpProxyHandler tcp(TcpProxyConfig config) { return new TcpProxyHandler(config, false, null, false); }

    /**
     * A TLS connection that is not terminated: served by the first route whose SNI hosts match.
     *
     * @param sni               the server name of the ClientHello, or null
     * @param tlsFallsBackToTcp on TCP listeners a TLS connection no TLS route matches takes the TCP route, as in Istio
     */
    public static TcpProxyHandler tls(TcpProxyConfig config, String sni, boolean tlsFallsBackToTcp) {
        return new TcpProxyHandler(config, true, sni, tlsFallsBackToTcp);
    }

    private TcpProxyHandler(TcpProxyConfig config, boolean tls, String sni, boolean tlsFallsBackToTcp) {
        this.config = config;
        this.tls = tls;
        this.sni = sni;
        this.tlsFallsBackToTcp = tlsFallsBackToTcp;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        // a client that sends and half-closes at once must not be closed before the splice exists
        ctx.channel().config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        // added after detection or a handshake: start now. Added by the listener's initializer, an
        // accepted channel is active before its channelActive event: a refusal here would close it
        // before the listener's tracking saw it open, so that start waits for the event (which runs first)
        if (ctx.channel().isActive()) ctx.executor().execute(() -> {
            if (!ctx.isRemoved()) start(ctx);
        });
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        start(ctx);
        ctx.fireChannelActive();
    }

    private void start(ChannelHandlerContext ctx) {
        if (started) return;
        started = true;
        RuntimeSnapshot snap = config.snapshots().current();
        AuthzEngine authz = snap.authz(config.listener()); // authz stage: decided before an upstream is chosen
        if (authz != null && !authz.allowsConnection(ctx.channel(), sni, config.stats())) {
            refuse(ctx, ResponseFlag.RBAC);
            return;
        }
        var table = config.routes(snap);
        TcpRoute route = tls ? table.selectTls(sni) : table.select(null);
        if (route == null && tls && tlsFallsBackToTcp) route = table.select(null);
        if (route == null) {
            refuse(ctx, ResponseFlag.NR);
            return;
        }
        RouteAction.Forward f = route.action();
        String name = f.clusters().size() == 1 ? f.clusters().getFirst().cluster() : f.pick(ThreadLocalRandom.current().nextInt(f.totalWeight()));
        ClusterRuntime c = snap.cluster(name);
        EndpointRef ep = c == null ? null : c.picker().pick();
        if (ep == null) {
            refuse(ctx, ResponseFlag.UH);
            return;
        }
        if (!ep.breakers().tryAcquireConnection()) { // connectionPool.tcp.maxConnections: Envoy's overflow, UO
            refuse(ctx, ResponseFlag.UO);
            return;
        }
        cluster = c;
        endpoint = ep;
        ep.requestStarted();
        c.stats().request();
        Channel down = ctx.channel();
        tel = snap.telemetry(config.listener());
        if (tel != null && tel.sourceReporter()) service = snap.service(name);
        UpstreamTlsHandshake[] secure = new UpstreamTlsHandshake[1];
        ChannelFuture connect = dev.ficus.proxy.pool.UpstreamSockets.keepalive(new Bootstrap(), config.channelClass(), c.config().limits())
                .group(down.eventLoop())
                .channel(config.channelClass())
                .option(ChannelOption.ALLOCATOR, down.alloc())
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, c.config().connectTimeout().toMillis()))
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        try { // mesh mTLS or origination as for HTTP: the TLS handler first in the pipeline
                            secure[0] = UpstreamTlsHandshake.forConnection(config.tls(), c.config(), ep.endpoint(), ch);
                        } catch (SSLException e) { // ISTIO_MUTUAL before this proxy has a certificate: the connect fails (UF)
                            ch.close();
                        }
                    }
                })
                .connect(ep.address());
        connect.addListener(x -> connected(ctx, connect, secure[0]));
    }

    /** The TCP connect ended; with upstream TLS the splice waits for the handshake and the server's identity. */
    private void connected(ChannelHandlerContext ctx, ChannelFuture connect, UpstreamTlsHandshake secure) {
        if (!connect.isSuccess()) {
            upstreamFailed(ctx);
            return;
        }
        Channel up = connect.channel();
        if (secure == null) {
            secured(ctx, up);
            return;
        }
        up.read(); // the handshake needs reads; AUTO_READ is off
        secure.whenSecured(() -> secured(ctx, up), cause -> {
            up.close();
            if (ctx.channel().isActive()) upstreamFailed(ctx);
            else closedMeanwhile(up);
        });
    }

    /** A failed connect, TLS handshake or server identity: Envoy's upstream connect failure. */
    private void upstreamFailed(ChannelHandlerContext ctx) {
        finish(ResponseFlag.UF);
        releaseHeld();
        ctx.channel().close();
    }

    private void closedMeanwhile(Channel up) {
        finish(ResponseFlag.DC);
        releaseHeld();
        up.close();
    }

    private void secured(ChannelHandlerContext ctx, Channel up) {
        Channel down = ctx.channel();
        if (!down.isActive()) {
            closedMeanwhile(up);
            return;
        }
        counters = counters(down, up);
        endpoint.clusterStats().connectionOpened();
        up.closeFuture().addListener(x -> {
            endpoint.clusterStats().connectionClosed();
            finish(null);
        });
        var t = counters;
        if (t != null) {
            t.opened();
            up.closeFuture().addListener(x -> t.closed());
        }
        Object m;
        while ((m = held.pollFirst()) != null) {
            if (t != null && m instanceof io.netty.buffer.ByteBuf buf) t.received(buf.readableBytes());
            up.write(m, up.voidPromise());
        }
        up.flush();
        boolean inputEnded = down instanceof DuplexChannel d && d.isInputShutdown();
        Splice s = Splice.join(down, up).count(t).idleTimeout(cluster.config().limits().tcpIdleTimeout());
        ctx.pipeline().remove(this);
        s.start();
        if (inputEnded) s.inputEnded(down);
    }

    /**
     * Istio's TCP series of this connection, known once the upstream is secured (opaque TCP carries
     * no peer metadata: peers are known by their certificates only). A server side reports the
     * client its mTLS proved and this proxy's identity; a client side this proxy's identity and the
     * server's, as the mesh handshake proved it.
     */
    private IstioMetrics.TcpSeries counters(Channel down, Channel up) {
        if (tel == null) return null;
        MeshTls own = config.tls();
        PeerAuth peer = PeerAuth.of(tel.sourceReporter() ? up : down);
        String local = peer.mutualTls() && own != null ? own.spiffeId() : null;
        return tel.tcp(TelemetryPolicy.PeerWorkload.UNKNOWN, spiffe(peer), local, peer.mutualTls(), service);
    }

    private static String spiffe(PeerAuth peer) { return peer.mutualTls() && peer.principal() != null ? "spiffe://" + peer.principal() : null; }

    private void finish(ResponseFlag flag) {
        if (done) return;
        done = true;
        endpoint.breakers().releaseConnection();
        endpoint.requestFinished();
        cluster.stats().response(0, flag);
        if (flag != null) config.stats().response(0, flag);
    }

    private void refuse(ChannelHandlerContext ctx, ResponseFlag flag) {
        config.stats().response(0, flag);
        releaseHeld();
        ctx.close();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (ctx.channel().isActive() && !done) held.add(msg);
        else ReferenceCountUtil.release(msg);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) return; // seen by the splice as isInputShutdown
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        releaseHeld();
        ctx.fireChannelInactive();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) { releaseHeld(); }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) { ctx.close(); }

    private void releaseHeld() {
        Object m;
        while ((m = held.pollFirst()) != null) ReferenceCountUtil.release(m);
    }
}
