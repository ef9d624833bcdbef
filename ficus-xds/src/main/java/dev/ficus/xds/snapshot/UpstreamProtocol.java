package dev.ficus.xds.snapshot;

/**
 * The protocol the proxy speaks to a cluster's endpoints: HTTP/1.1 (one exchange per connection at
 * a time) or HTTP/2 (streams multiplexed over few connections), as the Istio port protocol
 * ({@code HTTP2}, {@code GRPC}) or DestinationRule's {@code h2UpgradePolicy: UPGRADE} asks.
 */
public enum UpstreamProtocol { HTTP1, HTTP2 }
