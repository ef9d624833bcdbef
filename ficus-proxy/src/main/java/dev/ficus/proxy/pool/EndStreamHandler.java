package dev.ficus.proxy.pool;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpMessage;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.PromiseNotifier;
import java.nio.channels.ClosedChannelException;

/**
 * Sends a request without a body as one HEADERS frame with END_STREAM, as Envoy does, rather than
 * HEADERS and then an empty DATA frame that ends the stream: a next hop converting to HTTP/1.1
 * (Netty's codec, another ficus) took the open stream for a body of unknown length and gave the
 * app a {@code GET} with {@code transfer-encoding: chunked}.
 *
 * <p>The router writes a request as its head, then its body, whose last part always comes (empty
 * for a GET), and may flush in between. A head whose framing says there is no body (neither
 * {@code transfer-encoding} nor a {@code content-length} other than 0) waits here for that last
 * part, flushes or not, and both go down as one full message, which Netty's conversion frames
 * exactly: HEADERS with END_STREAM, or, should trailers come after all (an HTTP/2 client's
 * {@code content-length: 0} request with trailers), HEADERS and then the trailers. The last part
 * follows its head within the same read (an HTTP/1.1 head and its empty end are decoded together,
 * an HTTP/2 head that ends the stream is one message), so the head is not held back in practice.
 * Heads with a body pass at once, unchanged. The {@code h2-end-stream} step of an upstream HTTP/2
 * stream channel, on its connection's event loop.
 */
final class EndStreamHandler extends ChannelOutboundHandlerAdapter {
    private HttpRequest head;
    private ChannelPromise headPromise;

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (head != null && msg instanceof LastHttpContent last && !(msg instanceof HttpRequest)) {
            HttpRequest h = head;
            ChannelPromise hp = headPromise;
            head = null;
            headPromise = null;
            // the last part's buffer passes to the full message, which the conversion releases
            var full = new DefaultFullHttpRequest(h.protocolVersion(), h.method(), h.uri(), last.content(), h.headers(), last.trailingHeaders());
            if (hp.isVoid()) {
                ctx.write(full, promise);
            } else {
                ctx.write(full, hp);
                if (!promise.isVoid()) PromiseNotifier.cascade(hp, promise);
            }
            return;
        }
        sendHead(ctx); // not expected: a bodiless head is followed by its last part
        if (msg instanceof HttpRequest r && !(msg instanceof FullHttpMessage) && bodiless(r.headers())) {
            head = r;
            headPromise = promise;
            return;
        }
        ctx.write(msg, promise);
    }

    /** HTTP/1.1's framing (RFC 9112 section 6.3): without transfer-encoding and content-length, or with a length of 0, there is no body. */
    private static boolean bodiless(HttpHeaders h) {
        return !h.contains(HttpHeaderNames.TRANSFER_ENCODING)
                && (!h.contains(HttpHeaderNames.CONTENT_LENGTH) || h.containsValue(HttpHeaderNames.CONTENT_LENGTH, "0", false));
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        if (head != null) { // the exchange ended before the head left: the stream never opened
            head = null;
            headPromise.tryFailure(new ClosedChannelException());
            headPromise = null;
        }
        ctx.close(promise);
    }

    private void sendHead(ChannelHandlerContext ctx) {
        if (head == null) return;
        HttpRequest h = head;
        ChannelPromise hp = headPromise;
        head = null;
        headPromise = null;
        ctx.write(h, hp);
    }
}
