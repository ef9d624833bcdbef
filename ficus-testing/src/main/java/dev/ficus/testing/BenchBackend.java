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
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A real HTTP/1.1 keep-alive server on 127.0.0.1, port 0, for load-generator tests: answers every
 * request with a fixed status and body, and can pause like a process in a garbage-collection
 * stop: for {@code stallLength} at the start of every {@code stallPeriod} it answers nothing, then
 * answers everything that arrived during the pause at once.
 *
 * <p>One event loop thread serves all connections; close it to free the port.
 */
public final class BenchBackend implements AutoCloseable {
    private final EventLoopGroup group;
    private final Channel server;
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong requestBodyBytes = new AtomicLong();
    private final long startNanos = System.nanoTime();
    private final byte[] body;
    private final HttpResponseStatus status;
    private final long stallPeriodNanos;
    private final long stallLengthNanos;

    private BenchBackend(Builder b) throws InterruptedException {
        this.body = new byte[b.bodySize];
        Arrays.fill(body, (byte) 'x');
        this.status = HttpResponseStatus.valueOf(b.status);
        this.stallPeriodNanos = b.stallPeriod.toNanos();
        this.stallLengthNanos = b.stallLength.toNanos();
        this.group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("bench-backend", true),
                NioIoHandler.newFactory());
        this.server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(64 * 1024 * 1024),
                                new Responder());
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A backend answering 200 with a 1 KiB body, never pausing. */
    public static BenchBackend start() throws InterruptedException {
        return builder().start();
    }

    public int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    /** {@code http://127.0.0.1:PORT/} */
    public URI uri() {
        return URI.create("http://127.0.0.1:" + port() + "/");
    }

    /** Requests answered or waiting to be answered so far. */
    public long requests() {
        return requests.get();
    }

    /** Request body bytes received so far. */
    public long requestBodyBytes() {
        return requestBodyBytes.get();
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    /** Nanoseconds until the current pause ends, or 0 when not pausing. */
    private long pauseLeft() {
        if (stallLengthNanos <= 0) return 0;
        long intoPeriod = (System.nanoTime() - startNanos) % stallPeriodNanos;
        return intoPeriod < stallLengthNanos ? stallLengthNanos - intoPeriod : 0;
    }

    private final class Responder extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            requests.incrementAndGet();
            requestBodyBytes.addAndGet(req.content().readableBytes());
            boolean keepAlive = HttpUtil.isKeepAlive(req);
            ByteBuf content = Unpooled.wrappedBuffer(body);
            FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content);
            res.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN)
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
            if (!keepAlive) res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            long wait = pauseLeft();
            Runnable send = () -> {
                var f = ctx.writeAndFlush(res);
                if (!keepAlive) f.addListener(io.netty.channel.ChannelFutureListener.CLOSE);
            };
            if (wait > 0) {
                ctx.executor().schedule(send, wait, TimeUnit.NANOSECONDS);
            } else {
                send.run();
            }
        }
    }

    /** Defaults: status 200, 1 KiB body, no pause. */
    public static final class Builder {
        private int bodySize = 1024;
        private int status = 200;
        private Duration stallPeriod = Duration.ofSeconds(1);
        private Duration stallLength = Duration.ZERO;

        private Builder() {
        }

        public Builder bodySize(int bytes) {
            this.bodySize = bytes;
            return this;
        }

        public Builder status(int code) {
            this.status = code;
            return this;
        }

        /** Pause for {@code length} at the start of every {@code period} (e.g. 100 ms every 1 s). */
        public Builder stall(Duration period, Duration length) {
            if (period.isZero() || period.isNegative() || length.compareTo(period) >= 0) {
                throw new IllegalArgumentException("a pause must be shorter than its period");
            }
            this.stallPeriod = period;
            this.stallLength = length;
            return this;
        }

        public BenchBackend start() throws InterruptedException {
            return new BenchBackend(this);
        }
    }
}
