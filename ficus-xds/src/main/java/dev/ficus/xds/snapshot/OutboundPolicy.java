package dev.ficus.xds.snapshot;

/**
 * What an outbound HTTP listener does with a request for a host its routes do not name: Istio's
 * {@code outboundTrafficPolicy.mode} (Sidecar, or the mesh default {@code ALLOW_ANY}).
 */
public enum OutboundPolicy {
    /** Sent straight to the host and port it names (Istio's PassthroughCluster): apps that use the proxy as HTTP_PROXY still reach hosts outside the mesh. */
    ALLOW_ANY,
    /** Refused with 502 and flag NR (Istio's BlackHoleCluster): only hosts of the registry are reachable. */
    REGISTRY_ONLY
}
