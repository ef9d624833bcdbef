package dev.ficus.proxy.admin;

import dev.ficus.proxy.listener.Transport;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * Istio's merged metrics port (15020): {@code GET /stats/prometheus} answers the proxy's metrics
 * followed by the app's own, fetched from its Prometheus endpoint, so one scrape target per
 * workload gives both (as Istio's {@code prometheus.io} annotations are rewritten to 15020). The
 * app is fetched asynchronously with a timeout; when it fails, the proxy's metrics are still
 * served and the failure is counted ({@code ficus_app_metrics_scrape_failures_total}).
 */
public final class MergedMetricsServer implements AutoCloseable {
    private static final Duration APP_TIMEOUT = Duration.ofSeconds(5);
    private final EventLoopGroup group;
    private final Channel channel;
    private final Supplier<String> proxyMetrics;
    private final URI app;
    private final HttpClient client;
    private final LongAdder appFailures = new LongAdder();

    /** @param app the app's metrics endpoint, or null to serve the proxy's metrics only */
    public MergedMetricsServer(Transport transport, String host, int port, Supplier<String> proxyMetrics, URI app) throws InterruptedException {
        this.proxyMetrics = proxyMetrics;
        this.app = app;
        this.client = app == null ? null : HttpClient.newBuilder().connectTimeout(APP_TIMEOUT).build();
        group = transport.newGroup(1, "ficus-metrics");
        try {
            channel = new ServerBootstrap()
                    .group(group)
                    .channel(transport.serverChannel())
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast("codec", new HttpServerCodec());
                            ch.pipeline().addLast("aggregate", new HttpObjectAggregator(16 * 1024));
                            ch.pipeline().addLast("metrics", new Handler());
                        }
                    })
                    .bind(host, port).sync().channel();
        } catch (InterruptedException | RuntimeException e) {
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            throw e;
        }
    }

    public int port() { return ((InetSocketAddress) channel.localAddress()).getPort(); }

    private final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            boolean keepAlive = HttpUtil.isKeepAlive(req);
            String path = req.uri().indexOf('?') < 0 ? req.uri() : req.uri().substring(0, req.uri().indexOf('?'));
            if (!path.equals("/stats/prometheus") && !path.equals("/metrics")) {
                send(ctx, keepAlive, respond(404, "text/plain; charset=utf-8", "unknown path; try /stats/prometheus\n"));
                return;
            }
            if (!req.method().equals(HttpMethod.GET) && !req.method().equals(HttpMethod.HEAD)) {
                send(ctx, keepAlive, respond(405, "text/plain; charset=utf-8", "method not allowed\n"));
                return;
            }
            if (app == null) {
                send(ctx, keepAlive, prometheus(proxyText()));
                return;
            }
            HttpRequest get = HttpRequest.newBuilder(app).timeout(APP_TIMEOUT).header("Accept", "text/plain;version=0.0.4").GET().build();
            client.sendAsync(get, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8)).whenComplete((r, err) -> ctx.executor().execute(() -> {
                String appText = null;
                if (err == null && r.statusCode() == 200) appText = r.body();
                else appFailures.increment();
                StringBuilder b = new StringBuilder(proxyText());
                if (appText != null && !appText.isEmpty()) {
                    b.append(appText);
                    if (appText.charAt(appText.length() - 1) != '\n') b.append('\n');
                }
                send(ctx, keepAlive, prometheus(b.toString()));
            }));
        }

        private String proxyText() {
            String p = proxyMetrics.get();
            if (app == null) return p;
            return p + "# HELP ficus_app_metrics_scrape_failures_total Scrapes of the app's metrics endpoint that failed or timed out.\n"
                    + "# TYPE ficus_app_metrics_scrape_failures_total counter\nficus_app_metrics_scrape_failures_total " + appFailures.sum() + "\n";
        }

        private void send(ChannelHandlerContext ctx, boolean keepAlive, FullHttpResponse r) {
            HttpUtil.setKeepAlive(r, keepAlive);
            var f = ctx.writeAndFlush(r);
            if (!keepAlive) f.addListener(ChannelFutureListener.CLOSE);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) { ctx.close(); }
    }

    private static FullHttpResponse prometheus(String body) { return respond(200, "text/plain; version=0.0.4; charset=utf-8", body); }

    private static FullHttpResponse respond(int status, String type, String body) {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status), Unpooled.wrappedBuffer(b));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, type);
        r.headers().set(HttpHeaderNames.CONTENT_LENGTH, b.length);
        return r;
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        if (client != null) client.close();
    }
}
