package dev.ficus.proxy;

import dev.ficus.proxy.http.ResponseFlag;
import dev.ficus.testing.FakeUpstream;
import dev.ficus.xds.snapshot.ProxySnapshot;
import dev.ficus.xds.snapshot.Route;
import dev.ficus.xds.snapshot.RouteAction;
import dev.ficus.xds.snapshot.RouteMatch;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.util.ReferenceCountUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An HTTP/2 request whose DATA does not add up to its {@code content-length} is malformed (RFC 9113
 * section 8.1.1): its stream is reset with {@code PROTOCOL_ERROR}, not {@code CANCEL}, the
 * upstream request is abandoned, the exchange is counted as DPE, and the connection serves on.
 */
class Http2ContentLengthTest {
    final List<AutoCloseable> closeLater = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : closeLater.reversed()) c.close();
    }

    @Test
    void aBodyShorterOrLongerThanItsContentLengthResetsTheStreamWithProtocolError() throws Exception {
        FakeUpstream up = FakeUpstream.start("up");
        closeLater.add(up);
        ProxySnapshot s = Snapshots.withRoutes("1", List.of(new Route("to-up", RouteMatch.ANY, RouteAction.Forward.to("up"))),
                Snapshots.cluster(up)).build();
        ProxyServer p = ProxyServer.builder().snapshot(s).concurrency(1).adminPort(-1).build().start();
        closeLater.add(p);

        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        closeLater.add(() -> group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly());
        BlockingQueue<Http2StreamFrame> frames = new LinkedBlockingQueue<>();
        ChannelInboundHandlerAdapter recorder = new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (msg instanceof Http2HeadersFrame h) frames.add(h);
                ReferenceCountUtil.release(msg);
            }

            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                if (evt instanceof Http2ResetFrame r) frames.add(r);
            }

            @Override
            public boolean isSharable() { return true; }
        };
        Channel ch = new Bootstrap().group(group).channel(NioSocketChannel.class).handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel c) {
                c.pipeline().addLast(Http2FrameCodecBuilder.forClient().build(), new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()));
            }
        }).connect("127.0.0.1", p.listenerPort("main")).sync().channel();
        closeLater.add(() -> ch.close().syncUninterruptibly());

        for (String[] lengthAndBody : new String[][] {{"10", "hello"}, {"3", "hello"}}) {
            Http2StreamChannel stream = new Http2StreamChannelBootstrap(ch).handler(recorder).open().sync().getNow();
            stream.write(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().method("POST").scheme("http").authority("a").path("/upload")
                    .set("content-length", lengthAndBody[0])));
            stream.writeAndFlush(new DefaultHttp2DataFrame(Unpooled.copiedBuffer(lengthAndBody[1], StandardCharsets.US_ASCII), true));
            Http2StreamFrame answer = frames.poll(10, TimeUnit.SECONDS);
            assertThat(answer).as("content-length " + lengthAndBody[0]).isInstanceOf(Http2ResetFrame.class);
            assertThat(((Http2ResetFrame) answer).errorCode()).as("content-length " + lengthAndBody[0]).isEqualTo(Http2Error.PROTOCOL_ERROR.code());
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> p.stats().listener("main").responses(ResponseFlag.DPE) == 2);
        assertThat(p.stats().listener("main").responses(ResponseFlag.DC)).isZero();

        Http2StreamChannel good = new Http2StreamChannelBootstrap(ch).handler(recorder).open().sync().getNow(); // the connection serves on
        good.write(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().method("POST").scheme("http").authority("a").path("/upload")
                .set("content-length", "5")));
        good.writeAndFlush(new DefaultHttp2DataFrame(Unpooled.copiedBuffer("hello", StandardCharsets.US_ASCII), true));
        Http2StreamFrame answer = frames.poll(10, TimeUnit.SECONDS);
        assertThat(answer).isInstanceOf(Http2HeadersFrame.class);
        assertThat(((Http2HeadersFrame) answer).headers().status().toString()).isEqualTo("200");
    }
}
