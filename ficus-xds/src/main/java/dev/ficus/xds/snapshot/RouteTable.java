package dev.ficus.xds.snapshot;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The virtual hosts one listener routes with. The domain index is built here, once per snapshot;
 * selection follows Envoy: exact domain, then the longest {@code *.suffix}, then the longest
 * {@code prefix.*}, then {@code *}. An authority with a port is first looked up as given, then
 * without its port, so {@code reviews} and {@code reviews:9080} both serve {@code Host: reviews:9080}
 * (a gateway's hosts serve every port, as Istio's {@code host:*} domains do) — unless the table
 * routes {@linkplain #declaredPortsOnly() declared ports only}, as a sidecar's outbound table
 * does: there a service answers only on the ports its domains name, and {@code Host: reviews:81}
 * names no service when reviews declares 9080 alone.
 */
public final class RouteTable {
    private final String name;
    private final List<VirtualHost> virtualHosts;
    private final boolean declaredPortsOnly;
    // Built by the constructor, which refuses a domain claimed twice. A table made by replacing()
    // claims the domains of a table already checked, and builds it on its first select() (the
    // control plane, which makes such tables by the thousand, never selects): two threads may both
    // build it, and either result is the same; its fields are final, so it is safely published.
    private Index index;
    /**
     * The last authority selected and its host (null: none matched): clients send the same Host
     * request after request, and looking an authority with a port up again would cut a string each
     * time. Written by any event loop; a record of final fields, so a reader sees a whole one.
     */
    private Hit last;

    private record Hit(String authority, VirtualHost host) {}

    /** Domains to hosts. */
    private record Index(Map<String, VirtualHost> exact,
                         List<Map.Entry<String, VirtualHost>> suffixes, // "*.a.com" stored as ".a.com", longest first
                         List<Map.Entry<String, VirtualHost>> prefixes, // "a.*" stored as "a.", longest first
                         VirtualHost any) {
        static Index of(String name, List<VirtualHost> virtualHosts) {
            Map<String, VirtualHost> exact = new HashMap<>();
            List<Map.Entry<String, VirtualHost>> suffixes = new ArrayList<>();
            List<Map.Entry<String, VirtualHost>> prefixes = new ArrayList<>();
            VirtualHost any = null;
            for (VirtualHost vh : virtualHosts) {
                for (String d : vh.domains()) {
                    VirtualHost prior;
                    if (d.equals("*")) {
                        prior = any;
                        any = vh;
                    } else if (d.startsWith("*")) {
                        prior = put(suffixes, d.substring(1), vh);
                    } else if (d.endsWith("*")) {
                        prior = put(prefixes, d.substring(0, d.length() - 1), vh);
                    } else {
                        prior = exact.put(d, vh);
                    }
                    if (prior != null) throw new IllegalArgumentException("route table " + name + ": domain " + d + " is claimed by both " + prior.name() + " and " + vh.name());
                }
            }
            Comparator<Map.Entry<String, VirtualHost>> longestFirst = Comparator.comparingInt(e -> -e.getKey().length());
            suffixes.sort(longestFirst);
            prefixes.sort(longestFirst);
            return new Index(exact, suffixes, prefixes, any);
        }

        private static VirtualHost put(List<Map.Entry<String, VirtualHost>> list, String key, VirtualHost vh) {
            for (var e : list) if (e.getKey().equals(key)) return e.getValue();
            list.add(Map.entry(key, vh));
            return null;
        }
    }

    public RouteTable(String name, List<VirtualHost> virtualHosts) {
        this(name, virtualHosts, false);
    }

    /** @param declaredPortsOnly an authority's port is never dropped to find its host (see the class comment) */
    public RouteTable(String name, List<VirtualHost> virtualHosts, boolean declaredPortsOnly) {
        this.name = Objects.requireNonNull(name, "name");
        this.virtualHosts = List.copyOf(Objects.requireNonNull(virtualHosts, "virtualHosts"));
        this.declaredPortsOnly = declaredPortsOnly;
        this.index = Index.of(name, this.virtualHosts);
    }

    private RouteTable(String name, List<VirtualHost> virtualHosts, boolean declaredPortsOnly, Index index) {
        this.name = name;
        this.virtualHosts = virtualHosts;
        this.declaredPortsOnly = declaredPortsOnly;
        this.index = index;
    }

    /** Whether an authority's port must be one its host's domains name (a sidecar's outbound table), rather than any. */
    public boolean declaredPortsOnly() { return declaredPortsOnly; }

    /**
     * This table with the virtual host at each position {@code at[i]} replaced by {@code with[i]},
     * which claims exactly the same domains (a route edit): equal to a table built from the new
     * list, but without checking every domain again, so that a route edit in a table of thousands
     * of hosts costs a copy of the list, not thousands of domain checks.
     */
    public RouteTable replacing(int[] at, VirtualHost[] with) {
        if (at.length != with.length) throw new IllegalArgumentException("positions and hosts differ in number");
        if (at.length == 0) return this;
        VirtualHost[] hosts = virtualHosts.toArray(VirtualHost[]::new);
        for (int i = 0; i < at.length; i++) {
            VirtualHost was = hosts[at[i]], now = Objects.requireNonNull(with[i], "host");
            if (!now.domains().equals(was.domains())) {
                throw new IllegalArgumentException("route table " + name + ": " + now.name() + " claims other domains than " + was.name() + ", which it replaces");
            }
            hosts[at[i]] = now;
        }
        return new RouteTable(name, List.of(hosts), declaredPortsOnly, null);
    }

    public String name() { return name; }

    public List<VirtualHost> virtualHosts() { return virtualHosts; }

    private Index index() {
        Index i = index;
        if (i == null) index = i = Index.of(name, virtualHosts);
        return i;
    }

    /**
     * The virtual host for an authority ({@code Host} header), or null; allocates nothing when the
     * authority is the one selected last.
     */
    public VirtualHost select(String authority) {
        Index i = index();
        if (authority == null) return i.any();
        Hit h = last;
        if (h != null && h.authority.equals(authority)) return h.host;
        VirtualHost vh = lookupAuthority(i, authority, declaredPortsOnly);
        last = new Hit(authority, vh);
        return vh;
    }

    private static VirtualHost lookupAuthority(Index i, String authority, boolean declaredPortsOnly) {
        String a = lowerCase(authority);
        VirtualHost vh = lookup(i, a);
        if (vh != null) return vh;
        int colon = a.lastIndexOf(':');
        if (!declaredPortsOnly && colon > 0 && a.indexOf(']') < colon) {
            vh = lookup(i, a.substring(0, colon));
            if (vh != null) return vh;
        }
        return i.any();
    }

    private static VirtualHost lookup(Index i, String a) {
        VirtualHost vh = i.exact().get(a);
        if (vh != null) return vh;
        List<Map.Entry<String, VirtualHost>> suffixes = i.suffixes(), prefixes = i.prefixes();
        for (int k = 0, n = suffixes.size(); k < n; k++) {
            var e = suffixes.get(k);
            if (a.length() > e.getKey().length() && a.endsWith(e.getKey())) return e.getValue();
        }
        for (int k = 0, n = prefixes.size(); k < n; k++) {
            var e = prefixes.get(k);
            if (a.length() > e.getKey().length() && a.startsWith(e.getKey())) return e.getValue();
        }
        return null;
    }

    private static String lowerCase(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 'A' && c <= 'Z') return s.toLowerCase(java.util.Locale.ROOT);
        }
        return s;
    }

    @Override public boolean equals(Object o) {
        return o instanceof RouteTable t && t.name.equals(name) && t.declaredPortsOnly == declaredPortsOnly && t.virtualHosts.equals(virtualHosts);
    }
    @Override public int hashCode() { return Objects.hash(name, virtualHosts, declaredPortsOnly); }
    @Override public String toString() { return "RouteTable[" + name + (declaredPortsOnly ? ", declared ports only" : "") + ", " + virtualHosts + "]"; }
}
