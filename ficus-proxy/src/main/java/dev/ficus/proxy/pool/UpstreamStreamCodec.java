package dev.ficus.proxy.pool;

import dev.ficus.proxy.http2.ExtensionHeaders;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import java.util.List;

/**
 * Netty's stream-to-HTTP/1 conversion on a stream of an upstream HTTP/2 connection (the
 * {@code h2-to-http} step of {@link Http2Connector}), without the {@code x-http2-*} fields it adds
 * to every response head: they would otherwise reach an HTTP/1.1 client
 * ({@code x-http2-stream-id: 3}). The downstream side drops them from requests the same way.
 * Trailers get none from the conversion and pass as they are. Runs on the connection's event loop.
 */
final class UpstreamStreamCodec extends Http2StreamFrameToHttpObjectCodec {
    UpstreamStreamCodec() {
        super(false);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, Http2StreamFrame frame, List<Object> out) throws Exception {
        int from = out.size();
        super.decode(ctx, frame, out);
        if (!(frame instanceof Http2HeadersFrame)) return; // DATA: no fields
        for (int i = from, n = out.size(); i < n; i++) {
            if (out.get(i) instanceof HttpResponse r) ExtensionHeaders.strip(r.headers()); // informational ones too
        }
    }
}
