package dev.ficus.testing;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A test backend that answers HTTP/1.1 and h2c (prior knowledge) on one port, each with the
 * protocol it saw as the body, and counts the streams each connection carries at once. It can
 * hold every answer until {@link #release()}, so that a test sees how many exchanges the proxy
 * runs at the same time, and advertise a SETTINGS_MAX_CONCURRENT_STREAMS of its own. On h2c it
 * can refuse streams (RST_STREAM with REFUSED_STREAM) and send a GOAWAY with a chosen
 * last-stream-id.
 */
public final class ProtocolBackend implements AutoCloseable {
    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    /** One accepted connection: the protocol it speaks and the exchanges it carried. */
    public static final class Conn {
        private final String protocol;
        private final AtomicInteger active = new AtomicInteger();
        private final AtomicInteger maxActive = new AtomicInteger();
        private final AtomicInteger served = new AtomicInteger();
        private final List<Integer> streamIds = new CopyOnWriteArrayList<>();
        private volatile Channel channel;
        private volatile boolean closed;

        Conn(String protocol) { this.protocol = protocol; }

        /** HTTP/2: the ids of the streams whose request arrived (refused ones included), in order. */
        public List<Integer> streamIds() { return List.copyOf(streamIds); }

        /** Whether the connection has closed. */
        public boolean closed() { return closed; }

        /** {@code HTTP/2} or {@code HTTP/1.1}. */
        public String protocol() { return protocol; }

        /** The most exchanges (streams) this connection carried at once. */
        public int maxActive() { return maxActive.get(); }

        /** Exchanges answered on this connection. */
        public int served() { return served.get(); }
    }

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel server;
    private final int maxConcurrentStreams;
    private final List<Conn> connections = new CopyOnWriteArrayList<>();
    private final AtomicInteger active = new AtomicInteger();
    private volatile CompletableFuture<Void> hold = CompletableFuture.completedFuture(null);
    private final AtomicInteger toRefuse = new AtomicInteger();
    private final AtomicInteger refused = new AtomicInteger();

    /** @param maxConcurrentStreams what the h2 SETTINGS frame advertises; 0 for no limit */
    public ProtocolBackend(int maxConcurrentStreams) throws InterruptedException {
        this.maxConcurrentStreams = maxConcurrentStreams;
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new Detect());
                    }
                })
                .bind("127.0.0.1", 0).sync().channel();
    }

    public int port() { return ((java.net.InetSocketAddress) server.localAddress()).getPort(); }

    /** Accepted connections, in order. */
    public List<Conn> connections() { return List.copyOf(connections); }

    /** Exchanges received and not answered yet, across connections. */
    public int active() { return active.get(); }

    /** From now on, answers wait for {@link #release()}. */
    public void holdAnswers() { hold = new CompletableFuture<>(); }

    /** Sends every held answer, and answers at once from now on. */
    public void release() { hold.complete(null); }

    /** The next {@code n} HTTP/2 requests are answered with RST_STREAM REFUSED_STREAM instead of a response. */
    public void refuseStreams(int n) { toRefuse.set(n); }

    /** HTTP/2 streams refused so far. */
    public int refused() { return refused.get(); }

    /**
     * Sends a GOAWAY (NO_ERROR) with {@code lastStreamId} on an HTTP/2 connection: the streams above
     * it are dropped unanswered, as a server does that never processed them; the others still get
     * their answers, then the connection closes.
     */
    public void goAway(Conn conn, int lastStreamId) {
        Channel ch = conn.channel;
        ch.eventLoop().submit(() -> {
            var ctx = ch.pipeline().context("h2");
            ((Http2FrameCodec) ctx.handler()).goAway(ctx, lastStreamId, Http2Error.NO_ERROR.code(), Unpooled.EMPTY_BUFFER, ctx.newPromise());
            ctx.flush();
        }).syncUninterruptibly();
    }

    @Override
    public void close() {
        release();
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** h2c prior knowledge when the connection starts with the HTTP/2 preface, else HTTP/1.1. */
    private final class Detect extends ByteToMessageDecoder {
        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
            int n = Math.min(in.readableBytes(), PREFACE.length);
            boolean h2 = true;
            for (int i = 0; i < n && h2; i++) h2 = in.getByte(in.readerIndex() + i) == PREFACE[i];
            if (h2 && n < PREFACE.length) return; // wait for the whole preface
            var p = ctx.pipeline();
            if (h2) {
                Conn conn = new Conn("HTTP/2");
                conn.channel = ctx.channel();
                ctx.channel().closeFuture().addListener(x -> conn.closed = true);
                connections.add(conn);
                Http2Settings settings = Http2Settings.defaultSettings();
                if (maxConcurrentStreams > 0) settings.maxConcurrentStreams(maxConcurrentStreams);
                p.addAfter(ctx.name(), "h2", Http2FrameCodecBuilder.forServer().initialSettings(settings).build());
                p.addAfter("h2", "mux", new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
                    @Override
                    protected void initChannel(Http2StreamChannel ch) {
                        ch.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(true), new HttpObjectAggregator(1 << 20), new Answer(conn));
                    }
                }));
            } else {
                Conn conn = new Conn("HTTP/1.1");
                conn.channel = ctx.channel();
                ctx.channel().closeFuture().addListener(x -> conn.closed = true);
                connections.add(conn);
                p.addAfter(ctx.name(), "codec", new HttpServerCodec());
                p.addAfter("codec", "agg", new HttpObjectAggregator(1 << 20));
                p.addAfter("agg", "answer", new Answer(conn));
            }
            p.remove(this); // what was read so far goes on to the new handlers
        }
    }

    /** Counts the exchange, then answers with the protocol (at once, or once released). */
    private final class Answer extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final Conn conn;

        Answer(Conn conn) { this.conn = conn; }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            if (ctx.channel() instanceof Http2StreamChannel s) {
                conn.streamIds.add(s.stream().id());
                if (toRefuse.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                    refused.incrementAndGet();
                    ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.REFUSED_STREAM));
                    return;
                }
            }
            int now = conn.active.incrementAndGet();
            conn.maxActive.accumulateAndGet(now, Math::max);
            active.incrementAndGet();
            hold.thenRun(() -> ctx.executor().execute(() -> {
                conn.active.decrementAndGet();
                active.decrementAndGet();
                if (!ctx.channel().isActive()) return; // a stream a GOAWAY dropped: nobody to answer
                conn.served.incrementAndGet();
                FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                        Unpooled.copiedBuffer(conn.protocol, StandardCharsets.US_ASCII));
                r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, r.content().readableBytes());
                ctx.writeAndFlush(r);
            }));
        }
    }
}
