package dev.ficus.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ficus.testing.RawHttp;
import dev.ficus.xds.snapshot.ClusterConfig;
import dev.ficus.xds.snapshot.Endpoint;
import dev.ficus.xds.snapshot.ProxySnapshot;
import dev.ficus.xds.snapshot.Route;
import dev.ficus.xds.snapshot.RouteAction;
import dev.ficus.xds.snapshot.RouteMatch;
import dev.ficus.xds.snapshot.UpstreamProtocol;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufUtil;
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
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2FrameStream;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Exchanges with an upstream that speaks HTTP/2 (a DestinationRule's {@code h2UpgradePolicy:
 * UPGRADE}), seen frame by frame by a real HTTP/2 server and as a client sees the answer: what
 * Netty's conversion adds to a response ({@code x-http2-stream-id}) stays inside the proxy.
 */
class Http2UpstreamTest {
    final List<AutoCloseable> closeLater = new ArrayList<>();
    final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : closeLater.reversed()) c.close();
        client.close();
    }

    <T extends AutoCloseable> T later(T c) {
        closeLater.add(c);
        return c;
    }

    static ClusterConfig h2(String name, int port) {
        return ClusterConfig.of(name, Endpoint.of("127.0.0.1", port)).withUpstreamProtocol(UpstreamProtocol.HTTP2);
    }

    ProxyServer proxy(ClusterConfig c) throws Exception {
        ProxySnapshot s = Snapshots.withRoutes("1", List.of(new Route("all", RouteMatch.ANY, RouteAction.Forward.to(c.name()))), c).build();
        return later(ProxyServer.builder().snapshot(s).concurrency(1).adminPort(-1).build().start());
    }

    @Test
    void anHttp11ClientSeesNoConversionFieldsOfAnHttp2UpstreamsResponse() throws Exception {
        FrameRecorder up = later(new FrameRecorder());
        ProxyServer p = proxy(h2("h2up", up.port()));
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + p.listenerPort("main") + "/"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("ok");
        assertThat(r.headers().firstValue("x-upstream")).as("the upstream's own fields pass").hasValue("h2");
        assertThat(r.headers().map().keySet()).noneMatch(n -> n.toLowerCase(Locale.ROOT).startsWith("x-http2-"));
    }

    @Test
    void aResponseWithTrailersCarriesNoConversionFieldsEither() throws Exception {
        FrameRecorder up = later(new FrameRecorder());
        ProxyServer p = proxy(h2("h2up", up.port()));
        String raw = RawHttp.exchangeUntilClose(p.listenerPort("main"), "GET /trailers HTTP/1.1\r\nHost: h2up:8080\r\nConnection: close\r\n\r\n", Duration.ofSeconds(10));
        assertThat(RawHttp.status(raw)).as(raw).isEqualTo(200);
        assertThat(raw.toLowerCase(Locale.ROOT)).as(raw).contains("x-upstream: h2").contains("x-trailer: t").doesNotContain("x-http2-");
    }

    /**
     * An h2c server that records the frames of each request stream ({@code HEADERS},
     * {@code DATA <bytes>}, {@code TRAILERS}, each with {@code +END_STREAM} when it ended the stream) and
     * answers once the request has ended: {@code 200 ok} with {@code x-upstream: h2}; {@code /trailers}
     * adds the trailer {@code x-trailer: t}; the next {@link #failNext} streams get {@code 503}.
     */
    static final class FrameRecorder implements AutoCloseable {
        /** One request stream: its frames in order and its head. */
        record Stream(List<String> frames, Http2Headers[] head) {
            Http2Headers headers() { return head[0]; }

            long dataBytes() {
                return frames.stream().filter(f -> f.startsWith("DATA ")).mapToLong(f -> Long.parseLong(f.split("[ +]")[1])).sum();
            }
        }

        private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        private final Channel server;
        private final List<Stream> streams = new CopyOnWriteArrayList<>();
        private final AtomicInteger toFail = new AtomicInteger();

        FrameRecorder() throws InterruptedException {
            server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class).childHandler(new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel ch) {
                    ch.pipeline().addLast(Http2FrameCodecBuilder.forServer().build(), new Recorder());
                }
            }).bind("127.0.0.1", 0).sync().channel();
        }

        int port() { return ((InetSocketAddress) server.localAddress()).getPort(); }

        /** The request streams so far, in the order their heads arrived. */
        List<Stream> streams() { return List.copyOf(streams); }

        void failNext(int n) { toFail.set(n); }

        @Override
        public void close() {
            server.close().syncUninterruptibly();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }

        /** One connection's frames; its event loop only. */
        private final class Recorder extends ChannelInboundHandlerAdapter {
            private final Map<Http2FrameStream, Stream> open = new HashMap<>();

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                try {
                    if (msg instanceof Http2HeadersFrame h) {
                        Stream s = open.get(h.stream());
                        if (s == null) {
                            s = new Stream(new CopyOnWriteArrayList<>(), new Http2Headers[] {h.headers()});
                            open.put(h.stream(), s);
                            streams.add(s);
                            s.frames().add("HEADERS" + (h.isEndStream() ? "+END_STREAM" : ""));
                        } else {
                            s.frames().add("TRAILERS" + (h.isEndStream() ? "+END_STREAM" : ""));
                        }
                        if (h.isEndStream()) answer(ctx, h.stream(), s);
                    } else if (msg instanceof Http2DataFrame d) {
                        Stream s = open.get(d.stream());
                        s.frames().add("DATA " + d.content().readableBytes() + (d.isEndStream() ? "+END_STREAM" : ""));
                        if (d.isEndStream()) answer(ctx, d.stream(), s);
                    }
                } finally {
                    ReferenceCountUtil.release(msg);
                }
            }

            private void answer(ChannelHandlerContext ctx, Http2FrameStream stream, Stream s) {
                open.remove(stream);
                boolean fail = toFail.getAndUpdate(n -> Math.max(0, n - 1)) > 0;
                boolean trailers = s.headers().path().toString().startsWith("/trailers");
                ctx.write(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status(fail ? "503" : "200").set("x-upstream", "h2")).stream(stream));
                ctx.write(new DefaultHttp2DataFrame(ByteBufUtil.writeAscii(ctx.alloc(), "ok"), !trailers).stream(stream));
                if (trailers) ctx.write(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().set("x-trailer", "t"), true).stream(stream));
                ctx.flush();
            }
        }
    }
}
