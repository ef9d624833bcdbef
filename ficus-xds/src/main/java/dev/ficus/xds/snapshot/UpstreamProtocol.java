package dev.ficus.xds.snapshot;

/**
 * The protocol the proxy speaks to a cluster's endpoints: HTTP/1.1 (one exchange per connection at
 * a time) or HTTP/2 (streams multiplexed over few connections), as the Istio port protocol
 * ({@code HTTP2}, {@code GRPC}) or DestinationRule's {@code h2UpgradePolicy: UPGRADE} asks; or
 * {@link #CLIENT}, decided per request.
 */
public enum UpstreamProtocol {
    HTTP1,
    HTTP2,
    /**
     * The downstream request's own ({@code connectionPool.http.useClientProtocol: true}, Envoy's
     * USE_DOWNSTREAM_PROTOCOL): HTTP/2 for a request that came on HTTP/2, HTTP/1.1 otherwise,
     * whatever the port's protocol and {@code h2UpgradePolicy} say.
     */
    CLIENT
}
