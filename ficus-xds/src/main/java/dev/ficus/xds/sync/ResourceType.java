package dev.ficus.xds.sync;

/**
 * The kinds of resource a push carries. A route table travels as its index (ROUTE_TABLE: the
 * names of its virtual hosts, in order) and one VIRTUAL_HOST resource per host, so that a change
 * to one service's routes resends that host, not the whole table.
 */
public enum ResourceType {
    LISTENER, ROUTE_TABLE, VIRTUAL_HOST, CLUSTER
}
