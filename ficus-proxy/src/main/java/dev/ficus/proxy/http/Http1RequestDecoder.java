package dev.ficus.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Decodes downstream HTTP/1.x requests (see {@link Http1MessageDecoder}): each head is read once,
 * in place, by {@link Http1HeadParser}, and the request's headers are an {@link Http1HeadHeaders}
 * over one copy of the head's bytes, which the upstream encoder copies on as they arrived.
 *
 * <p>Errors follow Netty's request decoder so the stages after it keep one contract: a head that
 * breaks the framing rules becomes a request whose {@link DecoderResult} failed
 * ({@link TooLongHttpHeaderException} for a header section over the limit, 431), and everything
 * after it on the connection is discarded, since its framing can no longer be trusted.
 * {@link RequestGuardHandler} turns it into a reply.
 *
 * <p>One instance per connection, on its event loop; part of {@link Http1ServerCodec}.
 */
public final class Http1RequestDecoder extends Http1MessageDecoder {
    private final MethodListener methods;

    /** Told each request's method as it is decoded: the response encoder needs it (HEAD, CONNECT). */
    @FunctionalInterface
    public interface MethodListener {
        /** @return false when too many requests wait for responses: the connection is refused further input */
        boolean requested(HttpMethod method);
    }

    public Http1RequestDecoder(Http1Limits limits, MethodListener methods) {
        super(limits);
        this.methods = methods;
    }

    @Override
    boolean head(ByteBuf in, List<Object> out) {
        int start = in.readerIndex();
        int end = parser.parse(in, head);
        if (incomplete(in, end)) return false;
        if (end <= 0) { // refused, or (defensively) no end within the limits
            DefaultHttpRequest bad = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/bad-request");
            bad.setDecoderResult(DecoderResult.failure(end == Http1HeadParser.BAD_REQUEST
                    ? new IllegalArgumentException(head.error()) : new TooLongHttpHeaderException(end == 0 ? "request head too large" : head.error())));
            discard(in);
            out.add(bad);
            return false;
        }
        byte[] bytes = takeHead(in, start, end);
        HttpMethod method = method(bytes, head.methodStart - start, head.methodEnd - start);
        String uri = new String(bytes, head.targetStart - start, head.targetEnd - head.targetStart, StandardCharsets.ISO_8859_1);
        HttpVersion version = head.minorVersion == 1 ? HttpVersion.HTTP_1_1 : HttpVersion.HTTP_1_0;
        HttpRequest req = new DefaultHttpRequest(version, method, uri, new Http1HeadHeaders(bytes, start, head));
        if (!methods.requested(method)) {
            discard(in);
            throw new IllegalStateException("too many pipelined requests waiting for responses");
        }
        out.add(req);
        // a request without Content-Length or chunked has no body (RFC 9112 section 6.3)
        bodyFollows(out, head.chunked ? Body.CHUNKED : head.contentLength > 0 ? Body.LENGTH : Body.NONE, head.contentLength);
        return true;
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
}
