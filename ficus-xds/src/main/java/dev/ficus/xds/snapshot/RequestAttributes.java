package dev.ficus.xds.snapshot;

/**
 * The view of a request that route matching needs. The proxy adapts its codec's request object
 * to this interface without copying, so the model stays free of any transport library.
 */
public interface RequestAttributes {
    /** The request method, upper-case as sent ({@code GET}). */
    String method();

    /** The path without the query string. */
    String path();

    /**
     * The first value of a header (name is lower-case), or null. As in Envoy, the pseudo-headers
     * {@code :method} and {@code :scheme} are answered for every protocol: the method, and the
     * scheme the client used ({@code http} on a plaintext connection, {@code https} on one that
     * TLS was terminated on, an HTTP/2 request's own {@code :scheme}).
     */
    String header(String lowerCaseName);

    /**
     * The first value of a query parameter, raw as sent (see {@link QueryString}), or null when
     * the query has no such parameter. Asked only by routes with query matches, so a view may
     * split the query lazily; a view that never has a query keeps the default.
     */
    default String queryParam(String name) { return null; }
}
