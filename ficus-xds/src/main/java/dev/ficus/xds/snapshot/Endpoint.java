package dev.ficus.xds.snapshot;

import java.util.Map;
import java.util.Objects;

/**
 * One instance of a cluster (a WorkloadEntry's address and port, or a ServiceEntry endpoint).
 *
 * @param workload the WorkloadEntry it is (name, namespace, app, version), so that a client side
 *                 names a destination that has no proxy to name itself (Istio's metadata
 *                 discovery); null for an endpoint known only by address
 */
public record Endpoint(HostPort address, int weight, Map<String, String> labels, HealthStatus health, TelemetryPolicy.PeerWorkload workload) {
    public Endpoint {
        Objects.requireNonNull(address, "address");
        if (weight < 1) throw new IllegalArgumentException("endpoint weight must be >= 1: " + weight);
        labels = Map.copyOf(Objects.requireNonNull(labels, "labels"));
        Objects.requireNonNull(health, "health");
    }

    public Endpoint(HostPort address, int weight, Map<String, String> labels, HealthStatus health) {
        this(address, weight, labels, health, null);
    }

    public static Endpoint of(String host, int port) {
        return new Endpoint(new HostPort(host, port), 1, Map.of(), HealthStatus.HEALTHY);
    }

    public Endpoint withHealth(HealthStatus h) { return new Endpoint(address, weight, labels, h, workload); }

    public Endpoint withWeight(int w) { return new Endpoint(address, w, labels, health, workload); }
}
