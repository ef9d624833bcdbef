package dev.ficus.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ficus.testing.FakeUpstream;
import dev.ficus.testing.RawHttp;
import dev.ficus.xds.snapshot.ClusterConfig;
import dev.ficus.xds.snapshot.Endpoint;
import dev.ficus.xds.snapshot.HeaderMutations;
import dev.ficus.xds.snapshot.ProxySnapshot;
import dev.ficus.xds.snapshot.Route;
import dev.ficus.xds.snapshot.RouteAction;
import dev.ficus.xds.snapshot.RouteFault;
import dev.ficus.xds.snapshot.RouteMatch;
import dev.ficus.xds.snapshot.RouteMirror;
import dev.ficus.xds.snapshot.RoutePolicies;
import dev.ficus.xds.snapshot.RouteRetry;
import dev.ficus.xds.snapshot.UpstreamProtocol;
import io.netty.bootstrap.Bootstrap;
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
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2FrameStream;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Exchanges with an upstream that speaks HTTP/2 (a DestinationRule's {@code h2UpgradePolicy:
 * UPGRADE}), seen frame by frame by a real HTTP/2 server and as a client sees the answer: what
 * Netty's conversion adds to a response ({@code x-http2-stream-id}) stays inside the proxy, and a
 * request without a body is one HEADERS frame with END_STREAM, as Envoy sends it.
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

    String raw(int port, String request) {
        return RawHttp.exchangeUntilClose(port, request, Duration.ofSeconds(10));
    }

    static final List<String> HEADERS_ONLY = List.of("HEADERS+END_STREAM");

    /**
     * As Envoy sends it, a request without a body is one HEADERS frame that ends the stream: no
     * empty DATA frame after it, which a next hop converting to HTTP/1.1 took for a body of
     * unknown length. So for a GET from an HTTP/1.1 client, a POST with {@code content-length: 0}
     * and a GET whose HEADERS ended the stream on h2c.
     */
    @Test
    void aRequestWithoutABodyEndsTheStreamOnItsHeaders() throws Exception {
        FrameRecorder up = later(new FrameRecorder());
        ProxyServer p = proxy(h2("h2up", up.port()));
        int port = p.listenerPort("main");
        assertThat(RawHttp.status(raw(port, "GET / HTTP/1.1\r\nHost: h2up:8080\r\nConnection: close\r\n\r\n"))).isEqualTo(200);
        assertThat(RawHttp.status(raw(port, "POST /form HTTP/1.1\r\nHost: h2up:8080\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"))).isEqualTo(200);
        assertThat(h2c(port, request("GET", "/h2c"), null)).containsExactly("HEADERS 200", "DATA ok");
        assertThat(up.streams()).extracting(FrameRecorder.Stream::frames).containsExactly(HEADERS_ONLY, HEADERS_ONLY, HEADERS_ONLY);
    }

    /** Bodies, a streamed (chunked) upload with trailers and a gRPC call keep their DATA and trailers after the head. */
    @Test
    void bodiesAndTrailersStillFollowTheirHeaders() throws Exception {
        FrameRecorder up = later(new FrameRecorder());
        ProxyServer p = proxy(h2("h2up", up.port()));
        int port = p.listenerPort("main");
        assertThat(RawHttp.status(raw(port, "POST /a HTTP/1.1\r\nHost: h2up:8080\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello"))).isEqualTo(200);
        assertThat(RawHttp.status(raw(port, "POST /b HTTP/1.1\r\nHost: h2up:8080\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                + "5\r\nhello\r\n6\r\n world\r\n0\r\nx-check: 1\r\n\r\n"))).isEqualTo(200);
        Http2Headers grpc = request("POST", "/trailers").set("content-type", "application/grpc").set("te", "trailers");
        assertThat(h2c(port, grpc, "\0\0\0\0\0")).as("the response's trailers reach the client").containsExactly("HEADERS 200", "DATA ok", "TRAILERS x-trailer=t");

        List<FrameRecorder.Stream> streams = up.streams();
        assertThat(streams).hasSize(3);
        FrameRecorder.Stream sized = streams.get(0), chunked = streams.get(1), call = streams.get(2);
        assertThat(sized.frames().getFirst()).isEqualTo("HEADERS");
        assertThat(sized.frames().getLast()).endsWith("+END_STREAM").startsWith("DATA");
        assertThat(sized.dataBytes()).isEqualTo(5);
        assertThat(chunked.frames().getFirst()).isEqualTo("HEADERS");
        assertThat(chunked.frames().getLast()).isEqualTo("TRAILERS+END_STREAM");
        assertThat(chunked.dataBytes()).isEqualTo(11);
        assertThat(call.frames()).containsExactly("HEADERS", "DATA 5+END_STREAM");
        assertThat(call.headers().get("te")).hasToString("trailers");
    }

    /** A retry replays the kept body and a mirror sends its copy: framed as the first attempt, headers alone for a GET. */
    @Test
    void retriedAndMirroredRequestsAreFramedTheSameWay() throws Exception {
        FrameRecorder up = later(new FrameRecorder());
        FrameRecorder shadow = later(new FrameRecorder());
        RoutePolicies pol = new RoutePolicies(new RouteRetry(1, Duration.ZERO, RouteRetry.ON_5XX, new int[0], Duration.ofMillis(5)), null,
                List.of(new RouteMirror("m", RouteFault.MILLION)), null);
        Route r = new Route("r", RouteMatch.ANY, RouteAction.Forward.to("h2up"), Duration.ofSeconds(10), HeaderMutations.NONE, HeaderMutations.NONE, pol);
        ProxySnapshot s = Snapshots.withRoutes("1", List.of(r), h2("h2up", up.port()), h2("m", shadow.port())).build();
        ProxyServer p = later(ProxyServer.builder().snapshot(s).concurrency(1).adminPort(-1).build().start());
        int port = p.listenerPort("main");

        up.failNext(1);
        assertThat(RawHttp.status(raw(port, "GET / HTTP/1.1\r\nHost: h2up:8080\r\nConnection: close\r\n\r\n"))).isEqualTo(200);
        assertThat(up.streams()).extracting(FrameRecorder.Stream::frames).as("the first attempt and its retry").containsExactly(HEADERS_ONLY, HEADERS_ONLY);
        await().atMost(Duration.ofSeconds(10)).until(() -> shadow.streams().size() == 1);
        assertThat(shadow.streams().getFirst().frames()).isEqualTo(HEADERS_ONLY);

        up.failNext(1);
        assertThat(RawHttp.status(raw(port, "POST / HTTP/1.1\r\nHost: h2up:8080\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello"))).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> shadow.streams().size() == 2);
        List<FrameRecorder.Stream> posts = new ArrayList<>(up.streams().subList(2, 4));
        posts.add(shadow.streams().get(1));
        assertThat(posts).hasSize(3).allSatisfy(x -> {
            assertThat(x.frames().getFirst()).isEqualTo("HEADERS");
            assertThat(x.frames().getLast()).startsWith("DATA").endsWith("+END_STREAM");
            assertThat(x.dataBytes()).isEqualTo(5);
        });
    }

    /**
     * Two proxies, the first speaking HTTP/2 to the second, which passes on to an HTTP/1.1 app: a
     * GET reaches the app as a GET without a body, not with {@code transfer-encoding: chunked}.
     */
    @Test
    void aGetOverAnHttp2HopReachesAnHttp11AppWithoutABody() throws Exception {
        FakeUpstream app = later(FakeUpstream.start("app"));
        ProxyServer second = later(ProxyServer.builder().snapshot(Snapshots.forwardAll("1", app)).concurrency(1).adminPort(-1).build().start());
        ProxyServer first = proxy(h2("second", second.listenerPort("main")));
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + first.listenerPort("main") + "/items"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("app");
        FakeUpstream.Seen seen = app.seen().getLast();
        assertThat(seen.method()).isEqualTo("GET");
        assertThat(seen.header("transfer-encoding")).isNull();
        assertThat(seen.headers().keySet()).noneMatch(n -> n.startsWith("x-http2-"));
        assertThat(seen.bodyBytes()).isZero();
    }

    static Http2Headers request(String method, String path) {
        return new DefaultHttp2Headers().method(method).scheme("http").authority("h2up:8080").path(path);
    }

    /**
     * Sends one request over h2c (prior knowledge), its HEADERS ending the stream when there is no
     * body, and returns the frames of the answer: {@code HEADERS <status>}, {@code DATA <text>},
     * {@code TRAILERS x-trailer=<value>}.
     */
    List<String> h2c(int port, Http2Headers head, String body) throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        closeLater.add(() -> group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly());
        Channel ch = new Bootstrap().group(group).channel(NioSocketChannel.class).handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel c) {
                c.pipeline().addLast(Http2FrameCodecBuilder.forClient().build(), new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()));
            }
        }).connect("127.0.0.1", port).sync().channel();
        closeLater.add(() -> ch.close().syncUninterruptibly());
        List<String> got = new CopyOnWriteArrayList<>();
        CompletableFuture<List<String>> done = new CompletableFuture<>();
        Http2StreamChannel stream = new Http2StreamChannelBootstrap(ch).handler(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                boolean end = false;
                if (msg instanceof Http2HeadersFrame h) {
                    got.add(h.headers().status() != null ? "HEADERS " + h.headers().status() : "TRAILERS x-trailer=" + h.headers().get("x-trailer"));
                    end = h.isEndStream();
                } else if (msg instanceof Http2DataFrame d) {
                    if (d.content().isReadable()) got.add("DATA " + d.content().toString(StandardCharsets.US_ASCII));
                    end = d.isEndStream();
                }
                ReferenceCountUtil.release(msg);
                if (end) done.complete(List.copyOf(got));
            }
        }).open().sync().getNow();
        stream.write(new DefaultHttp2HeadersFrame(head, body == null));
        if (body != null) stream.write(new DefaultHttp2DataFrame(ByteBufUtil.writeAscii(stream.alloc(), body), true));
        stream.flush();
        return done.get(10, TimeUnit.SECONDS);
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
