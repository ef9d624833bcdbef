package dev.ficus.control.registry;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpUtil;

/**
 * Mounts {@link RegistryApi} in a Netty HTTP server: place it after {@code HttpServerCodec} and
 * {@code HttpObjectAggregator(64 * 1024)}. Requests under {@value RegistryApi#PREFIX} are answered
 * here, on the event loop; any other request is passed on to the next handler, so the control
 * plane's other APIs can follow in the same pipeline. Sharable: one instance serves every channel.
 */
@io.netty.channel.ChannelHandler.Sharable
public final class RegistryApiHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private final RegistryApi api;

    public RegistryApiHandler(RegistryApi api) {
        super(FullHttpRequest.class, true);
        this.api = api;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (!RegistryApi.serves(request.uri())) {
            ctx.fireChannelRead(request.retain());
            return;
        }
        FullHttpResponse response = api.handle(request);
        boolean keepAlive = HttpUtil.isKeepAlive(request) && !request.decoderResult().isFailure();
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes());
        if (keepAlive) {
            if (!request.protocolVersion().isKeepAliveDefault()) {
                response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            }
            ctx.writeAndFlush(response);
        } else {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
