package dev.ficus.proxy.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;

/**
 * Requests sent to the proxy as an explicit HTTP proxy ({@code HTTP_PROXY=http://127.0.0.1:15001})
 * carry an absolute URI ({@code GET http://reviews:9080/path}). RFC 9112 section 3.2.2: the URI's
 * authority replaces the {@code Host} header, and the upstream gets the origin form ({@code /path}).
 */
public final class AbsoluteForm {
    private AbsoluteForm() {}

    /** Rewrites an absolute-form request in place; origin-form requests are left untouched (no allocation). */
    public static void normalize(HttpRequest req) {
        String uri = req.uri();
        if (uri.isEmpty() || uri.charAt(0) == '/' || uri.equals("*")) return;
        int scheme = uri.indexOf("://");
        if (scheme <= 0) return;
        int start = scheme + 3;
        int slash = uri.indexOf('/', start);
        int query = uri.indexOf('?', start);
        int end = slash < 0 ? (query < 0 ? uri.length() : query) : (query < 0 ? slash : Math.min(slash, query));
        String authority = uri.substring(start, end);
        int at = authority.lastIndexOf('@'); // userinfo is not part of the host
        if (at >= 0) authority = authority.substring(at + 1);
        String rest = uri.substring(end);
        if (rest.isEmpty() || rest.charAt(0) == '?') rest = "/" + rest;
        if (!authority.isEmpty()) req.headers().set(HttpHeaderNames.HOST, authority);
        req.setUri(rest);
    }
}
