package dev.ficus.proxy.pool;

import dev.ficus.proxy.grpc.GrpcLocalReply;
import dev.ficus.proxy.lb.EndpointRef;
import dev.ficus.xds.snapshot.ClusterConfig;
import dev.ficus.proxy.tls.MeshTls;
import dev.ficus.proxy.tls.UpstreamTlsHandshake;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2SettingsFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.ArrayList;

/**
 * The HTTP/2 side of an {@link EndpointPool}: multiplexed connections to the endpoint, owned by
 * the pool's event loop, and one child stream channel per exchange. A stream channel runs
 * {@code h2-to-http → h2-end-stream → grpc-te → connection}, so the router leasing it sees the
 * same {@link UpstreamConnection} and HTTP/1.1 message objects as on an HTTP/1.1 connection.
 *
 * <p>Streams per connection follow Envoy's HTTP/2 pool: a connection carries at most the
 * cluster's {@code maxConcurrentStreams} and the server's SETTINGS_MAX_CONCURRENT_STREAMS at once.
 * An exchange that finds every connection full (or none open) waits here as a pending request,
 * under the cluster's {@code maxPendingRequests}; a connection opens for the waiters, counted
 * under {@code maxConnections}, when the ones still opening cannot take them all (a connection
 * that opens is assumed to take the cluster's cap, unlimited when unset: then one opens at a time).
 * A stream that ends hands its slot to the first waiter. Until the server's first SETTINGS frame
 * arrives its limit is unknown: a new connection carries one stream at once (the first request is
 * sent without delay, the others of a burst wait one round trip), then as many as the SETTINGS
 * allow. Should the server lower its limit later, streams over it wait in the connection's encoder
 * rather than fail.
 *
 * <p>A connection that closes, receives GOAWAY or outlives {@code maxConnectionDuration} takes no
 * new streams; its open streams finish. One that has carried {@code maxRequestsPerConnection}
 * streams is drained as Envoy drains it: no new streams, and it closes once its open ones end.
 * Only the pool's event loop calls it.
 */
final class Http2Connector {
    /** One multiplexed connection and the streams leased on it. */
    static final class Connection {
        private Channel channel;
        private Http2FrameCodec codec;
        private long connectedAt;
        private int streams;
        /** Streams opened on it so far, for {@code maxRequestsPerConnection}. */
        private int carried;
        private boolean retired;
        /** The server's first SETTINGS frame arrived: its stream limit is known. */
        private boolean settled;

        /** Whether one more stream fits under {@code cap} (0: none) and the server's own limit. */
        boolean hasRoom(int cap) {
            if (retired || !channel.isActive() || codec.connection().goAwayReceived()) return false;
            if (!settled) return streams == 0;
            int limit = codec.connection().local().maxActiveStreams(); // the server's SETTINGS_MAX_CONCURRENT_STREAMS
            if (cap > 0 && cap < limit) limit = cap;
            return streams < limit;
        }
    }

    private final EndpointPool pool;
    private final EventLoop loop;
    private final EndpointRef endpoint;
    private final Class<? extends Channel> channelClass;
    private final ByteBufAllocator allocator;
    /** Connections that take new streams, oldest first. */
    private final ArrayList<Connection> ready = new ArrayList<>(2);
    /** Connections being opened (TCP connect, TLS handshake), and open ones whose server has not sent its SETTINGS yet. */
    private int connecting, unsettled;
    /** Exchanges waiting for a stream; each holds a pending slot. */
    private final ArrayDeque<UpstreamListener> waiting = new ArrayDeque<>();
    /** The cluster config the last waiter came with, for the stream cap and to open connections for the waiters. */
    private ClusterConfig waitingCluster;

    private final MeshTls tls;

    Http2Connector(EndpointPool pool, EventLoop loop, EndpointRef endpoint, Class<? extends Channel> channelClass, ByteBufAllocator allocator, MeshTls tls) {
        this.tls = tls;
        this.pool = pool;
        this.loop = loop;
        this.endpoint = endpoint;
        this.channelClass = channelClass;
        this.allocator = allocator;
    }

    /**
     * Opens a stream for {@code l} on a connection with room, else queues it and opens a
     * connection if the waiters need one; {@code l} then hears connected or failed. OVERFLOW when
     * it would wait and the pending limit is reached, unless {@code force} (mirrors), which waits
     * regardless of that limit.
     */
    EndpointPool.Acquired openStream(ClusterConfig cluster, UpstreamListener l, boolean force) {
        Connection c = withRoom(cluster);
        if (c != null) {
            stream(c, l, cluster);
            return EndpointPool.Acquired.PENDING;
        }
        if (force) endpoint.breakers().forceAcquirePending();
        else if (!endpoint.breakers().tryAcquirePending()) return EndpointPool.Acquired.OVERFLOW;
        waiting.addLast(l);
        waitingCluster = cluster;
        if (needsConnection()) tryOpen(cluster);
        return EndpointPool.Acquired.PENDING;
    }

    /** The oldest connection that takes one more stream; drops those that take none any more. */
    private Connection withRoom(ClusterConfig cluster) {
        int cap = cluster.limits().maxConcurrentStreams();
        long maxAge = cluster.limits().maxConnectionDuration().toNanos();
        for (int i = 0; i < ready.size(); i++) {
            Connection c = ready.get(i);
            if (maxAge > 0 && System.nanoTime() - c.connectedAt >= maxAge) {
                // too old to take new streams: GOAWAY, and it closes once its open streams end (Netty's graceful close)
                retire(i--);
                c.channel.close();
                continue;
            }
            if (c.hasRoom(cap)) return c;
            if (!c.channel.isActive() || c.codec.connection().goAwayReceived()) retire(i--);
        }
        return null;
    }

    private void retire(int index) {
        ready.remove(index).retired = true;
    }

    /** Whether the waiters outnumber what the connections still opening will take (each the cluster's cap; unlimited: all). */
    private boolean needsConnection() {
        int opening = connecting + unsettled;
        if (opening == 0) return true;
        int cap = waitingCluster.limits().maxConcurrentStreams();
        return cap > 0 && (long) opening * cap < waiting.size();
    }

    /**
     * Opens a connection under {@code maxConnections}; over it the waiters wait for a stream to
     * end, unless no connection is open or opening (Envoy's rule against stranded requests, as on
     * HTTP/1.1: another event loop may hold every slot).
     */
    private void tryOpen(ClusterConfig cluster) {
        CircuitBreakers b = endpoint.breakers();
        if (b.tryAcquireConnection()) {
            open(cluster);
        } else if (ready.isEmpty() && connecting == 0) {
            b.forceAcquireConnection();
            open(cluster);
        }
    }

    /** Opens a connection for which a connection slot is held. */
    private void open(ClusterConfig cluster) {
        connecting++;
        Connection c = new Connection();
        UpstreamTlsHandshake[] secure = new UpstreamTlsHandshake[1];
        ChannelFuture f = UpstreamSockets.keepalive(new Bootstrap(), channelClass, cluster.limits())
                .group(loop)
                .channel(channelClass)
                .option(ChannelOption.ALLOCATOR, allocator)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, cluster.connectTimeout().toMillis()))
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) throws Exception {
                        // streams over a limit the server lowers later wait in the encoder instead of failing
                        // a close sends GOAWAY and waits for the open streams (the builder's default, 0, would reset them)
                        c.codec = Http2FrameCodecBuilder.forClient().validateHeaders(true).encoderEnforceMaxConcurrentStreams(true)
                                .initialSettings(io.netty.handler.codec.http2.Http2Settings.defaultSettings()
                                        .maxHeaderListSize(dev.ficus.proxy.http.Http1Limits.DEFAULT.maxHeaderSize())) // response heads as large as HTTP/1.1's
                                .gracefulShutdownTimeoutMillis(-1).build();
                        ch.pipeline().addLast("h2-codec", c.codec);
                        ch.pipeline().addLast("h2-multiplex", new Http2MultiplexHandler(new RefusePush()));
                        ch.pipeline().addLast("h2-settings", new Settings(c));
                        secure[0] = UpstreamTlsHandshake.forConnection(tls, cluster, endpoint.endpoint(), ch); // first in the pipeline
                    }
                })
                .connect(endpoint.address());
        f.addListener(done -> {
            if (!done.isSuccess()) connected(c, null, done.cause());
            else if (secure[0] == null) connected(c, f.channel(), null);
            else secure[0].whenSecured(() -> connected(c, f.channel(), null), cause -> {
                f.channel().close();
                connected(c, null, cause);
            });
        });
    }

    private void connected(Connection c, Channel ch, Throwable cause) {
        connecting--;
        if (ch == null) {
            endpoint.breakers().releaseConnection();
            failWaiters(cause);
            return;
        }
        c.channel = ch;
        c.connectedAt = System.nanoTime();
        endpoint.clusterStats().connectionOpened();
        if (!c.settled) unsettled++; // the SETTINGS may even have come with the TLS handshake
        ready.add(c);
        ch.closeFuture().addListener(x -> closed(c));
        serveWaiters(c);
    }

    /** Gives waiters streams on {@code c} while it has room. */
    private void serveWaiters(Connection c) {
        while (!waiting.isEmpty() && c.hasRoom(waitingCluster.limits().maxConcurrentStreams())) {
            UpstreamListener w = waiting.pollFirst();
            endpoint.breakers().releasePending();
            stream(c, w, waitingCluster);
        }
        if (!waiting.isEmpty() && c.retired && needsConnection()) tryOpen(waitingCluster); // drained by maxRequestsPerConnection
    }

    /**
     * A connection opened for the waiters failed: the first waiter fails with it, and all of them
     * when no other connection is open or opening (none would ever serve them).
     */
    private void failWaiters(Throwable cause) {
        int n = ready.isEmpty() && connecting == 0 ? waiting.size() : Math.min(1, waiting.size());
        if (n > 0) {
            UpstreamListener[] failed = new UpstreamListener[n]; // taken out first: a failed exchange may queue a new request here
            for (int i = 0; i < n; i++) {
                failed[i] = waiting.pollFirst();
                endpoint.breakers().releasePending();
            }
            for (UpstreamListener w : failed) w.onUpstreamConnectFailed(cause);
        }
        if (!waiting.isEmpty() && needsConnection()) tryOpen(waitingCluster);
    }

    /** The server's first SETTINGS frame: the connection takes as many streams as they allow. */
    private void settled(Connection c) {
        c.settled = true;
        if (c.channel == null) return; // before the TLS handshake ended: counted as settled when connected
        unsettled--;
        if (!waiting.isEmpty()) {
            serveWaiters(c);
            if (!waiting.isEmpty() && needsConnection()) tryOpen(waitingCluster);
        }
    }

    /** A connection closed: its slot frees, and the waiters may need another one. */
    private void closed(Connection c) {
        if (!c.settled) unsettled--;
        c.settled = true;
        endpoint.clusterStats().connectionClosed();
        endpoint.breakers().releaseConnection();
        if (!c.retired) ready.remove(c);
        c.retired = true;
        if (!waiting.isEmpty() && needsConnection()) tryOpen(waitingCluster);
    }

    private void stream(Connection c, UpstreamListener l, ClusterConfig cluster) {
        c.streams++;
        int max = cluster.limits().maxRequestsPerConnection();
        if (max > 0 && ++c.carried >= max) drain(c);
        UpstreamConnection conn = new UpstreamConnection(pool);
        conn.stream = c;
        new Http2StreamChannelBootstrap(c.channel)
                .handler(new ChannelInitializer<Http2StreamChannel>() {
                    @Override
                    protected void initChannel(Http2StreamChannel ch) {
                        ch.config().setAutoRead(false);
                        ch.pipeline().addLast("h2-to-http", new UpstreamStreamCodec());
                        ch.pipeline().addLast("h2-end-stream", new EndStreamHandler());
                        ch.pipeline().addLast("grpc-te", new GrpcTe());
                        ch.pipeline().addLast("connection", conn);
                    }
                })
                .open()
                .addListener(done -> {
                    if (done.isSuccess()) {
                        conn.lease(l);
                        l.onUpstreamConnected(conn);
                    } else {
                        streamEnded(conn);
                        l.onUpstreamConnectFailed(done.cause());
                    }
                });
    }

    /** The stream channel of {@code conn} closed (or never opened): its slot goes to the first waiter. Called once or more per stream. */
    void streamEnded(UpstreamConnection conn) {
        Connection c = conn.stream;
        if (c == null) return;
        conn.stream = null;
        c.streams--;
        if (c.retired) {
            if (c.streams == 0 && c.channel.isActive()) c.channel.close(); // drained: its last stream ended
            return;
        }
        if (!waiting.isEmpty()) serveWaiters(c);
    }

    /**
     * {@code c} carried its {@code maxRequestsPerConnection} streams: it takes no more (new ones go
     * to another connection), and closes once its open streams end (in {@link #streamEnded}).
     */
    private void drain(Connection c) {
        if (c.retired) return;
        ready.remove(c);
        c.retired = true;
        if (!c.settled) { // no longer one the waiters can count on
            c.settled = true;
            unsettled--;
        }
    }

    /** Takes {@code l} out of the waiters; false if it was not waiting. */
    boolean cancelWait(UpstreamListener l) {
        if (waiting.remove(l)) {
            endpoint.breakers().releasePending();
            return true;
        }
        return false;
    }

    /** Closes the connections (drain, shutdown, endpoint retired): GOAWAY, and each closes once its open streams end. */
    void close() {
        for (Connection c : ready) {
            c.retired = true;
            c.channel.close();
        }
        ready.clear();
    }

    /** The hop-by-hop filter drops {@code TE}; gRPC servers expect {@code te: trailers} on HTTP/2, so it is put back for gRPC calls. */
    private static final class GrpcTe extends ChannelOutboundHandlerAdapter {
        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            if (msg instanceof HttpRequest r && GrpcLocalReply.isGrpc(r.headers())) r.headers().set(HttpHeaderNames.TE, HttpHeaderValues.TRAILERS);
            ctx.write(msg, promise);
        }
    }

    /** Hears the server's SETTINGS frames (the codec has applied them) and tells the pool when the first arrives. */
    private final class Settings extends ChannelInboundHandlerAdapter {
        private final Connection c;

        Settings(Connection c) { this.c = c; }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof Http2SettingsFrame && !c.settled) settled(c);
            ReferenceCountUtil.release(msg); // the end of the connection's pipeline: nothing else reads its frames
        }
    }

    /** Servers may not push to the proxy (the client settings disable push); anything arriving is dropped. */
    private static final class RefusePush extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
            ctx.close();
        }
    }
}
