package dev.ficus.proxy.cluster;

import dev.ficus.proxy.lb.EndpointRef;
import dev.ficus.proxy.lb.PickContext;
import dev.ficus.proxy.lb.Picker;

/**
 * The picker a cluster currently publishes. Outlier ejections replace the picker between two
 * snapshots, so the request path reads it through this one volatile reference; the pickers
 * themselves stay immutable. Written by the cluster manager's threads, read on event loops.
 */
final class PublishedPicker implements Picker {
    private volatile Picker current;

    PublishedPicker(Picker initial) { this.current = initial; }

    void publish(Picker p) { current = p; }

    Picker current() { return current; }

    @Override public EndpointRef pick() { return current.pick(); }

    @Override public EndpointRef pick(PickContext ctx) { return current.pick(ctx); }
}
