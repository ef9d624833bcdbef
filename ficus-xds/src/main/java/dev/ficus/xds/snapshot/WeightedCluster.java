package dev.ficus.xds.snapshot;

import java.util.Objects;

/** One destination of a route and its share of the traffic (a VirtualService route destination). */
public record WeightedCluster(String cluster, int weight) {
    public WeightedCluster {
        Objects.requireNonNull(cluster, "cluster");
        if (weight < 0) throw new IllegalArgumentException("weight must be >= 0: " + weight);
    }
}
