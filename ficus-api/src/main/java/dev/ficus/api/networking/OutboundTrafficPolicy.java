package dev.ficus.api.networking;

/**
 * What the sidecar does with traffic to destinations outside its registry: refuse
 * (REGISTRY_ONLY) or pass it through (ALLOW_ANY, optionally via {@code egressProxy}).
 */
public record OutboundTrafficPolicy(Mode mode, Destination egressProxy) {

    public enum Mode {
        REGISTRY_ONLY,
        ALLOW_ANY
    }
}
