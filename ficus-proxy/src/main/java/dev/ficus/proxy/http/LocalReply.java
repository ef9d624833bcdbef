package dev.ficus.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;

/**
 * Responses the proxy writes itself. When a flag is given it is sent in {@code x-ficus-error}, so
 * that a user can tell the proxy's failures from the application's. Called on the event loop.
 */
public final class LocalReply {
    public static final AsciiString X_FICUS_ERROR = AsciiString.cached("x-ficus-error");

    private LocalReply() {}

    /**
     * Builds a complete response.
     *
     * @param flag  why the proxy answered, or null for configured answers (direct response, redirect)
     * @param close adds {@code Connection: close}
     */
    public static FullHttpResponse of(ByteBufAllocator alloc, int status, ResponseFlag flag, String body, boolean close) {
        String text = body != null ? body : flag != null ? flag.description() + "\n" : "";
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        ByteBuf content = alloc.buffer(bytes.length).writeBytes(bytes);
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status(status), content);
        r.headers().set(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
        if (bytes.length > 0) r.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN);
        if (flag != null) r.headers().set(X_FICUS_ERROR, flag.name());
        if (close) r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        return r;
    }

    private static final HttpResponseStatus[] NAMED_HERE = {
        new HttpResponseStatus(208, "Already Reported"),
        new HttpResponseStatus(226, "IM Used"),
        new HttpResponseStatus(418, "I'm a teapot"),
        new HttpResponseStatus(425, "Too Early"),
        new HttpResponseStatus(451, "Unavailable For Legal Reasons"),
        new HttpResponseStatus(508, "Loop Detected"),
    };

    /**
     * The status with its reason phrase: Netty's, or for registered codes Netty has no name for
     * (a directResponse or fault abort of 418 or 451 is a common sight) the IANA registry's, so that
     * the status line reads as HAProxy's and nginx's do rather than "Client Error (418)".
     */
    public static HttpResponseStatus status(int code) {
        for (HttpResponseStatus s : NAMED_HERE) if (s.code() == code) return s;
        return HttpResponseStatus.valueOf(code);
    }
}
