package dev.ficus.api.networking;

import java.util.Map;

/**
 * WorkloadEntry spec (also a ServiceEntry endpoint): one instance of a workload outside
 * Kubernetes — address, ports by service port name, labels that selectors match, identity.
 *
 * @param address        IP, DNS name or {@code unix://} socket path; may be empty when {@code network}
 *                       names a network reached through its gateway
 * @param ports          service port name to this endpoint's port number
 * @param weight         load-balancing weight
 * @param serviceAccount identity the workload runs as
 */
public record WorkloadEntry(
        String address,
        Map<String, Integer> ports,
        Map<String, String> labels,
        String network,
        String locality,
        Integer weight,
        String serviceAccount) {
}
