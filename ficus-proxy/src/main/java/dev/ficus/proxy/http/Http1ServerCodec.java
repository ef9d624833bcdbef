package dev.ficus.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.CombinedChannelDuplexHandler;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpStatusClass;

/**
 * ficus's downstream HTTP/1.x codec: {@link Http1RequestDecoder} for requests, Netty's response
 * encoder for responses (a head ficus decoded upstream, {@link Http1HeadHeaders}, is written by
 * copying its untouched field lines; a head and a small body go out as one buffer, see
 * {@link OneBufferWrites}). Like Netty's server codec it remembers each request's method in order, so
 * that the response to a HEAD carries no body whatever its fields say, and a 2xx to CONNECT no
 * Transfer-Encoding; more than {@value #MAX_PIPELINED} requests waiting for their responses close
 * the connection. One instance per connection, on its event loop.
 */
public final class Http1ServerCodec extends CombinedChannelDuplexHandler<Http1RequestDecoder, HttpResponseEncoder> {
    static final int MAX_PIPELINED = 128;
    private static final byte HEAD = 1, CONNECT = 2, OTHER = 3;

    /** Method flags of the requests waiting for a response, oldest first: a ring. */
    private final byte[] waiting = new byte[MAX_PIPELINED];
    private int first, size;

    public Http1ServerCodec(Http1Limits limits) {
        init(new Http1RequestDecoder(limits, this::requested), new ResponseEncoder());
    }

    private boolean requested(HttpMethod m) {
        if (size == MAX_PIPELINED) return false;
        waiting[(first + size++) % MAX_PIPELINED] = HttpMethod.HEAD.equals(m) ? HEAD : HttpMethod.CONNECT.equals(m) ? CONNECT : OTHER;
        return true;
    }

    /** The method flag of the request the next final response answers; 0 for a reply to no request (a refused head, a timeout). */
    private byte answered() {
        if (size == 0) return 0;
        byte m = waiting[first];
        first = (first + 1) % MAX_PIPELINED;
        size--;
        return m;
    }

    private final class ResponseEncoder extends HttpResponseEncoder {
        private final OneBufferWrites writes = new OneBufferWrites(this::encode);
        private byte method;

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
            if (promise.isVoid() && acceptOutboundMessage(msg)) {
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
        protected void encodeHeaders(HttpHeaders headers, ByteBuf buf) {
            if (headers instanceof Http1HeadHeaders h) h.encode(buf); // an upstream's head: its untouched lines as they arrived
            else super.encodeHeaders(headers, buf);
        }

        @Override
        protected boolean isContentAlwaysEmpty(HttpResponse msg) {
            // an informational response answers no request yet (a 101 ends the codec's part altogether)
            if (msg.status().codeClass() == HttpStatusClass.INFORMATIONAL) return super.isContentAlwaysEmpty(msg);
            method = answered();
            return method == HEAD || super.isContentAlwaysEmpty(msg);
        }

        @Override
        protected void sanitizeHeadersBeforeEncode(HttpResponse msg, boolean isAlwaysEmpty) {
            if (!isAlwaysEmpty && method == CONNECT && msg.status().codeClass() == HttpStatusClass.SUCCESS) {
                msg.headers().remove(HttpHeaderNames.TRANSFER_ENCODING); // a tunnel follows, not a body (RFC 9110 section 9.3.6)
                return;
            }
            super.sanitizeHeadersBeforeEncode(msg, isAlwaysEmpty);
        }
    }
}
