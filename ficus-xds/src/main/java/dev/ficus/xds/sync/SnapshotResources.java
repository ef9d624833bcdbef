package dev.ficus.xds.sync;

import dev.ficus.xds.snapshot.ClusterConfig;
import dev.ficus.xds.snapshot.ListenerConfig;
import dev.ficus.xds.snapshot.ProxySnapshot;
import dev.ficus.xds.snapshot.RouteTable;
import dev.ficus.xds.wire.SnapshotCodec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A snapshot as named resources, and back. Listeners keep the snapshot's order (the proxy binds
 * them in order), so a listener resource's position travels with it; route tables and clusters are
 * unordered maps already.
 */
public final class SnapshotResources {
    private SnapshotResources() {
    }

    /** Every part of {@code s}, encoded, by key (sorted: deterministic pushes). */
    public static Map<ResourceKey, WireResource> split(ProxySnapshot s) {
        Map<ResourceKey, WireResource> out = new TreeMap<>();
        int i = 0;
        for (ListenerConfig l : s.listeners()) {
            String body = SnapshotCodec.encode(new OrderedListener(i++, l));
            out.put(new ResourceKey(ResourceType.LISTENER, l.name()), resource(ResourceType.LISTENER, l.name(), body));
        }
        for (RouteTable t : s.routeTables().values()) {
            out.put(new ResourceKey(ResourceType.ROUTE_TABLE, t.name()), resource(ResourceType.ROUTE_TABLE, t.name(), SnapshotCodec.encode(t)));
        }
        for (ClusterConfig c : s.clusters().values()) {
            out.put(new ResourceKey(ResourceType.CLUSTER, c.name()), resource(ResourceType.CLUSTER, c.name(), SnapshotCodec.encode(c)));
        }
        return out;
    }

    private static WireResource resource(ResourceType type, String name, String body) {
        return new WireResource(type, name, Hashes.of(body), body);
    }

    /** Decodes one resource's body; throws {@link SnapshotCodec.DecodeException} naming the resource. */
    public static Object decode(WireResource r) {
        try {
            return switch (r.type()) {
                case LISTENER -> SnapshotCodec.decode(r.body(), OrderedListener.class);
                case ROUTE_TABLE -> SnapshotCodec.decode(r.body(), RouteTable.class);
                case CLUSTER -> SnapshotCodec.decode(r.body(), ClusterConfig.class);
            };
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(r.key() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Builds the snapshot of {@code version} from decoded resources; the snapshot's own checks
     * (dangling route tables or clusters) throw {@link IllegalArgumentException}.
     */
    public static ProxySnapshot assemble(String version, Map<ResourceKey, Object> parts) {
        List<OrderedListener> listeners = new ArrayList<>();
        Map<String, RouteTable> tables = new LinkedHashMap<>();
        Map<String, ClusterConfig> clusters = new LinkedHashMap<>();
        for (var e : parts.entrySet()) {
            switch (e.getValue()) {
                case OrderedListener l -> listeners.add(l);
                case RouteTable t -> tables.put(t.name(), t);
                case ClusterConfig c -> clusters.put(c.name(), c);
                default -> throw new IllegalArgumentException("unexpected resource " + e.getKey());
            }
        }
        listeners.sort((a, b) -> Integer.compare(a.order(), b.order()));
        return new ProxySnapshot(version, listeners.stream().map(OrderedListener::listener).toList(), tables, clusters);
    }

    /** A listener with its position in the snapshot. */
    public record OrderedListener(int order, ListenerConfig listener) {
    }
}
