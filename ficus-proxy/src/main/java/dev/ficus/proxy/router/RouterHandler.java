package dev.ficus.proxy.router;

import dev.ficus.proxy.cluster.ClusterRuntime;
import dev.ficus.proxy.http.AbsoluteForm;
import dev.ficus.proxy.http.Deadline;
import dev.ficus.proxy.http.ExchangeEvent;
import dev.ficus.proxy.http.HopByHop;
import dev.ficus.proxy.http.LocalReply;
import dev.ficus.proxy.http.ResponseFlag;
import dev.ficus.proxy.lb.EndpointRef;
import dev.ficus.proxy.lb.PickContext;
import dev.ficus.proxy.pool.EndpointPool;
import dev.ficus.proxy.pool.LoopPools;
import dev.ficus.proxy.pool.UpstreamConnection;
import dev.ficus.proxy.pool.UpstreamListener;
import dev.ficus.proxy.route.RequestView;
import dev.ficus.proxy.route.RuntimeSnapshot;
import dev.ficus.xds.snapshot.HeaderMutations;
import dev.ficus.xds.snapshot.Route;
import dev.ficus.xds.snapshot.RouteAction;
import dev.ficus.xds.snapshot.RouteTable;
import dev.ficus.xds.snapshot.VirtualHost;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.concurrent.ThreadLocalRandom;

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
 */
public final class RouterHandler extends ChannelDuplexHandler implements UpstreamListener {
    private static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");
    private static final AsciiString X_FORWARDED_PROTO = AsciiString.cached("x-forwarded-proto");
    private static final AsciiString X_REQUEST_ID = AsciiString.cached("x-request-id");
    private static final AsciiString HTTP = AsciiString.cached("http");
    /** Pipelined messages held while a request is served; more stops reading the connection. */
    private static final int MAX_QUEUED = 64;

    private enum State { IDLE, CONNECTING, FORWARDING, LOCAL }

    private final RouterConfig config;
    private final RequestView view = new RequestView();
    private ChannelHandlerContext ctx;
    private LoopPools pools;
    private Deadline routeDeadline;
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
    private Route route;
    private ClusterRuntime cluster;
    private EndpointRef endpoint;
    private UpstreamConnection upstream;

    public RouterHandler(RouterConfig config) { this.config = config; }

    // ---- downstream events

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.pools = config.pools().forLoop(ctx.channel().eventLoop());
        this.routeDeadline = new Deadline(ctx.channel().eventLoop(), this::routeTimedOut);
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
        if (closing) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (state == State.CONNECTING || (state != State.IDLE && requestComplete) || (queue != null && !queue.isEmpty())) {
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
        if (state == State.CONNECTING) return; // resumed once connected
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
        if (state == State.CONNECTING || state == State.FORWARDING) {
            if (state == State.CONNECTING && endpoint != null) pools.pool(endpoint).cancelWait(this); // cluster policy: leave the pending queue
            flag = ResponseFlag.DC;
            abortUpstream();
            record(responseStarted ? status : 0);
        }
        state = State.IDLE; // a local reply was already counted when it was sent
        releaseQueue();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    // ---- request

    private void begin(HttpRequest req) {
        RuntimeSnapshot snap = config.snapshots().current();
        AbsoluteForm.normalize(req);
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
        route = null;
        cluster = null;
        endpoint = null;
        config.stats().request();

        RouteTable table = snap.routeTable(config.listener());
        VirtualHost vh = table == null ? null : table.select(h.get(HttpHeaderNames.HOST));
        Route r = vh == null ? null : vh.select(view.reset(req));
        if (r == null) {
            localReply(404, ResponseFlag.NR, null, null);
            return;
        }
        route = r;
        switch (r.action()) {
            case RouteAction.DirectResponse d -> localReply(d.status(), null, d.body(), null);
            case RouteAction.Redirect rd -> localReply(rd.status(), null, "", location(rd, req));
            case RouteAction.Forward f -> forward(snap, f, req);
        }
    }

    private void forward(RuntimeSnapshot snap, RouteAction.Forward f, HttpRequest req) {
        String name = f.clusters().size() == 1 ? f.clusters().getFirst().cluster() : f.pick(ThreadLocalRandom.current().nextInt(f.totalWeight()));
        ClusterRuntime c = snap.cluster(name);
        cluster = c;
        c.stats().request();
        EndpointRef ep = c.picker().pick(pick.reset(req, remoteIp, remotePeer)); // cluster policy: hash keys
        if (ep == null) {
            localReply(503, ResponseFlag.UH, null, null);
            return;
        }
        // cluster policy: circuit breaker on requests in flight (http2MaxRequests); released in releaseEndpoint
        if (!ep.breakers().tryAcquireRequest()) {
            localReply(503, ResponseFlag.UO, null, null);
            return;
        }
        prepareUpstreamRequest(req);
        endpoint = ep;
        ep.requestStarted();
        var pool = pools.pool(ep);
        UpstreamConnection conn = pool.poll(this);
        if (conn != null) {
            upstream = conn;
            state = State.FORWARDING;
            conn.channel().write(req, conn.channel().voidPromise());
            conn.channel().read();
        } else {
            state = State.CONNECTING;
            // cluster policy: wait for a connection under maxPendingRequests (one opens under maxConnections), else overflow
            if (pool.acquire(c.config(), this) == EndpointPool.Acquired.OVERFLOW) localReply(503, ResponseFlag.UO, null, null);
        }
    }

    /** Rewrites the head in place for the next hop: hop-by-hop fields, framing, forwarding headers. */
    private void prepareUpstreamRequest(HttpRequest req) {
        HttpHeaders h = req.headers();
        boolean chunked = HttpUtil.isTransferEncodingChunked(req);
        HopByHop.strip(h);
        if (chunked) h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        req.setProtocolVersion(HttpVersion.HTTP_1_1);
        if (remoteIp != null) {
            String xff = h.get(X_FORWARDED_FOR);
            h.set(X_FORWARDED_FOR, xff == null ? remoteIp : xff + ", " + remoteIp);
        }
        if (!h.contains(X_FORWARDED_PROTO)) h.set(X_FORWARDED_PROTO, HTTP);
        if (!h.contains(X_REQUEST_ID)) h.set(X_REQUEST_ID, RequestIds.next());
        apply(route.requestHeaders(), h);
    }

    private static void apply(HeaderMutations m, HttpHeaders h) {
        if (m.isEmpty()) return;
        for (String n : m.remove()) h.remove(n);
        for (HeaderMutations.Header x : m.set()) h.set(x.name(), x.value());
        for (HeaderMutations.Header x : m.add()) h.add(x.name(), x.value());
    }

    private void body(HttpContent c) {
        boolean last = c instanceof LastHttpContent;
        if (state == State.FORWARDING) {
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
            } else if (state == State.LOCAL) {
                endExchange();
            }
        }
    }

    // ---- upstream events

    @Override
    public void onUpstreamConnected(UpstreamConnection conn) {
        if (state != State.CONNECTING || closing) {
            conn.pool().release(conn, cluster == null ? java.time.Duration.ofSeconds(60) : cluster.config().limits().idleTimeout());
            return;
        }
        upstream = conn;
        state = State.FORWARDING;
        Channel up = conn.channel();
        up.write(head, up.voidPromise());
        while (queue != null && !queue.isEmpty() && !requestComplete) {
            Object m = queue.peekFirst();
            if (!(m instanceof HttpContent) || m instanceof HttpRequest) break;
            queue.pollFirst();
            body((HttpContent) m);
        }
        up.flush();
        up.read();
        readDownstreamIfAllowed();
    }

    @Override
    public void onUpstreamConnectFailed(Throwable cause) {
        if (state != State.CONNECTING || closing) return;
        if (endpoint != null) endpoint.reportLocalOriginFailure(); // cluster policy: outlier detection
        localReply(503, ResponseFlag.UF, null, null);
        // the request body may still sit in the queue: it is dropped with the exchange
        drainQueuedBody();
    }

    @Override
    public void onUpstreamRead(Object msg) {
        if (msg instanceof HttpResponse resp) {
            int code = resp.status().code();
            informational = code >= 100 && code < 200 && code != 101;
            if (!informational) {
                responseStarted = true;
                status = code;
                if (endpoint != null) endpoint.reportStatus(code); // cluster policy: outlier detection
                upstreamKeepAlive = HttpUtil.isKeepAlive(resp);
                prepareDownstreamResponse(resp, code);
            } else {
                HopByHop.strip(resp.headers());
            }
        }
        if (msg instanceof HttpContent || msg instanceof HttpResponse) {
            ctx.write(msg, ctx.voidPromise());
            if (msg instanceof LastHttpContent) {
                if (informational) informational = false;
                else responseComplete();
            }
        } else {
            ReferenceCountUtil.release(msg);
        }
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
        apply(route.responseHeaders(), h);
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

    @Override
    public void onUpstreamClosed() {
        if (state != State.FORWARDING) return;
        upstream = null;
        if (!responseStarted) {
            if (endpoint != null) endpoint.reportLocalOriginFailure(); // cluster policy: outlier detection
            localReply(503, ResponseFlag.UC, null, null);
        } else {
            flag = ResponseFlag.UC;
            record(status);
            releaseEndpoint(); // cluster policy: frees the request slot (and the in-flight count) of this exchange
            closeDownstream();
        }
    }

    private void routeTimedOut() {
        if (state != State.FORWARDING && state != State.CONNECTING) return;
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
        ctx.flush();
        record(status);
        UpstreamConnection c = upstream;
        upstream = null;
        releaseEndpoint();
        int max = cluster.config().limits().maxRequestsPerConnection();
        if (requestComplete && upstreamKeepAlive && (max == 0 || c.requests() < max)) c.pool().release(c, cluster.config().limits().idleTimeout());
        else c.close();
        if (!requestComplete) {
            // the upstream answered before the request body ended; the rest cannot be framed any more
            closeDownstream();
            return;
        }
        endExchange();
    }

    private void localReply(int code, ResponseFlag f, String body, String location) {
        routeDeadline.disarm();
        abortUpstream();
        status = code;
        flag = f;
        responseStarted = true;
        boolean close = !keepAlive || (bodyExpected && !requestComplete);
        FullHttpResponse r = LocalReply.of(ctx.alloc(), code, f, body, close);
        if (location != null) r.headers().set(HttpHeaderNames.LOCATION, location);
        if (route != null && f == null) apply(route.responseHeaders(), r.headers());
        record(code);
        state = State.LOCAL;
        if (close) {
            state = State.IDLE;
            closing = true;
            releaseQueue();
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

    private void drainQueuedBody() {
        while (queue != null && !queue.isEmpty() && !requestComplete && !closing && queue.peekFirst() instanceof HttpContent c && !(c instanceof HttpRequest)) {
            queue.pollFirst();
            body(c);
        }
    }

    private void record(int code) {
        config.stats().response(code, flag);
        if (cluster != null) cluster.stats().response(code, flag);
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

    private static String location(RouteAction.Redirect rd, HttpRequest req) {
        String scheme = rd.scheme() != null ? rd.scheme() : "http";
        String authority = rd.authority() != null ? rd.authority() : req.headers().get(HttpHeaderNames.HOST, "");
        String path = rd.path() != null ? rd.path() : req.uri();
        return scheme + "://" + authority + path;
    }
}
