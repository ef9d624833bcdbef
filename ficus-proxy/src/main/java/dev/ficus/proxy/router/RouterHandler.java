package dev.ficus.proxy.router;

import dev.ficus.proxy.authz.AuthzEngine;
import dev.ficus.proxy.jwt.JwtAuthenticator;
import dev.ficus.proxy.tls.PeerAuth;
import dev.ficus.proxy.cluster.ClusterRuntime;
import dev.ficus.proxy.grpc.GrpcLocalReply;
import dev.ficus.proxy.http.AbsoluteForm;
import dev.ficus.proxy.http.Deadline;
import dev.ficus.proxy.http.ExchangeEvent;
import dev.ficus.proxy.http.HopByHop;
import dev.ficus.proxy.http.LocalReply;
import dev.ficus.proxy.http.PathNormalization;
import dev.ficus.proxy.http.ResponseFlag;
import dev.ficus.proxy.http.ResponseFlags;
import dev.ficus.proxy.lb.EndpointRef;
import dev.ficus.proxy.lb.PickContext;
import dev.ficus.proxy.parallelrun.ParallelRunState;
import dev.ficus.proxy.pool.EndpointPool;
import dev.ficus.proxy.pool.LoopPools;
import dev.ficus.proxy.pool.UpstreamConnection;
import dev.ficus.proxy.pool.UpstreamListener;
import dev.ficus.proxy.route.RequestView;
import dev.ficus.proxy.http.RequestScheme;
import dev.ficus.proxy.retry.Backoff;
import dev.ficus.proxy.retry.RetryBudget;
import dev.ficus.proxy.route.RuntimeSnapshot;
import dev.ficus.proxy.tcp.Splice;
import dev.ficus.proxy.telemetry.Exchange;
import dev.ficus.proxy.telemetry.ListenerTelemetry;
import dev.ficus.xds.snapshot.HeaderMutations;
import dev.ficus.xds.snapshot.WeightedCluster;
import dev.ficus.xds.snapshot.ListenerConfig;
import dev.ficus.xds.snapshot.OutboundPolicy;
import dev.ficus.proxy.cluster.Passthrough;
import dev.ficus.xds.snapshot.Route;
import dev.ficus.xds.snapshot.RouteAction;
import dev.ficus.xds.snapshot.RouteCors;
import dev.ficus.xds.snapshot.RouteFault;
import dev.ficus.xds.snapshot.RouteMirror;
import dev.ficus.xds.snapshot.RouteParallelRun;
import dev.ficus.xds.snapshot.RoutePolicies;
import dev.ficus.xds.snapshot.RouteRetry;
import dev.ficus.xds.snapshot.RouteRewrite;
import dev.ficus.xds.snapshot.RouteTable;
import dev.ficus.xds.snapshot.UpstreamProtocol;
import dev.ficus.xds.snapshot.VirtualHost;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The terminal stage of an HTTP/1.1 connection (Envoy's router filter): matches each request on
 * the snapshot current when its head arrived, picks a cluster and an endpoint, leases a pooled
 * upstream connection on this event loop and streams the request and the response through
 * without aggregating either. Requests on one connection are served one at a time; pipelined
 * heads wait in a short queue.
 *
 * <p>Flow control: the downstream and upstream channels run with AUTO_READ off. A side is read
 * again after its data is flushed, as long as the other side is writable; writability changes
 * resume it. One instance per downstream connection, only ever called on its event loop.
 *
 * <p>Around the upstream call the route's {@link RoutePolicies} apply, in Envoy's order: fault
 * injection (a delay scheduled on the event loop, then maybe an abort), rewrites, then attempts
 * with retries (jittered back-off, another endpoint when there is one, the cluster's retry budget)
 * and mirrors sent once the request is complete, as are the copies of a parallel run, whose
 * answers are compared with stable's off the event loop (the client's answer is never held back
 * for them). A retry replays the request head and the body
 * kept so far; the body is kept only while it fits in {@link #MAX_REPLAY} bytes, so a larger body
 * that has already been streamed upstream is never retried (its bytes are gone).
 */
public final class RouterHandler extends ChannelDuplexHandler implements UpstreamListener {
    private static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");
    private static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");
    private static final AsciiString X_REQUEST_ID = AsciiString.cached("x-request-id");
    /** Pipelined messages held while a request is served; more stops reading the connection. */
    private static final int MAX_QUEUED = 64;
    /** The most request body kept for a retry or a mirror; a larger body is streamed and never replayed. */
    static final int MAX_REPLAY = 64 * 1024;
    private static final AsciiString GRPC_STATUS = AsciiString.cached("grpc-status");
    private static final AsciiString GRPC_MESSAGE = AsciiString.cached("grpc-message");
    private static final AsciiString APPLICATION_GRPC = AsciiString.cached("application/grpc");
    private static final AsciiString TRUE = AsciiString.cached("true");
    private static final int GRPC_RETRY_ON = RouteRetry.ON_GRPC_CANCELLED | RouteRetry.ON_GRPC_DEADLINE_EXCEEDED
            | RouteRetry.ON_GRPC_INTERNAL | RouteRetry.ON_GRPC_RESOURCE_EXHAUSTED | RouteRetry.ON_GRPC_UNAVAILABLE;

    /**
     * Where the exchange is. DELAYED (fault delay) and BACKOFF (between attempts) wait on a timer;
     * like CONNECTING, they queue what the client sends meanwhile. UPGRADED: the
     * connection became a byte splice after a 101 (or after the 200 that opened a CONNECT tunnel).
     */
    private enum State { IDLE, DELAYED, CONNECTING, BACKOFF, FORWARDING, LOCAL, UPGRADED }

    /** The route of requests sent through the passthrough cluster: Istio's {@code allow_any}, without a timeout or retries. */
    private static final Route PASSTHROUGH_ROUTE = new Route("allow_any", dev.ficus.xds.snapshot.RouteMatch.ANY,
            RouteAction.Forward.to(Passthrough.CLUSTER), java.time.Duration.ZERO, HeaderMutations.NONE, HeaderMutations.NONE);

    private final RouterConfig config;
    private final RequestView view = new RequestView();
    /** The request whose passthrough host is being resolved, else null. */
    private HttpRequest resolving;
    /** {@code http} or {@code https}: whether TLS was terminated on this connection; found at its first request. */
    private String connectionScheme;
    private ChannelHandlerContext ctx;
    private LoopPools pools;
    private Deadline routeDeadline;
    private Deadline tryDeadline;
    private final Runnable timerTask = this::timerFired;
    private String remoteIp;
    // cluster policy: request attributes for consistent hashing, reused across requests
    private final PickContext pick = new PickContext();
    private String remotePeer;

    private State state = State.IDLE;
    private ArrayDeque<Object> queue;
    private boolean keepAlive = true;
    private boolean draining;
    private boolean closing;
    // the exchange in flight
    private HttpRequest head;
    private HttpMethod method;
    private boolean http10;
    private boolean bodyExpected;
    private boolean requestComplete;
    private boolean responseStarted;
    private boolean informational;
    private boolean upstreamKeepAlive;
    private int status;
    private ResponseFlag flag;
    /**
     * A second flag beside {@link #flag}, as Envoy sets both (e.g. {@code UT,URX}): URX when a failure
     * was not retried because the route's attempts ran out, UO when the cluster's retry budget did,
     * DI when a fault delay was followed by its abort; else null.
     */
    private ResponseFlag retryFlag;
    private Route route;
    /** The destination the route's weights picked, whose own header edits follow the route's; null for other actions. */
    private WeightedCluster destination;
    private ClusterRuntime cluster;
    private EndpointRef endpoint;
    private UpstreamConnection upstream;
    private String upgrade; // the protocol an HTTP/1.1 request asked to switch to (Upgrade), forwarded upstream
    private boolean switching; // a 101 for that upgrade was forwarded; its end turns the exchange into a splice
    // retries, faults and mirrors of the exchange in flight
    private RoutePolicies policies;
    private RouteRetry retry;
    private RetryBudget budget;
    /** The snapshot of a route with a fallback (a strangler's moved route), for the legacy cluster; null otherwise. */
    private RuntimeSnapshot fallbackSnap;
    private boolean fellBack;
    private boolean retryHeld;
    private int retriesDone;
    private EndpointRef lastEndpoint;
    /** The endpoints of the exchange's attempts before the last one, once it retried; null until a retry needs them. */
    private EndpointRef[] triedEndpoints;
    private int tried;
    /** How often a retry picks again when it picked an endpoint already tried (Istio's host_selection_retry_max_attempts). */
    static final int HOST_RESELECTIONS = 5;
    private boolean keepBody;
    private ByteBuf replay;
    private ScheduledFuture<?> timer;
    private RuntimeSnapshot mirrorsTo;
    /** The codec found the HTTP/2 request malformed (a stream error): the stream's end counts as DPE, not DC. */
    private boolean malformed;
    /** The parallel run this exchange was sampled for, until stable's answer ended or the exchange did. */
    private ParallelRunExchange parallel;
    /** The request's {@code Origin} when the route's CORS policy allows it: responses get CORS headers. */
    private String corsOrigin;
    private boolean corsPreflight;
    // telemetry: the exchange's facts and the listener's telemetry stage of the snapshot it started on
    private final Exchange ex = new Exchange();
    private ListenerTelemetry tel;
    private PeerAuth lastPeerAuth; // the SPIFFE ID of the last peer seen, rendered once
    private String lastPeerSpiffe;

    public RouterHandler(RouterConfig config) {
        this.config = config;
        this.gateway = config.listener().startsWith("gateway:");
    }

    /** Whether this is a gateway listener's router (Gateway servers: see {@link #gatewayClientCert}). */
    private final boolean gateway;

    // ---- downstream events

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.pools = config.pools().forLoop(ctx.channel().eventLoop());
        this.routeDeadline = new Deadline(ctx.channel().eventLoop(), this::routeTimedOut);
        this.tryDeadline = new Deadline(ctx.channel().eventLoop(), this::tryTimedOut);
        // built after the proxy began to drain (the connection was still detecting its protocol):
        // its exchange ends with the connection, as if it had heard DRAIN
        if (ExchangeEvent.draining(ctx.channel())) draining = true;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (ctx.channel().remoteAddress() instanceof InetSocketAddress a) {
            remoteIp = a.getAddress().getHostAddress();
            remotePeer = remoteIp + ":" + a.getPort(); // cluster policy: seeds generated affinity cookies
        }
        ctx.read();
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof FullHttpRequest full) {
            // HTTP/2 headers that end the stream come as one message; the exchange takes a head and
            // a body, so that the body is released on a local reply and kept for a retry like any other
            read(new DefaultHttpRequest(full.protocolVersion(), full.method(), full.uri(), full.headers()));
            read(new DefaultLastHttpContent(full.content(), full.trailingHeaders()));
            return;
        }
        read(msg);
    }

    private void read(Object msg) {
        if (closing) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpContent c && c.decoderResult().isFailure() && (queue == null || queue.isEmpty())) {
            requestBroken(c); // the exchange in flight, even while it waits: at once
            return;
        }
        if (waiting() || (state != State.IDLE && requestComplete) || (queue != null && !queue.isEmpty())) {
            if (queue == null) queue = new ArrayDeque<>(4);
            queue.add(msg);
            return;
        }
        dispatch(msg);
    }

    private void dispatch(Object msg) {
        if (msg instanceof HttpRequest req) {
            begin(req);
        } else if (msg instanceof HttpContent c) {
            body(c);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (upstream != null) upstream.channel().flush();
        readDownstreamIfAllowed();
    }

    private void readDownstreamIfAllowed() {
        if (closing || !ctx.channel().isActive()) return;
        if (waiting()) return; // resumed once connected or the timer fired
        if (state == State.FORWARDING && !requestComplete && !upstream.channel().isWritable()) return; // resumed by writability
        if (queue != null && queue.size() >= MAX_QUEUED) return;
        // otherwise keep one read pending: it streams the body, and it notices a client that goes away
        ctx.read();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable() && upstream != null) upstream.channel().read();
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == ExchangeEvent.DRAIN) {
            draining = true;
            keepAlive = false;
            if (state == State.IDLE && (queue == null || queue.isEmpty())) {
                closing = true;
                ctx.close();
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closing = true;
        routeDeadline.cancel();
        tryDeadline.cancel();
        if (waiting() || state == State.FORWARDING) {
            if (state == State.CONNECTING && endpoint != null) pools.pool(endpoint).cancelWait(this); // cluster policy: leave the pending queue
            flag = malformed ? ResponseFlag.DPE : ResponseFlag.DC;
            abortUpstream();
            record(responseStarted ? status : 0);
        }
        state = State.IDLE; // a local reply was already counted when it was sent
        releaseQueue();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (ctx.channel() instanceof Http2StreamChannel && io.netty.handler.codec.http2.Http2CodecUtil.getEmbeddedHttp2Exception(cause) != null) {
            // a stream error of the codec (a body that does not add up to its content-length, say): the multiplexer
            // resets the stream with its error code (PROTOCOL_ERROR) right after; closing here would send CANCEL first
            malformed = true;
            return;
        }
        ctx.close();
    }

    // ---- request

    private void begin(HttpRequest req) {
        RuntimeSnapshot snap = config.snapshots().current();
        AbsoluteForm.normalize(req);
        // Istio's BASE path normalization: routing, policies, telemetry and the upstream see one path
        String target = req.uri(), normalized = PathNormalization.base(target);
        if (normalized != null && normalized != target) req.setUri(normalized);
        HttpHeaders h = req.headers();
        head = req;
        method = req.method();
        http10 = req.protocolVersion() == HttpVersion.HTTP_1_0;
        keepAlive = !draining && HttpUtil.isKeepAlive(req);
        bodyExpected = HttpUtil.isTransferEncodingChunked(req) || HttpUtil.getContentLength(req, 0L) > 0;
        requestComplete = false;
        responseStarted = false;
        informational = false;
        status = 0;
        flag = null;
        retryFlag = null;
        route = null;
        destination = null;
        cluster = null;
        endpoint = null;
        upgrade = null;
        switching = false;
        corsOrigin = null;
        corsPreflight = false;
        config.stats().request();
        tel = snap.telemetry(config.listener());
        if (tel == null) tel = ListenerTelemetry.DETACHED; // the listener left the snapshot; this connection drains
        ex.begin(req, ctx.channel() instanceof Http2StreamChannel ? "HTTP/2" : http10 ? "HTTP/1.0" : "HTTP/1.1", remoteIp);
        if (!tel.sourceReporter()) { // a server side: the caller's identity is the downstream connection's
            PeerAuth peer = PeerAuth.of(ctx.channel());
            var own = config.inbound();
            ex.principals(peer.mutualTls(), spiffe(peer), peer.mutualTls() && own != null ? own.spiffeId() : null);
        }
        tel.onRequest(ex);

        // CONNECT host:port (forward-proxy mode): routed by its authority with the path "/", then tunneled
        boolean connect = method == HttpMethod.CONNECT;
        if (connect) {
            keepAlive = false; // an answer other than the tunnel ends the connection: tunnel bytes may follow
            String authority = ConnectTunnel.authority(req.uri());
            if (authority == null || ctx.channel() instanceof Http2StreamChannel) { // tunnels are served on HTTP/1.1 only
                localReply(400, null, null, null);
                return;
            }
            h.set(HttpHeaderNames.HOST, authority);
        }
        if (normalized == null) { // %00 in the path
            localReply(400, ResponseFlag.DPE, null, null);
            return;
        }
        JwtAuthenticator jwt = snap.jwt(config.listener()); // jwt stage: Istio's RequestAuthentication runs before RBAC
        JwtAuthenticator.Outcome authn = jwt == null ? JwtAuthenticator.Outcome.NONE : jwt.authenticate(req.uri(), h);
        if (authn.failed()) {
            localReply(401, ResponseFlag.JWT, JwtAuthenticator.FAILED_BODY, null);
            return;
        }
        AuthzEngine authz = snap.authz(config.listener()); // authz stage: Istio's RBAC runs before the router
        if (authz != null && !authz.allowsRequest(ctx.channel(), req, authn.jwt(), config.stats())) {
            localReply(403, ResponseFlag.RBAC, AuthzEngine.DENIED_BODY, null);
            return;
        }
        RouteTable table = snap.routeTable(config.listener());
        VirtualHost vh = table == null ? null : table.select(h.get(HttpHeaderNames.HOST));
        String scheme = requestScheme();
        Route r = vh == null ? null : vh.select(connect ? view.resetConnect(req, scheme) : view.reset(req, scheme));
        if (r == null) {
            noRoute(req, h.get(HttpHeaderNames.HOST), connect, snap);
            return;
        }
        route = r;
        ex.route(r.name());
        switch (r.action()) {
            case RouteAction.DirectResponse d -> localReply(d.status(), null, d.body(), null);
            case RouteAction.Redirect rd -> localReply(rd.status(), null, "", rd.location(scheme, h.get(HttpHeaderNames.HOST), req.uri()));
            case RouteAction.Forward f when connect -> tunnel(snap, f);
            case RouteAction.Forward f -> forward(snap, f, req);
        }
    }

    /**
     * No route names the request's host. An outbound listener in ALLOW_ANY mode (Istio's default)
     * sends it to that host itself through the passthrough cluster, once the name is resolved off
     * the event loop (state CONNECTING meanwhile, so that a body queues); REGISTRY_ONLY answers 502
     * as Istio's BlackHoleCluster; any other listener 404. Flag NR either way.
     */
    private void noRoute(HttpRequest req, String authority, boolean connect, RuntimeSnapshot snap) {
        OutboundPolicy policy = null;
        for (ListenerConfig l : snap.snapshot().listeners()) {
            if (l.name().equals(config.listener())) policy = l.outbound();
        }
        if (policy == OutboundPolicy.REGISTRY_ONLY) {
            localReply(502, ResponseFlag.NR, null, null);
            return;
        }
        if (policy != OutboundPolicy.ALLOW_ANY) {
            localReply(404, ResponseFlag.NR, null, null);
            return;
        }
        route = PASSTHROUGH_ROUTE;
        ex.route(PASSTHROUGH_ROUTE.name());
        passthrough(req, authority, connect);
    }

    /**
     * Sends the request (or a CONNECT's tunnel) to the host and port its authority names, through
     * the passthrough cluster, with the policies of {@link #route}: for a host no route names
     * (Istio's {@code allow_any}), or a route that forwards to {@link Passthrough#CLUSTER} (a
     * wildcard ServiceEntry with resolution NONE: the request's original destination).
     */
    private void passthrough(HttpRequest req, String authority, boolean connect) {
        int colon = authority == null ? -1 : authority.lastIndexOf(':');
        if (authority == null || authority.isEmpty() || (colon > 0 && authority.indexOf(']') > colon)) {
            localReply(404, ResponseFlag.NR, null, null);
            return;
        }
        String host = colon > 0 ? authority.substring(0, colon) : authority;
        int port = 80;
        if (colon > 0) {
            try {
                port = Integer.parseInt(authority.substring(colon + 1));
            } catch (NumberFormatException e) {
                port = -1;
            }
        }
        if (port < 1 || port > 65535 || host.isEmpty()) {
            localReply(400, null, null, null);
            return;
        }
        state = State.CONNECTING; // resolving: the body queues as while connecting
        resolving = req;
        int p = port;
        config.passthrough().resolve(host).whenComplete((address, failure) ->
                ctx.executor().execute(() -> resolved(req, address, failure, p, connect)));
    }

    /** The passthrough host's name resolved (or not): the exchange continues as for a one-endpoint cluster. */
    private void resolved(HttpRequest req, java.net.InetAddress address, Throwable failure, int port, boolean connect) {
        if (closing || state != State.CONNECTING || head != req || resolving != req) return; // the client went away meanwhile (counted DC)
        resolving = null;
        if (failure != null) {
            discardQueuedBody();
            localReply(503, ResponseFlag.DF, null, null);
            return;
        }
        java.net.InetSocketAddress destination = new java.net.InetSocketAddress(address, port);
        if (config.passthrough().isProxy(destination)) { // it would come back here, for the same host, without end
            discardQueuedBody();
            localReply(502, ResponseFlag.NR, "the request's host is this proxy's own listener", null);
            return;
        }
        ClusterRuntime c = config.passthrough().cluster(destination);
        if (connect) {
            tunnelTo(c, Passthrough.CLUSTER, null);
            return;
        }
        cluster = c;
        c.stats().request();
        ex.cluster(Passthrough.CLUSTER, null);
        policies = route.policies();
        retry = policies.retry();
        retriesDone = 0;
        fellBack = false;
        fallbackSnap = null;
        keepBody = retry.enabled();
        route(head, true);
    }

    /**
     * A CONNECT request: picks the route's cluster and an endpoint as for any request, opens a TCP
     * connection to it on this event loop (state CONNECTING queues what the client sends meanwhile)
     * and continues in {@link #tunnelConnected}. The route's retries, faults and mirrors do not apply.
     */
    private void tunnel(RuntimeSnapshot snap, RouteAction.Forward f) {
        String name = f.clusters().size() == 1 ? f.clusters().getFirst().cluster() : f.pick(ThreadLocalRandom.current().nextInt(f.totalWeight()));
        ClusterRuntime c = snap.cluster(name);
        if (c == null && name.equals(Passthrough.CLUSTER)) { // the original destination: the CONNECT's authority
            passthrough(head, head.headers().get(HttpHeaderNames.HOST), true);
            return;
        }
        if (c == null) {
            localReply(503, ResponseFlag.UH, null, null);
            return;
        }
        tunnelTo(c, name, snap.service(name));
    }

    private void tunnelTo(ClusterRuntime c, String name, dev.ficus.xds.snapshot.TelemetryPolicy.ServiceRef service) {
        cluster = c;
        c.stats().request();
        ex.cluster(name, service);
        EndpointRef ep = c.picker().pick(pick.reset(head, remoteIp, remotePeer));
        if (ep == null) {
            localReply(503, ResponseFlag.UH, null, null);
            return;
        }
        if (!ep.breakers().tryAcquireRequest()) { // released in releaseEndpoint, as for any request
            localReply(503, ResponseFlag.UO, null, null);
            return;
        }
        endpoint = ep;
        ep.requestStarted();
        ex.upstreamHost(ep.endpoint().address());
        ex.upstreamPeer(ep.endpoint().workload());
        state = State.CONNECTING;
        io.netty.util.concurrent.Future<Channel> connect = ConnectTunnel.connect(ctx.channel(), pools.channelClass(), c, ep, pools.tls());
        connect.addListener(x -> tunnelConnected(connect));
    }

    /** Answers 200 and splices both connections, or 503 UF when the connect, TLS handshake or server identity failed. */
    private void tunnelConnected(io.netty.util.concurrent.Future<Channel> connect) {
        if (state != State.CONNECTING || closing) { // the client went away meanwhile; already counted (DC)
            if (connect.isSuccess()) connect.getNow().close();
            return;
        }
        if (!connect.isSuccess()) {
            if (endpoint != null) endpoint.reportLocalOriginFailure(); // cluster policy: outlier detection
            localReply(503, ResponseFlag.UF, null, null);
            return;
        }
        Channel up = connect.getNow();
        if (tel != null && tel.sourceReporter()) { // the server's identity, as the mesh handshake proved it
            PeerAuth peer = PeerAuth.of(up);
            ex.principals(peer.mutualTls(), spiffe(peer), peer.mutualTls() && pools.tls() != null ? pools.tls().spiffeId() : null);
        }
        EndpointRef ep = endpoint;
        java.time.Duration tcpIdle = cluster.config().limits().tcpIdleTimeout();
        ep.clusterStats().connectionOpened();
        up.closeFuture().addListener(x -> ep.clusterStats().connectionClosed());
        responseStarted = true;
        status = 200;
        ctx.writeAndFlush(ConnectTunnel.established(), ctx.voidPromise());
        record(200); // counted like an exchange once the tunnel stands, as an upgrade is after its 101
        releaseEndpoint();
        state = State.UPGRADED;
        closing = true; // this handler only leaves from here on
        releaseQueue(); // the request's end; the client waits for the 200 before it sends tunnel bytes
        Splice.afterUpgrade(ctx.channel(), up, tcpIdle);
    }

    private void forward(RuntimeSnapshot snap, RouteAction.Forward f, HttpRequest req) {
        WeightedCluster dest = f.clusters().size() == 1 ? f.clusters().getFirst() : f.pickDestination(ThreadLocalRandom.current().nextInt(f.totalWeight()));
        destination = dest;
        String name = dest.cluster();
        ClusterRuntime c = snap.cluster(name);
        if (c == null && name.equals(Passthrough.CLUSTER)) { // the original destination: the host and port the request names
            passthrough(req, req.headers().get(HttpHeaderNames.HOST), false);
            return;
        }
        cluster = c;
        c.stats().request();
        ex.cluster(name, snap.service(name));
        RoutePolicies p = route.policies();
        policies = p;
        retry = p.retry();
        retriesDone = 0;
        fellBack = false;
        fallbackSnap = p.fallback() == null ? null : snap;
        keepBody = retry.enabled() || !p.mirrors().isEmpty() || fallbackSnap != null;
        if (p.cors() != null && cors(p.cors(), req)) return;
        if (!p.mirrors().isEmpty()) mirrorsTo = snap;
        RouteParallelRun pr = p.parallelRun();
        if (pr != null) sampleParallelRun(snap, pr, name, req);
        RouteFault fault = p.fault();
        if (fault != null && fault.delays() && draw(fault.delayPerMillion())) {
            // the fault filter runs before the router: the delay is a timer on this loop, never a sleep
            flag = ResponseFlag.DI;
            state = State.DELAYED;
            timer = ctx.executor().schedule(timerTask, fault.delay().toNanos(), TimeUnit.NANOSECONDS);
            return;
        }
        if (fault != null && abort(fault)) return;
        route(req, false);
    }

    /**
     * Whether this request takes part in the route's parallel run: it goes to stable, draws the
     * run's share, uses a safe method (unless unsafe ones are allowed), is no upgrade, and its body
     * can be copied. Then its body is kept for the copies, sent once the request is complete.
     */
    private void sampleParallelRun(RuntimeSnapshot snap, RouteParallelRun pr, String clusterName, HttpRequest req) {
        if (!clusterName.equals(pr.stableCluster()) || !draw(pr.perMillion())) return;
        ParallelRunState state = snap.parallelRun(pr.id());
        if (state == null) return; // a snapshot installed without the proxy's runs (hand-built in a test)
        if (req.headers().containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true)) return; // a tunnel is no answer to compare
        if (!pr.allowUnsafeMethods() && method != HttpMethod.GET && method != HttpMethod.HEAD && method != HttpMethod.OPTIONS) {
            state.skip(ParallelRunState.Skip.UNSAFE_METHOD);
            return;
        }
        if (HttpUtil.getContentLength(req, 0L) > Math.min(pr.maxBodyBytes(), MAX_REPLAY)) {
            state.skip(ParallelRunState.Skip.REQUEST_TOO_LARGE);
            return;
        }
        parallel = ParallelRunExchange.begin(state, pr, req);
        if (parallel == null) return; // over the proxy's budget; counted
        keepBody = true;
        mirrorsTo = snap;
    }

    /** Rewrites and prepares the head, then makes the first attempt. */
    private void route(HttpRequest req, boolean resumed) {
        RouteRewrite rw = policies.rewrite();
        if (rw != null) {
            if (rw.rewritesPath()) req.setUri(rw.rewrite(req.uri()));
            if (rw.authority() != null) req.headers().set(HttpHeaderNames.HOST, rw.authority());
        }
        prepareUpstreamRequest(req);
        budget = config.budgets().forCluster(cluster.name());
        budget.requestStarted();
        attempt(resumed);
    }

    /**
     * Envoy's CORS filter, which runs before faults: answers a preflight from an allowed origin
     * (and, with IGNORE, one from any other origin) and remembers an allowed origin for the
     * response. Returns true when the request was answered.
     */
    private boolean cors(RouteCors cors, HttpRequest req) {
        String origin = req.headers().get(HttpHeaderNames.ORIGIN);
        if (origin == null) return false;
        boolean preflight = method == HttpMethod.OPTIONS && req.headers().contains(HttpHeaderNames.ACCESS_CONTROL_REQUEST_METHOD);
        if (cors.allows(origin)) {
            corsOrigin = origin;
            if (!preflight) return false;
            corsPreflight = true;
            localReply(200, null, "", null);
            return true;
        }
        if (preflight && !cors.forwardUnmatchedPreflights()) {
            localReply(200, null, "", null);
            return true;
        }
        return false;
    }

    private void corsHeaders(HttpHeaders h, boolean preflight) {
        RouteCors cors = policies.cors();
        h.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, corsOrigin);
        if (cors.allowCredentials()) h.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_CREDENTIALS, TRUE);
        if (preflight) {
            if (cors.allowMethods() != null) h.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_METHODS, cors.allowMethods());
            if (cors.allowHeaders() != null) h.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_HEADERS, cors.allowHeaders());
            if (cors.maxAge() != null) h.set(HttpHeaderNames.ACCESS_CONTROL_MAX_AGE, cors.maxAge());
        } else if (cors.exposeHeaders() != null) {
            h.set(HttpHeaderNames.ACCESS_CONTROL_EXPOSE_HEADERS, cors.exposeHeaders());
        }
    }

    private static boolean draw(int perMillion) {
        return perMillion >= RouteFault.MILLION || ThreadLocalRandom.current().nextInt(RouteFault.MILLION) < perMillion;
    }

    /** Answers with the fault's abort when this request draws it. */
    private boolean abort(RouteFault fault) {
        if (!fault.aborts() || !draw(fault.abortPerMillion())) return false;
        localReply(fault.abortStatus(), ResponseFlag.FI, null, null, fault.abortGrpcStatus());
        return true;
    }

    /** Whether an earlier attempt of this exchange went to {@code ep}. */
    private boolean triedBefore(EndpointRef ep) {
        if (ep == lastEndpoint) return true;
        for (int i = 0; i < tried; i++) if (triedEndpoints[i] == ep) return true;
        return false;
    }

    /** Records the endpoint of this attempt; the one before it joins the tried ones (allocated on the first retry only). */
    private void remember(EndpointRef ep) {
        EndpointRef before = lastEndpoint;
        lastEndpoint = ep;
        if (before == null || before == ep) return;
        for (int i = 0; i < tried; i++) if (triedEndpoints[i] == before) return;
        if (triedEndpoints == null) triedEndpoints = new EndpointRef[4];
        else if (tried == triedEndpoints.length) triedEndpoints = java.util.Arrays.copyOf(triedEndpoints, tried * 2);
        triedEndpoints[tried++] = before;
    }

    /**
     * Picks an endpoint (for a retry, one that no earlier attempt of the exchange went to, picking
     * again up to {@value #HOST_RESELECTIONS} times, as Istio's retry policy has Envoy do: the
     * {@code previous_hosts} predicate with {@code host_selection_retry_max_attempts: 5}; once every
     * endpoint was tried, another than the last attempt's) and leases or opens a connection to it.
     *
     * @param resumed called from a callback rather than from the request head: flush and read on
     */
    private void attempt(boolean resumed) {
        PickContext keys = pick.reset(head, remoteIp, remotePeer); // cluster policy: hash keys
        EndpointRef ep = cluster.picker().pick(keys);
        if (retriesDone > 0) {
            for (int i = 0; i < HOST_RESELECTIONS && ep != null && triedBefore(ep); i++) ep = cluster.picker().pick(keys);
            // every endpoint tried (two of them, say): at least not the one that just failed, where Envoy
            // takes whichever it picked last, so that a live endpoint beside a dead one gets every other attempt
            for (int i = 0; i < HOST_RESELECTIONS && ep != null && ep == lastEndpoint; i++) ep = cluster.picker().pick(keys);
        }
        if (ep == null) {
            if (fallBack()) return;
            if (resumed) discardQueuedBody();
            localReply(503, retriesDone > 0 ? ResponseFlag.URX : ResponseFlag.UH, null, null);
            return;
        }
        // cluster policy: circuit breaker on requests in flight (http2MaxRequests); released in releaseEndpoint
        if (!ep.breakers().tryAcquireRequest()) {
            if (resumed) discardQueuedBody();
            localReply(503, ResponseFlag.UO, null, null);
            return;
        }
        endpoint = ep;
        remember(ep);
        ep.requestStarted();
        ex.upstreamHost(ep.endpoint().address());
        ex.upstreamPeer(ep.endpoint().workload());
        var pool = pools.pool(ep);
        boolean http2 = http2Upstream();
        UpstreamConnection conn = http2 ? null : pool.poll(this); // idle connections are HTTP/1.1 ones
        if (conn != null) {
            startAttempt(conn, resumed);
        } else {
            state = State.CONNECTING; // set first: a refused loopback connect may report at once
            // cluster policy: wait for a connection (HTTP/2: a stream) under maxPendingRequests (one opens under maxConnections), else overflow
            if (pool.acquire(cluster.config(), http2, this) == EndpointPool.Acquired.OVERFLOW) {
                if (resumed) discardQueuedBody();
                localReply(503, ResponseFlag.UO, null, null);
            }
        }
    }

    /**
     * Whether this request goes upstream in HTTP/2: the cluster's protocol, or the request's own
     * when the cluster keeps the client's ({@code useClientProtocol}, Envoy's USE_DOWNSTREAM_PROTOCOL).
     */
    private boolean http2Upstream() {
        UpstreamProtocol p = cluster.config().upstreamProtocol();
        return p == UpstreamProtocol.HTTP2 || (p == UpstreamProtocol.CLIENT && ctx.channel() instanceof Http2StreamChannel);
    }

    /** Sends the head, the body kept from an earlier attempt and any queued body on {@code conn}. */
    private void startAttempt(UpstreamConnection conn, boolean resumed) {
        upstream = conn;
        state = State.FORWARDING;
        Channel up = conn.channel();
        up.write(head, up.voidPromise());
        if (replay != null && replay.isReadable()) {
            // trailers of a chunked request reach the first attempt only; a replay ends with an empty last chunk
            ByteBuf b = replay.retainedDuplicate();
            up.write(requestComplete ? new DefaultLastHttpContent(b) : new DefaultHttpContent(b), up.voidPromise());
        } else if (requestComplete) {
            up.write(LastHttpContent.EMPTY_LAST_CONTENT, up.voidPromise());
        }
        if (requestComplete) armTry();
        while (queue != null && !queue.isEmpty() && !requestComplete && state == State.FORWARDING) {
            Object m = queue.peekFirst();
            if (!(m instanceof HttpContent) || m instanceof HttpRequest) break;
            queue.pollFirst();
            body((HttpContent) m);
        }
        if (upstream == null) return; // a failure reported while writing ended this attempt already
        if (resumed || requestComplete) up.flush();
        up.read();
        if (resumed) readDownstreamIfAllowed();
    }

    private void armTry() {
        long t = retry.perTryTimeout().toNanos();
        if (t > 0) tryDeadline.arm(t);
    }

    /** The fault delay or a retry back-off elapsed. */
    private void timerFired() {
        timer = null;
        if (closing) return;
        if (state == State.DELAYED) {
            RouteFault fault = policies.fault();
            if (fault.aborts() && draw(fault.abortPerMillion())) {
                discardQueuedBody();
                retryFlag = ResponseFlag.DI; // delayed, then aborted: both flags, as Envoy's fault filter sets them (DI,FI)
                localReply(fault.abortStatus(), ResponseFlag.FI, null, null, fault.abortGrpcStatus());
                return;
            }
            route(head, true);
        } else if (state == State.BACKOFF) {
            attempt(true);
        }
    }

    private boolean waiting() { return state == State.CONNECTING || state == State.DELAYED || state == State.BACKOFF; }

    /**
     * After a failed attempt: retries when the route's policy covers {@code failure}, the body can
     * be replayed, attempts remain and the cluster's retry budget allows; otherwise answers with
     * {@code failure}, with URX beside it when attempts ran out (UO when the budget did).
     */
    private void retryOrFail(ResponseFlag failure, boolean retriable) {
        abortUpstream();
        tryDeadline.disarm();
        ResponseFlag f = failure;
        ResponseFlag spent = null;
        if (retriable) {
            ResponseFlag denied = scheduleRetry(failure);
            if (denied == null) return;
            if (denied == ResponseFlag.URX || denied == ResponseFlag.UO) spent = denied; // Envoy: the failure's own flag and URX (or UO)
            else f = denied;
        }
        if (fallBack()) return;
        if (state != State.FORWARDING) discardQueuedBody();
        retryFlag = spent;
        localReply(failure == ResponseFlag.UT ? 504 : failure == ResponseFlag.UPE ? 502 : 503, f, null, null);
        drainQueuedBody();
    }

    /**
     * Schedules the next attempt after a back-off; returns null, or the flag to answer with: URX
     * when attempts ran out, UO when the budget did, {@code failure} when the body cannot be replayed.
     */
    private ResponseFlag scheduleRetry(ResponseFlag failure) {
        ResponseFlag denied = acquireRetry(failure);
        if (denied != null) return denied;
        state = State.BACKOFF;
        timer = ctx.executor().schedule(timerTask, Backoff.nanos(retry.backoffBase().toNanos(), retriesDone), TimeUnit.NANOSECONDS);
        return null;
    }

    /**
     * Counts one more retry against the route's attempts and the cluster's budget; null when
     * allowed, else Envoy's flag: URX for spent attempts, UO for a retry the budget refused
     * (Envoy's retry overflow, {@code upstream_rq_retry_overflow}).
     */
    private ResponseFlag acquireRetry(ResponseFlag failure) {
        if (!keepBody) return failure; // the body outgrew the replay buffer and was streamed: it cannot be sent again
        if (retryHeld) {
            budget.retryFinished(); // the previous retry attempt is over
            retryHeld = false;
        }
        if (retriesDone >= retry.retries()) return ResponseFlag.URX;
        if (!budget.tryAcquireRetry()) return ResponseFlag.UO;
        retryHeld = true;
        retriesDone++;
        cluster.stats().retried();
        return null;
    }

    private void tryTimedOut() {
        if (state != State.FORWARDING) return;
        if (responseStarted) {
            routeTimedOut();
            return;
        }
        retryOrFail(ResponseFlag.UT, retry.enabled() && retry.retriesPerTryTimeout());
    }

    /** Rewrites the head in place for the next hop: hop-by-hop fields, framing, forwarding headers. */
    private void prepareUpstreamRequest(HttpRequest req) {
        HttpHeaders h = req.headers();
        boolean chunked = HttpUtil.isTransferEncodingChunked(req);
        upgrade = requestedUpgrade(h);
        HopByHop.strip(h);
        if (chunked) h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        if (upgrade != null) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
            h.set(HttpHeaderNames.UPGRADE, upgrade);
        }
        req.setProtocolVersion(HttpVersion.HTTP_1_1);
        if (remoteIp != null) {
            String xff = h.get(X_FORWARDED_FOR);
            h.set(X_FORWARDED_FOR, xff == null ? remoteIp : xff + ", " + remoteIp);
        }
        // the scheme the client used with this proxy (https when TLS ended here), unless an earlier hop said
        if (!h.contains(X_FORWARDED_PROTO)) h.set(X_FORWARDED_PROTO, requestScheme());
        if (!h.contains(X_REQUEST_ID)) h.set(X_REQUEST_ID, RequestIds.next());
        if (config.inbound() != null) forwardClientCert(h);
        else if (gateway) gatewayClientCert(h);
        // Envoy's order, as Istio configures it: the destination's edits (weighted cluster level), then the route's,
        // which so win where both touch one field
        if (destination != null) apply(destination.requestHeaders(), h);
        apply(route.requestHeaders(), h);
        tel.onUpstreamRequest(ex, h);
    }

    private static final AsciiString X_FORWARDED_CLIENT_CERT = AsciiString.cached("x-forwarded-client-cert");

    /**
     * On a gateway listener, Istio's default {@code SANITIZE_SET}: a client's own
     * {@code x-forwarded-client-cert} is never trusted (removed), and a client that proved a
     * certificate (MUTUAL, OPTIONAL_MUTUAL server) is described by its hash, subject, URI and DNS names.
     */
    private void gatewayClientCert(HttpHeaders h) {
        h.remove(X_FORWARDED_CLIENT_CERT);
        String xfcc = dev.ficus.proxy.tls.ClientCertificates.xfcc(ctx.channel());
        if (xfcc != null) h.set(X_FORWARDED_CLIENT_CERT, xfcc);
    }

    /**
     * On an inbound listener, what the app learns about its caller, as Istio's sidecars tell it:
     * a client's own {@code x-forwarded-client-cert} is never trusted (removed), and an mTLS peer is
     * described as {@code By=<this workload>;URI=<the caller's SPIFFE ID>}.
     */
    private void forwardClientCert(HttpHeaders h) {
        h.remove(X_FORWARDED_CLIENT_CERT);
        PeerAuth peer = PeerAuth.of(ctx.channel());
        if (!peer.mutualTls()) return;
        java.security.cert.X509Certificate own = config.inbound().certificate();
        String by = own == null ? null : dev.ficus.proxy.tls.MeshTls.spiffeId(own);
        h.set(X_FORWARDED_CLIENT_CERT, (by == null ? "" : "By=" + by + ";") + "URI=spiffe://" + peer.principal());
    }

    /**
     * The {@code Upgrade} an HTTP/1.1 client asked for (WebSocket, ...), when it can be forwarded:
     * both hops must be HTTP/1.1 connections. Otherwise null, and the field is dropped as before.
     * {@code h2c} is never forwarded (Envoy strips it too): a 101 to it would turn the connection
     * into HTTP/2 that the upstream reads past every route and policy (h2c smuggling); the request
     * goes on as a plain HTTP/1.1 one.
     */
    private String requestedUpgrade(HttpHeaders h) {
        if (ctx.channel() instanceof Http2StreamChannel || cluster.config().upstreamProtocol() == UpstreamProtocol.HTTP2) return null;
        if (!h.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true)) return null;
        String asked = h.get(HttpHeaderNames.UPGRADE);
        return asked == null || !containsToken(asked, "h2c") ? asked : withoutToken(asked, "h2c");
    }

    /** Whether the comma-separated list {@code list} has {@code token} (any case, spaces around). */
    static boolean containsToken(String list, String token) {
        for (String t : list.split(",")) if (t.strip().equalsIgnoreCase(token)) return true;
        return false;
    }

    /** {@code list} without {@code token}; null when nothing is left. */
    static String withoutToken(String list, String token) {
        StringBuilder out = new StringBuilder();
        for (String t : list.split(",")) {
            String v = t.strip();
            if (v.isEmpty() || v.equalsIgnoreCase(token)) continue;
            if (!out.isEmpty()) out.append(", ");
            out.append(v);
        }
        return out.isEmpty() ? null : out.toString();
    }

    private static void apply(HeaderMutations m, HttpHeaders h) {
        if (m.isEmpty()) return;
        for (String n : m.remove()) h.remove(n);
        for (HeaderMutations.Header x : m.set()) h.set(x.name(), x.value());
        for (HeaderMutations.Header x : m.add()) h.add(x.name(), x.value());
    }

    private void body(HttpContent c) {
        if (c.decoderResult().isFailure()) { // queued behind a pipelined head: now its exchange's
            requestBroken(c);
            return;
        }
        boolean last = c instanceof LastHttpContent;
        ex.requestBody(c.content());
        if (state == State.FORWARDING) {
            if (keepBody) keep(c.content());
            upstream.channel().write(c, upstream.channel().voidPromise());
        } else {
            c.release(); // a local reply was sent: the rest of the body is read and dropped
        }
        if (last) {
            requestComplete = true;
            if (state == State.FORWARDING) {
                upstream.channel().flush();
                long t = route.timeout().toNanos();
                if (t > 0) routeDeadline.arm(t);
                armTry();
                if (mirrorsTo != null) mirror();
            } else if (state == State.LOCAL) {
                endExchange();
            }
        }
    }

    /**
     * The request body broke HTTP/1.1 framing (the codec's failed content: a malformed chunk size,
     * ...). As Envoy does, a response not started yet becomes {@code 400} with flag DPE; either way
     * the upstream request is reset (its connection closed) and so is the client's connection,
     * whose bytes can no longer be framed.
     */
    private void requestBroken(HttpContent c) {
        c.release();
        keepAlive = false;
        if (state == State.IDLE || state == State.LOCAL || state == State.UPGRADED) { // no exchange left to answer; a local reply was counted
            closeDownstream();
            return;
        }
        if (!responseStarted) {
            localReply(400, ResponseFlag.DPE, null, null); // aborts the upstream request, closes after the write
            return;
        }
        flag = ResponseFlag.DPE;
        abortUpstream();
        record(status);
        closeDownstream();
    }

    /** Copies body bytes for a retry or a mirror while they fit; past {@link #MAX_REPLAY} gives up on both. */
    private void keep(ByteBuf content) {
        int n = content.readableBytes();
        if (n == 0) return;
        if (replay == null) replay = ctx.alloc().buffer(Math.min(n, MAX_REPLAY), MAX_REPLAY);
        if (replay.readableBytes() + n > MAX_REPLAY) {
            keepBody = false;
            replay.release();
            replay = null;
            return;
        }
        replay.writeBytes(content, content.readerIndex(), n);
    }

    /** Sends the mirrors' copies of the complete request (fire and forget), and the parallel run's. */
    private void mirror() {
        RuntimeSnapshot snap = mirrorsTo;
        mirrorsTo = null;
        long timeout = route.timeout().isZero() ? Route.DEFAULT_TIMEOUT.toNanos() : route.timeout().toNanos();
        if (parallel != null) {
            if (!keepBody || (replay != null && replay.readableBytes() > parallel.maxRequestBytes())) {
                parallel.abandon(ParallelRunState.Skip.REQUEST_TOO_LARGE);
                parallel = null;
            } else {
                parallel.start(pools, snap, head, replay, timeout, ctx.executor());
            }
        }
        List<RouteMirror> mirrors = policies.mirrors();
        for (int i = 0, n = mirrors.size(); i < n; i++) {
            RouteMirror m = mirrors.get(i);
            if (!draw(m.perMillion())) continue;
            ClusterRuntime c = snap.cluster(m.cluster());
            if (c == null) continue;
            if (!keepBody) { // the body was too large to keep: Istio would stream it, ficus skips the copy and counts it
                c.stats().mirrorSkipped();
                continue;
            }
            ByteBuf copy = replay != null && replay.isReadable() ? replay.retainedDuplicate() : null;
            MirrorExchange.start(pools, c, head, copy, timeout);
        }
    }

    // ---- upstream events

    @Override
    public void onUpstreamConnected(UpstreamConnection conn) {
        if (state != State.CONNECTING || closing) {
            conn.pool().release(conn, cluster == null ? dev.ficus.xds.snapshot.ConnectionPoolLimits.DEFAULT : cluster.config().limits());
            return;
        }
        startAttempt(conn, true);
    }

    @Override
    public void onUpstreamConnectFailed(Throwable cause) {
        if (state != State.CONNECTING || closing) return;
        if (endpoint != null) endpoint.reportLocalOriginFailure(); // cluster policy: outlier detection
        // the request body may still sit in the queue: it waits for the retry, or is dropped with the exchange
        retryOrFail(ResponseFlag.UF, retry.enabled() && retry.retriesConnectFailure());
    }

    @Override
    public void onUpstreamRead(Object msg) {
        if (switching) {
            switchToSplice(msg);
            return;
        }
        if (msg instanceof HttpObject o && o.decoderResult().isFailure()) { // not HTTP (a TCP app behind an HTTP port) or broken framing
            ReferenceCountUtil.release(msg);
            upstreamProtocolError();
            return;
        }
        if (msg instanceof HttpResponse resp && resp.status().code() == 101) {
            if (upgrade != null) {
                acceptUpgrade(resp);
            } else { // a switch the request never asked for (or whose Upgrade was not forwarded): Envoy's 502 UPE, never a final answer
                ReferenceCountUtil.release(msg);
                upstreamProtocolError();
            }
            return;
        }
        if (msg instanceof HttpResponse resp) {
            int code = resp.status().code();
            informational = code >= 100 && code < 200 && code != 101;
            if (!informational) {
                // cluster policy: outlier detection sees every attempt's answer, retried or not
                if (endpoint != null) endpoint.reportStatus(code);
                if (retry.enabled() && retry.retriesResponse(code, grpcStatus(resp))) {
                    if (retryResponse()) {
                        ReferenceCountUtil.release(msg);
                        return;
                    }
                }
                if (code >= 500 && fallbackSnap != null && fallBack()) {
                    ReferenceCountUtil.release(msg);
                    return;
                }
                responseStarted = true;
                tryDeadline.disarm();
                status = code;
                upstreamKeepAlive = HttpUtil.isKeepAlive(resp);
                if (parallel != null) parallel.stableHead(resp); // as stable sent it, before the edits for the client
                responseTelemetry(resp.headers());
                prepareDownstreamResponse(resp, code);
            } else {
                HopByHop.strip(resp.headers());
            }
        }
        if (informational && ctx.channel() instanceof Http2StreamChannel) {
            // HTTP/2 carries a 1xx as one HEADERS frame that does not end the stream (RFC 9113 section 8.1):
            // the codec takes it whole, and the end an HTTP/1.1 upstream's decoder gives it is not passed on
            if (msg instanceof HttpResponse r && !(msg instanceof LastHttpContent)) {
                ctx.write(new DefaultFullHttpResponse(r.protocolVersion(), r.status(), Unpooled.EMPTY_BUFFER, r.headers(), EmptyHttpHeaders.INSTANCE), ctx.voidPromise());
                return;
            }
            if (msg instanceof LastHttpContent && !(msg instanceof HttpResponse)) {
                ReferenceCountUtil.release(msg);
                informational = false;
                return;
            }
        }
        if (msg instanceof HttpContent || msg instanceof HttpResponse) {
            if (msg instanceof HttpContent c && !informational) {
                ex.responseBody(c.content());
                if (c instanceof LastHttpContent last && ex.grpc()) grpcTrailer(last.trailingHeaders());
                if (parallel != null) stableContent(c); // copied before the write hands the buffer on
            }
            ctx.write(msg, ctx.voidPromise());
            if (msg instanceof LastHttpContent) {
                if (informational) informational = false;
                else responseComplete();
            }
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    /** Stable's body on its way to the client, seen by the parallel run; its end hands the answer over. */
    private void stableContent(HttpContent c) {
        parallel.stableContent(c.content());
        if (c instanceof LastHttpContent) {
            parallel.stableEnd();
            parallel = null;
        }
    }

    /** Forwards the upstream's 101 with the upgrade fields it names; the next message ends its head. */
    private void acceptUpgrade(HttpResponse resp) {
        HttpHeaders h = resp.headers();
        String to = h.get(HttpHeaderNames.UPGRADE, upgrade);
        HopByHop.strip(h);
        h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
        h.set(HttpHeaderNames.UPGRADE, to);
        resp.setProtocolVersion(HttpVersion.HTTP_1_1);
        responseStarted = true;
        status = 101;
        switching = true;
        ctx.write(resp, ctx.voidPromise());
    }

    /**
     * After the 101's end, both connections carry the new protocol: the exchange is counted and
     * the HTTP handlers on both sides give way to a byte splice. The upstream connection leaves
     * the pool for good.
     */
    private void switchToSplice(Object msg) {
        java.time.Duration tcpIdle = cluster.config().limits().tcpIdleTimeout();
        if (msg instanceof LastHttpContent) {
            ctx.write(msg, ctx.voidPromise());
        } else {
            ReferenceCountUtil.release(msg);
        }
        ctx.flush();
        routeDeadline.disarm();
        record(101); // also disarms the try deadline and returns what was kept for retries
        releaseEndpoint();
        Channel up = upstream.channel();
        upstream = null;
        state = State.UPGRADED;
        closing = true; // this handler only leaves from here on
        releaseQueue();
        Splice.afterUpgrade(ctx.channel(), up, tcpIdle);
    }

    /**
     * A strangler's moved route failed for good (its retries spent): sends the request once to
     * the legacy cluster instead, when the route has a fallback, the body can be replayed and the
     * method is idempotent (or the fallback allows any). Returns true when it did.
     */
    private boolean fallBack() {
        RuntimeSnapshot snap = fallbackSnap;
        if (snap == null || fellBack || !keepBody || responseStarted) return false;
        var fb = policies.fallback();
        if (!fb.allowNonIdempotent() && !idempotent(method)) return false;
        ClusterRuntime legacy = snap.cluster(fb.cluster());
        if (legacy == null) return false;
        abortUpstream();
        tryDeadline.disarm();
        fellBack = true;
        cluster = legacy;
        legacy.stats().request();
        ex.cluster(fb.cluster(), snap.service(fb.cluster()));
        flag = null;
        state = State.BACKOFF;
        timer = ctx.executor().schedule(timerTask, 0, TimeUnit.NANOSECONDS);
        return true;
    }

    /** RFC 9110's idempotent methods: sending one twice has the effect of sending it once. */
    private static boolean idempotent(HttpMethod m) {
        return m.equals(HttpMethod.GET) || m.equals(HttpMethod.HEAD) || m.equals(HttpMethod.OPTIONS) || m.equals(HttpMethod.PUT)
                || m.equals(HttpMethod.DELETE) || m.equals(HttpMethod.TRACE);
    }

    /** The attempt answered with a retriable status: retries, or marks the forwarded answer URX (UO: the budget refused). */
    private boolean retryResponse() {
        if (!keepBody) return false; // the body could not be kept: the answer goes to the client as it is
        ResponseFlag denied = acquireRetry(null);
        if (denied != null) {
            flag = denied; // the upstream's answer goes to the client, marked URX when retries ran out, UO when the budget refused
            return false;
        }
        abortUpstream(); // the rest of this response is not wanted: closing is cheaper than draining
        tryDeadline.disarm();
        state = State.BACKOFF;
        timer = ctx.executor().schedule(timerTask, Backoff.nanos(retry.backoffBase().toNanos(), retriesDone), TimeUnit.NANOSECONDS);
        return true;
    }

    private int grpcStatus(HttpResponse resp) {
        if ((retry.retryOn() & GRPC_RETRY_ON) == 0) return -1;
        // only trailers-only answers carry grpc-status in the head; trailers after a body are not seen
        String v = resp.headers().get(GRPC_STATUS);
        if (v == null || v.isEmpty() || v.length() > 2) return -1;
        int n = 0;
        for (int i = 0; i < v.length(); i++) {
            char ch = v.charAt(i);
            if (ch < '0' || ch > '9') return -1;
            n = n * 10 + (ch - '0');
        }
        return n;
    }

    /**
     * Telemetry at the upstream's response head: on a client side, the principals of the upstream
     * connection (mTLS) and the server's workload from the peer metadata; gRPC's trailers-only status.
     */
    private void responseTelemetry(HttpHeaders h) {
        if (tel.sourceReporter()) {
            PeerAuth peer = PeerAuth.of(upstream.channel());
            ex.principals(peer.mutualTls(), spiffe(peer), peer.mutualTls() && pools.tls() != null ? pools.tls().spiffeId() : null);
        }
        tel.onResponse(ex, h);
        if (ex.grpc()) grpcTrailer(h);
    }

    private void grpcTrailer(HttpHeaders h) {
        String v = h.get(GRPC_STATUS);
        if (v == null) return;
        int n = parseStatus(v);
        if (n >= 0) ex.grpcStatus(n);
    }

    /** {@code spiffe://} + the peer's principal, rendered once per peer connection. */
    private String spiffe(PeerAuth peer) {
        if (!peer.mutualTls() || peer.principal() == null) return null;
        if (peer != lastPeerAuth) {
            lastPeerAuth = peer;
            lastPeerSpiffe = "spiffe://" + peer.principal();
        }
        return lastPeerSpiffe;
    }

    private static int parseStatus(String v) {
        if (v.isEmpty() || v.length() > 2) return -1;
        int n = 0;
        for (int i = 0; i < v.length(); i++) {
            char ch = v.charAt(i);
            if (ch < '0' || ch > '9') return -1;
            n = n * 10 + (ch - '0');
        }
        return n;
    }

    private void prepareDownstreamResponse(HttpResponse resp, int code) {
        HttpHeaders h = resp.headers();
        boolean chunked = HttpUtil.isTransferEncodingChunked(resp);
        HopByHop.strip(h);
        boolean mayHaveBody = method != HttpMethod.HEAD && code != 204 && code != 304;
        if (chunked) {
            if (http10) keepAlive = false; // HTTP/1.0 has no chunked coding: the body ends with the connection
            else h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        } else if (mayHaveBody && !h.contains(HttpHeaderNames.CONTENT_LENGTH)) {
            if (http10) keepAlive = false;
            else h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
        if (destination != null) apply(destination.responseHeaders(), h); // then the route's, as for the request
        apply(route.responseHeaders(), h);
        if (corsOrigin != null) corsHeaders(h, false);
        if (pick.setCookie() != null) h.add(HttpHeaderNames.SET_COOKIE, pick.setCookie()); // cluster policy: generated affinity cookie
        resp.setProtocolVersion(HttpVersion.HTTP_1_1);
        if (!keepAlive) h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        else if (http10) h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
    }

    @Override
    public void onUpstreamReadComplete() {
        ctx.flush();
        if (upstream != null && ctx.channel().isWritable()) upstream.channel().read();
    }

    @Override
    public void onUpstreamWritabilityChanged(boolean writable) {
        if (writable && state == State.FORWARDING && !requestComplete) readDownstreamIfAllowed();
    }

    /**
     * The upstream's response could not be decoded, or was a 101 to a request that asked for no
     * upgrade: the connection is closed (its bytes can no longer be trusted) and, before a response
     * started, the exchange is retried as for a reset or answered 502 UPE as Envoy does (since 1.20,
     * {@code return_502_for_upstream_protocol_errors}); after, the client's connection is closed.
     */
    private void upstreamProtocolError() {
        if (state != State.FORWARDING) return;
        if (!responseStarted) {
            if (endpoint != null) endpoint.reportLocalOriginFailure(); // cluster policy: outlier detection
            retryOrFail(ResponseFlag.UPE, retry.enabled() && retry.retriesReset());
        } else {
            abortUpstream();
            flag = ResponseFlag.UPE;
            record(status);
            closeDownstream();
        }
    }

    @Override
    public void onUpstreamClosed() { upstreamEnded(ResponseFlag.UC, false); }

    /** An HTTP/2 stream reset by the upstream: flag UR, and a refused one is retried under {@code refused-stream} too (Envoy). */
    @Override
    public void onUpstreamReset(boolean refused) { upstreamEnded(ResponseFlag.UR, refused); }

    private void upstreamEnded(ResponseFlag failure, boolean refused) {
        if (state != State.FORWARDING) return;
        upstream = null;
        if (!responseStarted) {
            if (endpoint != null) endpoint.reportLocalOriginFailure(); // cluster policy: outlier detection
            retryOrFail(failure, retry.enabled() && (refused ? retry.retriesRefusedStream() : retry.retriesReset()));
        } else {
            flag = failure;
            record(status);
            releaseEndpoint(); // cluster policy: frees the request slot (and the in-flight count) of this exchange
            closeDownstream();
        }
    }

    private void routeTimedOut() {
        if (state != State.FORWARDING && state != State.CONNECTING && state != State.BACKOFF) return;
        if (!responseStarted) {
            if (endpoint != null) endpoint.reportLocalOriginFailure(); // cluster policy: outlier detection
            localReply(504, ResponseFlag.UT, null, null);
        } else {
            flag = ResponseFlag.UT;
            abortUpstream();
            record(status);
            closeDownstream();
        }
    }

    // ---- ending an exchange

    private void responseComplete() {
        routeDeadline.disarm();
        tryDeadline.disarm();
        ctx.flush();
        record(status);
        UpstreamConnection c = upstream;
        upstream = null;
        releaseEndpoint();
        int max = cluster.config().limits().maxRequestsPerConnection();
        if (requestComplete && upstreamKeepAlive && (max == 0 || c.requests() < max)) c.pool().release(c, cluster.config().limits());
        else c.close();
        if (!requestComplete) {
            // the upstream answered before the request body ended; the rest cannot be framed any more
            closeDownstream();
            return;
        }
        endExchange();
    }

    private void localReply(int code, ResponseFlag f, String body, String location) {
        localReply(code, f, body, location, -1);
    }

    /** @param grpcStatus a gRPC status for the {@code grpc-status} header (a gRPC fault abort), or -1 */
    private void localReply(int code, ResponseFlag f, String body, String location, int grpcStatus) {
        routeDeadline.disarm();
        tryDeadline.disarm();
        cancelTimer();
        abortUpstream();
        status = code;
        flag = f;
        responseStarted = true;
        boolean close = !keepAlive || (bodyExpected && !requestComplete);
        boolean grpc = f != null && head != null && GrpcLocalReply.isGrpc(head.headers());
        FullHttpResponse r;
        if (grpcStatus >= 0) {
            r = LocalReply.of(ctx.alloc(), code, f, "", close);
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, APPLICATION_GRPC);
            r.headers().set(GRPC_STATUS, grpcStatus);
            r.headers().set(GRPC_MESSAGE, "fault filter abort");
        } else if (grpc) {
            r = GrpcLocalReply.of(code, f, body);
            if (close) r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            code = 200; // gRPC carries the failure in grpc-status; the HTTP status is 200
        } else {
            r = LocalReply.of(ctx.alloc(), code, f, body, close);
        }
        if (head != null && HttpMethod.HEAD.equals(head.method())) r.content().clear(); // its length stays in Content-Length; HTTP/2 sends no DATA
        if (location != null) r.headers().set(HttpHeaderNames.LOCATION, location);
        if (f != null && retryFlag != null) r.headers().set(LocalReply.X_FICUS_ERROR, ResponseFlags.names(ResponseFlags.with(ResponseFlags.of(f), retryFlag)));
        if (f == ResponseFlag.JWT) r.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, JwtAuthenticator.challenge(head.headers().get(HttpHeaderNames.HOST), head.uri()));
        if (corsOrigin != null) corsHeaders(r.headers(), corsPreflight);
        if (destination != null && f == null) apply(destination.responseHeaders(), r.headers());
        if (route != null && f == null) apply(route.responseHeaders(), r.headers());
        if (tel != null) {
            tel.onResponse(ex, r.headers());
            ex.responseBody(r.content().readableBytes());
            if (grpc || grpcStatus >= 0) grpcTrailer(r.headers());
        }
        record(code);
        state = State.LOCAL;
        if (close) {
            state = State.IDLE;
            closing = true;
            releaseQueue();
            if (ctx.channel() instanceof Http2StreamChannel && !requestComplete) {
                // a complete answer before the request's end (RFC 9113 section 8.1): the rest is declined with NO_ERROR, not CANCEL
                ctx.write(r, ctx.voidPromise());
                ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.NO_ERROR)).addListener(ChannelFutureListener.CLOSE);
                return;
            }
            ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        ctx.writeAndFlush(r, ctx.voidPromise());
        if (requestComplete) endExchange();
    }

    private void endExchange() {
        state = State.IDLE;
        head = null;
        route = null;
        cluster = null;
        policies = null;
        if (!keepAlive) {
            closeDownstream();
            return;
        }
        ctx.pipeline().fireUserEventTriggered(ExchangeEvent.IDLE);
        while (queue != null && !queue.isEmpty() && !closing) {
            dispatch(queue.pollFirst());
            if (state == State.CONNECTING || (state != State.IDLE && requestComplete)) break;
        }
        readDownstreamIfAllowed();
    }

    /**
     * Drops the queued request body of an exchange answered locally before it was forwarded, so
     * that a complete request keeps its connection alive.
     */
    private void discardQueuedBody() {
        while (queue != null && !queue.isEmpty() && !requestComplete && queue.peekFirst() instanceof HttpContent c && !(c instanceof HttpRequest)) {
            queue.pollFirst();
            if (c instanceof LastHttpContent) requestComplete = true;
            c.release();
        }
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private void drainQueuedBody() {
        while (queue != null && !queue.isEmpty() && !requestComplete && !closing && queue.peekFirst() instanceof HttpContent c && !(c instanceof HttpRequest)) {
            queue.pollFirst();
            body(c);
        }
    }

    /** Counts the finished exchange and returns what it held for retries; called once per exchange. */
    private void record(int code) {
        config.stats().response(code, flag, retryFlag);
        if (cluster != null) cluster.stats().response(code, flag, retryFlag);
        if (tel != null) {
            ex.end(code, flag, retryFlag);
            tel.onEnd(ex);
        }
        cancelTimer();
        tryDeadline.disarm();
        if (budget != null) {
            if (retryHeld) budget.retryFinished();
            budget.requestFinished();
            budget = null;
        }
        retryHeld = false;
        lastEndpoint = null;
        if (tried > 0) {
            java.util.Arrays.fill(triedEndpoints, 0, tried, null);
            tried = 0;
        }
        mirrorsTo = null;
        if (parallel != null) { // the exchange ended before stable's answer did
            parallel.stableFailed();
            parallel = null;
        }
        if (replay != null) {
            replay.release();
            replay = null;
        }
    }

    private void releaseEndpoint() {
        if (endpoint != null) {
            endpoint.requestFinished();
            endpoint.breakers().releaseRequest(); // cluster policy
            endpoint = null;
        }
    }

    private void abortUpstream() {
        if (upstream != null) {
            upstream.close();
            upstream = null;
        } else if (state == State.CONNECTING && endpoint != null) {
            pools.pool(endpoint).cancelWait(this); // cluster policy: leave the pending queue
        }
        releaseEndpoint();
    }

    private void closeDownstream() {
        closing = true;
        state = State.IDLE;
        releaseQueue();
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    private void releaseQueue() {
        if (queue != null) {
            Object m;
            while ((m = queue.pollFirst()) != null) ReferenceCountUtil.release(m);
        }
    }

    /**
     * The scheme the request was sent with (Envoy's {@code :scheme}): an HTTP/2 stream's own,
     * else whether TLS was terminated on the connection (looked up once per connection).
     */
    private String requestScheme() {
        String s = connectionScheme;
        if (s == null) connectionScheme = s = RequestScheme.ofConnection(ctx.channel());
        return ctx.channel() instanceof Http2StreamChannel ? RequestScheme.ofStream(ctx.channel(), s) : s;
    }
}
