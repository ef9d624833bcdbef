package dev.ficus.api.networking;

import dev.ficus.api.bind.Required;

import java.util.List;

/**
 * ServiceEntry spec: adds a service to the registry — an external API, a VM or a legacy process —
 * with its ports, how its addresses are found ({@code resolution}) and its endpoints, inline or
 * selected among WorkloadEntries by {@code workloadSelector}.
 */
public record ServiceEntry(
        @Required List<String> hosts,
        List<String> addresses,
        List<ServicePort> ports,
        Location location,
        Resolution resolution,
        List<WorkloadEntry> endpoints,
        WorkloadSelector workloadSelector,
        List<String> exportTo,
        List<String> subjectAltNames) {

    /** Whether the service is part of the mesh (has sidecars, mTLS) or outside it. */
    public enum Location {
        MESH_EXTERNAL,
        MESH_INTERNAL
    }

    /**
     * How endpoints are found: NONE keeps the connection's original destination, STATIC uses the
     * listed endpoint IPs, DNS resolves names (all addresses), DNS_ROUND_ROBIN resolves and uses the
     * first address.
     */
    public enum Resolution {
        NONE,
        STATIC,
        DNS,
        DNS_ROUND_ROBIN
    }

    /** Resolution in effect: NONE when unset, as in Istio. */
    public Resolution effectiveResolution() {
        return resolution == null ? Resolution.NONE : resolution;
    }
}
