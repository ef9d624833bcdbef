package dev.ficus.proxy.grpc;

import dev.ficus.proxy.http.LocalReply;
import dev.ficus.proxy.http.ResponseFlag;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;

/**
 * The proxy's own answer to a gRPC call: HTTP status 200 and a trailers-only response carrying
 * {@code grpc-status} and {@code grpc-message}, because gRPC clients read the status from there and
 * treat any other HTTP status as a transport failure. The status follows Envoy's mapping from the
 * HTTP status the proxy would have sent (404 → UNIMPLEMENTED, 503/504 → UNAVAILABLE, ...).
 */
public final class GrpcLocalReply {
    public static final AsciiString GRPC_STATUS = AsciiString.cached("grpc-status");
    public static final AsciiString GRPC_MESSAGE = AsciiString.cached("grpc-message");
    private static final AsciiString APPLICATION_GRPC = AsciiString.cached("application/grpc");

    private GrpcLocalReply() {}

    /** True when the request is a gRPC call ({@code content-type: application/grpc[+proto|...]}). */
    public static boolean isGrpc(HttpHeaders requestHeaders) {
        String ct = requestHeaders.get(HttpHeaderNames.CONTENT_TYPE);
        return ct != null && ct.regionMatches(true, 0, "application/grpc", 0, 16) && (ct.length() == 16 || ct.charAt(16) == '+' || ct.charAt(16) == ';');
    }

    /** gRPC's status code for an HTTP status, as Envoy and the gRPC spec map them. */
    public static int statusFor(int httpStatus) {
        return switch (httpStatus) {
            case 400 -> 13; // INTERNAL
            case 401 -> 16; // UNAUTHENTICATED
            case 403 -> 7;  // PERMISSION_DENIED
            case 404 -> 12; // UNIMPLEMENTED
            case 429, 502, 503, 504 -> 14; // UNAVAILABLE
            default -> 2;   // UNKNOWN
        };
    }

    /** A trailers-only response (no body) for a call the proxy answers itself. */
    public static FullHttpResponse of(int httpStatus, ResponseFlag flag, String body) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.EMPTY_BUFFER);
        HttpHeaders h = r.headers();
        h.set(HttpHeaderNames.CONTENT_TYPE, APPLICATION_GRPC);
        h.set(GRPC_STATUS, statusFor(httpStatus));
        String message = body != null && !body.isEmpty() ? body : flag != null ? flag.description() : "HTTP status " + httpStatus;
        h.set(GRPC_MESSAGE, percentEncode(message.strip()));
        h.set(HttpHeaderNames.CONTENT_LENGTH, 0);
        if (flag != null) h.set(LocalReply.X_FICUS_ERROR, flag.name());
        return r;
    }

    /** grpc-message is percent-encoded (gRPC over HTTP/2, "Responses"). */
    private static String percentEncode(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (byte x : s.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
            int c = x & 0xff;
            if (c >= 0x20 && c <= 0x7e && c != '%') b.append((char) c);
            else b.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16))).append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
        }
        return b.toString();
    }
}
