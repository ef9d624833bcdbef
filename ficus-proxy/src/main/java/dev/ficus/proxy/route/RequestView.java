package dev.ficus.proxy.route;

import dev.ficus.xds.snapshot.QueryString;
import dev.ficus.xds.snapshot.RequestAttributes;
import io.netty.handler.codec.http.HttpRequest;

/**
 * Adapts Netty's request to {@link RequestAttributes} without copying headers. One instance per
 * connection, reset per request, used on that connection's event loop only. The query string is
 * split only when a route with query matches asks for a parameter, at most once per request.
 */
public final class RequestView implements RequestAttributes {
    private HttpRequest request;
    private String path;
    private String scheme = "http";
    private final QueryString query = new QueryString();

    /**
     * @param scheme the scheme the client used: {@code http} or {@code https} from the connection,
     *               or an HTTP/2 request's {@code :scheme}
     */
    public RequestView reset(HttpRequest r, String scheme) {
        this.request = r;
        this.scheme = scheme;
        String uri = r.uri();
        int q = uri.indexOf('?');
        this.path = q < 0 ? uri : uri.substring(0, q);
        query.reset(q < 0 ? "" : uri);
        return this;
    }

    /** A CONNECT request: its target is an authority, so route matching sees the path {@code /} and no query. */
    public RequestView resetConnect(HttpRequest r, String scheme) {
        this.request = r;
        this.scheme = scheme;
        this.path = "/";
        query.reset("");
        return this;
    }

    @Override public String method() { return request.method().name(); }

    @Override public String path() { return path; }

    /** The scheme given at reset. */
    public String scheme() { return scheme; }

    @Override
    public String header(String lowerCaseName) {
        if (!lowerCaseName.isEmpty() && lowerCaseName.charAt(0) == ':') { // Envoy's pseudo-headers, for every protocol
            return switch (lowerCaseName) {
                case ":method" -> request.method().name();
                case ":scheme" -> scheme;
                case ":path" -> request.uri();
                case ":authority" -> request.headers().get("host");
                default -> null;
            };
        }
        String first = request.headers().get(lowerCaseName);
        if (first == null) return null;
        // a field sent more than once is matched as Envoy matches it: its values joined with ",", in order
        java.util.List<String> all = request.headers().getAll(lowerCaseName);
        return all.size() < 2 ? first : String.join(",", all);
    }

    @Override public String queryParam(String name) { return query.first(name); }
}
