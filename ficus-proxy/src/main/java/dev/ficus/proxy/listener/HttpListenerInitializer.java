package dev.ficus.proxy.listener;

import dev.ficus.proxy.http.HeadScanHandler;
import dev.ficus.proxy.http.Http1Limits;
import dev.ficus.proxy.http.ResponseFlag;
import dev.ficus.proxy.http.RequestGuardHandler;
import dev.ficus.proxy.router.RouterConfig;
import dev.ficus.proxy.router.RouterHandler;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpServerCodec;

/**
 * Assembles the pipeline of one accepted HTTP/1.1 connection, in named steps:
 * {@code track → head-scan → codec → guard → router}. TLS and protocol detection will be steps before the
 * codec; L7 filters will sit before the router.
 */
public final class HttpListenerInitializer extends ChannelInitializer<Channel> {
    private final RouterConfig router;
    private final Http1Limits limits;
    private final ConnectionTracker tracker;

    public HttpListenerInitializer(RouterConfig router, Http1Limits limits, ConnectionTracker tracker) {
        this.router = router;
        this.limits = limits;
        this.tracker = tracker;
    }

    @Override
    protected void initChannel(Channel ch) {
        ChannelPipeline p = ch.pipeline();
        addTracking(p);
        HeadScanHandler scan = addHeadScan(p);
        addHttp1Codec(p);
        addRequestGuard(p, scan);
        addRouter(p);
    }

    private HeadScanHandler addHeadScan(ChannelPipeline p) {
        var stats = router.stats();
        HeadScanHandler scan = new HeadScanHandler(() -> {
            stats.request();
            stats.response(400, ResponseFlag.DPE);
        });
        p.addLast("head-scan", scan);
        return scan;
    }

    private void addTracking(ChannelPipeline p) { p.addLast("track", tracker.handler(router.stats())); }

    private void addHttp1Codec(ChannelPipeline p) { p.addLast("codec", new HttpServerCodec(limits.decoderConfig())); }

    private void addRequestGuard(ChannelPipeline p, HeadScanHandler scan) { p.addLast("guard", new RequestGuardHandler(limits, router.stats(), scan)); }

    private void addRouter(ChannelPipeline p) { p.addLast("router", new RouterHandler(router)); }
}
