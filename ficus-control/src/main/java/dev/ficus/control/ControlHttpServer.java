package dev.ficus.control;

import dev.ficus.api.Durations;
import dev.ficus.api.JsonText;
import dev.ficus.control.graph.GraphJson;
import dev.ficus.xds.sync.SyncServer;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
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
import io.netty.handler.codec.http.QueryStringDecoder;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * The control plane's HTTP port (15014 by default): Prometheus metrics at {@code /metrics},
 * {@code GET /v1/status} (connected proxies, versions, ACK/NACK), {@code GET /healthz/ready},
 * {@code GET /v1/graph} (the service graph), and more routes by path prefix (the registry's
 * {@code /v1/workloads}; {@code /v1/assess} and {@code /v1/rollouts}, answered off the event loop). Handlers answer from memory, on the event loop — except the graph,
 * which waits for a scrape of every proxy: its answer is written when ready, the event loop is
 * not held meanwhile, and answers on one connection keep the order of its requests.
 */
public final class ControlHttpServer implements AutoCloseable {

    /** One route: a whole request in, a whole response out. */
    public interface Route {
        FullHttpResponse handle(FullHttpRequest request);
    }

    /**
     * A route whose answer takes time (a scrape, a file write, a webhook): it returns at once and
     * completes the reply from any thread; the event loop is not held meanwhile.
     */
    public interface AsyncRoute {
        CompletableFuture<Reply> handle(FullHttpRequest request);
    }

    private final String host;
    private final int port;
    private final ControlPlane control;
    private final TreeMap<String, Route> routes;
    private final TreeMap<String, AsyncRoute> asyncRoutes;
    private EventLoopGroup group;
    private Channel channel;

    ControlHttpServer(String host, int port, ControlPlane control, Map<String, Route> extra, Map<String, AsyncRoute> async) {
        this.host = host;
        this.port = port;
        this.control = control;
        this.routes = new TreeMap<>(extra);
        this.asyncRoutes = new TreeMap<>(async);
    }

    void start() throws InterruptedException {
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        channel = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(64 * 1024), new Handler());
                    }
                })
                .bind(host, port).sync().channel();
    }

    int port() { return ((InetSocketAddress) channel.localAddress()).getPort(); }

    @Override
    public void close() {
        if (channel != null) channel.close().syncUninterruptibly();
        if (group != null) group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** An answer computed off the event loop; it becomes a response on the event loop, when written. */
    public record Reply(HttpResponseStatus status, String contentType, String body) {
        public static Reply json(HttpResponseStatus status, String body) { return new Reply(status, "application/json", body); }

        FullHttpResponse response() { return withType(text(status, body), contentType); }
    }

    private final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        /** The previous request's answer, while it is not written: the next one waits for it. Event loop only. */
        private CompletableFuture<Void> pending = CompletableFuture.completedFuture(null);

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            boolean keepAlive = HttpUtil.isKeepAlive(req);
            CompletableFuture<Reply> later = asyncRoute(req);
            if (later != null) {
                CompletableFuture<Reply> safe = later.exceptionally(t -> new Reply(HttpResponseStatus.INTERNAL_SERVER_ERROR,
                        "text/plain; charset=utf-8", "error: " + (t.getCause() != null ? t.getCause() : t) + "\n"));
                pending = pending.thenCombine(safe, (x, r) -> r)
                        .thenAcceptAsync(r -> write(ctx, r.response(), keepAlive), ctx.executor());
                return;
            }
            FullHttpResponse res;
            try {
                res = route(req);
            } catch (RuntimeException e) {
                res = text(HttpResponseStatus.INTERNAL_SERVER_ERROR, "error: " + e + "\n");
            }
            if (pending.isDone()) {
                write(ctx, res, keepAlive);
            } else {
                FullHttpResponse r = res;
                pending = pending.thenRunAsync(() -> write(ctx, r, keepAlive), ctx.executor());
            }
        }

        private void write(ChannelHandlerContext ctx, FullHttpResponse res, boolean keepAlive) {
            HttpUtil.setContentLength(res, res.content().readableBytes());
            HttpUtil.setKeepAlive(res, keepAlive);
            var f = ctx.writeAndFlush(res);
            if (!keepAlive) f.addListener(ChannelFutureListener.CLOSE);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** The answer of a route that takes time, or null for the others. */
    private CompletableFuture<Reply> asyncRoute(FullHttpRequest req) {
        QueryStringDecoder uri = new QueryStringDecoder(req.uri());
        var extra = asyncRoutes.floorEntry(uri.path());
        if (extra != null && uri.path().startsWith(extra.getKey())) return extra.getValue().handle(req);
        if (!uri.path().equals("/v1/graph") || !(req.method().equals(HttpMethod.GET) || req.method().equals(HttpMethod.HEAD))) return null;
        Duration window = DEFAULT_WINDOW;
        List<String> w = uri.parameters().get("window");
        if (w != null && !w.isEmpty()) {
            try {
                window = Durations.parse(w.getLast());
            } catch (IllegalArgumentException e) {
                return CompletableFuture.completedFuture(badWindow(e.getMessage()));
            }
        }
        Duration max = control.graphRetention();
        if (window.isZero() || window.isNegative()) return CompletableFuture.completedFuture(badWindow("the window must be positive"));
        if (window.compareTo(max) > 0) {
            return CompletableFuture.completedFuture(badWindow("the window must be at most " + Durations.format(max)
                    + " (the history the control plane keeps of each proxy)"));
        }
        return control.graph(window).thenApply(g -> new Reply(HttpResponseStatus.OK, "application/json", GraphJson.write(g)));
    }

    /** The graph's window when the request names none. */
    static final Duration DEFAULT_WINDOW = Duration.ofSeconds(30);

    private static Reply badWindow(String message) {
        return new Reply(HttpResponseStatus.BAD_REQUEST, "application/json",
                "{\"error\":" + JsonText.quote(message) + ",\"field\":\"window\"}");
    }

    private FullHttpResponse route(FullHttpRequest req) {
        String path = new QueryStringDecoder(req.uri()).path();
        var extra = routes.floorEntry(path);
        if (extra != null && path.startsWith(extra.getKey())) return extra.getValue().handle(req);
        boolean get = req.method().equals(HttpMethod.GET) || req.method().equals(HttpMethod.HEAD);
        return switch (path) {
            case "/metrics" -> get ? withType(text(HttpResponseStatus.OK, control.metrics().prometheus()), "text/plain; version=0.0.4; charset=utf-8")
                    : notAllowed();
            case "/v1/status" -> get ? json(HttpResponseStatus.OK, statusJson()) : notAllowed();
            case "/healthz/ready" -> get ? text(HttpResponseStatus.OK, "ready\n") : notAllowed();
            case "/v1/graph" -> notAllowed(); // GET and HEAD are answered by asyncRoute
            default -> text(HttpResponseStatus.NOT_FOUND, "no such path: " + path + " (try /metrics, /v1/status, /v1/graph, /v1/assess, /v1/rollouts, /v1/workloads)\n");
        };
    }

    /** The proxies and their versions, as {@code ficus status} prints them. */
    String statusJson() {
        StringBuilder b = new StringBuilder("{\"proxies\":[");
        boolean first = true;
        for (SyncServer.ProxyStatus p : control.proxies()) {
            if (!first) b.append(',');
            first = false;
            b.append("{\"id\":").append(JsonText.quote(p.id()))
                    .append(",\"workloads\":").append(list(p.node() == null ? java.util.List.of() : p.node().workloads()))
                    .append(",\"namespace\":").append(p.node() == null || p.node().namespace() == null ? "null" : JsonText.quote(p.node().namespace()))
                    .append(",\"peer\":").append(JsonText.quote(p.peer()))
                    .append(",\"connectedAt\":").append(JsonText.quote(p.connectedAt().toString()))
                    .append(",\"ackedVersion\":").append(JsonText.quote(p.ackedVersion()))
                    .append(",\"pendingVersion\":").append(p.pendingVersion() == null ? "null" : JsonText.quote(p.pendingVersion()))
                    .append(",\"pushes\":").append(p.pushes())
                    .append(",\"acks\":").append(p.acks())
                    .append(",\"nacks\":").append(p.nacks())
                    .append(",\"lastNack\":").append(p.lastNack() == null ? "null" : JsonText.quote(p.lastNack()))
                    .append(",\"lastNackVersion\":").append(p.lastNackVersion() == null ? "null" : JsonText.quote(p.lastNackVersion()))
                    .append('}');
        }
        b.append("],\"configResources\":").append(control.config().size()).append('}');
        return b.toString();
    }

    private static String list(java.util.List<String> xs) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < xs.size(); i++) b.append(i == 0 ? "" : ",").append(JsonText.quote(xs.get(i)));
        return b.append(']').toString();
    }

    private static FullHttpResponse notAllowed() {
        FullHttpResponse r = text(HttpResponseStatus.METHOD_NOT_ALLOWED, "method not allowed\n");
        r.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
        return r;
    }

    static FullHttpResponse text(HttpResponseStatus status, String body) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        return r;
    }

    static FullHttpResponse json(HttpResponseStatus status, String body) {
        return withType(text(status, body), "application/json");
    }

    private static FullHttpResponse withType(FullHttpResponse r, String type) {
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, type);
        return r;
    }
}
