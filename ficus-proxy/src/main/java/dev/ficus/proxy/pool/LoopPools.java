package dev.ficus.proxy.pool;

import dev.ficus.proxy.lb.EndpointRef;
import dev.ficus.proxy.tls.MeshTls;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * The endpoint pools of one event loop. Only that loop's thread touches it; a connection handler
 * looks it up once when the connection opens.
 */
public final class LoopPools {
    private final EventLoop loop;
    private final Class<? extends Channel> channelClass;
    private final Map<EndpointRef, EndpointPool> pools = new IdentityHashMap<>();

    private final ByteBufAllocator allocator;

    private final MeshTls tls;

    LoopPools(EventLoop loop, Class<? extends Channel> channelClass, ByteBufAllocator allocator, MeshTls tls) {
        this.tls = tls;
        this.loop = loop;
        this.channelClass = channelClass;
        this.allocator = allocator;
    }

    /** The socket channel class upstream connections of this loop use (CONNECT tunnels dial with it too). */
    public Class<? extends Channel> channelClass() { return channelClass; }

    /** The proxy's mesh certificate holder, which upstream mTLS connections present. */
    public MeshTls tls() { return tls; }

    public EndpointPool pool(EndpointRef endpoint) {
        EndpointPool p = pools.get(endpoint);
        if (p == null) {
            if (pools.size() > 64) sweepRetired();
            p = new EndpointPool(loop, endpoint, channelClass, allocator, tls);
            pools.put(endpoint, p);
        }
        return p;
    }

    /** Drops pools of endpoints that left the snapshot, closing their idle connections. */
    public void sweepRetired() {
        for (Iterator<EndpointPool> it = pools.values().iterator(); it.hasNext(); ) {
            EndpointPool p = it.next();
            if (p.endpoint().retired()) {
                p.closeIdle();
                it.remove();
            }
        }
    }

    public void closeIdle() { pools.values().forEach(EndpointPool::closeIdle); }

    /** Idle connections across endpoints; for tests and the admin page. */
    public int idleCount() {
        int n = 0;
        for (EndpointPool p : pools.values()) n += p.idleCount();
        return n;
    }
}
