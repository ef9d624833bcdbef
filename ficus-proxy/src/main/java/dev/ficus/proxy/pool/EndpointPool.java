package dev.ficus.proxy.pool;

import dev.ficus.proxy.lb.EndpointRef;
import dev.ficus.xds.snapshot.ClusterConfig;
import dev.ficus.xds.snapshot.ConnectionPoolLimits;
import dev.ficus.xds.snapshot.UpstreamProtocol;
import dev.ficus.proxy.tls.MeshTls;
import dev.ficus.proxy.tls.UpstreamTlsHandshake;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http2.Http2StreamChannel;
import java.time.Duration;
import java.util.ArrayDeque;

/**
 * Keep-alive connections to one endpoint, owned by one event loop: new connections are registered
 * on that loop, so the downstream and upstream channels of an exchange never cross threads and the
 * pool needs no lock. Most recently used connections are reused first (they are the warmest).
 *
 * <p>Circuit breaking (see {@link #acquire}): a request without an idle connection waits here
 * under the cluster's {@code maxPendingRequests} while connections open under its
 * {@code maxConnections}, both counted across event loops by {@link CircuitBreakers}.
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
    /** Of those, the ones still opening. */
    private int connecting;

    private final ByteBufAllocator allocator;
    private Http2Connector h2; // HTTP/2 connections and their streams

    private final MeshTls tls;

    EndpointPool(EventLoop loop, EndpointRef endpoint, Class<? extends Channel> channelClass, ByteBufAllocator allocator, MeshTls tls) {
        this.tls = tls;
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
    public enum Acquired { PENDING, OVERFLOW }

    /**
     * For a request that found no idle connection, as Envoy's pools do: the request waits for a
     * connection of this pool, under the cluster's {@code maxPendingRequests}, and a connection is
     * opened for it under {@code maxConnections}. An empty pool opens one connection even over that
     * limit (Envoy's rule against stranded requests: another event loop may hold every slot), so
     * with N event loops a cluster may have up to N - 1 connections more than its limit.
     * Unless OVERFLOW is returned, {@code l} hears {@code onUpstreamConnected} with the first
     * connection that frees up or opens, or {@code onUpstreamConnectFailed}.
     */
    public Acquired acquire(ClusterConfig cluster, UpstreamListener l) {
        return acquire(cluster, cluster.upstreamProtocol() == UpstreamProtocol.HTTP2, l);
    }

    /**
     * {@link #acquire(ClusterConfig, UpstreamListener)} in the protocol decided for this request:
     * the cluster's, or the client's when the cluster keeps it ({@link UpstreamProtocol#CLIENT}).
     * HTTP/2 takes a stream on a shared connection (see {@link Http2Connector}); {@link #poll} is
     * for HTTP/1.1 only.
     */
    public Acquired acquire(ClusterConfig cluster, boolean http2, UpstreamListener l) {
        if (http2) return streams().openStream(cluster, l, false);
        if (!endpoint.breakers().tryAcquirePending()) return Acquired.OVERFLOW;
        waitingCluster = cluster;
        waiters.addLast(l);
        if (connecting < waiters.size()) tryOpen(cluster);
        return Acquired.PENDING;
    }

    /** Takes {@code l} out of the queue of waiting requests; false if it was not waiting. */
    public boolean cancelWait(UpstreamListener l) {
        if (waiters.remove(l)) {
            endpoint.breakers().releasePending();
            return true;
        }
        return h2 != null && h2.cancelWait(l);
    }

    /** Requests waiting for a connection of this pool. */
    public int waiting() { return waiters.size(); }

    /** The cluster config the last waiter came with, to open connections for waiters. */
    private ClusterConfig waitingCluster;

    private void tryOpen(ClusterConfig cluster) {
        CircuitBreakers b = endpoint.breakers();
        if (b.tryAcquireConnection()) {
            open(cluster, null);
        } else if (open == 0) {
            b.forceAcquireConnection();
            open(cluster, null);
        }
    }

    /**
     * Opens a new connection for {@code l} regardless of the limits (counted all the same); on an
     * HTTP/2 cluster, a stream that waits for room regardless of the pending limit. A cluster that
     * keeps the client's protocol is spoken to in HTTP/1.1 here (mirrors and parallel-run copies).
     */
    public void connect(ClusterConfig cluster, UpstreamListener l) {
        if (cluster.upstreamProtocol() == UpstreamProtocol.HTTP2) {
            streams().openStream(cluster, l, true);
            return;
        }
        endpoint.breakers().forceAcquireConnection();
        open(cluster, l);
    }

    private Http2Connector streams() {
        if (h2 == null) h2 = new Http2Connector(this, loop, endpoint, channelClass, allocator, tls);
        return h2;
    }

    /** Opens a connection for which a connection slot is already held, for {@code target} or (null) the first waiter. */
    private void open(ClusterConfig cluster, UpstreamListener target) {
        open++;
        connecting++;
        UpstreamConnection conn = new UpstreamConnection(this);
        UpstreamTlsHandshake[] secure = new UpstreamTlsHandshake[1];
        Bootstrap b = UpstreamSockets.keepalive(new Bootstrap(), channelClass, cluster.limits())
                .group(loop)
                .channel(channelClass)
                .option(ChannelOption.ALLOCATOR, allocator)
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, cluster.connectTimeout().toMillis()))
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) throws Exception {
                        ch.pipeline().addLast("codec", new dev.ficus.proxy.http.Http1ClientCodec(4096, 64 * 1024, 16 * 1024)).addLast("switching", new dev.ficus.proxy.http.SwitchingProtocolsHandler());
                        ch.pipeline().addLast("connection", conn);
                        secure[0] = UpstreamTlsHandshake.forConnection(tls, cluster, endpoint.endpoint(), ch); // first in the pipeline
                    }
                });
        ChannelFuture f = b.connect(endpoint.address());
        f.addListener(done -> {
            if (!done.isSuccess()) {
                connecting--;
                opened(null, cluster, target, done.cause());
            } else if (secure[0] == null) {
                connecting--;
                opened(conn, cluster, target, null);
            } else {
                f.channel().read(); // the handshake needs reads; AUTO_READ is off
                secure[0].whenSecured(() -> {
                    connecting--;
                    opened(conn, cluster, target, null);
                }, cause -> {
                    connecting--;
                    f.channel().close();
                    opened(null, cluster, target, cause);
                });
            }
        });
    }

    /** The end of an attempt to open: a connection for {@code target} (or the waiters), or {@code cause}. */
    private void opened(UpstreamConnection conn, ClusterConfig cluster, UpstreamListener target, Throwable cause) {
        if (conn != null) {
            endpoint.clusterStats().connectionOpened();
            conn.channel().closeFuture().addListener(x -> endpoint.clusterStats().connectionClosed());
            if (target != null) {
                conn.lease(target);
                target.onUpstreamConnected(conn);
            } else {
                release(conn, cluster.limits()); // to the first waiter, or idle if it went away
            }
        } else {
            open--;
            endpoint.breakers().releaseConnection();
            if (target != null) target.onUpstreamConnectFailed(cause);
            else failWaiters(cause);
        }
    }

    /**
     * A connection opened for the waiters failed: the first waiter fails with it, and all of them
     * when no other connection of this pool is open or opening (none would ever serve them).
     */
    private void failWaiters(Throwable cause) {
        int n = open == 0 ? waiters.size() : Math.min(1, waiters.size());
        if (n == 0) return;
        UpstreamListener[] failed = new UpstreamListener[n]; // taken out first: a failed exchange may queue a new request here
        for (int i = 0; i < n; i++) {
            failed[i] = waiters.pollFirst();
            endpoint.breakers().releasePending();
        }
        for (UpstreamListener w : failed) w.onUpstreamConnectFailed(cause);
    }

    /**
     * Returns a connection whose exchange finished cleanly; it is kept for reuse unless the endpoint
     * left the snapshot or it is older than the cluster's {@code maxConnectionDuration}, and closed
     * when it stays idle for the cluster's {@code idleTimeout} (0: kept until the upstream closes
     * it) or reaches its maximum duration while idle. A read stays pending so that a close by the
     * upstream is noticed at once.
     */
    public void release(UpstreamConnection c, ConnectionPoolLimits limits) {
        c.unlease();
        if (endpoint.retired() || !c.channel().isActive() || c.channel() instanceof Http2StreamChannel) { // a finished stream is not reused
            c.close();
            return;
        }
        long idleNanos = limits.idleTimeout().toNanos();
        long maxAge = limits.maxConnectionDuration().toNanos();
        if (maxAge > 0) {
            long left = maxAge - c.ageNanos();
            if (left <= 0) {
                c.close();
                return;
            }
            idleNanos = idleNanos == 0 ? left : Math.min(idleNanos, left);
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
        c.idleFor(idleNanos);
        c.channel().read();
    }

    /** A connection of this pool closed: its slot frees, and waiting requests may get a new one. */
    void closed(UpstreamConnection c) {
        if (c.channel() instanceof Http2StreamChannel) { // a stream, not a connection: its HTTP/2 connection gets the slot back
            h2.streamEnded(c);
            return;
        }
        idle.remove(c);
        open--;
        endpoint.breakers().releaseConnection();
        if (connecting < waiters.size() && waitingCluster != null) tryOpen(waitingCluster);
    }

    /** Closes every idle connection (on drain and shutdown). */
    public void closeIdle() {
        UpstreamConnection c;
        while ((c = idle.pollFirst()) != null) c.close();
        if (h2 != null) h2.close();
    }
}
