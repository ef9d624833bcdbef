package dev.ficus.proxy.http2;

import dev.ficus.proxy.http.ExchangeEvent;
import dev.ficus.proxy.http.Http1HeadParser;
import dev.ficus.proxy.http.Http1Limits;
import dev.ficus.proxy.http.LocalReply;
import dev.ficus.proxy.http.RequestScheme;
import dev.ficus.proxy.http.ResponseFlag;
import dev.ficus.proxy.router.RouterConfig;
import dev.ficus.proxy.router.RouterHandler;
import dev.ficus.proxy.telemetry.TrafficStats;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamFrame;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.codec.http2.HttpConversionUtil;
import io.netty.util.ReferenceCountUtil;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP/2 part of a downstream pipeline: {@code h2-codec → h2-drain → h2-multiplex → h2-errors}, and for
 * each stream a child channel running {@code h2-to-http → h2-clean → router}, so that routing,
 * timeouts and upstream pools are the HTTP/1.1 ones, unchanged. Netty's codec answers protocol
 * errors (bad frames, flow-control violations) with stream or connection errors per RFC 9113.
 *
 * <p>Flow control is per stream: a child channel reads (and so returns window to the client)
 * only when the router asks, which it does once the upstream can take more.
 */
public final class Http2ServerSteps {
    /** Concurrent streams a client may open on one connection (Envoy's default is 2^31-1; gRPC's 100 is a saner start). */
    public static final int MAX_CONCURRENT_STREAMS = 1024;

    /**
     * The flow-control window of each stream, which Netty's flow controller also grows the
     * connection's to once the first bytes are consumed: how much request body a client may send
     * before the router has passed it on. The default 64 KiB held an upload over HTTP/2 to a
     * third of its HTTP/1.1 speed (a WINDOW_UPDATE round trip every 32 KiB).
     */
    static final int WINDOW = 1024 * 1024;

    /** How long a connection that began after the drain may take to open its first stream. */
    private static final java.time.Duration LATE_DRAIN_GRACE = java.time.Duration.ofSeconds(1);

    private Http2ServerSteps() {}

    /** Adds the HTTP/2 handlers at the end of {@code p}; the connection reads continuously, streams on demand. */
    public static void add(ChannelPipeline p, RouterConfig router) {
        Channel ch = p.channel();
        ch.config().setAutoRead(true); // HTTP/2 frames must always be read; streams apply backpressure
        p.addLast("h2-codec", Http2FrameCodecBuilder.forServer()
                // the header list as large as an HTTP/1.1 head may be (Envoy's 60 KiB for both): beyond it a 431
                .initialSettings(Http2Settings.defaultSettings().maxConcurrentStreams(MAX_CONCURRENT_STREAMS)
                        .maxHeaderListSize(Http1Limits.DEFAULT.maxHeaderSize())
                        .initialWindowSize(WINDOW))
                .validateHeaders(true)
                // a drain's GOAWAY waits for the open streams (the builder's default, 0, cuts them); the drain timeout bounds it
                .gracefulShutdownTimeoutMillis(-1)
                .build());
        p.addLast("h2-drain", new DrainHandler());
        p.addLast("h2-multiplex", new Http2MultiplexHandler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel stream) {
                stream.config().setAutoRead(false);
                ChannelPipeline sp = stream.pipeline();
                sp.addLast("h2-to-http", new StreamCodec());
                sp.addLast("h2-clean", new ExtensionHeaderCleaner(router.stats()));
                sp.addLast("router", new RouterHandler(router));
            }
        }));
        p.addLast("h2-errors", new AnsweredErrors());
    }

    /**
     * On drain, closes the connection gracefully: the codec sends GOAWAY and waits for open streams.
     * A connection whose protocol was told after the drain began closes the same way once its
     * first stream has begun (so that the request that opened it is served), or after
     * {@link #LATE_DRAIN_GRACE} without one.
     */
    private static final class DrainHandler extends ChannelDuplexHandler {
        private boolean closeAfterFirstStream;
        private boolean sawStream;

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.fireChannelActive();
            if (ExchangeEvent.draining(ctx.channel())) {
                closeAfterFirstStream = true;
                ctx.executor().schedule(() -> closeLate(ctx), LATE_DRAIN_GRACE.toNanos(), TimeUnit.NANOSECONDS);
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (closeAfterFirstStream && msg instanceof Http2HeadersFrame) sawStream = true;
            ctx.fireChannelRead(msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.fireChannelReadComplete();
            if (sawStream) closeLate(ctx); // GOAWAY names the streams read so far: they are served
        }

        private void closeLate(ChannelHandlerContext ctx) {
            if (!closeAfterFirstStream) return;
            closeAfterFirstStream = false;
            ctx.close();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt == ExchangeEvent.DRAIN) {
                ctx.close();
                return;
            }
            ctx.fireUserEventTriggered(evt);
        }

    }

    /**
     * The end of the connection's pipeline: an exception that gets here was already answered by the
     * codec (GOAWAY) or by the multiplexer (a stream error resets its stream with the codec's
     * error code); nothing is left to do. It must come after the multiplexer, which acts on stream
     * errors: one swallowed before it left its stream open and unanswered.
     */
    private static final class AnsweredErrors extends ChannelInboundHandlerAdapter {
        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // answered already
        }
    }

    /**
     * Netty's stream-to-HTTP/1 conversion, after two steps on a request head:
     * <ul>
     *   <li>a head HTTP/1.1 cannot carry is refused before Netty converts it (its conversion would
     *       leak the body buffer it allocated): a {@code :method} that is not a token, a {@code :path}
     *       that is not an absolute path ({@code *} for OPTIONS; RFC 9113 section 8.3.1);</li>
     *   <li>a {@code host} field is dropped when the head has an {@code :authority}: RFC 9113 section
     *       8.3.1 forbids using Host for the target then, and has an intermediary send {@code :authority}
     *       on as the HTTP/1.1 Host. Envoy drops it the same way (Netty alone refuses a Host that
     *       differs). nghttp and h2load send both when given {@code -H 'host: ...'}.</li>
     * </ul>
     */
    static final class StreamCodec extends Http2StreamFrameToHttpObjectCodec {
        StreamCodec() {
            super(true);
        }

        @Override
        protected void decode(ChannelHandlerContext ctx, Http2StreamFrame frame, List<Object> out) throws Exception {
            if (frame instanceof Http2HeadersFrame h) {
                Http2Headers headers = h.headers();
                CharSequence method = headers.method();
                if (method != null) { // a request head; trailers carry no pseudo-fields
                    if (!Http1HeadParser.isToken(method) || !originForm(method, headers.path())) {
                        throw Http2Exception.streamError(h.stream() == null ? 0 : h.stream().id(), Http2Error.PROTOCOL_ERROR,
                                "request head HTTP/1.1 cannot carry");
                    }
                    if (headers.authority() != null) headers.remove(HttpHeaderNames.HOST);
                }
            }
            super.decode(ctx, frame, out);
        }

        /** A CONNECT has no {@code :path} (the router answers tunnels over HTTP/2 itself); others an absolute path. */
        private static boolean originForm(CharSequence method, CharSequence path) {
            if (HttpMethod.CONNECT.asciiName().contentEquals(method)) return true;
            if (path == null || path.isEmpty()) return false;
            return path.charAt(0) == '/' || (path.length() == 1 && path.charAt(0) == '*' && HttpMethod.OPTIONS.asciiName().contentEquals(method));
        }
    }

    /**
     * Drops the {@code x-http2-*} fields Netty's conversion adds: they are not the client's and must
     * not reach the upstream. The request's {@code :scheme} is kept on the stream channel
     * ({@link RequestScheme#KEY}) for route matching and redirects.
     *
     * <p>A request head the conversion refuses (see {@link StreamCodec}) is answered here with
     * {@code 400} and {@code x-ficus-error: DPE}, counted as the HTTP/1.1 guard counts its refusals;
     * what the client sends after it on the stream is dropped.
     */
    private static final class ExtensionHeaderCleaner extends ChannelInboundHandlerAdapter {
        private final TrafficStats stats;
        private boolean refused;
        private boolean sawRequest;

        ExtensionHeaderCleaner(TrafficStats stats) {
            this.stats = stats;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (refused) {
                ReferenceCountUtil.release(msg);
                ctx.read();
                return;
            }
            if (msg instanceof HttpRequest m) {
                sawRequest = true;
                String scheme = scheme(m.headers());
                if (scheme != null) ctx.channel().attr(RequestScheme.KEY).set(scheme); // the router matches :scheme
                ExtensionHeaders.strip(m.headers());
            }
            ctx.fireChannelRead(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // a head the conversion refused never reached the router: nothing was answered on this stream yet
            boolean badHead = cause instanceof DecoderException
                    && (cause.getCause() instanceof Http2Exception || cause.getCause() instanceof IllegalArgumentException);
            if (refused || sawRequest || !badHead) {
                ctx.fireExceptionCaught(cause);
                return;
            }
            refused = true;
            stats.request();
            stats.response(400, ResponseFlag.DPE);
            ctx.writeAndFlush(LocalReply.of(ctx.alloc(), 400, ResponseFlag.DPE, null, false)).addListener(ChannelFutureListener.CLOSE);
            ctx.read(); // drain what is left of the request until the stream closes
        }

        /** The request's {@code :scheme}; the usual two without copying the value. */
        private static String scheme(io.netty.handler.codec.http.HttpHeaders h) {
            CharSequence name = HttpConversionUtil.ExtensionHeaderNames.SCHEME.text();
            if (h.contains(name, RequestScheme.HTTP, false)) return RequestScheme.HTTP;
            if (h.contains(name, RequestScheme.HTTPS, false)) return RequestScheme.HTTPS;
            return h.get(name);
        }
    }
}
