package dev.ficus.control.rollout;

import dev.ficus.api.Kind;
import dev.ficus.api.Resource;
import dev.ficus.api.config.ConfigSet;
import dev.ficus.api.mesh.Rollout;
import dev.ficus.api.networking.Destination;
import dev.ficus.api.networking.HTTPMatchRequest;
import dev.ficus.api.networking.HTTPRoute;
import dev.ficus.api.networking.HTTPRouteDestination;
import dev.ficus.api.networking.Hosts;
import dev.ficus.api.networking.StringMatch;
import dev.ficus.api.networking.VirtualService;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The routes as the rollouts want them: a pure function from the configuration (files and
 * registry) and the rollouts' states to the configuration the translator sees. Each driven
 * VirtualService route sends {@code 100 - w} percent to stable and {@code w} to the candidate; a
 * preview route (copied from the driven route, its matches narrowed by the preview match) goes
 * before it; a strangler's moved routes go before all of the VirtualService's own routes. Rollout
 * resources are removed, except a parallel run that is on (the translator mirrors and compares
 * for it) and a strangler with a fallback (the translator sends its moved routes' failures to legacy). Resources keep their origin, so diagnostics still point at the user's files.
 */
public final class RolloutOverlay {
    private RolloutOverlay() {
    }

    public static ConfigSet apply(ConfigSet config, Map<String, RolloutState> states) {
        List<Resource<Rollout>> rollouts = config.all(Kind.ROLLOUT, Rollout.class);
        if (rollouts.isEmpty()) return config;
        Map<String, Resource<?>> replaced = new HashMap<>();
        List<Resource<?>> keep = new ArrayList<>();
        for (Resource<Rollout> r : rollouts) {
            RolloutState st = states.get(r.namespace() + "/" + r.name());
            if (r.spec().strategy() != null && r.spec().strategy().parallelRun() != null && st != null && !st.progress().phase().terminal()
                    && !st.progress().candidateServes()) {
                keep.add(r);
            }
            if (r.spec().strategy() != null && r.spec().strategy().strangler() != null && r.spec().strategy().strangler().fallback() != null
                    && r.spec().strategy().strangler().fallback().on()) {
                keep.add(r); // the translator gives its moved routes the way back to legacy
            }
            if (st == null) continue;
            var vs = config.find(Kind.VIRTUAL_SERVICE, r.namespace(), r.spec().virtualService());
            if (vs.isEmpty()) continue;
            String key = vs.get().namespace() + "/" + vs.get().name();
            Resource<VirtualService> current = replaced.containsKey(key) ? replaced.get(key).as(VirtualService.class) : vs.get().as(VirtualService.class);
            VirtualService rewritten = rewrite(r, st, current.spec());
            replaced.put(key, new Resource<>(current.kind(), current.apiVersion(), current.metadata(), rewritten, current.origin()));
        }
        List<Resource<?>> out = new ArrayList<>(config.size());
        for (Resource<?> res : config.resources()) {
            if (res.kind() == Kind.ROLLOUT) {
                if (keep.contains(res)) out.add(res);
                continue;
            }
            if (res.kind() == Kind.VIRTUAL_SERVICE) {
                Resource<?> over = replaced.get(res.namespace() + "/" + res.name());
                if (over != null && over.origin() == res.origin()) {
                    out.add(over);
                    continue;
                }
            }
            out.add(res);
        }
        return new ConfigSet(out);
    }

    private static VirtualService rewrite(Resource<Rollout> r, RolloutState st, VirtualService vs) {
        Rollout ro = r.spec();
        String ns = r.namespace();
        if (ro.strategy().strangler() != null) return strangle(ro, st, vs);
        Progress p = st.progress();
        int weight = p.phase() == Phase.SUCCEEDED ? 100 : p.phase().terminal() ? 0 : p.weight();
        boolean preview = !p.phase().terminal() && p.preview();
        List<HTTPMatchRequest> previewMatch = previewMatch(ro);
        List<HTTPRoute> http = new ArrayList<>();
        for (HTTPRoute h : vs.http()) {
            if (!driven(ro, ns, h)) {
                http.add(h);
                continue;
            }
            if (preview && !previewMatch.isEmpty()) {
                http.add(route(h, (h.name() == null ? "route" : h.name()) + "-preview", narrow(h.match(), previewMatch),
                        split(h, ro.stable(), ro.canary(), 100, ns)));
            }
            http.add(route(h, h.name(), h.match(), split(h, ro.stable(), ro.canary(), weight, ns)));
        }
        return new VirtualService(vs.hosts(), vs.gateways(), http, vs.tls(), vs.tcp(), vs.exportTo());
    }

    private static List<HTTPMatchRequest> previewMatch(Rollout ro) {
        Rollout.Strategy s = ro.strategy();
        if (s.canary() != null) return s.canary().match();
        if (s.blueGreen() != null) return s.blueGreen().previewMatch();
        if (s.bigBang() != null) return s.bigBang().previewMatch();
        return List.of();
    }

    /**
     * Whether the rollout drives {@code h}: named by it, or (none named) sending traffic to the
     * stable's or the candidate's service (any subset: after one rollout promoted v2, the next
     * one moves v2 to v3 on routes that the files still write with v1).
     */
    static boolean driven(Rollout ro, String ns, HTTPRoute h) {
        if (!ro.routes().isEmpty()) return h.name() != null && ro.routes().contains(h.name());
        for (HTTPRouteDestination d : h.route()) {
            if (sameHost(d.destination(), ro.stable(), ns) || (ro.canary() != null && sameHost(d.destination(), ro.canary(), ns))) return true;
        }
        return false;
    }

    static boolean sameHost(Destination a, Destination b, String ns) {
        if (a == null || b == null || a.host() == null || b.host() == null) return false;
        return Hosts.fqdn(a.host(), ns).equals(Hosts.fqdn(b.host(), ns));
    }

    static boolean same(Destination a, Destination b, String ns) {
        if (a == null || b == null || a.host() == null || b.host() == null) return false;
        return Hosts.fqdn(a.host(), ns).equals(Hosts.fqdn(b.host(), ns)) && Objects.equals(a.subset(), b.subset());
    }

    /** {@code w} percent to the candidate, the rest to stable; each keeps the header operations (and port) the route gave it. */
    private static List<HTTPRouteDestination> split(HTTPRoute h, Destination stable, Destination candidate, int w, String ns) {
        HTTPRouteDestination s = null;
        HTTPRouteDestination c = null;
        for (HTTPRouteDestination d : h.route()) {
            if (s == null && same(d.destination(), stable, ns)) s = d;
            else if (c == null && same(d.destination(), candidate, ns)) c = d;
        }
        if (s == null) {
            // the files route the service to another subset (an earlier version): keep that destination's port and header operations
            for (HTTPRouteDestination d : h.route()) {
                if (sameHost(d.destination(), stable, ns) && d != c) {
                    s = new HTTPRouteDestination(new Destination(d.destination().host(), stable.subset(), d.destination().port()), d.weight(), d.headers());
                    break;
                }
            }
        }
        Destination sd = s != null ? s.destination() : stable;
        Destination cd = c != null ? c.destination() : withPort(candidate, sd);
        List<HTTPRouteDestination> out = new ArrayList<>(2);
        out.add(new HTTPRouteDestination(sd, 100 - w, s != null ? s.headers() : null));
        out.add(new HTTPRouteDestination(cd, w, c != null ? c.headers() : null));
        return out;
    }

    /** The candidate on stable's port when it names none and both are one service. */
    private static Destination withPort(Destination candidate, Destination stable) {
        if (candidate.port() != null || stable.port() == null || !candidate.host().equals(stable.host())) return candidate;
        return new Destination(candidate.host(), candidate.subset(), stable.port());
    }

    private static VirtualService strangle(Rollout ro, RolloutState st, VirtualService vs) {
        List<HTTPRoute> moved = new ArrayList<>();
        HTTPRoute template = null;
        for (HTTPRoute h : vs.http()) {
            if (driven(ro, "", h)) {
                template = h;
                break;
            }
        }
        for (Rollout.StranglerRoute sr : ro.strategy().strangler().routes()) {
            Progress p = st.routes().get(sr.name());
            if (p == null || p.phase() == Phase.ROLLED_BACK || p.phase() == Phase.ABORTED) continue;
            int weight = p.phase() == Phase.SUCCEEDED ? 100 : p.weight();
            // a route that has not taken traffic yet sends all of it to legacy; a moved one, all to the new service
            List<HTTPRouteDestination> dests = new ArrayList<>(2);
            if (weight < 100) dests.add(new HTTPRouteDestination(ro.stable(), 100 - weight, null));
            if (weight > 0) dests.add(new HTTPRouteDestination(sr.destination(), weight, null));
            HTTPRoute base = template != null ? template : new HTTPRoute(null, List.of(), List.of(), null, null, null, null, null, null, null,
                    null, List.of(), null, null, null, null, null);
            List<HTTPMatchRequest> match = template != null && !template.match().isEmpty() ? narrow(template.match(), sr.match()) : sr.match();
            moved.add(route(base, "strangler-" + sr.name(), match, dests));
        }
        List<HTTPRoute> http = new ArrayList<>(moved);
        http.addAll(vs.http());
        return new VirtualService(vs.hosts(), vs.gateways(), http, vs.tls(), vs.tcp(), vs.exportTo());
    }

    private static HTTPRoute route(HTTPRoute h, String name, List<HTTPMatchRequest> match, List<HTTPRouteDestination> dests) {
        return new HTTPRoute(name, match, dests, h.redirect(), h.directResponse(), h.delegate(), h.rewrite(), h.timeout(), h.retries(),
                h.fault(), h.mirror(), h.mirrors(), h.mirrorPercent(), h.mirrorPercentSnake(), h.mirrorPercentage(), h.corsPolicy(), h.headers());
    }

    /**
     * Requests that match the route and the preview: each of the route's matches (ORed) combined
     * with each of the preview's, field by field (the preview's field wins where both set one;
     * header and query maps are joined).
     */
    static List<HTTPMatchRequest> narrow(List<HTTPMatchRequest> route, List<HTTPMatchRequest> preview) {
        if (route.isEmpty()) return preview;
        List<HTTPMatchRequest> out = new ArrayList<>();
        for (HTTPMatchRequest a : route) {
            for (HTTPMatchRequest b : preview) out.add(merge(a, b));
        }
        return out;
    }

    private static HTTPMatchRequest merge(HTTPMatchRequest a, HTTPMatchRequest b) {
        return new HTTPMatchRequest(b.name() != null ? b.name() : a.name(), or(b.uri(), a.uri()), or(b.scheme(), a.scheme()),
                or(b.method(), a.method()), or(b.authority(), a.authority()), join(a.headers(), b.headers()),
                b.port() != null ? b.port() : a.port(), joinStrings(a.sourceLabels(), b.sourceLabels()),
                b.gateways().isEmpty() ? a.gateways() : b.gateways(), join(a.queryParams(), b.queryParams()),
                b.ignoreUriCase() != null ? b.ignoreUriCase() : a.ignoreUriCase(), join(a.withoutHeaders(), b.withoutHeaders()),
                b.sourceNamespace() != null ? b.sourceNamespace() : a.sourceNamespace(), a.statPrefix());
    }

    private static StringMatch or(StringMatch x, StringMatch y) { return x != null ? x : y; }

    private static Map<String, StringMatch> join(Map<String, StringMatch> a, Map<String, StringMatch> b) {
        if (b.isEmpty()) return a;
        Map<String, StringMatch> m = new LinkedHashMap<>(a);
        m.putAll(b);
        return m;
    }

    private static Map<String, String> joinStrings(Map<String, String> a, Map<String, String> b) {
        if (b.isEmpty()) return a;
        Map<String, String> m = new LinkedHashMap<>(a);
        m.putAll(b);
        return m;
    }
}
