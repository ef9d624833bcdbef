package dev.ficus.proxy.tls;

import dev.ficus.proxy.listener.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * How many mesh mTLS handshakes per second one event loop on each side completes, over loopback,
 * with the proxy's own contexts ({@link MeshTls}: TLS 1.3, BoringSSL when it loads): a full
 * handshake (certificates, signatures, both ways) against a resumed one (a ticket from an earlier
 * connection to the same host and port). A handshake counts when the server has verified the
 * client and the client has read the server's first byte, as a proxy's first request would wait
 * for; the connection is then closed. {@code concurrency} connections are in flight at a time.
 *
 * <p>Not a test: {@code ficus bench handshakes} runs it and prints the figures.
 */
public final class HandshakeBench {

    /**
     * One measurement: handshakes completed in {@code elapsed}, how many of them resumed (-1: cannot
     * tell on this JVM), and the CPU time the process used meanwhile (both sides: on a shared
     * machine the figure that does not depend on what else runs).
     */
    public record Result(boolean resume, long handshakes, long resumed, long failed, Duration elapsed, Duration cpu, String provider) {
        public double perSecond() { return handshakes / (elapsed.toNanos() / 1e9); }

        /** Handshakes per second of CPU, client and server together: what one core would sustain for both ends. */
        public double perCpuSecond() { return cpu.isZero() ? 0 : handshakes / (cpu.toNanos() / 1e9); }
    }

    private HandshakeBench() {
    }

    /** Runs {@code warmup} then measures for {@code measure}; one event-loop thread serves, one connects. */
    public static Result run(MeshTls server, MeshTls client, boolean resume, int concurrency, Duration warmup, Duration measure)
            throws InterruptedException {
        if (!server.ready() || !client.ready()) throw new IllegalArgumentException("both sides need a mesh certificate");
        if (concurrency < 1) throw new IllegalArgumentException("concurrency must be at least 1");
        Transport t = Transport.best();
        EventLoopGroup serverLoop = t.newGroup(1, "bench-tls-server");
        EventLoopGroup clientLoop = t.newGroup(1, "bench-tls-client");
        try {
            Channel listener = new ServerBootstrap().group(serverLoop).channel(t.serverChannel())
                    .childHandler(new ChannelInitializer<>() {
                        @Override protected void initChannel(Channel ch) {
                            SslHandler ssl = server.server().newHandler(ch.alloc());
                            ch.pipeline().addLast(ssl, new ServerSide(ssl, server.trustDomain()));
                        }
                    })
                    .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            int port = ((InetSocketAddress) listener.localAddress()).getPort();
            Loop loop = new Loop(client, resume, port, new Bootstrap().group(clientLoop).channel(t.socketChannel())
                    .option(ChannelOption.TCP_NODELAY, true));
            for (int i = 0; i < concurrency; i++) loop.next();
            Thread.sleep(warmup.toMillis()); // the loop runs on its own: the bench waits out a fixed period
            long h0 = loop.done.get(), r0 = loop.resumed.get(), f0 = loop.failed.get(), t0 = System.nanoTime(), c0 = cpuNanos();
            Thread.sleep(measure.toMillis());
            long h1 = loop.done.get(), r1 = loop.resumed.get(), f1 = loop.failed.get(), t1 = System.nanoTime(), c1 = cpuNanos();
            loop.stop();
            listener.close().sync();
            Throwable error = loop.firstError.get();
            if (h1 == h0 && error != null) throw new IllegalStateException("no handshake completed: " + error, error);
            return new Result(resume, h1 - h0, SessionReuse.observable() ? r1 - r0 : -1, f1 - f0, Duration.ofNanos(t1 - t0),
                    Duration.ofNanos(Math.max(0, c1 - c0)), MeshTls.provider().name());
        } finally {
            serverLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            clientLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    private static long cpuNanos() {
        return java.lang.management.ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getProcessCpuTime() : 0;
    }

    /**
     * Checks the client's SPIFFE ID as an inbound listener does ({@link MeshTls#verifyPeer}: a
     * resumed session must still name its peer), then writes one byte: the client's proof that the
     * server accepted it.
     */
    private static final class ServerSide extends ChannelInboundHandlerAdapter {
        private final SslHandler ssl;
        private final String trustDomain;

        ServerSide(SslHandler ssl, String trustDomain) {
            this.ssl = ssl;
            this.trustDomain = trustDomain;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof SslHandshakeCompletionEvent e) {
                if (!e.isSuccess()) {
                    ctx.close();
                    return;
                }
                try {
                    MeshTls.verifyPeer(ssl.engine().getSession(), trustDomain);
                } catch (javax.net.ssl.SSLPeerUnverifiedException x) {
                    ctx.close();
                    return;
                }
                ctx.writeAndFlush(ctx.alloc().buffer(1).writeByte('y'));
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) { ReferenceCountUtil.release(msg); }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) { ctx.close(); }
    }

    /** Keeps {@code concurrency} connections in flight: each one finished starts the next. */
    private static final class Loop {
        final MeshTls tls;
        final boolean resume;
        final int port;
        final Bootstrap bootstrap;
        final AtomicLong done = new AtomicLong();
        final AtomicLong resumed = new AtomicLong();
        final AtomicLong failed = new AtomicLong();
        final AtomicReference<Throwable> firstError = new AtomicReference<>();
        final AtomicBoolean stopped = new AtomicBoolean();
        final AtomicLong inFlight = new AtomicLong();
        final CountDownLatch drained = new CountDownLatch(1);

        Loop(MeshTls tls, boolean resume, int port, Bootstrap bootstrap) {
            this.tls = tls;
            this.resume = resume;
            this.port = port;
            this.bootstrap = bootstrap.handler(new ChannelInitializer<>() {
                @Override protected void initChannel(Channel ch) {
                    // with the peer's host and port the client context looks up (and stores) a session; without, every handshake is full
                    SslHandler ssl = Loop.this.resume ? tls.client().newHandler(ch.alloc(), "127.0.0.1", Loop.this.port) : tls.client().newHandler(ch.alloc());
                    ch.pipeline().addLast(ssl, new ClientSide(Loop.this, ssl));
                }
            });
        }

        void next() {
            if (stopped.get()) return;
            inFlight.incrementAndGet();
            bootstrap.connect("127.0.0.1", port).addListener(f -> {
                if (!f.isSuccess()) finished(false, false, f.cause());
            });
        }

        void finished(boolean ok, boolean wasResumed, Throwable error) {
            if (ok) {
                done.incrementAndGet();
                if (wasResumed) resumed.incrementAndGet();
            } else {
                failed.incrementAndGet();
                if (error != null) firstError.compareAndSet(null, error);
            }
            if (inFlight.decrementAndGet() == 0 && stopped.get()) drained.countDown();
            next();
        }

        void stop() throws InterruptedException {
            stopped.set(true);
            if (inFlight.get() > 0) drained.await(5, TimeUnit.SECONDS);
        }
    }

    private static final class ClientSide extends ChannelInboundHandlerAdapter {
        private final Loop loop;
        private final SslHandler ssl;
        private boolean reported;

        ClientSide(Loop loop, SslHandler ssl) {
            this.loop = loop;
            this.ssl = ssl;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            boolean first = msg instanceof ByteBuf b && b.isReadable();
            ReferenceCountUtil.release(msg);
            if (first) report(ctx, true, null);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof SslHandshakeCompletionEvent e && !e.isSuccess()) report(ctx, false, e.cause());
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) { report(ctx, false, cause); }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) { report(ctx, false, null); }

        private void report(ChannelHandlerContext ctx, boolean ok, Throwable error) {
            if (reported) return;
            reported = true;
            boolean wasResumed = ok && SessionReuse.resumed(ssl.engine());
            if (ok) {
                try { // as an upstream connection does: the server's SPIFFE ID, from a resumed session too
                    MeshTls.verifyPeer(ssl.engine().getSession(), loop.tls.trustDomain());
                } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
                    ok = false;
                    error = e;
                }
            }
            ctx.close();
            loop.finished(ok, wasResumed, error);
        }
    }
}
