package dev.ficus.xds.sync;

/** The kinds of resource a push carries, named as the snapshot names its parts. */
public enum ResourceType {
    LISTENER, ROUTE_TABLE, CLUSTER
}
