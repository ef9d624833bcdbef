package dev.ficus.xds.snapshot;

import java.time.Duration;
import java.util.Objects;

/**
 * One route of a virtual host: the first route whose match holds serves the request.
 *
 * @param timeout the time allowed from the end of the request to the end of the response;
 *                {@link Duration#ZERO} disables it
 */
public record Route(String name, RouteMatch match, RouteAction action, Duration timeout,
                    HeaderMutations requestHeaders, HeaderMutations responseHeaders) {
    /** Envoy's and Istio's default route timeout. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(15);

    public Route {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(match, "match");
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) throw new IllegalArgumentException("timeout must not be negative");
        requestHeaders = requestHeaders == null ? HeaderMutations.NONE : requestHeaders;
        responseHeaders = responseHeaders == null ? HeaderMutations.NONE : responseHeaders;
    }

    public Route(String name, RouteMatch match, RouteAction action) {
        this(name, match, action, DEFAULT_TIMEOUT, HeaderMutations.NONE, HeaderMutations.NONE);
    }

    public Route withTimeout(Duration t) { return new Route(name, match, action, t, requestHeaders, responseHeaders); }

    public Route withHeaders(HeaderMutations request, HeaderMutations response) {
        return new Route(name, match, action, timeout, request, response);
    }
}
