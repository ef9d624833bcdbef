package dev.ficus.xds.snapshot;

/** Load-balancing policies, as in DestinationRule's {@code loadBalancer.simple}. */
public enum LbPolicy { ROUND_ROBIN, LEAST_REQUEST, RANDOM }
