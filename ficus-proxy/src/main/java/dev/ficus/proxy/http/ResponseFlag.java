package dev.ficus.proxy.http;

/**
 * Envoy's response flags: why the proxy, not the application, shaped a response. Each local reply
 * carries its flag in the {@code x-ficus-error} header, in the access log and as a metric label.
 */
public enum ResponseFlag {
    /** No route matched the request. */
    NR("no route"),
    /** The cluster has no healthy endpoint. */
    UH("no healthy upstream"),
    /** The upstream connection could not be opened (refused or timed out). */
    UF("upstream connect failure"),
    /** The route's timeout elapsed before the upstream answered. */
    UT("upstream request timeout"),
    /** The upstream closed the connection before a full response. */
    UC("upstream connection termination"),
    /** The upstream's response broke HTTP framing (not HTTP at all, e.g. a TCP app behind an HTTP port). */
    UPE("upstream protocol error"),
    /**
     * The upstream reset the request's HTTP/2 stream (RST_STREAM, or a GOAWAY that left it
     * unprocessed) before a full response.
     */
    UR("upstream remote reset"),
    /** A circuit breaker of the cluster (connections, pending or active requests) was open. */
    UO("upstream overflow"),
    /** The downstream closed the connection before the exchange finished. */
    DC("downstream connection termination"),
    /** The downstream request broke HTTP/1.1 framing rules. */
    DPE("downstream protocol error"),
    /** The downstream sent no complete request head in time. */
    RT("request headers timeout"),
    /** Retries were needed but the route's attempts or the cluster's retry budget ran out. */
    URX("upstream retry limit exceeded"),
    /** The request was aborted by fault injection. */
    FI("fault injected"),
    /** The request was delayed by fault injection. */
    DI("delay injected"),
    /** An AuthorizationPolicy denied the request or connection. */
    RBAC("access denied by an authorization policy"),
    /**
     * The request carried a JWT that RequestAuthentication could not verify. ficus's own flag:
     * Envoy's jwt_authn filter sets none (its reason is only in the response code details).
     */
    JWT("JWT verification failed"),
    /** The host of a request sent through the passthrough cluster (outbound ALLOW_ANY) did not resolve. */
    DF("DNS resolution failed");

    private final String description;

    ResponseFlag(String description) { this.description = description; }

    public String description() { return description; }
}
