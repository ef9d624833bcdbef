package dev.ficus.proxy.route;

import dev.ficus.xds.snapshot.RequestAttributes;
import io.netty.handler.codec.http.HttpRequest;

/**
 * Adapts Netty's request to {@link RequestAttributes} without copying headers. One instance per
 * connection, reset per request, used on that connection's event loop only.
 */
public final class RequestView implements RequestAttributes {
    private HttpRequest request;
    private String path;

    public RequestView reset(HttpRequest r) {
        this.request = r;
        String uri = r.uri();
        int q = uri.indexOf('?');
        this.path = q < 0 ? uri : uri.substring(0, q);
        return this;
    }

    /** A CONNECT request: its target is an authority, so route matching sees the path {@code /}. */
    public RequestView resetConnect(HttpRequest r) {
        this.request = r;
        this.path = "/";
        return this;
    }

    @Override public String method() { return request.method().name(); }

    @Override public String path() { return path; }

    @Override public String header(String lowerCaseName) { return request.headers().get(lowerCaseName); }
}
