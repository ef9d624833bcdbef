package dev.ficus.bench.load;

import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2FrameStream;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.util.ReferenceCountUtil;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** Servers on loopback, port 0, for the load generator's protocols other than HTTP/1.1. */
final class ProtocolServers {
    private ProtocolServers() {
    }

    /**
     * An h2c (prior knowledge) server answering 200 "ok" to every stream, except: every
     * {@code resetEvery}-th stream is reset (RST_STREAM), and after {@code goAwayAfter} streams on a
     * connection it sends GOAWAY naming the stream before the last as the last it took.
     */
    static final class H2c implements AutoCloseable {
        private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        private final Channel server;
        final AtomicLong streams = new AtomicLong();
        final AtomicLong resets = new AtomicLong();
        final AtomicLong connections = new AtomicLong();

        H2c(int resetEvery, int goAwayAfter) throws InterruptedException {
            server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            connections.incrementAndGet();
                            Http2FrameCodec codec = Http2FrameCodecBuilder.forServer().build();
                            ch.pipeline().addLast(codec, new Handler(codec, resetEvery, goAwayAfter));
                        }
                    }).bind("127.0.0.1", 0).sync().channel();
        }

        URI uri(String path) {
            return URI.create("http://127.0.0.1:" + ((InetSocketAddress) server.localAddress()).getPort() + path);
        }

        int port() {
            return ((InetSocketAddress) server.localAddress()).getPort();
        }

        private final class Handler extends ChannelInboundHandlerAdapter {
            private final Http2FrameCodec codec;
            private final int resetEvery;
            private final int goAwayAfter;
            private int onConnection;

            Handler(Http2FrameCodec codec, int resetEvery, int goAwayAfter) {
                this.codec = codec;
                this.resetEvery = resetEvery;
                this.goAwayAfter = goAwayAfter;
            }

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (msg instanceof Http2HeadersFrame h) {
                    if (h.isEndStream()) respond(ctx, h.stream());
                } else if (msg instanceof Http2DataFrame d) {
                    Http2FrameStream stream = d.stream();
                    boolean end = d.isEndStream();
                    int bytes = d.initialFlowControlledBytes();
                    d.release();
                    if (bytes > 0) ctx.write(new DefaultHttp2WindowUpdateFrame(bytes).stream(stream));
                    if (end) respond(ctx, stream);
                    else ctx.flush();
                } else {
                    ReferenceCountUtil.release(msg);
                }
            }

            private void respond(ChannelHandlerContext ctx, Http2FrameStream stream) {
                long n = streams.incrementAndGet();
                onConnection++;
                if (goAwayAfter > 0 && onConnection == goAwayAfter) {
                    // This stream is above the last one taken: the client must count it as refused.
                    codec.goAway(ctx.pipeline().context(codec), stream.id() - 2, Http2Error.NO_ERROR.code(),
                            Unpooled.EMPTY_BUFFER, ctx.newPromise());
                    ctx.flush();
                    return;
                }
                if (resetEvery > 0 && n % resetEvery == 0) {
                    resets.incrementAndGet();
                    ctx.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.INTERNAL_ERROR).stream(stream));
                    return;
                }
                ctx.write(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("200")).stream(stream));
                ctx.writeAndFlush(new DefaultHttp2DataFrame(Unpooled.copiedBuffer("ok", StandardCharsets.US_ASCII), true)
                        .stream(stream));
            }
        }

        @Override
        public void close() {
            server.close().syncUninterruptibly();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }

    /** A grpc-java server with one unary method that echoes raw bytes; every {@code failEvery}-th call ends UNAVAILABLE. */
    static final class Grpc implements AutoCloseable {
        static final String METHOD = "/ficus.bench.Echo/Call";
        private final Server server;
        final AtomicLong calls = new AtomicLong();
        final AtomicLong failed = new AtomicLong();

        Grpc(int failEvery) throws IOException {
            MethodDescriptor<byte[], byte[]> method = MethodDescriptor.<byte[], byte[]>newBuilder()
                    .setType(MethodDescriptor.MethodType.UNARY).setFullMethodName(METHOD.substring(1))
                    .setRequestMarshaller(BYTES).setResponseMarshaller(BYTES).build();
            ServerServiceDefinition service = ServerServiceDefinition.builder("ficus.bench.Echo")
                    .addMethod(method, ServerCalls.asyncUnaryCall((byte[] request, io.grpc.stub.StreamObserver<byte[]> reply) -> {
                        long n = calls.incrementAndGet();
                        if (failEvery > 0 && n % failEvery == 0) {
                            failed.incrementAndGet();
                            reply.onError(Status.UNAVAILABLE.withDescription("every " + failEvery + "th call").asRuntimeException());
                            return;
                        }
                        reply.onNext(request);
                        reply.onCompleted();
                    })).build();
            server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(service)
                    .directExecutor().build().start();
        }

        URI uri() {
            return URI.create("http://127.0.0.1:" + server.getPort() + METHOD);
        }

        int port() {
            return server.getPort();
        }

        @Override
        public void close() {
            try {
                server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
            @Override
            public InputStream stream(byte[] value) {
                return new ByteArrayInputStream(value);
            }

            @Override
            public byte[] parse(InputStream stream) {
                try {
                    return stream.readAllBytes();
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }
        };
    }

    /**
     * A TCP echo server; with {@code closeAt} above 0 it closes a connection instead of echoing the
     * {@code closeAt}-th exchange on it (exchanges of {@code size} bytes).
     */
    static final class Echo implements AutoCloseable {
        private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        private final Channel server;
        final AtomicLong exchanges = new AtomicLong();
        final AtomicLong connections = new AtomicLong();

        Echo(int size, int closeAt) throws InterruptedException {
            server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            connections.incrementAndGet();
                            ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                                long bytes;

                                @Override
                                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                    ByteBuf b = (ByteBuf) msg;
                                    long before = bytes / size;
                                    bytes += b.readableBytes();
                                    long after = bytes / size;
                                    exchanges.addAndGet(after - before);
                                    if (closeAt > 0 && after >= closeAt) {
                                        b.release();
                                        ctx.close();
                                        return;
                                    }
                                    ctx.writeAndFlush(b);
                                }
                            });
                        }
                    }).bind("127.0.0.1", 0).sync().channel();
        }

        URI uri() {
            return URI.create("tcp://127.0.0.1:" + ((InetSocketAddress) server.localAddress()).getPort());
        }

        @Override
        public void close() {
            server.close().syncUninterruptibly();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
    }
}
