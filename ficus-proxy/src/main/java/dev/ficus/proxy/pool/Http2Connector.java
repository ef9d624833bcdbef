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
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayList;
import java.util.List;

/**
 * The HTTP/2 side of an {@link EndpointPool}: one multiplexed connection to the endpoint, owned by
 * the pool's event loop, and one child stream channel per exchange. A stream channel runs
 * {@code h2-to-http → grpc-te → connection}, so the router leasing it sees the same
 * {@link UpstreamConnection} and HTTP/1.1 message objects as on an HTTP/1.1 connection.
 *
 * <p>Exchanges waiting while the connection opens are queued; a connection that closes or receives
 * GOAWAY is replaced by the next exchange. Only the pool's event loop calls it.
 */
final class Http2Connector {
    private final EndpointPool pool;
    private final EventLoop loop;
    private final EndpointRef endpoint;
    private final Class<? extends Channel> channelClass;
    private final ByteBufAllocator allocator;
    private Channel connection;
    private long connectedAt;
    private List<UpstreamListener> waiting;

    private final MeshTls tls;

    Http2Connector(EndpointPool pool, EventLoop loop, EndpointRef endpoint, Class<? extends Channel> channelClass, ByteBufAllocator allocator, MeshTls tls) {
        this.tls = tls;
        this.pool = pool;
        this.loop = loop;
        this.endpoint = endpoint;
        this.channelClass = channelClass;
        this.allocator = allocator;
    }

    /** Opens a stream for {@code l}, connecting first when needed; {@code l} hears connected or failed. */
    void openStream(ClusterConfig cluster, UpstreamListener l) {
        long maxAge = cluster.limits().maxConnectionDuration().toNanos();
        if (connection != null && maxAge > 0 && System.nanoTime() - connectedAt >= maxAge) {
            // too old to take new streams: GOAWAY, and it closes once its open streams end (Netty's graceful close)
            Channel old = connection;
            connection = null;
            old.close();
        }
        if (connection != null && connection.isActive()) {
            stream(connection, l);
            return;
        }
        if (waiting != null) {
            waiting.add(l);
            return;
        }
        waiting = new ArrayList<>(4);
        waiting.add(l);
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
                        ch.pipeline().addLast("h2-codec", Http2FrameCodecBuilder.forClient().validateHeaders(true).build());
                        ch.pipeline().addLast("h2-multiplex", new Http2MultiplexHandler(new RefusePush()));
                        secure[0] = UpstreamTlsHandshake.forConnection(tls, cluster, endpoint.endpoint(), ch); // first in the pipeline
                    }
                })
                .connect(endpoint.address());
        f.addListener(done -> {
            if (!done.isSuccess()) connected(null, done.cause());
            else if (secure[0] == null) connected(f.channel(), null);
            else secure[0].whenSecured(() -> connected(f.channel(), null), cause -> {
                f.channel().close();
                connected(null, cause);
            });
        });
    }

    private void connected(Channel ch, Throwable cause) {
        List<UpstreamListener> ls = waiting;
        waiting = null;
        if (ch != null) {
            connection = ch;
            connectedAt = System.nanoTime();
            endpoint.clusterStats().connectionOpened();
            ch.closeFuture().addListener(x -> {
                endpoint.clusterStats().connectionClosed();
                if (connection == ch) connection = null;
            });
            for (UpstreamListener x : ls) stream(ch, x);
        } else {
            for (UpstreamListener x : ls) x.onUpstreamConnectFailed(cause);
        }
    }

    private void stream(Channel parent, UpstreamListener l) {
        UpstreamConnection conn = new UpstreamConnection(pool);
        new Http2StreamChannelBootstrap(parent)
                .handler(new ChannelInitializer<Http2StreamChannel>() {
                    @Override
                    protected void initChannel(Http2StreamChannel ch) {
                        ch.config().setAutoRead(false);
                        ch.pipeline().addLast("h2-to-http", new Http2StreamFrameToHttpObjectCodec(false));
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
                        l.onUpstreamConnectFailed(done.cause());
                    }
                });
    }

    /** Closes the shared connection (drain, shutdown, endpoint retired); open streams are reset. */
    void close() {
        if (connection != null) connection.close();
        connection = null;
    }

    /** The hop-by-hop filter drops {@code TE}; gRPC servers expect {@code te: trailers} on HTTP/2, so it is put back for gRPC calls. */
    private static final class GrpcTe extends ChannelOutboundHandlerAdapter {
        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            if (msg instanceof HttpRequest r && GrpcLocalReply.isGrpc(r.headers())) r.headers().set(HttpHeaderNames.TE, HttpHeaderValues.TRAILERS);
            ctx.write(msg, promise);
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
