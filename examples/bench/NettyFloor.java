// The floor under ficus's HTTP/1 numbers: the least a Netty proxy on one event loop can do, run
// beside HAProxy and ficus by ../shared/peers/compare.sh (from the checkout root) or by hand (docs/performance.md,
// "What a Netty proxy costs before ficus does anything").
//
//   raw   one upstream connection per client connection, bytes copied both ways, no HTTP at all
//   http  the same with Netty's HTTP/1 codecs on both sides (HttpServerCodec, HttpClientCodec):
//         every request and response decoded into Netty's message objects and encoded again
//
// Both forward every connection to 127.0.0.1:BACKEND_PORT and run with the proxy's JVM flags:
//   java -XX:+UseSerialGC -Xms32m -Xmx64m -Xmn8m -XX:+UseCompactObjectHeaders \
//        --sun-misc-unsafe-memory-access=allow --enable-native-access=ALL-UNNAMED \
//        -cp "ficus-cli/target/dist/lib/*" examples/bench/NettyFloor.java raw|http PORT [BACKEND_PORT]
// Not a proxy for anything else: no routing, no limits, no error handling beyond closing both sides.

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpServerCodec;
import java.net.InetSocketAddress;

public class NettyFloor {
    public static void main(String[] args) throws Exception {
        if (args.length < 2 || !(args[0].equals("raw") || args[0].equals("http"))) {
            System.err.println("usage: NettyFloor.java raw|http PORT [BACKEND_PORT]");
            System.exit(2);
        }
        boolean http = args[0].equals("http");
        int port = Integer.parseInt(args[1]);
        InetSocketAddress backend = new InetSocketAddress("127.0.0.1", args.length > 2 ? Integer.parseInt(args[2]) : 18080);
        EventLoopGroup loop = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        new ServerBootstrap().group(loop).channel(EpollServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel client) {
                        client.config().setAutoRead(false); // nothing is read before the upstream connection is up
                        new Bootstrap().group(client.eventLoop()).channel(EpollSocketChannel.class)
                                .option(ChannelOption.TCP_NODELAY, true)
                                .handler(new ChannelInitializer<SocketChannel>() {
                                    @Override
                                    protected void initChannel(SocketChannel upstream) {
                                        if (http) upstream.pipeline().addLast(new HttpClientCodec());
                                        upstream.pipeline().addLast(new Relay(client));
                                    }
                                })
                                .connect(backend).addListener((ChannelFuture f) -> {
                                    if (!f.isSuccess()) {
                                        client.close();
                                        return;
                                    }
                                    if (http) client.pipeline().addLast(new HttpServerCodec());
                                    client.pipeline().addLast(new Relay(f.channel()));
                                    client.config().setAutoRead(true);
                                });
                    }
                })
                .bind("127.0.0.1", port).sync();
        System.out.println("ready: NettyFloor " + args[0] + " on 127.0.0.1:" + port + " -> " + backend);
    }

    /** Writes what one side reads to the other; flushes once per read burst; closes both together. */
    private static final class Relay extends ChannelInboundHandlerAdapter {
        private final Channel peer;

        Relay(Channel peer) { this.peer = peer; }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) { peer.write(msg, peer.voidPromise()); }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) { peer.flush(); }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) { peer.close(); }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) { ctx.close(); }
    }
}
