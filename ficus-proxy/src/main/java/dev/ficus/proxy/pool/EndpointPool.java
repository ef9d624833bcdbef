package dev.ficus.proxy.pool;

import dev.ficus.proxy.lb.EndpointRef;
import dev.ficus.xds.snapshot.ClusterConfig;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpClientCodec;
import java.time.Duration;
import java.util.ArrayDeque;

/**
 * Keep-alive connections to one endpoint, owned by one event loop: new connections are registered
 * on that loop, so the downstream and upstream channels of an exchange never cross threads and the
 * pool needs no lock. Most recently used connections are reused first (they are the warmest).
 *
 * <p>Circuit breaking: {@link #acquire} opens a connection only under the cluster's
 * {@code maxConnections} (counted across event loops by {@link CircuitBreakers}); over it, the
 * request waits here for one of this pool's connections, under {@code maxPendingRequests}. A
 * request that cannot wait (the limit is reached, or this loop has no connection to the endpoint
 * that could ever free up) overflows.
 */
public final class EndpointPool {
    private final EventLoop loop;
    private final EndpointRef endpoint;
    private final Class<? extends Channel> channelClass;
    private final ArrayDeque<UpstreamConnection> idle = new ArrayDeque<>();
    /** Requests waiting for a connection (pending requests); each holds a pending slot. */
    private final ArrayDeque<UpstreamListener> waiters = new ArrayDeque<>();
    /** Connections of this pool open or opening; each holds a connection slot. */
    private int open;

    private final ByteBufAllocator allocator;

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

    /** What {@link #acquire} did with a request that found no idle connection. */
    public enum Acquired { CONNECTING, PENDING, OVERFLOW }

    /** Thrown to a waiting request (via {@code onUpstreamConnectFailed}) that can no longer get a connection. */
    public static final class Overflow extends Exception {
        private static final long serialVersionUID = 1L;

        Overflow() { super("connection pool overflow", null, false, false); }
    }

    private static final Overflow OVERFLOW = new Overflow();

    /**
     * For a request that found no idle connection: opens one if the cluster's connection limit
     * allows, else queues {@code l} for the next connection this pool frees, if the pending limit
     * allows and this pool has a connection that will free up. {@code l} hears
     * {@code onUpstreamConnected} or {@code onUpstreamConnectFailed} unless OVERFLOW is returned.
     */
    public Acquired acquire(ClusterConfig cluster, UpstreamListener l) {
        CircuitBreakers b = endpoint.breakers();
        if (b.tryAcquireConnection()) {
            open(cluster, l);
            return Acquired.CONNECTING;
        }
        if (open > 0 && b.tryAcquirePending()) {
            waitingCluster = cluster;
            waiters.addLast(l);
            return Acquired.PENDING;
        }
        return Acquired.OVERFLOW;
    }

    /** Takes {@code l} out of the queue of waiting requests; false if it was not waiting. */
    public boolean cancelWait(UpstreamListener l) {
        if (waiters.remove(l)) {
            endpoint.breakers().releasePending();
            return true;
        }
        return false;
    }

    public int waiting() { return waiters.size(); }

    /** The cluster config the last waiter came with, to open connections for waiters. */
    private ClusterConfig waitingCluster;

    /** Opens a new connection regardless of the connection limit (counted all the same). */
    public void connect(ClusterConfig cluster, UpstreamListener l) {
        endpoint.breakers().forceAcquireConnection();
        open(cluster, l);
    }

    /** Opens a connection for which a connection slot is already held. */
    private void open(ClusterConfig cluster, UpstreamListener l) {
        open++;
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
                open--;
                endpoint.breakers().releaseConnection();
                l.onUpstreamConnectFailed(done.cause());
                serveWaiters();
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
        if (endpoint.retired() || !c.channel().isActive()) {
            c.close();
            return;
        }
        UpstreamListener w = waiters.pollFirst();
        if (w != null) {
            // a waiting request takes the connection at once (it is on this loop too)
            endpoint.breakers().releasePending();
            c.lease(w);
            w.onUpstreamConnected(c);
            return;
        }
        idle.addFirst(c);
        c.idleFor(idleTimeout.toNanos());
        c.channel().read();
    }

    /** A connection of this pool closed: its slot frees, and a waiting request may open a new one. */
    void closed(UpstreamConnection c) {
        idle.remove(c);
        open--;
        endpoint.breakers().releaseConnection();
        serveWaiters();
    }

    /** Opens connections for waiting requests while the limit allows; with nothing left to wait for, they overflow. */
    private void serveWaiters() {
        while (!waiters.isEmpty()) {
            if (endpoint.breakers().tryAcquireConnection()) {
                UpstreamListener w = waiters.pollFirst();
                endpoint.breakers().releasePending();
                open(waitingCluster, w);
            } else if (open == 0) {
                UpstreamListener w = waiters.pollFirst();
                endpoint.breakers().releasePending();
                w.onUpstreamConnectFailed(OVERFLOW);
            } else {
                return;
            }
        }
    }

    /** Closes every idle connection (on drain and shutdown). */
    public void closeIdle() {
        UpstreamConnection c;
        while ((c = idle.pollFirst()) != null) c.close();
    }
}
