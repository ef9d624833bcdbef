package dev.ficus.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Decodes downstream HTTP/1.x requests into Netty's message types ({@link HttpRequest}, then
 * {@link io.netty.handler.codec.http.HttpContent}s ending with a {@link LastHttpContent}), as
 * Netty's request decoder does, but reads each head once, in place, with {@link Http1HeadParser}:
 * the request's headers are an {@link Http1HeadHeaders} over a copy of the head's bytes, which the
 * upstream encoder copies on as they arrived. Bodies are handed on as slices of the read buffers,
 * never copied or aggregated: by Content-Length, or chunked (chunk-size lines with extensions, the
 * chunk data, trailers).
 *
 * <p>Errors follow Netty's decoder so the stages after it keep one contract: a head that breaks the
 * framing rules becomes a request whose {@link DecoderResult} failed ({@link TooLongHttpHeaderException}
 * for a header section over the limit, 431), a malformed chunk becomes a failed {@link LastHttpContent};
 * either way everything after it on the connection is discarded, since its framing can no longer be
 * trusted. {@link RequestGuardHandler} turns them into replies.
 *
 * <p>One instance per connection, on its event loop; part of {@link Http1ServerCodec}.
 */
public final class Http1RequestDecoder extends ByteToMessageDecoder {
    private enum State { HEAD, FIXED_BODY, CHUNK_SIZE, CHUNK_DATA, CHUNK_END, TRAILERS, BAD }

    /** Heads up to this size are parsed again on every read; longer ones only once their end arrived (bounds a trickled head's cost). */
    private static final int REPARSE_LIMIT = 1024;
    private static final byte CR = '\r', LF = '\n';

    private final Http1HeadParser parser;
    private final Http1Head head = new Http1Head();
    private final int maxPiece;
    private final int maxChunkLine;
    private final int maxTrailers;
    private final int maxHead;
    private final MethodListener methods;
    private State state = State.HEAD;
    /** Bytes left of the current fixed body or chunk. */
    private long remaining;
    /** Readable bytes already searched for a head's end (relative to the reader index). */
    private int searched;

    /** Told each request's method as it is decoded: the response encoder needs it (HEAD, CONNECT). */
    @FunctionalInterface
    public interface MethodListener {
        /** @return false when too many requests wait for responses: the connection is refused further input */
        boolean requested(HttpMethod method);
    }

    public Http1RequestDecoder(Http1Limits limits, MethodListener methods) {
        this.parser = new Http1HeadParser(limits);
        this.maxPiece = limits.maxChunkSize();
        this.maxChunkLine = limits.maxInitialLineLength();
        this.maxTrailers = limits.maxHeaderSize();
        this.maxHead = limits.maxInitialLineLength() + limits.maxHeaderSize() + 8;
        this.methods = methods;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (in.isReadable()) {
            switch (state) {
                case HEAD -> { if (!head(in, out)) return; }
                case FIXED_BODY -> body(in, out, false);
                case CHUNK_SIZE -> { if (!chunkSize(in, out)) return; }
                case CHUNK_DATA -> body(in, out, true);
                case CHUNK_END -> { if (!chunkEnd(in, out)) return; }
                case TRAILERS -> { if (!trailers(in, out)) return; }
                case BAD -> {
                    in.skipBytes(in.readableBytes());
                    return;
                }
            }
        }
    }

    // ---- head

    private boolean head(ByteBuf in, List<Object> out) {
        // empty lines before a request line are ignored (RFC 9112 section 2.2): consumed, so they cannot pile up
        while (in.readableBytes() >= 2 && in.getByte(in.readerIndex()) == CR && in.getByte(in.readerIndex() + 1) == LF) {
            in.skipBytes(2);
            searched = 0;
        }
        int readable = in.readableBytes();
        if (readable > REPARSE_LIMIT && readable <= maxHead && !headEndArrived(in)) return false;
        int start = in.readerIndex();
        int end = parser.parse(in, head);
        if (end == Http1HeadParser.INCOMPLETE && readable <= maxHead) {
            searched = Math.max(0, readable - 3);
            return false;
        }
        searched = 0;
        if (end <= 0) { // refused, or (defensively) no end within the limits
            DefaultHttpRequest bad = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/bad-request");
            bad.setDecoderResult(DecoderResult.failure(end == Http1HeadParser.BAD_REQUEST
                    ? new IllegalArgumentException(head.error()) : new TooLongHttpHeaderException(end == 0 ? "request head too large" : head.error())));
            discard(in);
            out.add(bad);
            return false;
        }
        byte[] bytes = new byte[end - start];
        in.getBytes(start, bytes);
        in.readerIndex(end);
        HttpMethod method = method(bytes, head.methodStart - start, head.methodEnd - start);
        String uri = new String(bytes, head.targetStart - start, head.targetEnd - head.targetStart, StandardCharsets.ISO_8859_1);
        HttpVersion version = head.minorVersion == 1 ? HttpVersion.HTTP_1_1 : HttpVersion.HTTP_1_0;
        HttpRequest req = new DefaultHttpRequest(version, method, uri, new Http1HeadHeaders(bytes, start, head));
        if (!methods.requested(method)) {
            discard(in);
            throw new IllegalStateException("too many pipelined requests waiting for responses");
        }
        out.add(req);
        if (head.chunked) {
            state = State.CHUNK_SIZE;
        } else if (head.contentLength > 0) {
            remaining = head.contentLength;
            state = State.FIXED_BODY;
        } else {
            out.add(LastHttpContent.EMPTY_LAST_CONTENT);
        }
        return true;
    }

    /** Whether the bytes not searched yet complete an empty line (the head's end: LF CR LF). */
    private boolean headEndArrived(ByteBuf in) {
        int base = in.readerIndex(), end = in.writerIndex();
        int from = base + searched;
        searched = Math.max(0, in.readableBytes() - 3);
        for (int i = in.indexOf(from, end, LF); i >= 0; i = in.indexOf(i + 1, end, LF)) {
            if (i - 2 >= base && in.getByte(i - 1) == CR && in.getByte(i - 2) == LF) return true;
        }
        return false;
    }

    /** The method without allocating for the common ones. */
    private static HttpMethod method(byte[] b, int from, int to) {
        int n = to - from;
        if (n == 3 && b[from] == 'G' && b[from + 1] == 'E' && b[from + 2] == 'T') return HttpMethod.GET;
        if (n == 4 && b[from] == 'P' && b[from + 1] == 'O' && b[from + 2] == 'S' && b[from + 3] == 'T') return HttpMethod.POST;
        if (n == 3 && b[from] == 'P' && b[from + 1] == 'U' && b[from + 2] == 'T') return HttpMethod.PUT;
        if (n == 4 && b[from] == 'H' && b[from + 1] == 'E' && b[from + 2] == 'A' && b[from + 3] == 'D') return HttpMethod.HEAD;
        return HttpMethod.valueOf(new String(b, from, n, StandardCharsets.ISO_8859_1));
    }

    // ---- bodies

    /** Hands on what is readable of the current fixed body or chunk, as a slice of the read buffer. */
    private void body(ByteBuf in, List<Object> out, boolean chunk) {
        int n = (int) Math.min(Math.min(remaining, in.readableBytes()), maxPiece);
        ByteBuf piece = in.readRetainedSlice(n);
        remaining -= n;
        if (remaining > 0) {
            out.add(new DefaultHttpContent(piece));
        } else if (chunk) {
            out.add(new DefaultHttpContent(piece));
            state = State.CHUNK_END;
        } else {
            out.add(new DefaultLastHttpContent(piece));
            state = State.HEAD;
        }
    }

    /**
     * A chunk-size line (RFC 9112 section 7.1): hex digits, optional extensions after {@code ;},
     * CRLF. A size of zero starts the trailer section.
     */
    private boolean chunkSize(ByteBuf in, List<Object> out) {
        int start = in.readerIndex(), end = in.writerIndex();
        int lf = in.indexOf(start, Math.min(end, start + maxChunkLine), LF);
        if (lf < 0) {
            if (in.readableBytes() >= maxChunkLine) invalidChunk(in, out, "chunk-size line too long");
            return false;
        }
        if (lf == start || in.getByte(lf - 1) != CR) return invalidChunk(in, out, "bad chunk-size line ending");
        int lineEnd = lf - 1;
        long size = 0;
        int p = start;
        for (; p < lineEnd; p++) {
            int d = hex(in.getByte(p));
            if (d < 0) break;
            if (size > (Long.MAX_VALUE >> 4)) return invalidChunk(in, out, "chunk size too large");
            size = (size << 4) | d;
        }
        if (p == start) return invalidChunk(in, out, "bad chunk size");
        while (p < lineEnd && (in.getByte(p) == ' ' || in.getByte(p) == '\t')) p++;
        if (p < lineEnd) {
            if (in.getByte(p) != ';') return invalidChunk(in, out, "bad chunk size");
            for (int i = p + 1; i < lineEnd; i++) {
                int b = in.getByte(i) & 0xff;
                if (b != '\t' && (b < 0x20 || b == 0x7f)) return invalidChunk(in, out, "bad character in chunk extension");
            }
        }
        in.readerIndex(lf + 1);
        if (size == 0) {
            state = State.TRAILERS;
        } else {
            remaining = size;
            state = State.CHUNK_DATA;
        }
        return true;
    }

    private boolean chunkEnd(ByteBuf in, List<Object> out) {
        if (in.readableBytes() < 2) return false;
        int p = in.readerIndex();
        if (in.getByte(p) != CR || in.getByte(p + 1) != LF) return invalidChunk(in, out, "chunk data not followed by CRLF");
        in.skipBytes(2);
        state = State.CHUNK_SIZE;
        return true;
    }

    /** The trailer section after the last chunk: field lines up to an empty line; waits until all of it arrived. */
    private boolean trailers(ByteBuf in, List<Object> out) {
        int start = in.readerIndex(), end = in.writerIndex();
        int p = start;
        while (true) {
            int lf = in.indexOf(p, end, LF);
            if (lf < 0) {
                if (end - start > maxTrailers) return invalidChunk(in, out, "trailer section too large");
                return false;
            }
            if (lf == p || in.getByte(lf - 1) != CR) return invalidChunk(in, out, "bad trailer line ending");
            if (lf - p == 1) { // the empty line
                if (lf + 1 - start > maxTrailers) return invalidChunk(in, out, "trailer section too large");
                LastHttpContent last = p == start ? LastHttpContent.EMPTY_LAST_CONTENT : trailerSection(in, start, p);
                if (last == null) return invalidChunk(in, out, "bad trailer field");
                in.readerIndex(lf + 1);
                out.add(last);
                state = State.HEAD;
                return true;
            }
            p = lf + 1;
        }
    }

    /** The trailer fields of {@code in[start, end)} (complete lines), or null when one is malformed. */
    private static LastHttpContent trailerSection(ByteBuf in, int start, int end) {
        DefaultHttpHeaders trailers = new DefaultHttpHeaders();
        int p = start;
        while (p < end) {
            int lf = in.indexOf(p, end, LF);
            int colon = in.indexOf(p, lf, (byte) ':');
            if (colon <= p) return null;
            for (int i = p; i < colon; i++) if (!Http1HeadParser.tchar(in.getByte(i) & 0xff)) return null;
            int vs = colon + 1, ve = lf - 1;
            while (vs < ve && (in.getByte(vs) == ' ' || in.getByte(vs) == '\t')) vs++;
            while (ve > vs && (in.getByte(ve - 1) == ' ' || in.getByte(ve - 1) == '\t')) ve--;
            for (int i = vs; i < ve; i++) {
                int b = in.getByte(i) & 0xff;
                if (b != '\t' && (b < 0x20 || b == 0x7f)) return null;
            }
            AsciiString name = new AsciiString(in.toString(p, colon - p, StandardCharsets.ISO_8859_1));
            // framing fields have no meaning in a trailer (RFC 9110 section 6.5.1): dropped, as Netty's decoder does
            if (!name.contentEqualsIgnoreCase(HttpHeaderNames.CONTENT_LENGTH) && !name.contentEqualsIgnoreCase(HttpHeaderNames.TRANSFER_ENCODING)
                    && !name.contentEqualsIgnoreCase(HttpHeaderNames.TRAILER)) {
                trailers.add(name, in.toString(vs, ve - vs, StandardCharsets.ISO_8859_1));
            }
            p = lf + 1;
        }
        return new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER, trailers);
    }

    private static int hex(byte b) {
        if (b >= '0' && b <= '9') return b - '0';
        if (b >= 'a' && b <= 'f') return b - 'a' + 10;
        if (b >= 'A' && b <= 'F') return b - 'A' + 10;
        return -1;
    }

    /** A chunk broke the framing: the body ends in a failed last content, and the connection's input is discarded. */
    private boolean invalidChunk(ByteBuf in, List<Object> out, String why) {
        LastHttpContent failed = new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER);
        failed.setDecoderResult(DecoderResult.failure(new IllegalArgumentException(why)));
        discard(in);
        out.add(failed);
        return false;
    }

    private void discard(ByteBuf in) {
        in.skipBytes(in.readableBytes());
        state = State.BAD;
    }
}
