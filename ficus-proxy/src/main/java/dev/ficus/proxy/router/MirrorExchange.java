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
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One copy of a request to another cluster, sent once the primary request is complete and
 * buffered, on the primary's event loop and pools. A mirror (Istio's {@code mirror}) is fire and
 * forget: its response is read and dropped. A parallel run's copy hands its response to a
 * {@link Sink} as it streams by. Nothing here reports back to the primary exchange, so a slow or
 * dead copy can neither delay nor fail it. Only called on the event loop.
 */
final class MirrorExchange implements UpstreamListener, Runnable {
    /** The header that tells an app a request is a parallel run's copy; its value is the Rollout's id. */
    static final AsciiString PARALLEL_RUN = AsciiString.cached("x-ficus-parallel-run");

    /**
     * Receives a copy's answer, on the event loop of the copy; exactly one of {@link #end} and
     * {@link #failed} is called, last.
     */
    interface Sink {
        /** The final (non-1xx) response head. */
        void head(HttpResponse r);

        /** Body bytes; the buffer is not retained (it is released after the call). */
        void content(ByteBuf b);

        /** The answer ended. */
        void end();

        /** No whole answer: the cluster had no endpoint, the connection failed or closed, or the timeout passed. */
        void failed(boolean timedOut);
    }

    private final ClusterRuntime cluster;
    private final HttpRequest head;
    private final ByteBuf body; // owned; released once written or dropped
    private final long timeoutNanos;
    private final Sink sink;
    private EndpointRef endpoint;
    private UpstreamConnection conn;
    private ScheduledFuture<?> timer;
    private boolean keepAlive;
    private boolean informational;
    private boolean done;

    private MirrorExchange(ClusterRuntime cluster, HttpRequest head, ByteBuf body, long timeoutNanos, Sink sink) {
        this.cluster = cluster;
        this.head = head;
        this.body = body;
        this.timeoutNanos = timeoutNanos;
        this.sink = sink;
    }

    /**
     * Starts a mirror of {@code primary} (already prepared for the upstream) to {@code cluster},
     * with Istio's shadow authority.
     *
     * @param body the whole request body, retained for the mirror (ownership passes), or null
     */
    static void start(LoopPools pools, ClusterRuntime cluster, HttpRequest primary, ByteBuf body, long timeoutNanos) {
        HttpHeaders h = primary.headers().copy();
        String host = h.get(HttpHeaderNames.HOST);
        if (host != null) h.set(HttpHeaderNames.HOST, shadow(host));
        send(pools, cluster, primary, h, body, timeoutNanos, null);
    }

    /**
     * Sends a parallel run's copy of {@code primary} to {@code cluster} and hands its answer to
     * {@code sink}. The authority stays the primary's, so that answers that depend on it compare
     * equal; {@code x-ficus-parallel-run} (the Rollout's id) tells the app it serves a copy.
     *
     * @param body the whole request body, retained for the copy (ownership passes), or null
     */
    static void copy(LoopPools pools, ClusterRuntime cluster, HttpRequest primary, ByteBuf body, long timeoutNanos, String runId, Sink sink) {
        HttpHeaders h = primary.headers().copy();
        h.set(PARALLEL_RUN, runId);
        send(pools, cluster, primary, h, body, timeoutNanos, sink);
    }

    private static void send(LoopPools pools, ClusterRuntime cluster, HttpRequest primary, HttpHeaders h, ByteBuf body, long timeoutNanos, Sink sink) {
        EndpointRef ep = cluster.picker().pick();
        if (ep == null) {
            if (body != null) body.release();
            if (sink != null) sink.failed(false);
            return;
        }
        h.remove(HttpHeaderNames.TRANSFER_ENCODING);
        h.set(HttpHeaderNames.CONTENT_LENGTH, body == null ? 0 : body.readableBytes());
        if (body == null) h.remove(HttpHeaderNames.CONTENT_LENGTH);
        HttpRequest copy = new DefaultHttpRequest(HttpVersion.HTTP_1_1, primary.method(), primary.uri(), h);
        MirrorExchange m = new MirrorExchange(cluster, copy, body, timeoutNanos, sink);
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
        fail(false);
    }

    @Override
    public void onUpstreamRead(Object msg) {
        if (msg instanceof HttpResponse r) {
            int code = r.status().code();
            informational = code >= 100 && code < 200 && code != 101;
            if (!informational) {
                keepAlive = HttpUtil.isKeepAlive(r) && code >= 200;
                if (sink != null && !done) sink.head(r);
            }
        }
        if (sink != null && !done && !informational && msg instanceof HttpContent c) sink.content(c.content());
        boolean last = msg instanceof LastHttpContent;
        ReferenceCountUtil.release(msg);
        if (last && informational) {
            informational = false; // a 100 Continue ended; the answer follows
            return;
        }
        if (last && !done) {
            UpstreamConnection c = conn;
            conn = null;
            if (keepAlive) c.pool().release(c, cluster.config().limits());
            else c.close();
            if (sink != null) sink.end();
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
        fail(false);
    }

    /** The copy took longer than the primary's timeout: give up on it. */
    @Override
    public void run() {
        timer = null;
        if (conn != null) {
            conn.close();
            conn = null;
        }
        fail(true);
    }

    private void fail(boolean timedOut) {
        if (done) return;
        if (sink != null) sink.failed(timedOut);
        finish();
    }

    private void finish() {
        if (done) return;
        done = true;
        if (timer != null) timer.cancel(false);
        endpoint.requestFinished();
    }
}
