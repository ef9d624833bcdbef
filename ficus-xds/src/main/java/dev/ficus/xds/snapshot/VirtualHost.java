package dev.ficus.xds.snapshot;

import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The routes for a set of authorities (a VirtualService's {@code hosts}). Domains are
 * {@code host}, {@code host:port}, {@code *.suffix}, {@code prefix.*} or {@code *}.
 */
public record VirtualHost(String name, List<String> domains, List<Route> routes) {
    public VirtualHost {
        Objects.requireNonNull(name, "name");
        domains = Objects.requireNonNull(domains, "domains").stream().map(d -> d.toLowerCase(Locale.ROOT)).toList();
        routes = List.copyOf(Objects.requireNonNull(routes, "routes"));
        if (domains.isEmpty()) throw new IllegalArgumentException("virtual host " + name + " has no domains");
        for (String d : domains) {
            int stars = d.length() - d.replace("*", "").length();
            boolean ok = stars == 0 || d.equals("*") || (stars == 1 && (d.startsWith("*") || d.endsWith("*")));
            if (!ok) throw new IllegalArgumentException("virtual host " + name + ": a wildcard must be the whole domain, its first or its last character: " + d);
        }
    }

    /** The first route that matches, or null. */
    public Route select(RequestAttributes request) {
        for (int i = 0, n = routes.size(); i < n; i++) {
            Route r = routes.get(i);
            if (r.match().matches(request)) return r;
        }
        return null;
    }
}
