package dev.ficus.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * What ficus's HTTP/1 request and response decoders share: a head read once, in place, by
 * {@link Http1HeadParser} (parsed again on later reads only while it is short, or once its end
 * arrived, so a head trickled in byte by byte costs no more than once), then its body handed on as
 * slices of the read buffers, never copied or aggregated: by Content-Length, chunked (chunk-size
 * lines with extensions, chunk data, trailers), to the connection's end, or as raw bytes after a
 * switch of protocols. Netty's message types come out, as from Netty's decoders:
 * {@link HttpMessage}, then {@link io.netty.handler.codec.http.HttpContent}s ending with a
 * {@link LastHttpContent}; a malformed chunk becomes a failed {@link LastHttpContent} and the
 * connection's input is discarded from there. One instance per connection, on its event loop.
 */
abstract class Http1MessageDecoder extends ByteToMessageDecoder {
    enum State { HEAD, FIXED_BODY, CHUNK_SIZE, CHUNK_DATA, CHUNK_END, TRAILERS, TO_CLOSE, RAW, BAD }

    /** Heads up to this size are parsed again on every read; longer ones only once their end arrived (bounds a trickled head's cost). */
    private static final int REPARSE_LIMIT = 1024;
    static final byte CR = '\r', LF = '\n';

    final Http1HeadParser parser;
    final Http1Head head = new Http1Head();
    private final int maxPiece;
    private final int maxChunkLine;
    private final int maxTrailers;
    private final int maxHead;
    State state = State.HEAD;
    /** Bytes left of the current fixed body or chunk. */
    private long remaining;
    /** Readable bytes already searched for a head's end (relative to the reader index). */
    private int searched;

    Http1MessageDecoder(Http1Limits limits) {
        this.parser = new Http1HeadParser(limits);
        this.maxPiece = limits.maxChunkSize();
        this.maxChunkLine = limits.maxInitialLineLength();
        this.maxTrailers = limits.maxHeaderSize();
        this.maxHead = limits.maxInitialLineLength() + limits.maxHeaderSize() + 8;
    }

    @Override
    protected final void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (in.isReadable()) {
            switch (state) {
                case HEAD -> { if (!headReady(in) || !head(in, out)) return; }
                case FIXED_BODY -> body(in, out, false);
                case CHUNK_SIZE -> { if (!chunkSize(in, out)) return; }
                case CHUNK_DATA -> body(in, out, true);
                case CHUNK_END -> { if (!chunkEnd(in, out)) return; }
                case TRAILERS -> { if (!trailers(in, out)) return; }
                case TO_CLOSE -> out.add(new DefaultHttpContent(in.readRetainedSlice(Math.min(in.readableBytes(), maxPiece))));
                case RAW -> out.add(in.readRetainedSlice(in.readableBytes()));
                case BAD -> {
                    in.skipBytes(in.readableBytes());
                    return;
                }
            }
        }
    }

    /**
     * Parses the head at the reader index and hands it on with what its framing says follows
     * ({@link #bodyFollows}); or, refused, a failed message and {@link #discard}. False when it
     * needs more bytes or the input ended.
     */
    abstract boolean head(ByteBuf in, List<Object> out);

    /** Whether a head parse is worth trying: skips empty lines before it (RFC 9112 section 2.2) and gates long heads on their end. */
    private boolean headReady(ByteBuf in) {
        while (in.readableBytes() >= 2 && in.getByte(in.readerIndex()) == CR && in.getByte(in.readerIndex() + 1) == LF) {
            in.skipBytes(2);
            searched = 0;
        }
        int readable = in.readableBytes();
        return readable <= REPARSE_LIMIT || readable > maxHead || headEndArrived(in);
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

    /** The parser returned {@code end} for a head at the reader index: whether to wait for more bytes. */
    final boolean incomplete(ByteBuf in, int end) {
        if (end == Http1HeadParser.INCOMPLETE && in.readableBytes() <= maxHead) {
            searched = Math.max(0, in.readableBytes() - 3);
            return true;
        }
        searched = 0;
        return false;
    }

    /** The head at {@code [start, end)} of {@code in} as bytes of its own, and the reader index past it. */
    static byte[] takeHead(ByteBuf in, int start, int end) {
        byte[] bytes = new byte[end - start];
        in.getBytes(start, bytes);
        in.readerIndex(end);
        return bytes;
    }

    /** How the body of a head just handed on is framed. */
    enum Body { NONE, LENGTH, CHUNKED, TO_CLOSE, RAW }

    /** Sets the state for the body of the head just added to {@code out}; adds its end at once when it has none. */
    final void bodyFollows(List<Object> out, Body body, long length) {
        switch (body) {
            case NONE -> out.add(LastHttpContent.EMPTY_LAST_CONTENT);
            case LENGTH -> {
                if (length == 0) {
                    out.add(LastHttpContent.EMPTY_LAST_CONTENT);
                } else {
                    remaining = length;
                    state = State.FIXED_BODY;
                }
            }
            case CHUNKED -> state = State.CHUNK_SIZE;
            case TO_CLOSE -> state = State.TO_CLOSE;
            case RAW -> {
                out.add(LastHttpContent.EMPTY_LAST_CONTENT);
                state = State.RAW;
            }
        }
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
            out.add(new DefaultLastHttpContent(piece, EmptyHttpHeaders.INSTANCE)); // a fixed-length body has no trailers
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
    final boolean invalidChunk(ByteBuf in, List<Object> out, String why) {
        LastHttpContent failed = new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER);
        failed.setDecoderResult(DecoderResult.failure(new IllegalArgumentException(why)));
        discard(in);
        out.add(failed);
        return false;
    }

    final void discard(ByteBuf in) {
        in.skipBytes(in.readableBytes());
        state = State.BAD;
    }
}
