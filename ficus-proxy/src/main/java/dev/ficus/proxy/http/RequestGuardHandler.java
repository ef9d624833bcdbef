package dev.ficus.proxy.http;

import dev.ficus.proxy.telemetry.TrafficStats;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import java.util.Iterator;

/**
 * Sits right after the HTTP/1.1 codec ({@link Http1ServerCodec}) and turns what it refused into a local reply:
 * oversized header section → 431, any other framing error (oversized request line, Content-Length
 * with Transfer-Encoding, differing Content-Lengths, bad characters, obsolete line folding, no Host or two) → 400, and
 * a request head that does not arrive within the deadline → 408. Each closes the connection:
 * after a framing error the byte stream can no longer be trusted. A framing error in the body of a
 * request whose head already went on (a malformed chunk size) is passed to the router, which
 * answers it as part of that exchange. One instance per connection, on its event loop.
 */
public final class RequestGuardHandler extends ChannelDuplexHandler {
    private final long headersTimeoutNanos;
    private final TrafficStats stats;
    private Deadline deadline;
    private int inFlight;
    private boolean failed;

    public RequestGuardHandler(Http1Limits limits, TrafficStats stats) {
        this.headersTimeoutNanos = limits.requestHeadersTimeout().toNanos();
        this.stats = stats;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        deadline = new Deadline(ctx.channel().eventLoop(), () -> timedOut(ctx));
        if (headersTimeoutNanos > 0) deadline.arm(headersTimeoutNanos);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (failed) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpRequest req) {
            deadline.disarm();
            int status = refusal(req);
            if (status != 0) {
                ReferenceCountUtil.release(msg);
                fail(ctx, status, ResponseFlag.DPE);
                return;
            }
            inFlight++;
        } else if (msg instanceof HttpContent c) {
            if (c.decoderResult().isFailure()) {
                if (inFlight > 0) {
                    // a forwarded request's body broke framing (a bad chunk size ...): the router
                    // knows whether its response started, so it answers 400 DPE or closes, and counts it
                    failed = true;
                    ctx.fireChannelRead(msg);
                    return;
                }
                ReferenceCountUtil.release(msg);
                fail(ctx, 400, ResponseFlag.DPE);
                return;
            }
        }
        ctx.fireChannelRead(msg);
    }

    /**
     * RFC 9112 section 3.2: a request target is an absolute path (origin form), an absolute URI
     * ({@code http://host/path}, to a forward proxy), {@code *} for OPTIONS, or an authority for
     * CONNECT (checked when the tunnel is routed). Anything else ({@code GET a}) names no resource.
     */
    static boolean targetForm(HttpMethod method, String uri) {
        if (uri.isEmpty()) return false;
        char c = uri.charAt(0);
        if (c == '/') return true;
        if (method == HttpMethod.CONNECT) return true;
        if (uri.length() == 1 && c == '*') return method == HttpMethod.OPTIONS;
        int scheme = uri.indexOf("://");
        return scheme > 0 && ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
    }

    /** The status to refuse a request head with, or 0 to let it pass. */
    static int refusal(HttpRequest req) {
        DecoderResult r = req.decoderResult();
        if (r.isFailure()) return r.cause() instanceof TooLongHttpHeaderException ? 431 : 400;
        if (!targetForm(req.method(), req.uri())) return 400;
        Iterator<? extends CharSequence> hosts = req.headers().valueCharSequenceIterator(HttpHeaderNames.HOST);
        if (!hosts.hasNext()) return req.protocolVersion() == HttpVersion.HTTP_1_1 ? 400 : 0;
        hosts.next();
        return hosts.hasNext() ? 400 : 0; // two Host headers: which one is meant is ambiguous (RFC 9112 3.2)
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == ExchangeEvent.IDLE) {
            if (--inFlight <= 0) {
                inFlight = 0;
                if (headersTimeoutNanos > 0 && !failed) deadline.arm(headersTimeoutNanos);
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    private void timedOut(ChannelHandlerContext ctx) {
        if (failed || inFlight > 0 || !ctx.channel().isActive()) return;
        fail(ctx, 408, ResponseFlag.RT);
    }

    private void fail(ChannelHandlerContext ctx, int status, ResponseFlag flag) {
        failed = true;
        stats.request();
        stats.response(status, flag);
        if (inFlight > 0) {
            // a response is still being written for an earlier request: it cannot be followed by ours
            ctx.close();
            return;
        }
        ctx.writeAndFlush(LocalReply.of(ctx.alloc(), status, flag, null, true)).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        deadline.cancel();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
