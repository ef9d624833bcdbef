package dev.ficus.xds.snapshot;

/**
 * Load-balancing policies: DestinationRule's {@code loadBalancer.simple}, and its
 * {@code consistentHash} on a ring ({@code RING_HASH}) or a Maglev table ({@code MAGLEV}); the two
 * hash policies take their key and table size from {@link ClusterConfig#hash()}.
 */
public enum LbPolicy {
    ROUND_ROBIN, LEAST_REQUEST, RANDOM, RING_HASH, MAGLEV;

    public boolean consistentHash() { return this == RING_HASH || this == MAGLEV; }
}
