package dev.ficus.proxy.http;

import io.netty.channel.Channel;
import io.netty.channel.ServerChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.AttributeKey;

/**
 * The scheme a downstream request was sent with, as route matching ({@code :scheme}) and
 * redirects see it: an HTTP/2 stream's own {@code :scheme} (kept by the HTTP/2 steps in
 * {@link #KEY} on the stream channel before Netty's extension header is dropped), otherwise
 * {@code https} when TLS was terminated on the connection and {@code http} when not. Read by the
 * router on its event loop.
 */
public final class RequestScheme {
    /** An HTTP/2 request's {@code :scheme}, set on its stream channel. */
    public static final AttributeKey<String> KEY = AttributeKey.valueOf("ficus.requestScheme");
    public static final String HTTP = "http";
    public static final String HTTPS = "https";

    private RequestScheme() {}

    /** The scheme of the connection {@code ch} (or of the connection its stream belongs to): whether TLS was terminated on it. */
    public static String ofConnection(Channel ch) {
        Channel conn = ch.parent() != null && !(ch.parent() instanceof ServerChannel) ? ch.parent() : ch;
        return conn.pipeline().get(SslHandler.class) != null ? HTTPS : HTTP;
    }

    /** The scheme of the request on stream channel {@code ch}: its {@code :scheme} when it had one, else {@code fallback}. */
    public static String ofStream(Channel ch, String fallback) {
        String s = ch.hasAttr(KEY) ? ch.attr(KEY).get() : null;
        return s != null ? s : fallback;
    }
}
