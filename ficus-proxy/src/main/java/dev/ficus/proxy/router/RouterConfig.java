package dev.ficus.proxy.router;

import dev.ficus.proxy.pool.UpstreamPools;
import dev.ficus.proxy.route.SnapshotHolder;
import dev.ficus.proxy.telemetry.TrafficStats;

/** What the router of one listener needs; shared by all of the listener's connections. */
public record RouterConfig(String listener, SnapshotHolder snapshots, TrafficStats stats, UpstreamPools pools) {}
