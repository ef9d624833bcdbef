package dev.ficus.xds.translate;

import dev.ficus.api.networking.CorsPolicy;
import dev.ficus.api.networking.HTTPFaultInjection;
import dev.ficus.api.networking.HTTPMirrorPolicy;
import dev.ficus.api.networking.HTTPRetry;
import dev.ficus.api.networking.HTTPRewrite;
import dev.ficus.api.networking.HTTPRoute;
import dev.ficus.xds.snapshot.RouteCors;
import dev.ficus.xds.snapshot.RouteFault;
import dev.ficus.xds.snapshot.RouteMatch;
import dev.ficus.xds.snapshot.RouteMirror;
import dev.ficus.xds.snapshot.RoutePolicies;
import dev.ficus.xds.snapshot.RouteRetry;
import dev.ficus.xds.snapshot.RouteRewrite;
import dev.ficus.xds.snapshot.StringMatch;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Translates the parts of an Istio HTTP route around the upstream call — {@code retries},
 * {@code fault}, {@code mirror}/{@code mirrors}, {@code rewrite}, {@code corsPolicy} — into {@link RoutePolicies},
 * with Istio's semantics and defaults. Called by {@link Translator} once per route and match.
 */
final class RoutePolicyTranslator {
    /**
     * Resolves a mirror destination to a cluster name, as the translator does for route
     * destinations; {@code port} is null when the destination names none.
     */
    interface Clusters {
        String cluster(String host, Integer port, String subset, String path);
    }

    /** Receives a note about a field that is not applied as written. */
    interface Notes {
        void note(String path, String message);
    }

    private RoutePolicyTranslator() {}

    /**
     * The policies of {@code hr} matched by {@code match}; {@code path} is the route's field path
     * (spec.http[i]), {@code namespace} the VirtualService's, for short mirror host names.
     */
    static RoutePolicies translate(HTTPRoute hr, RouteMatch match, String path, String namespace, Clusters clusters, Notes notes) {
        RouteRetry retry = retry(hr.retries(), path + ".retries", notes);
        RouteFault fault = fault(hr.fault(), path + ".fault");
        List<RouteMirror> mirrors = mirrors(hr, path, namespace, clusters);
        RouteRewrite rewrite = rewrite(hr.rewrite(), match);
        return new RoutePolicies(retry, fault, mirrors, rewrite, cors(hr.corsPolicy()));
    }

    /** Istio's retry translation: no {@code retries} gets Istio's default; {@code attempts: 0} disables. */
    static RouteRetry retry(HTTPRetry r, String path, Notes notes) {
        if (r == null) return RouteRetry.ISTIO_DEFAULT;
        int attempts = r.attempts() == null ? 2 : r.attempts();
        if (attempts <= 0) return RouteRetry.NONE;
        List<Integer> codes = new ArrayList<>();
        List<String> conditions = r.retryOnConditions();
        int bits;
        int[] statusCodes;
        if (conditions.isEmpty()) {
            // Istio keeps its default conditions when only attempts or timeouts are set
            bits = RouteRetry.ISTIO_DEFAULT.retryOn();
            statusCodes = RouteRetry.ISTIO_DEFAULT.retriableStatusCodes();
        } else {
            bits = RouteRetry.parseRetryOn(conditions, codes::add,
                    c -> notes.note(path + ".retryOn", "retry condition '" + c + "' is not known to the proxy; it is ignored"));
            // as Istio: the codes are the bare numbers of retryOn; "retriable-status-codes" alone adds none
            statusCodes = codes.stream().mapToInt(Integer::intValue).toArray();
        }
        Duration perTry = r.perTryTimeout() == null ? Duration.ZERO : r.perTryTimeout();
        Duration backoff = r.backoff() == null || r.backoff().isZero() ? RouteRetry.DEFAULT_BACKOFF : r.backoff();
        if (Boolean.FALSE.equals(r.retryIgnorePreviousHosts())) {
            notes.note(path + ".retryIgnorePreviousHosts", "retries always prefer another endpoint in the proxy; false is not applied");
        }
        return new RouteRetry(attempts, perTry, bits, statusCodes, backoff);
    }

    static RouteFault fault(HTTPFaultInjection f, String path) {
        if (f == null) return null;
        Duration delay = Duration.ZERO;
        int delayShare = 0;
        if (f.delay() != null && f.delay().fixedDelay() != null) {
            delay = f.delay().fixedDelay();
            delayShare = RouteFault.perMillion(f.delay().effectivePercentage());
        }
        int status = 0;
        int grpc = -1;
        int abortShare = 0;
        if (f.abort() != null) {
            if (f.abort().httpStatus() != null) {
                status = f.abort().httpStatus();
            } else if (f.abort().grpcStatus() != null) {
                grpc = RouteFault.grpcCode(f.abort().grpcStatus());
                // validation refuses unknown names; an unknown one aborts as UNKNOWN rather than being dropped
                if (grpc < 0) grpc = 2;
                status = 200;
            }
            if (status != 0) abortShare = RouteFault.perMillion(f.abort().effectivePercentage());
        }
        if (delayShare == 0 && abortShare == 0) return null;
        return new RouteFault(delay, delayShare, status, grpc, abortShare);
    }

    static List<RouteMirror> mirrors(HTTPRoute hr, String path, String namespace, Clusters clusters) {
        List<HTTPMirrorPolicy> all = hr.effectiveMirrors();
        if (all.isEmpty()) return List.of();
        List<RouteMirror> out = new ArrayList<>(all.size());
        for (int i = 0; i < all.size(); i++) {
            HTTPMirrorPolicy m = all.get(i);
            String mp = hr.mirror() != null ? path + ".mirror" : path + ".mirrors[" + i + "].destination";
            var d = m.destination();
            String host = dev.ficus.api.networking.Hosts.fqdn(d.host(), namespace);
            Integer p = d.port() != null ? d.port().number() : null;
            int share = RouteFault.perMillion(m.effectivePercentage());
            if (share == 0) continue;
            out.add(new RouteMirror(clusters.cluster(host, p, d.subset(), mp), share));
        }
        return out;
    }

    /** Istio's CORS policy; origins from {@code allowOrigins} and the deprecated exact {@code allowOrigin}. */
    static RouteCors cors(CorsPolicy c) {
        if (c == null) return null;
        List<StringMatch> origins = new ArrayList<>();
        for (var m : c.allowOrigins()) {
            if (m.exact() != null) origins.add(m.exact().equals("*") ? new StringMatch.Present() : new StringMatch.Exact(m.exact()));
            else if (m.prefix() != null) origins.add(new StringMatch.Prefix(m.prefix()));
            else if (m.regex() != null) origins.add(new StringMatch.Regex(m.regex()));
        }
        for (String o : c.allowOrigin()) origins.add(o.equals("*") ? new StringMatch.Present() : new StringMatch.Exact(o));
        String maxAge = c.maxAge() == null ? null : Long.toString(c.maxAge().toSeconds());
        boolean forward = c.unmatchedPreflights() != CorsPolicy.UnmatchedPreflights.IGNORE;
        return new RouteCors(origins, join(c.allowMethods()), join(c.allowHeaders()), join(c.exposeHeaders()), maxAge,
                Boolean.TRUE.equals(c.allowCredentials()), forward);
    }

    private static String join(List<String> values) {
        return values == null || values.isEmpty() ? null : String.join(",", values);
    }

    static RouteRewrite rewrite(HTTPRewrite r, RouteMatch match) {
        if (r == null) return null;
        String authority = r.authority() == null || r.authority().isEmpty() ? null : r.authority();
        if (r.uriRegexRewrite() != null) return RouteRewrite.regex(r.uriRegexRewrite().match(), r.uriRegexRewrite().rewrite(), authority);
        if (r.uri() != null && !r.uri().isEmpty()) {
            String prefix = match.path() instanceof StringMatch.Prefix p ? p.prefix() : null;
            return new RouteRewrite(prefix, r.uri(), null, null, authority);
        }
        return authority == null ? null : new RouteRewrite(null, null, null, null, authority);
    }
}
