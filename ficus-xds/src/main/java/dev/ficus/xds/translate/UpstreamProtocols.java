package dev.ficus.xds.translate;

import dev.ficus.api.networking.ConnectionPoolSettings;
import dev.ficus.api.networking.TrafficPolicy;

/**
 * Whether the proxy speaks HTTP/2 to a cluster, as Istio decides: the service port's protocol is
 * {@code HTTP2}, {@code GRPC} or {@code GRPC-WEB}, or the DestinationRule (or its subset) asks for
 * {@code h2UpgradePolicy: UPGRADE}; a subset's {@code DO_NOT_UPGRADE} wins over the rule's.
 */
final class UpstreamProtocols {
    private UpstreamProtocols() {}

    static boolean http2(String portProtocol, TrafficPolicy base, TrafficPolicy subset) {
        ConnectionPoolSettings.HTTPSettings.H2UpgradePolicy p = policy(subset);
        if (p == null || p == ConnectionPoolSettings.HTTPSettings.H2UpgradePolicy.DEFAULT) p = policy(base);
        if (p == ConnectionPoolSettings.HTTPSettings.H2UpgradePolicy.UPGRADE) return true;
        return switch (portProtocol) {
            case "HTTP2", "GRPC", "GRPC-WEB" -> true;
            default -> false;
        };
    }

    private static ConnectionPoolSettings.HTTPSettings.H2UpgradePolicy policy(TrafficPolicy tp) {
        if (tp == null || tp.connectionPool() == null || tp.connectionPool().http() == null) return null;
        return tp.connectionPool().http().h2UpgradePolicy();
    }
}
