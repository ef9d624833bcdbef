package dev.ficus.proxy.router;

import dev.ficus.proxy.cluster.ClusterRuntime;
import dev.ficus.proxy.lb.EndpointRef;
import dev.ficus.proxy.pool.LoopPools;
import dev.ficus.proxy.pool.UpstreamConnection;
import dev.ficus.proxy.pool.UpstreamListener;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One fire-and-forget copy of a request to a mirror cluster (Istio's {@code mirror}): sent once
 * the primary request is complete and buffered, on the primary's event loop and pools; its
 * response is read and dropped. Nothing here reports back to the primary exchange, so a slow or
 * dead mirror can neither delay nor fail it. Only called on the event loop.
 */
final class MirrorExchange implements UpstreamListener, Runnable {
    private final ClusterRuntime cluster;
    private final HttpRequest head;
    private final ByteBuf body; // owned; released once written or dropped
    private final long timeoutNanos;
    private EndpointRef endpoint;
    private UpstreamConnection conn;
    private ScheduledFuture<?> timer;
    private boolean keepAlive;
    private boolean done;

    private MirrorExchange(ClusterRuntime cluster, HttpRequest head, ByteBuf body, long timeoutNanos) {
        this.cluster = cluster;
        this.head = head;
        this.body = body;
        this.timeoutNanos = timeoutNanos;
    }

    /**
     * Starts a mirror of {@code primary} (already prepared for the upstream) to {@code cluster}.
     *
     * @param body the whole request body, retained for the mirror (ownership passes), or null
     */
    static void start(LoopPools pools, ClusterRuntime cluster, HttpRequest primary, ByteBuf body, long timeoutNanos) {
        EndpointRef ep = cluster.picker().pick();
        if (ep == null) {
            if (body != null) body.release();
            return;
        }
        HttpHeaders h = primary.headers().copy();
        String host = h.get(HttpHeaderNames.HOST);
        if (host != null) h.set(HttpHeaderNames.HOST, shadow(host));
        h.remove(HttpHeaderNames.TRANSFER_ENCODING);
        h.set(HttpHeaderNames.CONTENT_LENGTH, body == null ? 0 : body.readableBytes());
        if (body == null) h.remove(HttpHeaderNames.CONTENT_LENGTH);
        HttpRequest copy = new DefaultHttpRequest(HttpVersion.HTTP_1_1, primary.method(), primary.uri(), h);
        MirrorExchange m = new MirrorExchange(cluster, copy, body, timeoutNanos);
        m.endpoint = ep;
        ep.requestStarted();
        var pool = pools.pool(ep);
        UpstreamConnection c = pool.poll(m);
        if (c != null) m.onUpstreamConnected(c);
        else pool.connect(cluster.config(), m);
    }

    /** Istio's shadow authority: {@code -shadow} after the host name, before any port. */
    static String shadow(String authority) {
        int colon = authority.lastIndexOf(':');
        if (colon > 0 && authority.indexOf(']') < colon) return authority.substring(0, colon) + "-shadow" + authority.substring(colon);
        return authority + "-shadow";
    }

    @Override
    public void onUpstreamConnected(UpstreamConnection c) {
        conn = c;
        Channel ch = c.channel();
        ch.write(head, ch.voidPromise());
        LastHttpContent last = body == null ? LastHttpContent.EMPTY_LAST_CONTENT : new DefaultLastHttpContent(body);
        ch.writeAndFlush(last, ch.voidPromise());
        ch.read();
        if (timeoutNanos > 0) timer = ch.eventLoop().schedule(this, timeoutNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void onUpstreamConnectFailed(Throwable cause) {
        if (body != null) body.release();
        finish();
    }

    @Override
    public void onUpstreamRead(Object msg) {
        if (msg instanceof HttpResponse r) keepAlive = HttpUtil.isKeepAlive(r) && r.status().code() >= 200;
        boolean last = msg instanceof LastHttpContent;
        ReferenceCountUtil.release(msg);
        if (last && !done) {
            UpstreamConnection c = conn;
            conn = null;
            if (keepAlive) c.pool().release(c, cluster.config().limits().idleTimeout());
            else c.close();
            finish();
        }
    }

    @Override
    public void onUpstreamReadComplete() {
        if (conn != null) conn.channel().read();
    }

    @Override
    public void onUpstreamWritabilityChanged(boolean writable) {}

    @Override
    public void onUpstreamClosed() {
        conn = null;
        finish();
    }

    /** The mirror took longer than the primary's timeout: give up on it. */
    @Override
    public void run() {
        timer = null;
        if (conn != null) {
            conn.close();
            conn = null;
        }
        finish();
    }

    private void finish() {
        if (done) return;
        done = true;
        if (timer != null) timer.cancel(false);
        endpoint.requestFinished();
    }
}
