package dev.ficus.xds.snapshot;

import java.util.Map;
import java.util.TreeMap;

/**
 * Writes a snapshot as JSON for the admin {@code /config_dump} page and for debugging. Output is
 * deterministic (maps sorted by key) so that two dumps can be diffed. Hand-written to keep the
 * proxy free of a JSON library.
 */
public final class SnapshotJson {
    private SnapshotJson() {}

    public static String write(ProxySnapshot s) {
        StringBuilder b = new StringBuilder(1024);
        b.append("{\"version\":");
        str(b, s.version());
        b.append(",\"listeners\":[");
        sep(b, s.listeners(), (l) -> {
            b.append("{\"name\":"); str(b, l.name());
            b.append(",\"bind\":"); str(b, l.bind().toString());
            b.append(",\"kind\":"); str(b, l.kind().name());
            b.append(",\"protocol\":"); str(b, l.protocol().name());
            b.append(",\"routeTable\":"); str(b, l.routeTable());
            b.append('}');
        });
        b.append("],\"routeTables\":[");
        sep(b, new TreeMap<>(s.routeTables()).values(), t -> {
            b.append("{\"name\":"); str(b, t.name());
            b.append(",\"virtualHosts\":[");
            sep(b, t.virtualHosts(), vh -> {
                b.append("{\"name\":"); str(b, vh.name());
                b.append(",\"domains\":["); sep(b, vh.domains(), d -> str(b, d));
                b.append("],\"routes\":[");
                sep(b, vh.routes(), r -> route(b, r));
                b.append("]}");
            });
            b.append("]}");
        });
        b.append("],\"clusters\":[");
        sep(b, new TreeMap<>(s.clusters()).values(), c -> {
            b.append("{\"name\":"); str(b, c.name());
            b.append(",\"lbPolicy\":"); str(b, c.lbPolicy().name());
            b.append(",\"connectTimeoutMs\":").append(c.connectTimeout().toMillis());
            b.append(",\"limits\":{\"maxConnections\":").append(c.limits().maxConnections())
                    .append(",\"maxPendingRequests\":").append(c.limits().maxPendingRequests())
                    .append(",\"maxRequestsPerConnection\":").append(c.limits().maxRequestsPerConnection())
                    .append(",\"idleTimeoutMs\":").append(c.limits().idleTimeout().toMillis()).append('}');
            b.append(",\"endpoints\":[");
            sep(b, c.endpoints(), e -> {
                b.append("{\"address\":"); str(b, e.address().toString());
                b.append(",\"weight\":").append(e.weight());
                b.append(",\"health\":"); str(b, e.health().name());
                b.append(",\"labels\":"); map(b, e.labels());
                b.append('}');
            });
            b.append("]}");
        });
        b.append("]}");
        return b.toString();
    }

    private static void route(StringBuilder b, Route r) {
        b.append("{\"name\":"); str(b, r.name());
        b.append(",\"match\":{");
        boolean first = true;
        if (r.match().path() != null) { b.append("\"path\":"); match(b, r.match().path()); first = false; }
        if (r.match().method() != null) { if (!first) b.append(','); b.append("\"method\":"); str(b, r.match().method()); first = false; }
        if (!r.match().headers().isEmpty()) {
            if (!first) b.append(',');
            b.append("\"headers\":[");
            sep(b, r.match().headers(), h -> {
                b.append("{\"name\":"); str(b, h.name());
                b.append(",\"match\":"); match(b, h.match());
                if (h.invert()) b.append(",\"invert\":true");
                b.append('}');
            });
            b.append(']');
        }
        b.append("},\"action\":");
        switch (r.action()) {
            case RouteAction.Forward f -> {
                b.append("{\"clusters\":[");
                sep(b, f.clusters(), wc -> { b.append("{\"cluster\":"); str(b, wc.cluster()); b.append(",\"weight\":").append(wc.weight()).append('}'); });
                b.append("]}");
            }
            case RouteAction.DirectResponse d -> { b.append("{\"directResponse\":{\"status\":").append(d.status()).append(",\"body\":"); str(b, d.body()); b.append("}}"); }
            case RouteAction.Redirect rd -> {
                b.append("{\"redirect\":{\"status\":").append(rd.status());
                if (rd.scheme() != null) { b.append(",\"scheme\":"); str(b, rd.scheme()); }
                if (rd.authority() != null) { b.append(",\"authority\":"); str(b, rd.authority()); }
                if (rd.path() != null) { b.append(",\"path\":"); str(b, rd.path()); }
                b.append("}}");
            }
        }
        b.append(",\"timeoutMs\":").append(r.timeout().toMillis());
        if (!r.requestHeaders().isEmpty()) { b.append(",\"requestHeaders\":"); mutations(b, r.requestHeaders()); }
        if (!r.responseHeaders().isEmpty()) { b.append(",\"responseHeaders\":"); mutations(b, r.responseHeaders()); }
        b.append('}');
    }

    private static void mutations(StringBuilder b, HeaderMutations m) {
        b.append("{\"remove\":["); sep(b, m.remove(), n -> str(b, n));
        b.append("],\"set\":["); sep(b, m.set(), h -> { b.append('['); str(b, h.name()); b.append(','); str(b, h.value()); b.append(']'); });
        b.append("],\"add\":["); sep(b, m.add(), h -> { b.append('['); str(b, h.name()); b.append(','); str(b, h.value()); b.append(']'); });
        b.append("]}");
    }

    private static void match(StringBuilder b, StringMatch m) {
        switch (m) {
            case StringMatch.Exact e -> { b.append("{\"exact\":"); str(b, e.value()); b.append('}'); }
            case StringMatch.Prefix p -> { b.append("{\"prefix\":"); str(b, p.prefix()); b.append('}'); }
            case StringMatch.Regex r -> { b.append("{\"regex\":"); str(b, r.regex()); b.append('}'); }
            case StringMatch.Present p -> b.append("{\"present\":true}");
        }
    }

    private static void map(StringBuilder b, Map<String, String> m) {
        b.append('{');
        sep(b, new TreeMap<>(m).entrySet(), e -> { str(b, e.getKey()); b.append(':'); str(b, e.getValue()); });
        b.append('}');
    }

    private static <T> void sep(StringBuilder b, Iterable<T> items, java.util.function.Consumer<T> each) {
        boolean first = true;
        for (T t : items) {
            if (!first) b.append(',');
            first = false;
            each.accept(t);
        }
    }

    /** Appends a JSON string literal. */
    public static void str(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
                    else b.append(c);
                }
            }
        }
        b.append('"');
    }
}
