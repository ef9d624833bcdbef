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
 * without its port, so {@code reviews} and {@code reviews:9080} both serve {@code Host: reviews:9080}.
 */
public final class RouteTable {
    private final String name;
    private final List<VirtualHost> virtualHosts;
    private final Map<String, VirtualHost> exact = new HashMap<>();
    private final List<Map.Entry<String, VirtualHost>> suffixes = new ArrayList<>(); // "*.a.com" stored as ".a.com"
    private final List<Map.Entry<String, VirtualHost>> prefixes = new ArrayList<>(); // "a.*" stored as "a."
    private VirtualHost any;

    public RouteTable(String name, List<VirtualHost> virtualHosts) {
        this.name = Objects.requireNonNull(name, "name");
        this.virtualHosts = List.copyOf(Objects.requireNonNull(virtualHosts, "virtualHosts"));
        for (VirtualHost vh : this.virtualHosts) {
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
    }

    private static VirtualHost put(List<Map.Entry<String, VirtualHost>> list, String key, VirtualHost vh) {
        for (var e : list) if (e.getKey().equals(key)) return e.getValue();
        list.add(Map.entry(key, vh));
        return null;
    }

    public String name() { return name; }

    public List<VirtualHost> virtualHosts() { return virtualHosts; }

    /** The virtual host for an authority ({@code Host} header), or null; never allocates for lower-case input. */
    public VirtualHost select(String authority) {
        if (authority == null) return any;
        String a = lowerCase(authority);
        VirtualHost vh = lookup(a);
        if (vh != null) return vh;
        int colon = a.lastIndexOf(':');
        if (colon > 0 && a.indexOf(']') < colon) {
            vh = lookup(a.substring(0, colon));
            if (vh != null) return vh;
        }
        return any;
    }

    private VirtualHost lookup(String a) {
        VirtualHost vh = exact.get(a);
        if (vh != null) return vh;
        for (int i = 0, n = suffixes.size(); i < n; i++) {
            var e = suffixes.get(i);
            if (a.length() > e.getKey().length() && a.endsWith(e.getKey())) return e.getValue();
        }
        for (int i = 0, n = prefixes.size(); i < n; i++) {
            var e = prefixes.get(i);
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

    @Override public boolean equals(Object o) { return o instanceof RouteTable t && t.name.equals(name) && t.virtualHosts.equals(virtualHosts); }
    @Override public int hashCode() { return Objects.hash(name, virtualHosts); }
    @Override public String toString() { return "RouteTable[" + name + ", " + virtualHosts + "]"; }
}
