package dev.ficus.api.networking;

import java.util.List;

/**
 * Sidecar spec: what the proxy of the selected workloads listens for (ingress, with the
 * application's address) and which services it may reach (egress), and what happens to traffic
 * for unknown destinations. Without Kubernetes this is how a proxy learns where to listen.
 */
public record Sidecar(
        WorkloadSelector workloadSelector,
        List<IstioIngressListener> ingress,
        List<IstioEgressListener> egress,
        ConnectionPoolSettings inboundConnectionPool,
        OutboundTrafficPolicy outboundTrafficPolicy) {
}
