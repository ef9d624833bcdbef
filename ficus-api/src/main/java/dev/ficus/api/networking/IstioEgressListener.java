package dev.ficus.api.networking;

import dev.ficus.api.bind.Required;

import java.util.List;

/**
 * An outbound listener of the sidecar; without a port it is the catch-all for every port.
 *
 * @param hosts services reachable, as {@code namespace/dnsName} ({@code ./*}, {@code istio-system/*},
 *              {@code * /reviews.default.svc.cluster.local}, {@code ~/*} for none)
 */
public record IstioEgressListener(SidecarPort port, String bind, CaptureMode captureMode, @Required List<String> hosts) {
}
