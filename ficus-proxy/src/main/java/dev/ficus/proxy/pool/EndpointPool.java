package dev.ficus.proxy.pool;

import dev.ficus.proxy.lb.EndpointRef;
import dev.ficus.xds.snapshot.ClusterConfig;
import dev.ficus.xds.snapshot.UpstreamProtocol;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http2.Http2StreamChannel;
import java.time.Duration;
import java.util.ArrayDeque;

/**
 * Keep-alive connections to one endpoint, owned by one event loop: new connections are registered
 * on that loop, so the downstream and upstream channels of an exchange never cross threads and the
 * pool needs no lock. Most recently used connections are reused first (they are the warmest).
 */
public final class EndpointPool {
    private final EventLoop loop;
    private final EndpointRef endpoint;
    private final Class<? extends Channel> channelClass;
    private final ArrayDeque<UpstreamConnection> idle = new ArrayDeque<>();

    private final ByteBufAllocator allocator;
    private Http2Connector h2; // streams of HTTP/2 clusters

    EndpointPool(EventLoop loop, EndpointRef endpoint, Class<? extends Channel> channelClass, ByteBufAllocator allocator) {
        this.allocator = allocator;
        this.loop = loop;
        this.endpoint = endpoint;
        this.channelClass = channelClass;
    }

    public EndpointRef endpoint() { return endpoint; }

    public int idleCount() { return idle.size(); }

    /** An idle connection leased to {@code l}, or null when none is ready. */
    public UpstreamConnection poll(UpstreamListener l) {
        UpstreamConnection c;
        while ((c = idle.pollFirst()) != null) {
            if (c.channel().isActive()) {
                c.lease(l);
                return c;
            }
        }
        return null;
    }

    /** Opens a new connection; {@code l} hears {@code onUpstreamConnected} or {@code onUpstreamConnectFailed}. */
    public void connect(ClusterConfig cluster, UpstreamListener l) {
        if (cluster.upstreamProtocol() == UpstreamProtocol.HTTP2) { // HTTP/2: a new stream on a shared connection
            if (h2 == null) h2 = new Http2Connector(this, loop, endpoint, channelClass, allocator);
            h2.openStream(cluster, l);
            return;
        }
        UpstreamConnection conn = new UpstreamConnection(this);
        Bootstrap b = new Bootstrap()
                .group(loop)
                .channel(channelClass)
                .option(ChannelOption.ALLOCATOR, allocator)
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, cluster.connectTimeout().toMillis()))
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast("codec", new HttpClientCodec(4096, 64 * 1024, 16 * 1024, false));
                        ch.pipeline().addLast("connection", conn);
                    }
                });
        ChannelFuture f = b.connect(endpoint.address());
        f.addListener(done -> {
            if (done.isSuccess()) {
                endpoint.clusterStats().connectionOpened();
                f.channel().closeFuture().addListener(x -> endpoint.clusterStats().connectionClosed());
                conn.lease(l);
                l.onUpstreamConnected(conn);
            } else {
                l.onUpstreamConnectFailed(done.cause());
            }
        });
    }

    /**
     * Returns a connection whose exchange finished cleanly; it is kept for reuse unless the endpoint
     * left the snapshot, and closed when it stays idle for {@code idleTimeout} (0: kept until the
     * upstream closes it). A read stays pending so that a close by the upstream is noticed at once.
     */
    public void release(UpstreamConnection c, Duration idleTimeout) {
        c.unlease();
        if (endpoint.retired() || !c.channel().isActive() || c.channel() instanceof Http2StreamChannel) { // a finished stream is not reused
            c.close();
            return;
        }
        idle.addFirst(c);
        c.idleFor(idleTimeout.toNanos());
        c.channel().read();
    }

    void closed(UpstreamConnection c) { idle.remove(c); }

    /** Closes every idle connection (on drain and shutdown). */
    public void closeIdle() {
        UpstreamConnection c;
        while ((c = idle.pollFirst()) != null) c.close();
        if (h2 != null) h2.close();
    }
}
