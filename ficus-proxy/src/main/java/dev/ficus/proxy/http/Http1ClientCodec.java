package dev.ficus.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.CombinedChannelDuplexHandler;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpStatusClass;
import java.util.ArrayDeque;
import java.util.List;

/**
 * ficus's upstream HTTP/1.1 codec: Netty's response decoder and request encoder, paired as Netty's
 * client codec pairs them (each response is read knowing its request's method: a HEAD's response
 * has no body, a 200 to CONNECT starts a tunnel), except that a request head decoded by ficus
 * ({@link Http1HeadHeaders}) is written by copying its untouched field lines as they arrived
 * instead of re-encoding every field. One instance per upstream connection, on its event loop.
 */
public final class Http1ClientCodec extends CombinedChannelDuplexHandler<HttpResponseDecoder, HttpRequestEncoder> {
    private final ArrayDeque<HttpMethod> methods = new ArrayDeque<>(4);
    /** A CONNECT was answered 200: what follows is the tunnel's bytes. */
    private boolean tunnel;

    public Http1ClientCodec(int maxInitialLineLength, int maxHeaderSize, int maxChunkSize) {
        init(new Decoder(new HttpDecoderConfig().setMaxInitialLineLength(maxInitialLineLength)
                .setMaxHeaderSize(maxHeaderSize).setMaxChunkSize(maxChunkSize)), new Encoder());
    }

    private final class Encoder extends HttpRequestEncoder {
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

    private final class Decoder extends HttpResponseDecoder {
        Decoder(HttpDecoderConfig config) { super(config); }

        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out) throws Exception {
            if (tunnel) {
                int readable = actualReadableBytes();
                if (readable > 0) out.add(buffer.readBytes(readable));
                return;
            }
            super.decode(ctx, buffer, out);
        }

        @Override
        protected boolean isContentAlwaysEmpty(HttpMessage msg) {
            HttpResponse r = (HttpResponse) msg;
            // an informational response answers no request yet
            if (r.status().codeClass() == HttpStatusClass.INFORMATIONAL) return super.isContentAlwaysEmpty(msg);
            HttpMethod m = methods.poll();
            if (HttpMethod.HEAD.equals(m)) return true;
            if (HttpMethod.CONNECT.equals(m) && r.status().code() == 200) {
                tunnel = true;
                methods.clear();
                return true;
            }
            return super.isContentAlwaysEmpty(msg);
        }
    }
}
