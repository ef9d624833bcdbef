package dev.ficus.bench.load;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.ByteProcessor;

import java.util.List;

/**
 * A lean HTTP/1.1 response reader for the load generator: finds each response's status and end
 * (Content-Length, chunked, or close-delimited) and counts its header and total bytes exactly,
 * allocating nothing per response; the body is skipped, never copied. One instance per connection,
 * on its event loop. A generator needs no more of a response, and Netty's full decoder (header
 * objects and content buffers per response) costs a closed-loop run a good part of its rate.
 */
final class ResponseParser extends ByteToMessageDecoder {

    /** Receives each response's facts on the connection's event loop. */
    interface Listener {
        void onResponse(int status, long headerBytes, long totalBytes);

        void onMalformed(String why);
    }

    private enum State { STATUS, HEADERS, BODY, CHUNK_SIZE, CHUNK_DATA, CHUNK_END, TRAILERS, UNTIL_CLOSE, BROKEN }

    private static final int MAX_LINE = 16 * 1024;

    private final boolean head;
    private final Listener listener;
    private State state = State.STATUS;
    private int status;
    private long headerBytes;
    private long totalBytes;
    private long remaining;
    private boolean chunked;
    private boolean close;
    private long contentLength;

    ResponseParser(boolean head, Listener listener) {
        this.head = head;
        this.listener = listener;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        // Bounded: each turn consumes bytes or returns for more.
        while (in.isReadable()) {
            switch (state) {
                case STATUS, HEADERS, CHUNK_SIZE, CHUNK_END, TRAILERS -> {
                    int lf = in.forEachByte(in.readerIndex(), in.readableBytes(), ByteProcessor.FIND_LF);
                    if (lf < 0) {
                        if (in.readableBytes() > MAX_LINE) malformed(in, "line longer than " + MAX_LINE + " bytes");
                        return;
                    }
                    int start = in.readerIndex();
                    int len = lf - start; // without LF
                    int end = len > 0 && in.getByte(lf - 1) == '\r' ? lf - 1 : lf;
                    in.readerIndex(lf + 1);
                    totalBytes += len + 1;
                    line(in, start, end);
                    if (state == State.BROKEN) return;
                }
                case BODY, CHUNK_DATA -> {
                    int n = (int) Math.min(remaining, in.readableBytes());
                    in.skipBytes(n);
                    totalBytes += n;
                    remaining -= n;
                    if (remaining == 0) {
                        if (state == State.BODY) complete();
                        else state = State.CHUNK_END;
                    }
                }
                case UNTIL_CLOSE -> {
                    totalBytes += in.readableBytes();
                    in.skipBytes(in.readableBytes());
                }
                case BROKEN -> {
                    in.skipBytes(in.readableBytes());
                    return;
                }
            }
        }
    }

    private void line(ByteBuf in, int start, int end) {
        switch (state) {
            case STATUS -> {
                // "HTTP/1.1 200 OK": version, space, three digits.
                if (end - start < 12 || in.getByte(start) != 'H' || in.getByte(start + 8) != ' ') {
                    malformed(in, "not an HTTP/1.x status line");
                    return;
                }
                int code = 0;
                for (int i = start + 9; i < start + 12; i++) {
                    byte b = in.getByte(i);
                    if (b < '0' || b > '9') {
                        malformed(in, "bad status code");
                        return;
                    }
                    code = code * 10 + (b - '0');
                }
                status = code;
                headerBytes = totalBytes;
                close = in.getByte(start + 7) == '0'; // HTTP/1.0 closes unless it says keep-alive
                chunked = false;
                contentLength = -1;
                state = State.HEADERS;
            }
            case HEADERS -> {
                if (end == start) {
                    headersDone();
                    return;
                }
                headerBytes = totalBytes;
                header(in, start, end);
            }
            case CHUNK_SIZE -> {
                long size = 0;
                int digits = 0;
                for (int i = start; i < end; i++) {
                    int d = Character.digit(in.getByte(i), 16);
                    if (d < 0) break; // chunk extensions follow ';'
                    size = size * 16 + d;
                    if (++digits > 15) {
                        malformed(in, "chunk too large");
                        return;
                    }
                }
                if (digits == 0) {
                    malformed(in, "bad chunk size");
                    return;
                }
                if (size == 0) {
                    state = State.TRAILERS;
                } else {
                    remaining = size;
                    state = State.CHUNK_DATA;
                }
            }
            case CHUNK_END -> {
                if (end != start) {
                    malformed(in, "chunk not followed by CRLF");
                    return;
                }
                state = State.CHUNK_SIZE;
            }
            case TRAILERS -> {
                if (end == start) complete();
            }
            default -> throw new IllegalStateException(state.name());
        }
    }

    private void header(ByteBuf in, int start, int end) {
        int colon = -1;
        for (int i = start; i < end; i++) {
            if (in.getByte(i) == ':') {
                colon = i;
                break;
            }
        }
        if (colon <= start) {
            malformed(in, "header without a name");
            return;
        }
        int nameLen = colon - start;
        int v = colon + 1;
        while (v < end && (in.getByte(v) == ' ' || in.getByte(v) == '\t')) v++;
        int ve = end;
        while (ve > v && (in.getByte(ve - 1) == ' ' || in.getByte(ve - 1) == '\t')) ve--;
        if (nameLen == 14 && is(in, start, "content-length")) {
            long n = 0;
            if (ve == v) {
                malformed(in, "empty Content-Length");
                return;
            }
            for (int i = v; i < ve; i++) {
                byte b = in.getByte(i);
                if (b < '0' || b > '9' || n > Long.MAX_VALUE / 10 - 10) {
                    malformed(in, "bad Content-Length");
                    return;
                }
                n = n * 10 + (b - '0');
            }
            contentLength = n;
        } else if (nameLen == 17 && is(in, start, "transfer-encoding")) {
            chunked = ve - v >= 7 && is(in, ve - 7, "chunked");
        } else if (nameLen == 10 && is(in, start, "connection")) {
            if (ve - v == 5 && is(in, v, "close")) close = true;
            else if (ve - v == 10 && is(in, v, "keep-alive")) close = false;
        }
    }

    private void headersDone() {
        headerBytes = totalBytes;
        if (status >= 100 && status < 200) {
            // An interim response (100 Continue): the real one follows.
            state = State.STATUS;
            totalBytes = 0;
            return;
        }
        if (head || status == 204 || status == 304) {
            complete();
        } else if (chunked) {
            state = State.CHUNK_SIZE;
        } else if (contentLength >= 0) {
            remaining = contentLength;
            state = State.BODY;
            if (remaining == 0) complete();
        } else {
            state = State.UNTIL_CLOSE; // ends when the server closes
        }
    }

    private void complete() {
        long total = totalBytes;
        long headers = headerBytes;
        state = State.STATUS;
        totalBytes = 0;
        headerBytes = 0;
        listener.onResponse(status, headers, total);
    }

    private void malformed(ByteBuf in, String why) {
        state = State.BROKEN;
        in.skipBytes(in.readableBytes());
        listener.onMalformed(why);
    }

    @Override
    protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        super.decodeLast(ctx, in, out);
        if (state == State.UNTIL_CLOSE) complete();
    }

    /** Case-insensitive match of ASCII {@code lower} (lower case) at {@code at}. */
    private static boolean is(ByteBuf in, int at, String lower) {
        for (int i = 0; i < lower.length(); i++) {
            int b = in.getByte(at + i);
            if (b >= 'A' && b <= 'Z') b += 32;
            if (b != lower.charAt(i)) return false;
        }
        return true;
    }
}
