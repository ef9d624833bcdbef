package dev.ficus.proxy.admin;

import dev.ficus.proxy.tls.InboundPeers;
import dev.ficus.xds.snapshot.SnapshotJson;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/**
 * Serves the admin pages. Runs on the admin server's own thread, never on a data-plane event
 * loop, so a slow scrape cannot delay traffic.
 *
 * <ul>
 *   <li>{@code GET /healthz}: 200 while the process runs</li>
 *   <li>{@code GET /ready}: 200 while serving, 503 once draining</li>
 *   <li>{@code GET /config_dump}: the active snapshot as JSON, with its version</li>
 *   <li>{@code GET /stats/prometheus}: listener and cluster counters</li>
 *   <li>{@code GET /mtls?minutes=N}: callers of each inbound listener by security (mTLS or plaintext), the last N minutes (default 15)</li>
 *   <li>{@code GET /parallel-runs}: each parallel run's comparisons (matched, mismatched, noise, skipped), the
 *       paths learned to be noisy and recent mismatches with where the answers differ</li>
 *   <li>{@code POST /drain}: stop accepting, finish in-flight exchanges; answers 202 at once</li>
 * </ul>
 */
final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private final AdminBackend backend;

    AdminHandler(AdminBackend backend) { this.backend = backend; }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        String uri = req.uri();
        int q = uri.indexOf('?');
        String path = q < 0 ? uri : uri.substring(0, q);
        boolean get = req.method().equals(HttpMethod.GET) || req.method().equals(HttpMethod.HEAD);
        FullHttpResponse r = switch (path) {
            case "/healthz" -> get ? text(200, "OK\n") : notAllowed("GET");
            case "/ready" -> !get ? notAllowed("GET") : backend.ready() ? text(200, "LIVE\n") : text(503, backend.notReady() + "\n");
            case "/config_dump" -> get ? json(SnapshotJson.write(backend.snapshot())) : notAllowed("GET");
            case "/stats/prometheus" -> get ? prometheus(backend.stats().prometheus()) : notAllowed("GET");
            case "/mtls" -> get ? json(backend.mtlsJson(minutes(uri))) : notAllowed("GET");
            case "/parallel-runs" -> get ? json(backend.parallelRunsJson()) : notAllowed("GET");
            case "/drain" -> {
                if (!req.method().equals(HttpMethod.POST)) yield notAllowed("POST");
                backend.drain();
                yield text(202, "draining\n");
            }
            default -> text(404, "unknown admin path; try /healthz /ready /config_dump /stats/prometheus /mtls /parallel-runs /drain\n");
        };
        boolean keepAlive = HttpUtil.isKeepAlive(req);
        HttpUtil.setKeepAlive(r, keepAlive);
        var f = ctx.writeAndFlush(r);
        if (!keepAlive) f.addListener(ChannelFutureListener.CLOSE);
    }

    private static int minutes(String uri) {
        var q = new io.netty.handler.codec.http.QueryStringDecoder(uri).parameters().get("minutes");
        try {
            return q == null || q.isEmpty() ? 15 : Math.max(1, Math.min(InboundPeers.MINUTES, Integer.parseInt(q.getFirst())));
        } catch (NumberFormatException e) {
            return 15;
        }
    }

    private static FullHttpResponse text(int status, String body) { return respond(status, "text/plain; charset=utf-8", body); }

    private static FullHttpResponse json(String body) { return respond(200, "application/json", body); }

    private static FullHttpResponse prometheus(String body) { return respond(200, "text/plain; version=0.0.4; charset=utf-8", body); }

    private static FullHttpResponse notAllowed(String allow) {
        FullHttpResponse r = text(405, "method not allowed\n");
        r.headers().set(HttpHeaderNames.ALLOW, allow);
        return r;
    }

    private static FullHttpResponse respond(int status, String type, String body) {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status), Unpooled.wrappedBuffer(b));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, type);
        r.headers().set(HttpHeaderNames.CONTENT_LENGTH, b.length);
        return r;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
