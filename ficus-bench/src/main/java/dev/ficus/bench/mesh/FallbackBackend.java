package dev.ficus.bench.mesh;

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
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.net.InetSocketAddress;
import java.util.Arrays;

/**
 * The backend when nginx is not installed: a 1 KiB body from one Netty event loop inside the
 * benchmark's own JVM. Its CPU is then shared with the load generator, so the report names it.
 */
final class FallbackBackend implements AutoCloseable {
    private final EventLoopGroup group;
    private final Channel server;

    FallbackBackend(int port) throws InterruptedException {
        byte[] body = new byte[1024];
        Arrays.fill(body, (byte) 'x');
        ByteBuf shared = Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(body).asReadOnly());
        group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("mesh-backend", true), NioIoHandler.newFactory());
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(1 << 20),
                                new SimpleChannelInboundHandler<FullHttpRequest>() {
                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
                                        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                                                shared.duplicate());
                                        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain");
                                        HttpUtil.setContentLength(r, body.length);
                                        boolean keepAlive = HttpUtil.isKeepAlive(req);
                                        HttpUtil.setKeepAlive(r, keepAlive);
                                        var written = ctx.writeAndFlush(r);
                                        if (!keepAlive) written.addListener(io.netty.channel.ChannelFutureListener.CLOSE);
                                    }
                                });
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", port)).sync().channel();
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }
}
