package dev.ficus.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayList;
import java.util.List;

/**
 * Makes an upstream {@code 101 Switching Protocols} end at its head (RFC 9110 section 15.2.2:
 * the bytes after it are the new protocol's). Netty's client codec reads a body after a 101 that
 * says {@code Upgrade: websocket} without {@code Sec-WebSocket-Accept} (a Hixie-76 handshake: 16
 * bytes, or up to the connection's end), so the exchange would never end and the router would never
 * turn it into a splice. Here the end of a 101 is the end of the read that carried its head: an
 * empty last content is passed on then, and whatever the codec decoded after the head (a body, its
 * own end, raw bytes) is passed on after it as plain bytes, which by then reach the splice.
 *
 * <p>Sits right after the codec of an upstream HTTP/1.1 connection; one instance per connection,
 * called on its event loop. Only a 101 changes anything; other responses pass through untouched.
 */
public final class SwitchingProtocolsHandler extends ChannelInboundHandlerAdapter {
    /** A 101 head was passed on; what follows is the new protocol's. */
    private boolean switched;
    /** The 101's end was passed on. */
    private boolean ended;
    /** Bytes decoded after the 101's head in the read that carried it, held until its end is passed on. */
    private List<ByteBuf> held;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!switched) {
            if (msg instanceof HttpResponse r && r.status().code() == 101 && r.decoderResult().isSuccess()) switched = true;
            ctx.fireChannelRead(msg);
            return;
        }
        ByteBuf bytes = msg instanceof ByteBuf b ? b : msg instanceof HttpContent c ? c.content() : null;
        if (bytes == null) { // not expected after a 101: nothing of the new protocol
            ReferenceCountUtil.release(msg);
            return;
        }
        if (!bytes.isReadable()) { // e.g. the codec's own end of a 101 it read no body for
            bytes.release();
            return;
        }
        if (ended) {
            ctx.fireChannelRead(bytes);
            return;
        }
        if (held == null) held = new ArrayList<>(2);
        held.add(bytes);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (switched && !ended) {
            ended = true;
            List<ByteBuf> h = held; // taken first: the end makes the router remove this handler
            held = null;
            ctx.fireChannelRead(LastHttpContent.EMPTY_LAST_CONTENT);
            if (h != null) {
                for (ByteBuf b : h) ctx.fireChannelRead(b);
            }
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        // removed before the read ended (the connection closed): what was held goes nowhere
        if (held != null) {
            for (ByteBuf b : held) b.release();
            held = null;
        }
    }
}
