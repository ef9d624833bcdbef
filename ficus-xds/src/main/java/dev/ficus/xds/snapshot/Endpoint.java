package dev.ficus.xds.snapshot;

import java.util.Map;
import java.util.Objects;

/** One instance of a cluster (a WorkloadEntry's address and port, or a ServiceEntry endpoint). */
public record Endpoint(HostPort address, int weight, Map<String, String> labels, HealthStatus health) {
    public Endpoint {
        Objects.requireNonNull(address, "address");
        if (weight < 1) throw new IllegalArgumentException("endpoint weight must be >= 1: " + weight);
        labels = Map.copyOf(Objects.requireNonNull(labels, "labels"));
        Objects.requireNonNull(health, "health");
    }

    public static Endpoint of(String host, int port) {
        return new Endpoint(new HostPort(host, port), 1, Map.of(), HealthStatus.HEALTHY);
    }

    public Endpoint withHealth(HealthStatus h) { return new Endpoint(address, weight, labels, h); }

    public Endpoint withWeight(int w) { return new Endpoint(address, w, labels, health); }
}
