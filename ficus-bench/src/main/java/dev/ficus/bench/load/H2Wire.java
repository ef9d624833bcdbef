package dev.ficus.bench.load;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.DefaultHttp2Connection;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2ConnectionHandlerBuilder;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2EventAdapter;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.netty.util.collection.IntObjectHashMap;

import java.net.URI;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/2 with prior knowledge (h2c), and gRPC unary calls on top of it. Netty's lower-level
 * codec ({@link Http2ConnectionHandler} with a frame listener) rather than the frame codec with a
 * child channel per stream: a generator needs a stream's status and its end, not a pipeline per
 * stream. The request headers are built once per run and the body is a duplicate of one direct
 * buffer; per stream only the codec's own state and a pooled {@link StreamState} are used.
 *
 * <p>A response ends with END_STREAM. For h2c its status is {@code :status}; for gRPC it is
 * {@code grpc-status} from the trailers (or a trailers-only response), or, when a proxy answered
 * without one, the status gRPC derives from the HTTP status. RST_STREAM fails the stream; GOAWAY
 * fails the streams above the last one the server took and retires the connection.
 */
final class H2Wire implements Wire {
    private static final AsciiString GRPC_STATUS = AsciiString.cached("grpc-status");
    private static final AsciiString GRPC_CONTENT_TYPE = AsciiString.cached("application/grpc");
    private static final AsciiString TRAILERS = AsciiString.cached("trailers");

    private final boolean grpc;
    private final Http2Headers headers; // shared by every request of the run, never changed after this constructor
    private final ByteBuf body; // direct; released after the run; null when there is none
    private final ByteBuf sharedBody;

    H2Wire(LoadConfig config) {
        this.grpc = config.protocol() == Protocol.GRPC;
        URI uri = config.target();
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        if (uri.getRawQuery() != null) path += "?" + uri.getRawQuery();
        String authority = uri.getPort() == -1 ? uri.getHost() : uri.getHost() + ":" + uri.getPort();
        Http2Headers h = new DefaultHttp2Headers(false)
                .method(config.method()).scheme("http").path(path).authority(authority);
        boolean userAgent = false;
        boolean contentType = false;
        for (Map.Entry<String, String> e : config.headers()) {
            String name = e.getKey().toLowerCase(Locale.ROOT);
            if (name.equals("host")) {
                h.authority(e.getValue()); // HTTP/2 carries the host as :authority
                continue;
            }
            if (name.equals("content-length") || name.equals("connection") || name.equals("transfer-encoding")) continue;
            userAgent |= name.equals("user-agent");
            contentType |= name.equals("content-type");
            h.add(name, e.getValue());
        }
        if (!userAgent) h.set("user-agent", "ficus-bench");
        int size = config.bodySize();
        if (grpc) {
            if (!contentType) h.set("content-type", GRPC_CONTENT_TYPE);
            h.set("te", TRAILERS);
            // One uncompressed message: flag 0, 4-byte big-endian length, the raw payload.
            byte[] message = new byte[5 + size];
            message[1] = (byte) (size >>> 24);
            message[2] = (byte) (size >>> 16);
            message[3] = (byte) (size >>> 8);
            message[4] = (byte) size;
            Arrays.fill(message, 5, message.length, (byte) 'x');
            body = Unpooled.directBuffer(message.length).writeBytes(message);
        } else if (size > 0) {
            if (!contentType) h.set("content-type", "application/octet-stream");
            byte[] bytes = new byte[size];
            Arrays.fill(bytes, (byte) 'x');
            body = Unpooled.directBuffer(size).writeBytes(bytes);
        } else {
            body = null;
        }
        if (body != null) h.setInt("content-length", body.readableBytes());
        this.headers = h;
        this.sharedBody = body == null ? null : RequestEncoder.unreleasable(body);
    }

    @Override
    public Exchanges attach(Channel ch, Sink sink) {
        Connection c = new Connection(ch, sink);
        c.handler = new Http2ConnectionHandlerBuilder().connection(c.connection).frameListener(c)
                .validateHeaders(false).build();
        ch.pipeline().addLast("reads", new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                c.reading = true;
                ctx.fireChannelRead(msg);
            }

            @Override
            public void channelReadComplete(ChannelHandlerContext ctx) {
                ctx.fireChannelReadComplete(); // the HTTP/2 handler flushes here
                c.reading = false;
            }
        });
        ch.pipeline().addLast("h2", c.handler);
        c.ctx = ch.pipeline().context(c.handler);
        return c;
    }

    @Override
    public void release() {
        if (body != null) body.release();
    }

    /** What one stream's response has shown so far; pooled per connection. */
    private static final class StreamState {
        int status;
        int grpcStatus;
        long headerBytes;
        long totalBytes;
    }

    /** One HTTP/2 connection: its codec, and the state of its open streams. */
    private final class Connection extends Http2EventAdapter implements Exchanges {
        final Channel ch;
        final Sink sink;
        final Http2Connection connection = new DefaultHttp2Connection(false);
        Http2ConnectionHandler handler;
        ChannelHandlerContext ctx;
        /**
         * Inside a batch of reads: requests sent in answer to responses are flushed once, when the
         * batch ends, rather than one write system call each (as h2load does).
         */
        boolean reading;
        private final IntObjectHashMap<StreamState> streams = new IntObjectHashMap<>();
        private final ArrayDeque<StreamState> free = new ArrayDeque<>();

        Connection(Channel ch, Sink sink) {
            this.ch = ch;
            this.sink = sink;
        }

        @Override
        public Channel channel() {
            return ch;
        }

        @Override
        public int send() {
            if (connection.goAwayReceived()) return RETIRE;
            if (!connection.local().canOpenStream()) return NOT_NOW; // the server's SETTINGS_MAX_CONCURRENT_STREAMS
            int id = connection.local().incrementAndGetNextStreamId();
            if (id < 0) return RETIRE; // 2^31 stream ids used up
            StreamState st = free.isEmpty() ? new StreamState() : free.poll();
            st.status = -1;
            st.grpcStatus = -1;
            st.headerBytes = 0;
            st.totalBytes = 0;
            streams.put(id, st);
            Http2ConnectionEncoder encoder = handler.encoder();
            encoder.writeHeaders(ctx, id, headers, 0, sharedBody == null, ctx.newPromise());
            if (sharedBody != null) encoder.writeData(ctx, id, sharedBody.duplicate(), 0, true, ctx.newPromise());
            if (!reading) handler.flush(ctx);
            return id;
        }

        @Override
        public boolean cancel(int id) {
            StreamState st = streams.remove(id);
            if (st != null) free.add(st);
            handler.encoder().writeRstStream(ctx, id, Http2Error.CANCEL.code(), ctx.newPromise());
            ctx.channel().flush();
            return true;
        }

        @Override
        public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers h, int streamDependency,
                                  short weight, boolean exclusive, int padding, boolean endOfStream) {
            onHeadersRead(ctx, streamId, h, padding, endOfStream);
        }

        @Override
        public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers h, int padding, boolean endOfStream) {
            StreamState st = streams.get(streamId);
            if (st == null) return; // cancelled
            long size = 0;
            for (Map.Entry<CharSequence, CharSequence> e : h) size += e.getKey().length() + e.getValue().length() + 32;
            st.headerBytes += size;
            st.totalBytes += size;
            CharSequence status = h.status();
            if (status != null && st.status < 200) {
                st.status = parseStatus(status);
            }
            if (grpc) {
                CharSequence g = h.get(GRPC_STATUS);
                if (g != null) st.grpcStatus = parseStatus(g);
            }
            if (endOfStream) end(streamId, st);
        }

        @Override
        public int onDataRead(ChannelHandlerContext ctx, int streamId, ByteBuf data, int padding, boolean endOfStream) {
            int n = data.readableBytes();
            StreamState st = streams.get(streamId);
            if (st != null) {
                st.totalBytes += n;
                if (endOfStream) end(streamId, st);
            }
            return n + padding; // processed: the flow-control window opens again
        }

        @Override
        public void onRstStreamRead(ChannelHandlerContext ctx, int streamId, long errorCode) {
            StreamState st = streams.remove(streamId);
            if (st == null) return;
            free.add(st);
            sink.failed(this, streamId, ErrorKind.STREAM_RESET);
        }

        @Override
        public void onGoAwayRead(ChannelHandlerContext ctx, int lastStreamId, long errorCode, ByteBuf debugData) {
            // Streams above lastStreamId were never taken: the codec closes them, and so does the driver.
            streams.keySet().removeIf(id -> id > lastStreamId);
            sink.retired(this, lastStreamId, ErrorKind.GOAWAY);
        }

        private void end(int streamId, StreamState st) {
            streams.remove(streamId);
            free.add(st);
            int status;
            if (st.status < 0 || (!grpc && st.status < 200)) {
                sink.failed(this, streamId, ErrorKind.PROTOCOL); // no final :status
                return;
            }
            if (grpc) {
                status = st.grpcStatus >= 0 ? st.grpcStatus : grpcStatusOf(st.status);
                if (status < 0) {
                    sink.failed(this, streamId, ErrorKind.PROTOCOL); // 200 without grpc-status
                    return;
                }
            } else {
                status = st.status;
            }
            sink.response(this, streamId, status, st.headerBytes, st.totalBytes);
        }
    }

    /** A decimal status, or -1 when the text is not one (0..999). */
    static int parseStatus(CharSequence s) {
        if (s.isEmpty() || s.length() > 3) return -1;
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') return -1;
            n = n * 10 + (c - '0');
        }
        return n;
    }

    /**
     * The gRPC status a client reports when the server answered with an HTTP status and no
     * {@code grpc-status} (gRPC's "HTTP to gRPC status code mapping"); -1 for 200, which must carry one.
     */
    static int grpcStatusOf(int httpStatus) {
        return switch (httpStatus) {
            case 200 -> -1;
            case 400 -> 13; // INTERNAL
            case 401 -> 16; // UNAUTHENTICATED
            case 403 -> 7; // PERMISSION_DENIED
            case 404 -> 12; // UNIMPLEMENTED
            case 429, 502, 503, 504 -> 14; // UNAVAILABLE
            default -> 2; // UNKNOWN
        };
    }
}
