package dev.ficus.xds.sync;

import dev.ficus.xds.snapshot.ClusterConfig;
import dev.ficus.xds.snapshot.ListenerConfig;
import dev.ficus.xds.snapshot.ProxySnapshot;
import dev.ficus.xds.snapshot.RouteTable;
import dev.ficus.xds.snapshot.VirtualHost;
import dev.ficus.xds.wire.SnapshotCodec;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * A snapshot as named resources, and back. Listeners keep the snapshot's order (the proxy binds
 * them in order), so a listener resource's position travels with it; a route table is split into
 * its index and one resource per virtual host; clusters are resources of their own.
 */
public final class SnapshotResources {
    private SnapshotResources() {
    }

    /** Every part of {@code s}, encoded, by key (sorted: deterministic pushes). */
    public static Map<ResourceKey, WireResource> split(ProxySnapshot s) {
        return new Encoder().split(s);
    }

    /**
     * Encodes snapshots into resources, reusing the encoding of any resource that is equal (by
     * reference, else by value) to one encoded in this round or the previous one: a change to one service re-encodes
     * that service's resources, not the other thousands. Not thread-safe (the push thread owns it).
     */
    public static final class Encoder {
        private record CacheKey(ResourceKey key, Object value) {
        }

        private Map<CacheKey, WireResource> previous = new HashMap<>();
        private Map<CacheKey, WireResource> current = new HashMap<>();
        // The same by reference: a translation cache hands out the very objects of earlier snapshots,
        // and finding them so spares hashing each resource's whole value.
        private Map<Object, WireResource> previousSame = new IdentityHashMap<>();
        private Map<Object, WireResource> currentSame = new IdentityHashMap<>();

        /** Starts a new round: encodings not used since the last round are dropped. */
        public void nextRound() {
            previous = current;
            current = new HashMap<>();
            previousSame = currentSame;
            currentSame = new IdentityHashMap<>();
        }

        public Map<ResourceKey, WireResource> split(ProxySnapshot s) {
            Map<ResourceKey, WireResource> out = new TreeMap<>();
            int i = 0;
            for (ListenerConfig l : s.listeners()) {
                OrderedListener ol = new OrderedListener(i++, l);
                put(out, new ResourceKey(ResourceType.LISTENER, l.name()), ol, () -> SnapshotCodec.encode(ol));
            }
            for (RouteTable t : s.routeTables().values()) {
                List<String> hosts = new ArrayList<>(t.virtualHosts().size());
                Set<String> seen = new HashSet<>();
                for (VirtualHost vh : t.virtualHosts()) {
                    String name = t.name() + "#" + vh.name();
                    for (int n = 2; !seen.add(name); n++) name = t.name() + "#" + vh.name() + "#" + n;
                    hosts.add(name);
                    put(out, new ResourceKey(ResourceType.VIRTUAL_HOST, name), vh, () -> SnapshotCodec.encode(vh));
                }
                TableIndex index = new TableIndex(t.name(), hosts);
                put(out, new ResourceKey(ResourceType.ROUTE_TABLE, t.name()), index, () -> SnapshotCodec.encode(index));
            }
            for (ClusterConfig c : s.clusters().values()) {
                put(out, new ResourceKey(ResourceType.CLUSTER, c.name()), c, () -> SnapshotCodec.encode(c));
            }
            return out;
        }

        private void put(Map<ResourceKey, WireResource> out, ResourceKey k, Object value, Supplier<String> body) {
            WireResource same = currentSame.get(value);
            if (same == null || !named(same, k)) same = previousSame.get(value);
            if (same != null && named(same, k)) { // the encoding depends on the value only
                currentSame.put(value, same);
                out.put(k, same);
                return;
            }
            CacheKey ck = new CacheKey(k, value);
            WireResource w = current.get(ck);
            if (w == null) {
                w = previous.get(ck);
                if (w == null) {
                    String b = body.get();
                    w = new WireResource(k.type(), k.name(), Hashes.of(b), b);
                }
                current.put(ck, w);
            }
            currentSame.put(value, w);
            out.put(k, w);
        }

        private static boolean named(WireResource w, ResourceKey k) {
            return w.type() == k.type() && w.name().equals(k.name());
        }
    }

    /** Decodes one resource's body; throws {@link IllegalArgumentException} naming the resource. */
    public static Object decode(WireResource r) {
        try {
            return switch (r.type()) {
                case LISTENER -> SnapshotCodec.decode(r.body(), OrderedListener.class);
                case ROUTE_TABLE -> SnapshotCodec.decode(r.body(), TableIndex.class);
                case VIRTUAL_HOST -> SnapshotCodec.decode(r.body(), VirtualHost.class);
                case CLUSTER -> SnapshotCodec.decode(r.body(), ClusterConfig.class);
            };
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(r.key() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Builds the snapshot of {@code version} from decoded resources; a route table naming a
     * virtual host that is not there, and the snapshot's own checks (dangling route tables or
     * clusters), throw {@link IllegalArgumentException}.
     */
    public static ProxySnapshot assemble(String version, Map<ResourceKey, Object> parts) {
        List<OrderedListener> listeners = new ArrayList<>();
        List<TableIndex> indexes = new ArrayList<>();
        Map<String, VirtualHost> hosts = new HashMap<>();
        Map<String, ClusterConfig> clusters = new LinkedHashMap<>();
        for (var e : parts.entrySet()) {
            switch (e.getValue()) {
                case OrderedListener l -> listeners.add(l);
                case TableIndex t -> indexes.add(t);
                case VirtualHost vh -> hosts.put(e.getKey().name(), vh);
                case ClusterConfig c -> clusters.put(c.name(), c);
                default -> throw new IllegalArgumentException("unexpected resource " + e.getKey());
            }
        }
        Map<String, RouteTable> tables = new LinkedHashMap<>();
        for (TableIndex t : indexes) {
            List<VirtualHost> vhs = new ArrayList<>(t.virtualHosts().size());
            for (String name : t.virtualHosts()) {
                VirtualHost vh = hosts.get(name);
                if (vh == null) throw new IllegalArgumentException("route table " + t.name() + " names virtual host " + name + ", which the proxy does not hold");
                vhs.add(vh);
            }
            tables.put(t.name(), new RouteTable(t.name(), vhs));
        }
        listeners.sort((a, b) -> Integer.compare(a.order(), b.order()));
        return new ProxySnapshot(version, listeners.stream().map(OrderedListener::listener).toList(), tables, clusters);
    }

    /** A listener with its position in the snapshot. */
    public record OrderedListener(int order, ListenerConfig listener) {
    }

    /** A route table on the wire: its name and its virtual hosts' resource names, in order. */
    public record TableIndex(String name, List<String> virtualHosts) {
        public TableIndex {
            virtualHosts = List.copyOf(virtualHosts);
        }
    }
}
