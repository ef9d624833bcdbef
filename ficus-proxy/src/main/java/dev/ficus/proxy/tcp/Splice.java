package dev.ficus.proxy.tcp;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import dev.ficus.proxy.http.Deadline;
import dev.ficus.proxy.tls.MeshTls;
import java.time.Duration;

/**
 * Joins two channels of one event loop byte for byte: what a TCP route does, and what an HTTP/1.1
 * exchange becomes after {@code 101 Switching Protocols}. Backpressure as in Netty's proxy example:
 * both channels run with AUTO_READ off and a side is read again only once its last read was
 * written to the other side. A side whose input ends shuts the other's output (half-close; on a
 * TLS side after a {@code close_notify}), and both close when both inputs ended or either channel closes.
 *
 * <p>An idle timeout (DestinationRule's {@code tcp.idleTimeout}, one hour unless set) closes both
 * channels when no byte moved either way for that long; a read only stores the new deadline, and
 * one timer task per splice follows it (see {@link Deadline}).
 *
 * <p>Only called on the channels' shared event loop; the handlers it adds are named {@code splice}
 * and sit last in each pipeline.
 */
public final class Splice {
    private final Channel a;
    private final Channel b;
    private boolean aInputDone;
    private boolean bInputDone;
    private dev.ficus.proxy.telemetry.IstioMetrics.TcpSeries counters; // a is the downstream side
    private long idleNanos;
    private Deadline idle;

    private Splice(Channel a, Channel b) {
        this.a = a;
        this.b = b;
    }

    /**
     * Adds a {@code splice} handler to both pipelines; the caller removes whatever protocol
     * handlers sit before it, then calls {@link #start()}. Bytes that a removed decoder still held
     * reach the splice handler and are relayed.
     */
    public static Splice join(Channel a, Channel b) {
        Splice s = new Splice(a, b);
        a.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        b.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        a.pipeline().addLast("splice", s.new Side(true));
        b.pipeline().addLast("splice", s.new Side(false));
        return s;
    }

    /**
     * Turns an HTTP/1.1 exchange that got {@code 101 Switching Protocols} (or a CONNECT's 200) into
     * a splice: every handler of both pipelines but {@code track} and {@code tls} is replaced by the
     * splice. The TLS handlers stay: the tunnel's bytes keep their mesh mTLS or originated TLS on
     * either side. Called by the router once the answer was written downstream, on the shared
     * event loop.
     */
    public static void afterUpgrade(Channel downstream, Channel upstream, Duration idleTimeout) {
        Splice s = join(downstream, upstream).idleTimeout(idleTimeout);
        for (String name : downstream.pipeline().names()) {
            if (!name.equals("track") && !name.equals("tls") && !name.equals("splice") && downstream.pipeline().context(name) != null) downstream.pipeline().remove(name);
        }
        for (String name : upstream.pipeline().names()) {
            if (!name.equals("tls") && !name.equals("splice") && upstream.pipeline().context(name) != null) upstream.pipeline().remove(name);
        }
        s.start();
    }

    /** Counts the bytes of both directions into Istio's TCP metrics ({@code a} is the downstream side); before {@link #start()}. */
    public Splice count(dev.ficus.proxy.telemetry.IstioMetrics.TcpSeries t) {
        this.counters = t;
        return this;
    }

    /** Closes both sides after {@code timeout} without a byte either way; zero disables. Before {@link #start()}. */
    public Splice idleTimeout(Duration timeout) {
        this.idleNanos = timeout.toNanos();
        return this;
    }

    /** Starts reading both sides. */
    public void start() {
        if (!a.isActive() || !b.isActive()) {
            closeBoth();
            return;
        }
        if (idleNanos > 0) {
            idle = new Deadline(a.eventLoop(), this::idleExpired);
            idle.arm(idleNanos);
            a.closeFuture().addListener(x -> idle.cancel());
        }
        readIfOpen(a);
        readIfOpen(b);
    }

    /** Reads unless the input already ended: epoll refuses to watch a socket whose input is shut down. */
    private static void readIfOpen(Channel ch) {
        if (ch.isActive() && !(ch instanceof DuplexChannel d && d.isInputShutdown())) ch.read();
    }

    /** One side's input ended (its peer half-closed): shut the other side's output, or close both when both ended. */
    public void inputEnded(Channel side) {
        boolean isA = side == a;
        if (isA) {
            if (aInputDone) return;
            aInputDone = true;
        } else {
            if (bInputDone) return;
            bInputDone = true;
        }
        if (aInputDone && bInputDone) {
            closeBoth();
            return;
        }
        Channel peer = isA ? b : a;
        if (peer instanceof DuplexChannel d && peer.isActive()) {
            SslHandler tls = peer.pipeline().get(SslHandler.class);
            if (tls == null || MeshTls.ALPN_MESH.equals(tls.applicationProtocol())) {
                // plaintext, or mesh mTLS to another ficus proxy: there the FIN alone is the half-close, as Netty's
                // OpenSSL engine ends both directions on a close_notify it receives (the answer could not come back)
                peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> shutdownOutputWhenFlushed(d));
            } else { // any other TLS peer is told with close_notify after the last record, then gets the FIN: a bare FIN reads as truncation
                peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> closeNotifyThenShutdown(tls, d));
            }
        } else {
            closeBoth();
        }
    }

    /**
     * Sends TLS {@code close_notify} once nothing is queued before it, then shuts the output down;
     * the TLS session keeps reading, so the other direction flows on until its own end (TLS 1.3
     * half-close; a TLS 1.2 peer answers with its own close_notify and closes).
     */
    private static void closeNotifyThenShutdown(SslHandler tls, DuplexChannel d) {
        if (!d.isActive()) return;
        ChannelOutboundBuffer pending = d.unsafe().outboundBuffer();
        if (pending != null && !pending.isEmpty()) {
            d.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> closeNotifyThenShutdown(tls, d));
            return;
        }
        tls.closeOutbound().addListener(f -> shutdownOutputWhenFlushed(d));
    }

    /**
     * Shuts the output down only once nothing is queued for it: Netty drops whatever is still in a
     * channel's outbound buffer when its output is shut down, and the tail of a large transfer may
     * still sit there while the socket is full.
     */
    private static void shutdownOutputWhenFlushed(DuplexChannel d) {
        if (!d.isActive()) return;
        ChannelOutboundBuffer pending = d.unsafe().outboundBuffer();
        if (pending != null && !pending.isEmpty()) {
            d.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> shutdownOutputWhenFlushed(d));
            return;
        }
        d.shutdownOutput();
    }

    private void idleExpired() {
        if (a.isActive() || b.isActive()) closeBoth();
    }

    private void closeBoth() {
        closeAfterFlush(a);
        closeAfterFlush(b);
    }

    private static void closeAfterFlush(Channel ch) {
        if (ch.isActive()) ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        else ch.close();
    }

    private final class Side extends ChannelInboundHandlerAdapter {
        private final boolean isA;

        Side(boolean isA) { this.isA = isA; }

        private Channel peer() { return isA ? b : a; }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            Channel peer = peer();
            if (!peer.isActive()) {
                ReferenceCountUtil.release(msg);
                ctx.close();
                return;
            }
            if (idle != null) idle.arm(idleNanos);
            if (counters != null && msg instanceof io.netty.buffer.ByteBuf buf) {
                if (isA) counters.received(buf.readableBytes());
                else counters.sent(buf.readableBytes());
            }
            peer.writeAndFlush(msg).addListener(f -> {
                if (f.isSuccess()) {
                    readIfOpen(ctx.channel());
                } else {
                    closeBoth();
                }
            });
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            // the next read is issued when the write completes: one read in flight per side
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) {
                inputEnded(ctx.channel());
                return;
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            closeAfterFlush(peer());
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // a failed read must not drop what is still queued for this side: write it, then close both
            closeBoth();
        }
    }
}
