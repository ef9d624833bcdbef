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
            if (l.outbound() != null) { b.append(",\"outboundTrafficPolicy\":"); str(b, l.outbound().name()); }
            if (!l.tls().isEmpty()) {
                b.append(",\"tls\":[");
                sep(b, l.tls(), t -> {
                    b.append("{\"mode\":"); str(b, t.mode().name());
                    b.append(",\"sniHosts\":["); sep(b, t.sniHosts(), h -> str(b, h));
                    b.append("],\"routeTable\":"); str(b, t.routeTable());
                    if (t.serverCertificate() != null) { b.append(",\"serverCertificate\":"); str(b, t.serverCertificate()); }
                    if (t.caCertificates() != null) { b.append(",\"caCertificates\":"); str(b, t.caCertificates()); }
                    b.append('}');
                });
                b.append(']');
            }
            if (!l.tcpRoutes().isEmpty()) {
                b.append(",\"tcpRoutes\":[");
                sep(b, l.tcpRoutes().routes(), r -> {
                    b.append("{\"name\":"); str(b, r.name());
                    b.append(",\"sniHosts\":["); sep(b, r.sniHosts(), h -> str(b, h));
                    b.append("],\"clusters\":"); weighted(b, r.action());
                    b.append('}');
                });
                b.append(']');
            }
            if (!l.authz().isEmpty()) {
                b.append(",\"authz\":[");
                sep(b, l.authz().policies(), p -> {
                    b.append("{\"name\":"); str(b, p.name());
                    b.append(",\"action\":"); str(b, p.action().name());
                    b.append(",\"rules\":").append(p.rules().size());
                    b.append('}');
                });
                b.append(']');
            }
            b.append('}');
        });
        b.append("],\"routeTables\":[");
        sep(b, new TreeMap<>(s.routeTables()).values(), t -> {
            b.append("{\"name\":"); str(b, t.name());
            if (t.declaredPortsOnly()) b.append(",\"declaredPortsOnly\":true");
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
            b.append(",\"upstreamProtocol\":"); str(b, c.upstreamProtocol().name());
            b.append(",\"limits\":{\"maxConnections\":").append(c.limits().maxConnections())
                    .append(",\"maxPendingRequests\":").append(c.limits().maxPendingRequests())
                    .append(",\"maxRequests\":").append(c.limits().maxRequests())
                    .append(",\"maxRequestsPerConnection\":").append(c.limits().maxRequestsPerConnection())
                    .append(",\"maxRetries\":").append(c.limits().maxRetries())
                    .append(",\"idleTimeoutMs\":").append(c.limits().idleTimeout().toMillis())
                    .append(",\"tcpIdleTimeoutMs\":").append(c.limits().tcpIdleTimeout().toMillis())
                    .append(",\"maxConnectionDurationMs\":").append(c.limits().maxConnectionDuration().toMillis());
            if (c.limits().maxConcurrentStreams() > 0) b.append(",\"maxConcurrentStreams\":").append(c.limits().maxConcurrentStreams());
            var ka = c.limits().keepalive();
            if (ka != null) {
                b.append(",\"tcpKeepalive\":{\"probes\":").append(ka.probes() == null ? "null" : ka.probes().toString())
                        .append(",\"timeS\":").append(ka.time() == null ? "null" : Long.toString(ka.time().toSeconds()))
                        .append(",\"intervalS\":").append(ka.interval() == null ? "null" : Long.toString(ka.interval().toSeconds())).append('}');
            }
            b.append('}');
            if (c.hash() != null) { b.append(",\"hash\":"); hash(b, c.hash()); }
            if (c.outlier() != null) { b.append(",\"outlier\":"); outlier(b, c.outlier()); }
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
            first = false;
        }
        if (!r.match().queryParams().isEmpty()) {
            if (!first) b.append(',');
            b.append("\"queryParams\":[");
            sep(b, r.match().queryParams(), q -> {
                b.append("{\"name\":"); str(b, q.name());
                b.append(",\"match\":"); match(b, q.match());
                b.append('}');
            });
            b.append(']');
            first = false;
        }
        if (r.match().ignoreCase()) { if (!first) b.append(','); b.append("\"ignoreCase\":true"); }
        b.append("},\"action\":");
        switch (r.action()) {
            case RouteAction.Forward f -> { b.append("{\"clusters\":"); weighted(b, f); b.append('}'); }
            case RouteAction.DirectResponse d -> { b.append("{\"directResponse\":{\"status\":").append(d.status()).append(",\"body\":"); str(b, d.body()); b.append("}}"); }
            case RouteAction.Redirect rd -> {
                b.append("{\"redirect\":{\"status\":").append(rd.status());
                if (rd.scheme() != null) { b.append(",\"scheme\":"); str(b, rd.scheme()); }
                if (rd.authority() != null) { b.append(",\"authority\":"); str(b, rd.authority()); }
                if (rd.path() != null) { b.append(",\"path\":"); str(b, rd.path()); }
                if (rd.port() != 0) b.append(",\"port\":").append(rd.port());
                b.append("}}");
            }
        }
        b.append(",\"timeoutMs\":").append(r.timeout().toMillis());
        if (!r.requestHeaders().isEmpty()) { b.append(",\"requestHeaders\":"); mutations(b, r.requestHeaders()); }
        if (!r.responseHeaders().isEmpty()) { b.append(",\"responseHeaders\":"); mutations(b, r.responseHeaders()); }
        if (!r.policies().equals(RoutePolicies.NONE)) { b.append(",\"policies\":"); policies(b, r.policies()); }
        b.append('}');
    }

    private static void weighted(StringBuilder b, RouteAction.Forward f) {
        b.append('[');
        sep(b, f.clusters(), wc -> {
            b.append("{\"cluster\":"); str(b, wc.cluster()); b.append(",\"weight\":").append(wc.weight());
            if (!wc.requestHeaders().isEmpty()) { b.append(",\"requestHeaders\":"); mutations(b, wc.requestHeaders()); }
            if (!wc.responseHeaders().isEmpty()) { b.append(",\"responseHeaders\":"); mutations(b, wc.responseHeaders()); }
            b.append('}');
        });
        b.append(']');
    }

    /** Only what a route sets: a reader diffing two dumps sees a policy appear, not a page of nulls. */
    private static void policies(StringBuilder b, RoutePolicies p) {
        b.append('{');
        boolean first = true;
        if (!p.retry().equals(RouteRetry.NONE)) { b.append("\"retry\":"); retry(b, p.retry()); first = false; }
        if (p.fault() != null) {
            if (!first) b.append(',');
            RouteFault f = p.fault();
            b.append("\"fault\":{\"delayMs\":").append(f.delay().toMillis())
                    .append(",\"delayPerMillion\":").append(f.delayPerMillion())
                    .append(",\"abortStatus\":").append(f.abortStatus())
                    .append(",\"abortGrpcStatus\":").append(f.abortGrpcStatus())
                    .append(",\"abortPerMillion\":").append(f.abortPerMillion()).append('}');
            first = false;
        }
        if (!p.mirrors().isEmpty()) {
            if (!first) b.append(',');
            b.append("\"mirrors\":[");
            sep(b, p.mirrors(), m -> { b.append("{\"cluster\":"); str(b, m.cluster()); b.append(",\"perMillion\":").append(m.perMillion()).append('}'); });
            b.append(']');
            first = false;
        }
        if (p.rewrite() != null) {
            if (!first) b.append(',');
            RouteRewrite w = p.rewrite();
            b.append("\"rewrite\":{");
            boolean f = optional(b, true, "matchedPrefix", w.matchedPrefix());
            f = optional(b, f, "uri", w.uri());
            f = optional(b, f, "regex", w.regex() == null ? null : w.regex().pattern());
            f = optional(b, f, "regexRewrite", w.regexRewrite());
            optional(b, f, "authority", w.authority());
            b.append('}');
            first = false;
        }
        if (p.cors() != null) {
            if (!first) b.append(',');
            RouteCors c = p.cors();
            b.append("\"cors\":{\"origins\":[");
            sep(b, c.origins(), o -> match(b, o));
            b.append(']');
            optional(b, false, "allowMethods", c.allowMethods());
            optional(b, false, "allowHeaders", c.allowHeaders());
            optional(b, false, "exposeHeaders", c.exposeHeaders());
            optional(b, false, "maxAge", c.maxAge());
            b.append(",\"allowCredentials\":").append(c.allowCredentials());
            b.append(",\"forwardUnmatchedPreflights\":").append(c.forwardUnmatchedPreflights()).append('}');
            first = false;
        }
        if (p.parallelRun() != null) {
            if (!first) b.append(',');
            RouteParallelRun pr = p.parallelRun();
            b.append("\"parallelRun\":{\"id\":"); str(b, pr.id());
            b.append(",\"stable\":"); str(b, pr.stableCluster());
            b.append(",\"candidate\":"); str(b, pr.candidateCluster());
            optional(b, false, "secondary", pr.secondaryCluster());
            b.append(",\"perMillion\":").append(pr.perMillion());
            b.append(",\"compareHeaders\":["); sep(b, pr.compareHeaders(), h -> str(b, h));
            b.append("],\"ignore\":["); sep(b, pr.ignore(), i -> str(b, i.toString()));
            b.append("],\"allowUnsafeMethods\":").append(pr.allowUnsafeMethods());
            b.append(",\"maxBodyBytes\":").append(pr.maxBodyBytes()).append('}');
        }
        b.append('}');
    }

    /** Envoy's {@code retry_on} names, in the order of the bits. */
    private static final String[] RETRY_ON = {"5xx", "gateway-error", "reset", "connect-failure", "retriable-4xx", "refused-stream",
            "retriable-status-codes", "cancelled", "deadline-exceeded", "internal", "resource-exhausted", "unavailable"};

    private static void retry(StringBuilder b, RouteRetry r) {
        b.append("{\"retries\":").append(r.retries());
        b.append(",\"perTryTimeoutMs\":").append(r.perTryTimeout().toMillis());
        b.append(",\"retryOn\":[");
        boolean first = true;
        for (int bit = 0; bit < RETRY_ON.length; bit++) {
            if ((r.retryOn() & (1 << bit)) == 0) continue;
            if (!first) b.append(',');
            first = false;
            str(b, RETRY_ON[bit]);
        }
        b.append("],\"retriableStatusCodes\":[");
        int[] codes = r.retriableStatusCodes();
        for (int i = 0; i < codes.length; i++) {
            if (i > 0) b.append(',');
            b.append(codes[i]);
        }
        b.append("],\"backoffBaseMs\":").append(r.backoffBase().toMillis()).append('}');
    }

    private static void hash(StringBuilder b, ConsistentHashConfig h) {
        b.append("{\"key\":");
        switch (h.key()) {
            case HashPolicy.Header x -> { b.append("{\"header\":"); str(b, x.name()); b.append('}'); }
            case HashPolicy.Cookie x -> {
                b.append("{\"cookie\":{\"name\":"); str(b, x.name());
                optional(b, false, "path", x.path());
                if (x.ttl() != null) b.append(",\"ttlMs\":").append(x.ttl().toMillis());
                b.append("}}");
            }
            case HashPolicy.SourceIp x -> b.append("{\"sourceIp\":true}");
            case HashPolicy.QueryParameter x -> { b.append("{\"queryParameter\":"); str(b, x.name()); b.append('}'); }
        }
        b.append(",\"tableSize\":").append(h.tableSize()).append('}');
    }

    private static void outlier(StringBuilder b, OutlierDetectionConfig o) {
        b.append("{\"consecutive5xxErrors\":").append(o.consecutive5xxErrors())
                .append(",\"consecutiveGatewayErrors\":").append(o.consecutiveGatewayErrors())
                .append(",\"splitExternalLocalOriginErrors\":").append(o.splitExternalLocalOriginErrors())
                .append(",\"consecutiveLocalOriginFailures\":").append(o.consecutiveLocalOriginFailures())
                .append(",\"intervalMs\":").append(o.interval().toMillis())
                .append(",\"baseEjectionTimeMs\":").append(o.baseEjectionTime().toMillis())
                .append(",\"maxEjectionPercent\":").append(o.maxEjectionPercent())
                .append(",\"minHealthPercent\":").append(o.minHealthPercent()).append('}');
    }

    /** Appends {@code "name":"value"} when the value is set, with a comma unless it comes first; returns whether the next field is still first. */
    private static boolean optional(StringBuilder b, boolean first, String name, String value) {
        if (value == null) return first;
        if (!first) b.append(',');
        str(b, name);
        b.append(':');
        str(b, value);
        return false;
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
        dev.ficus.api.JsonText.quote(b, s);
    }
}
