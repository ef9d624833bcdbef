package dev.ficus.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.CombinedChannelDuplexHandler;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestEncoder;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;

/**
 * ficus's upstream HTTP/1.1 codec: {@link Http1ResponseDecoder} for responses and Netty's request
 * encoder, paired as Netty's client codec pairs them (each response is read knowing its request's
 * method: a HEAD's response has no body, a 200 to CONNECT starts a tunnel). A head decoded by ficus
 * ({@link Http1HeadHeaders}) is written by copying its untouched field lines as they arrived
 * instead of encoding every field again; a head and a small body go out as one buffer
 * ({@link OneBufferWrites}). One instance per upstream connection, on its event loop.
 */
public final class Http1ClientCodec extends CombinedChannelDuplexHandler<Http1ResponseDecoder, HttpRequestEncoder> {
    private final ArrayDeque<HttpMethod> methods = new ArrayDeque<>(4);
    /** A CONNECT was answered 200: what follows either way is the tunnel's bytes. */
    private boolean tunnel;

    /** @param maxStatusLine longest status line; @param maxHeaderSize largest header section; @param maxChunkSize largest body piece handed on at once */
    public Http1ClientCodec(int maxStatusLine, int maxHeaderSize, int maxChunkSize) {
        init(new Http1ResponseDecoder(new Http1Limits(maxStatusLine, maxHeaderSize, maxChunkSize, Duration.ZERO), this::answered), new Encoder());
    }

    private Http1ResponseDecoder.Answer answered(int status) {
        HttpMethod m = methods.poll();
        if (HttpMethod.HEAD.equals(m)) return Http1ResponseDecoder.Answer.NO_BODY;
        if (HttpMethod.CONNECT.equals(m) && status == 200) {
            tunnel = true;
            methods.clear();
            return Http1ResponseDecoder.Answer.TUNNEL;
        }
        return Http1ResponseDecoder.Answer.BODY;
    }

    private final class Encoder extends HttpRequestEncoder {
        private final OneBufferWrites writes = new OneBufferWrites(this::encode);

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
            if (promise.isVoid() && !tunnel && acceptOutboundMessage(msg)) {
                writes.write(ctx, msg);
                return;
            }
            writes.writeHeld(ctx);
            super.write(ctx, msg, promise);
        }

        @Override
        public void flush(ChannelHandlerContext ctx) {
            writes.flush(ctx);
        }

        @Override
        public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
            writes.close(ctx, promise);
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            writes.writeHeld(ctx);
        }

        @Override
        protected void encode(ChannelHandlerContext ctx, Object msg, List<Object> out) throws Exception {
            if (tunnel) {
                out.add(msg); // the encoder does not release what it passes on
                return;
            }
            if (msg instanceof HttpRequest r) methods.offer(r.method());
            super.encode(ctx, msg, out);
        }

        @Override
        protected void encodeHeaders(HttpHeaders headers, ByteBuf buf) {
            if (headers instanceof Http1HeadHeaders h) h.encode(buf);
            else super.encodeHeaders(headers, buf);
        }
    }
}
