package dev.ficus.proxy.pool;

import dev.ficus.proxy.tls.MeshTls;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import java.util.IdentityHashMap;
import java.util.Map;

/** One {@link LoopPools} per event loop of the proxy's worker group; the map is fixed at start. */
public final class UpstreamPools {
    private final Map<EventExecutor, LoopPools> byLoop = new IdentityHashMap<>();

    public UpstreamPools(EventLoopGroup group, Class<? extends Channel> channelClass, ByteBufAllocator allocator, MeshTls tls) {
        for (EventExecutor e : group) byLoop.put(e, new LoopPools((EventLoop) e, channelClass, allocator, tls));
    }

    public LoopPools forLoop(EventLoop loop) {
        LoopPools p = byLoop.get(loop);
        if (p == null) throw new IllegalStateException("event loop " + loop + " is not one of the proxy's workers");
        return p;
    }

    /** Runs {@code sweepRetired} on every loop; called after a snapshot swap. */
    public void sweepRetired() { byLoop.forEach((e, p) -> e.execute(p::sweepRetired)); }

    public void closeIdle() { byLoop.forEach((e, p) -> e.execute(p::closeIdle)); }
}
