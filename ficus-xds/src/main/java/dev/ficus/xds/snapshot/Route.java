package dev.ficus.xds.snapshot;

import java.time.Duration;
import java.util.Objects;

/**
 * One route of a virtual host: the first route whose match holds serves the request.
 *
 * @param timeout  the time allowed from the end of the request to the end of the response,
 *                 retries included; {@link Duration#ZERO} disables it
 * @param policies retries, faults, mirrors and rewrites around the upstream call
 */
public record Route(String name, RouteMatch match, RouteAction action, Duration timeout,
                    HeaderMutations requestHeaders, HeaderMutations responseHeaders, RoutePolicies policies) {
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
        policies = policies == null ? RoutePolicies.NONE : policies;
    }

    public Route(String name, RouteMatch match, RouteAction action, Duration timeout,
                 HeaderMutations requestHeaders, HeaderMutations responseHeaders) {
        this(name, match, action, timeout, requestHeaders, responseHeaders, RoutePolicies.NONE);
    }

    public Route(String name, RouteMatch match, RouteAction action) {
        this(name, match, action, DEFAULT_TIMEOUT, HeaderMutations.NONE, HeaderMutations.NONE);
    }

    public Route withTimeout(Duration t) { return new Route(name, match, action, t, requestHeaders, responseHeaders, policies); }

    public Route withHeaders(HeaderMutations request, HeaderMutations response) {
        return new Route(name, match, action, timeout, request, response, policies);
    }

    public Route withPolicies(RoutePolicies p) { return new Route(name, match, action, timeout, requestHeaders, responseHeaders, p); }
}
