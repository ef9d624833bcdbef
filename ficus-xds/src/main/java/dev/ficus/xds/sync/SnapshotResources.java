package dev.ficus.xds.sync;

import dev.ficus.xds.snapshot.ClusterConfig;
import dev.ficus.xds.snapshot.ListenerConfig;
import dev.ficus.xds.snapshot.ProxySnapshot;
import dev.ficus.xds.snapshot.RouteTable;
import dev.ficus.xds.snapshot.VirtualHost;
import dev.ficus.xds.wire.SnapshotCodec;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

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
     * Encodes snapshots into resources and diffs them. Each resource object is encoded (JSON body
     * and hash) once, for as long as it lives: the translation cache hands the resources of
     * unchanged services over as the very same objects, so a change to one service encodes that
     * service's resources and no other. An object that is new but equal to one encoded in this
     * round or the previous one reuses that encoding too (a translation without the cache builds
     * everything anew). Not thread-safe: the push thread owns it.
     *
     * <p>{@link #diff} compares two snapshots part by part and encodes, hashes and compares only
     * the parts that are not the same objects in both: a route table that is the same object is
     * passed over whole, and one patched from the other is walked position by position.
     */
    public static final class Encoder {
        /** What an object encodes to, whatever name it travels under. */
        private record Body(String json, String hash) {
        }

        /** A listener's resource, which carries its position in the snapshot. */
        private record Placed(int order, WireResource resource) {
        }

        /**
         * A route table as resources: its virtual hosts under their names (unique in the table,
         * in order) and its index. Tables patched from one another share {@code names}.
         */
        private record Table(String[] names, WireResource[] hosts, WireResource index) {
        }

        private final IdentityCache<ListenerConfig, Placed> listeners = new IdentityCache<>();
        private final IdentityCache<VirtualHost, Body> hosts = new IdentityCache<>();
        private final IdentityCache<ClusterConfig, WireResource> clusters = new IdentityCache<>();
        private final IdentityCache<RouteTable, Table> tables = new IdentityCache<>();
        // by value (a deep hash: looked at only when the object itself is new), this round's and the previous one's
        private Map<Object, Body> previous = new HashMap<>();
        private Map<Object, Body> current = new HashMap<>();
        private long encoded; // bodies encoded so far

        /** Starts a new round: encodings by value not used since the last round are dropped. */
        public void nextRound() {
            previous = current;
            current = new HashMap<>();
        }

        /** Resource bodies encoded so far (the rest were found already encoded): for tests and figures. */
        public long encoded() { return encoded; }

        /** Every part of {@code s}, encoded, by key (sorted). */
        public Map<ResourceKey, WireResource> split(ProxySnapshot s) {
            Map<ResourceKey, WireResource> out = new TreeMap<>();
            int i = 0;
            for (ListenerConfig l : s.listeners()) put(out, listener(i++, l));
            for (RouteTable t : s.routeTables().values()) {
                Table e = table(t, null);
                for (WireResource h : e.hosts()) put(out, h);
                put(out, e.index());
            }
            for (ClusterConfig c : s.clusters().values()) put(out, cluster(c));
            return out;
        }

        private static void put(Map<ResourceKey, WireResource> out, WireResource w) {
            out.put(w.key(), w);
        }

        /**
         * The delta from {@code from}'s resources (what a proxy holds after taking that snapshot)
         * to {@code to}'s: the same as {@link Delta#of} between their {@link #split}s, but a part
         * that is the same object in both is neither encoded, hashed nor put in a map: encoding and
         * comparing follow the change, and what is left of the snapshot's size is a walk that
         * compares references (a cluster map's thousands of entries, a patched table's hosts).
         */
        public Delta diff(ProxySnapshot from, ProxySnapshot to) {
            if (from == to) return new Delta(List.of(), List.of());
            if (!hostNamesUnique(from) || !hostNamesUnique(to)) { // a table name with '#': host names may clash across tables
                Map<ResourceKey, String> held = new HashMap<>();
                split(from).forEach((k, w) -> held.put(k, w.hash()));
                return Delta.of(held, split(to));
            }
            List<WireResource> changed = new ArrayList<>();
            List<ResourceKey> removed = new ArrayList<>();
            listeners(from, to, changed, removed);
            tables(from, to, changed, removed);
            clusters(from, to, changed, removed);
            changed.sort(Delta.BY_KEY);
            removed.sort(null);
            return new Delta(changed, removed);
        }

        /** Listeners are few, and each carries its position: all of them are compared. */
        private void listeners(ProxySnapshot from, ProxySnapshot to, List<WireResource> changed, List<ResourceKey> removed) {
            if (sameElements(from.listeners(), to.listeners())) return;
            Map<String, WireResource> was = listenersByName(from), now = listenersByName(to);
            for (WireResource w : now.values()) {
                WireResource p = was.get(w.name());
                if (p == null || !p.hash().equals(w.hash())) changed.add(w);
            }
            for (String name : was.keySet()) if (!now.containsKey(name)) removed.add(new ResourceKey(ResourceType.LISTENER, name));
        }

        private static boolean sameElements(List<?> a, List<?> b) {
            if (a.size() != b.size()) return false;
            for (int i = 0; i < a.size(); i++) if (a.get(i) != b.get(i)) return false;
            return true;
        }

        private Map<String, WireResource> listenersByName(ProxySnapshot s) {
            Map<String, WireResource> out = new HashMap<>();
            int i = 0;
            for (ListenerConfig l : s.listeners()) {
                WireResource w = listener(i++, l);
                out.put(w.name(), w); // a later listener of the same name wins, as in split
            }
            return out;
        }

        private void tables(ProxySnapshot from, ProxySnapshot to, List<WireResource> changed, List<ResourceKey> removed) {
            for (RouteTable t : to.routeTables().values()) {
                RouteTable f = from.routeTables().get(t.name());
                if (f == t) continue;
                Table now = table(t, f);
                if (f == null) {
                    changed.add(now.index());
                    changed.addAll(Arrays.asList(now.hosts()));
                    continue;
                }
                Table was = table(f, null);
                if (was == now) continue;
                if (!was.index().hash().equals(now.index().hash())) changed.add(now.index());
                if (was.names() == now.names() || Arrays.equals(was.names(), now.names())) {
                    // the same hosts in the same places: compare place by place
                    WireResource[] a = was.hosts(), b = now.hosts();
                    for (int i = 0; i < b.length; i++) if (a[i] != b[i] && !a[i].hash().equals(b[i].hash())) changed.add(b[i]);
                } else {
                    Map<String, WireResource> held = new HashMap<>();
                    for (WireResource h : was.hosts()) held.put(h.name(), h);
                    for (WireResource h : now.hosts()) {
                        WireResource p = held.remove(h.name());
                        if (p == null || !p.hash().equals(h.hash())) changed.add(h);
                    }
                    for (String name : held.keySet()) removed.add(new ResourceKey(ResourceType.VIRTUAL_HOST, name));
                }
            }
            for (RouteTable f : from.routeTables().values()) {
                if (to.routeTables().containsKey(f.name())) continue;
                Table was = table(f, null);
                removed.add(was.index().key());
                for (WireResource h : was.hosts()) removed.add(h.key());
            }
        }

        private void clusters(ProxySnapshot from, ProxySnapshot to, List<WireResource> changed, List<ResourceKey> removed) {
            Map<String, ClusterConfig> was = from.clusters(), now = to.clusters();
            int kept = 0; // clusters of from still present: when that is all of them, none was removed
            for (ClusterConfig c : now.values()) {
                ClusterConfig p = was.get(c.name());
                if (p == null) {
                    changed.add(cluster(c));
                    continue;
                }
                kept++;
                if (p == c) continue;
                WireResource w = cluster(c);
                if (!cluster(p).hash().equals(w.hash())) changed.add(w);
            }
            if (kept < was.size()) {
                for (String name : was.keySet()) if (!now.containsKey(name)) removed.add(new ResourceKey(ResourceType.CLUSTER, name));
            }
        }

        /** Whether no two route tables' virtual hosts can share a name ({@code table#host}): no table name holds a '#'. */
        private static boolean hostNamesUnique(ProxySnapshot s) {
            for (String name : s.routeTables().keySet()) if (name.indexOf('#') >= 0) return false;
            return true;
        }

        private WireResource listener(int order, ListenerConfig l) {
            Placed p = listeners.get(l);
            if (p == null || p.order() != order) {
                OrderedListener ol = new OrderedListener(order, l);
                p = new Placed(order, resource(ResourceType.LISTENER, l.name(), ol));
                listeners.put(l, p);
            }
            return p.resource();
        }

        private WireResource cluster(ClusterConfig c) {
            WireResource w = clusters.get(c);
            if (w == null) {
                w = resource(ResourceType.CLUSTER, c.name(), c);
                clusters.put(c, w);
            }
            return w;
        }

        private WireResource host(String name, VirtualHost vh) {
            Body b = hosts.get(vh);
            if (b == null) {
                b = body(vh);
                hosts.put(vh, b);
            }
            return new WireResource(ResourceType.VIRTUAL_HOST, name, b.hash(), b.json());
        }

        /**
         * {@code t} as resources. When {@code like} (the table of the same name the proxy holds)
         * has its hosts in the same places under the same names, only the hosts that are other
         * objects are looked at: the names and the index are {@code like}'s.
         */
        private Table table(RouteTable t, RouteTable like) {
            Table e = tables.get(t);
            if (e != null) return e;
            Table base = like == null || !like.name().equals(t.name()) ? null : tables.get(like);
            e = base == null ? null : patched(t, like, base);
            if (e == null) e = encode(t);
            tables.put(t, e);
            return e;
        }

        /** {@code t} from {@code like}'s resources, or null when a host's name differs (names, and so the index, may differ). */
        private Table patched(RouteTable t, RouteTable like, Table base) {
            List<VirtualHost> now = t.virtualHosts(), was = like.virtualHosts();
            if (now.size() != was.size()) return null;
            WireResource[] hosts = null;
            for (int i = 0; i < now.size(); i++) {
                VirtualHost a = now.get(i), b = was.get(i);
                if (a == b) continue;
                if (!a.name().equals(b.name())) return null;
                if (hosts == null) hosts = base.hosts().clone();
                hosts[i] = host(base.names()[i], a);
            }
            return hosts == null ? base : new Table(base.names(), hosts, base.index());
        }

        private Table encode(RouteTable t) {
            List<VirtualHost> vhs = t.virtualHosts();
            String[] names = new String[vhs.size()];
            WireResource[] out = new WireResource[vhs.size()];
            Set<String> seen = new HashSet<>();
            for (int i = 0; i < names.length; i++) {
                VirtualHost vh = vhs.get(i);
                String name = t.name() + "#" + vh.name();
                for (int n = 2; !seen.add(name); n++) name = t.name() + "#" + vh.name() + "#" + n;
                names[i] = name;
                out[i] = host(name, vh);
            }
            TableIndex index = new TableIndex(t.name(), Arrays.asList(names), t.declaredPortsOnly() ? Boolean.TRUE : null);
            return new Table(names, out, resource(ResourceType.ROUTE_TABLE, t.name(), index));
        }

        private WireResource resource(ResourceType type, String name, Object value) {
            Body b = body(value);
            return new WireResource(type, name, b.hash(), b.json());
        }

        /** The encoding of {@code value}: one equal to it encoded in this round or the previous, or a fresh one. */
        private Body body(Object value) {
            Body b = current.get(value);
            if (b == null) {
                b = previous.get(value);
                if (b == null) {
                    String json = SnapshotCodec.encode(value);
                    b = new Body(json, Hashes.of(json));
                    encoded++;
                }
                current.put(value, b);
            }
            return b;
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
            tables.put(t.name(), new RouteTable(t.name(), vhs, Boolean.TRUE.equals(t.declaredPortsOnly())));
        }
        listeners.sort((a, b) -> Integer.compare(a.order(), b.order()));
        return new ProxySnapshot(version, listeners.stream().map(OrderedListener::listener).toList(), tables, clusters);
    }

    /** A listener with its position in the snapshot. */
    public record OrderedListener(int order, ListenerConfig listener) {
    }

    /**
     * A route table on the wire: its name, its virtual hosts' resource names, in order, and
     * whether it routes declared ports only (null: no, as tables encoded before the field read).
     */
    public record TableIndex(String name, List<String> virtualHosts, Boolean declaredPortsOnly) {
        public TableIndex {
            virtualHosts = List.copyOf(virtualHosts);
        }
    }
}
