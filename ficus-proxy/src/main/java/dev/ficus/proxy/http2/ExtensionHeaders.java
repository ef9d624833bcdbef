package dev.ficus.proxy.http2;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http2.HttpConversionUtil.ExtensionHeaderNames;
import io.netty.util.AsciiString;

/**
 * The {@code x-http2-*} fields Netty's HTTP/2 to HTTP/1 conversion adds to a message it converts
 * ({@code x-http2-stream-id} on every request and response head, {@code x-http2-scheme} and
 * {@code x-http2-path} on requests): they describe the hop the message came over and must not
 * cross the proxy. Used on both sides, on the request heads of HTTP/2 clients and on the response
 * heads of HTTP/2 upstreams; any event loop calls it.
 */
public final class ExtensionHeaders {
    /** Every name of {@link ExtensionHeaderNames}, taken once ({@code values()} copies its array on each call). */
    private static final AsciiString[] NAMES;

    static {
        ExtensionHeaderNames[] all = ExtensionHeaderNames.values();
        NAMES = new AsciiString[all.length];
        for (int i = 0; i < all.length; i++) NAMES[i] = all[i].text();
    }

    private ExtensionHeaders() {}

    /** Removes the conversion's fields from {@code h} in place; allocates nothing. */
    public static void strip(HttpHeaders h) {
        if (h.isEmpty()) return;
        for (AsciiString n : NAMES) h.remove(n);
    }
}
