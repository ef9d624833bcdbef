package dev.ficus.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.PrematureChannelClosureException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Decodes upstream HTTP/1.x responses (see {@link Http1MessageDecoder}): each head is read once,
 * in place, by {@link Http1HeadParser#parseResponse}, and the response's headers are an
 * {@link Http1HeadHeaders} over one copy of the head's bytes, which the downstream encoder copies on
 * as they arrived. The body follows RFC 9112 section 6.3: none for 1xx, 204, 304 and what
 * {@link Requests} says (the answer to a HEAD); raw bytes after a 101 or a 200 to CONNECT; else
 * chunked, Content-Length, or up to the connection's end.
 *
 * <p>Errors follow Netty's response decoder so the router keeps one contract: a head that breaks
 * the framing rules (obsolete line folding included: RFC 9112 section 5.2 lets a proxy refuse it)
 * becomes a response whose {@link DecoderResult} failed, as does a connection closed within a head
 * whose status line arrived; a malformed chunk a failed last content. The router answers either
 * with 502 UPE. One instance per upstream connection, on its event loop; part of {@link Http1ClientCodec}.
 */
public final class Http1ResponseDecoder extends Http1MessageDecoder {
    private static final HttpResponseStatus UNKNOWN = new HttpResponseStatus(999, "Unknown");

    private final Requests requests;

    /** What the request a final response answers means for its body. */
    public enum Answer { BODY, NO_BODY, TUNNEL }

    /** Told of each final (not 1xx) response in order, as the requests were sent. */
    @FunctionalInterface
    public interface Requests {
        Answer answered(int status);
    }

    public Http1ResponseDecoder(Http1Limits limits, Requests requests) {
        super(limits);
        this.requests = requests;
    }

    @Override
    boolean head(ByteBuf in, List<Object> out) {
        int start = in.readerIndex();
        int end = parser.parseResponse(in, head);
        if (incomplete(in, end)) return false;
        if (end <= 0) {
            failed(out, end == Http1HeadParser.BAD_REQUEST ? new IllegalArgumentException(head.error())
                    : new TooLongHttpHeaderException(end == 0 ? "response head too large" : head.error()));
            discard(in);
            return false;
        }
        byte[] bytes = takeHead(in, start, end);
        int code = head.status;
        HttpResponseStatus status = status(code, bytes, head.reasonStart - start, head.reasonEnd - start);
        HttpVersion version = head.minorVersion == 1 ? HttpVersion.HTTP_1_1 : HttpVersion.HTTP_1_0;
        HttpResponse resp = new DefaultHttpResponse(version, status, new Http1HeadHeaders(bytes, start, head));
        Body body;
        if (code == 101) body = Body.RAW; // the bytes after it are the new protocol's (RFC 9110 section 15.2.2)
        else if (code < 200) body = Body.NONE; // informational: the final response follows
        else {
            Answer a = requests.answered(code);
            if (a == Answer.TUNNEL) body = Body.RAW;
            else if (a == Answer.NO_BODY || code == 204 || code == 304) body = Body.NONE;
            else body = head.chunked ? Body.CHUNKED : head.contentLength >= 0 ? Body.LENGTH : Body.TO_CLOSE;
        }
        // a response without a body does not say chunked on (as Netty's decoder)
        if (head.transferEncoding && (body == Body.NONE || body == Body.RAW)) HttpUtil.setTransferEncodingChunked(resp, false);
        out.add(resp);
        bodyFollows(out, body, head.contentLength);
        return true;
    }

    /** The status, without allocating when the reason phrase is the usual one. */
    private static HttpResponseStatus status(int code, byte[] b, int from, int to) {
        HttpResponseStatus usual = HttpResponseStatus.valueOf(code);
        String r = usual.reasonPhrase();
        boolean same = r.length() == to - from;
        for (int i = 0; same && i < r.length(); i++) same = b[from + i] == r.charAt(i);
        return same ? usual : new HttpResponseStatus(code, new String(b, from, to - from, StandardCharsets.ISO_8859_1));
    }

    private static void failed(List<Object> out, Exception cause) {
        HttpResponse bad = new DefaultFullHttpResponse(HttpVersion.HTTP_1_0, UNKNOWN, Unpooled.EMPTY_BUFFER);
        bad.setDecoderResult(DecoderResult.failure(cause));
        out.add(bad);
    }

    @Override
    protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        super.decodeLast(ctx, in, out);
        if (state == State.TO_CLOSE) { // the connection's end is the body's
            out.add(LastHttpContent.EMPTY_LAST_CONTENT);
            state = State.HEAD;
        } else if (state == State.HEAD && in.isReadable() && in.indexOf(in.readerIndex(), in.writerIndex(), LF) >= 0) {
            failed(out, new PrematureChannelClosureException("connection closed within a response head"));
            discard(in);
        }
    }
}
