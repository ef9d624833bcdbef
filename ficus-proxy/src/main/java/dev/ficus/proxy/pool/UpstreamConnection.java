package dev.ficus.proxy.pool;

import dev.ficus.proxy.http.Deadline;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.util.ReferenceCountUtil;

/**
 * The last handler of an upstream channel: relays events to the exchange leasing the connection,
 * and closes the connection when an idle one receives anything (a response nobody asked for).
 * Runs on the event loop the connection was registered on.
 */
public final class UpstreamConnection extends ChannelInboundHandlerAdapter {
    private final EndpointPool pool;
    private Channel channel;
    private UpstreamListener listener;
    private int requests;
    private Deadline idle;
    private long openedAt;
    /** For a stream of an HTTP/2 connection, that connection until the stream ends (its slot is given back once). */
    Http2Connector.Connection stream;
    /** How the upstream reset this stream: an RST_STREAM error code (REFUSED_STREAM for one a GOAWAY left unprocessed), or -1. */
    private long resetCode = -1;

    UpstreamConnection(EndpointPool pool) { this.pool = pool; }

    public Channel channel() { return channel; }

    public EndpointPool pool() { return pool; }

    /** Requests sent over this connection so far. */
    public int requests() { return requests; }

    void lease(UpstreamListener l) {
        listener = l;
        requests++;
        if (idle != null) idle.disarm();
    }

    /** Closes the connection if it is still unleased after {@code nanos}; 0 disables the limit. */
    void idleFor(long nanos) {
        if (nanos <= 0) return;
        if (idle == null) idle = new Deadline(channel.eventLoop(), () -> { if (listener == null) channel.close(); });
        idle.arm(nanos);
    }

    void unlease() { listener = null; }

    /** Closes the connection; the current lease ends without further events. */
    public void close() {
        listener = null;
        channel.close();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        openedAt = System.nanoTime();
    }

    /** How long ago this connection was set up (its pipeline built, just before the connect). */
    long ageNanos() { return System.nanoTime() - openedAt; }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        UpstreamListener l = listener;
        if (l != null) {
            l.onUpstreamRead(msg);
        } else {
            ReferenceCountUtil.release(msg);
            ctx.close();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        UpstreamListener l = listener;
        if (l != null) l.onUpstreamReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        UpstreamListener l = listener;
        if (l != null) l.onUpstreamWritabilityChanged(ctx.channel().isWritable());
    }

    /**
     * On a stream channel, Netty's multiplexer tells of the server's RST_STREAM and, for a stream
     * above a GOAWAY's last-stream-id (which the server never processed), of that GOAWAY, both
     * just before the stream closes. The close then reports a reset rather than a plain close.
     */
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof Http2ResetFrame r) {
            resetCode = r.errorCode();
        } else if (evt instanceof Http2GoAwayFrame) {
            resetCode = Http2Error.REFUSED_STREAM.code(); // as nghttp2 (and so Envoy) closes such streams
        } else {
            ctx.fireUserEventTriggered(evt);
            return;
        }
        ReferenceCountUtil.release(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (idle != null) idle.cancel();
        pool.closed(this);
        UpstreamListener l = listener;
        listener = null;
        if (l == null) return;
        if (resetCode >= 0) l.onUpstreamReset(resetCode == Http2Error.REFUSED_STREAM.code());
        else l.onUpstreamClosed();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close(); // channelInactive tells the listener
    }
}
