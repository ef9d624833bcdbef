package dev.ficus.api.validate;

import dev.ficus.api.Kind;
import dev.ficus.api.Resource;
import dev.ficus.api.config.ConfigSet;
import dev.ficus.api.mesh.Rollout;
import dev.ficus.api.networking.Destination;
import dev.ficus.api.networking.HTTPMatchRequest;
import dev.ficus.api.networking.HTTPRoute;
import dev.ficus.api.networking.HTTPRouteDestination;
import dev.ficus.api.networking.Hosts;
import dev.ficus.api.networking.VirtualService;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Rules for ficus's Rollout kind: the VirtualService it drives exists and routes to what the
 * rollout moves traffic between; steps, weights, checks and webhooks make sense. A mistake found
 * here stops the change before any traffic moves.
 */
final class RolloutChecks implements Check<Rollout> {

    @Override
    public void check(Resource<Rollout> r, ConfigSet all, Report report) {
        Rollout ro = r.spec();
        Rollout.Strategy s = ro.strategy();
        boolean strangler = s != null && s.strangler() != null;
        if (ro.stable() == null) {
            report.error("spec.stable", strangler ? "a strangler needs the legacy service as stable, e.g. {host: monolith, subset: v1}"
                    : "stable is required: the destination that serves today, e.g. {host: reviews, subset: v1}");
        } else {
            VirtualServiceChecks.destination(r, all, report, "spec.stable", ro.stable());
        }
        if (!strangler && s != null) {
            if (ro.canary() == null) {
                report.error("spec.canary", "canary is required: the destination that should serve tomorrow, e.g. {host: reviews, subset: v2}");
            } else {
                VirtualServiceChecks.destination(r, all, report, "spec.canary", ro.canary());
                if (ro.stable() != null && same(r, ro.stable(), ro.canary())) {
                    report.error("spec.canary", "canary is the same destination as stable; a rollout moves traffic between two");
                }
            }
        } else if (strangler && ro.canary() != null) {
            report.warning("spec.canary", "a strangler's routes name their own destinations; canary is not used");
        }
        positive(report, "spec.progressDeadline", ro.progressDeadline());
        virtualService(r, all, report, ro);
        if (s != null) {
            if (s.canary() != null) canary(r, all, report, "spec.strategy.canary", s.canary());
            if (s.blueGreen() != null) {
                matches(r, all, report, "spec.strategy.blueGreen.previewMatch", s.blueGreen().previewMatch());
                atLeast(report, "spec.strategy.blueGreen.prePromotionChecks", s.blueGreen().prePromotionChecks(), 0);
                positive(report, "spec.strategy.blueGreen.postPromotionWindow", s.blueGreen().postPromotionWindow());
            }
            if (s.bigBang() != null) {
                matches(r, all, report, "spec.strategy.bigBang.previewMatch", s.bigBang().previewMatch());
                atLeast(report, "spec.strategy.bigBang.preChecks", s.bigBang().preChecks(), 0);
                positive(report, "spec.strategy.bigBang.postPromotionWindow", s.bigBang().postPromotionWindow());
                if (s.bigBang().preChecks() != null && s.bigBang().preChecks() > 0 && s.bigBang().previewMatch().isEmpty()) {
                    report.error("spec.strategy.bigBang.previewMatch", "preChecks need a preview route: the requests that reach the candidate before the switch");
                }
            }
            if (s.strangler() != null) strangler(r, all, report, s.strangler());
            if (s.parallelRun() != null) parallelRun(r, all, report, s.parallelRun());
        }
        analysis(report, ro.analysisOrDefault());
    }

    private static boolean same(Resource<?> r, Destination a, Destination b) {
        return a.host() != null && b.host() != null && Hosts.fqdn(a.host(), r.namespace()).equals(Hosts.fqdn(b.host(), r.namespace()))
                && java.util.Objects.equals(a.subset(), b.subset());
    }

    private static void virtualService(Resource<Rollout> r, ConfigSet all, Report report, Rollout ro) {
        if (ro.virtualService() == null) return;
        for (Resource<Rollout> other : all.all(Kind.ROLLOUT, Rollout.class)) {
            if (other == r) break;
            if (other.name().equals(r.name()) && other.namespace().equals(r.namespace())) continue; // one replaces the other
            if (other.namespace().equals(r.namespace()) && ro.virtualService().equals(other.spec().virtualService())) {
                report.error("spec.virtualService", "Rollout '" + other.name() + "' (" + other.origin() + ") already drives VirtualService '"
                        + ro.virtualService() + "'; one rollout at a time moves a VirtualService's traffic");
            }
        }
        Optional<Resource<?>> found = all.find(Kind.VIRTUAL_SERVICE, r.namespace(), ro.virtualService());
        if (found.isEmpty()) {
            report.error("spec.virtualService", "no VirtualService '" + ro.virtualService() + "' in namespace " + r.namespace()
                    + "; a Rollout drives the routes of an existing VirtualService");
            return;
        }
        VirtualService vs = found.get().as(VirtualService.class).spec();
        Set<String> names = new HashSet<>();
        for (HTTPRoute h : vs.http()) if (h.name() != null) names.add(h.name());
        for (int i = 0; i < ro.routes().size(); i++) {
            String name = ro.routes().get(i);
            if (!names.contains(name)) {
                report.error("spec.routes[" + i + "]", "VirtualService '" + ro.virtualService() + "' has no HTTP route named '" + name + "'"
                        + (names.isEmpty() ? " (its routes have no names)" : "; it has " + names.stream().sorted().toList()));
            }
        }
        if (ro.stable() == null || ro.stable().host() == null || ro.strategy() == null) return;
        boolean strangler = ro.strategy().strangler() != null;
        boolean reaches = false;
        for (HTTPRoute h : vs.http()) {
            if (!ro.routes().isEmpty() && !ro.routes().contains(h.name())) continue;
            for (HTTPRouteDestination d : h.route()) {
                if (d.destination() == null) continue;
                if (sameHost(found.get(), d.destination(), ro.stable()) || (!strangler && ro.canary() != null && ro.canary().host() != null
                        && sameHost(found.get(), d.destination(), ro.canary()))) {
                    reaches = true;
                }
            }
        }
        if (!reaches) {
            report.error("spec.virtualService", (ro.routes().isEmpty() ? "no HTTP route of VirtualService '" : "none of the named routes of VirtualService '")
                    + ro.virtualService() + "' sends traffic to " + ro.stable().host()
                    + (strangler || ro.canary() == null || ro.canary().host() == null || ro.canary().host().equals(ro.stable().host()) ? "" : " or " + ro.canary().host())
                    + "; the rollout would move nothing");
        }
    }

    private static boolean sameHost(Resource<?> r, Destination a, Destination b) {
        return a.host() != null && b.host() != null && Hosts.fqdn(a.host(), r.namespace()).equals(Hosts.fqdn(b.host(), r.namespace()));
    }

    private static void canary(Resource<?> r, ConfigSet all, Report report, String p, Rollout.Canary c) {
        int generators = (c.steps().isEmpty() ? 0 : 1) + (c.stepWeight() != null ? 1 : 0) + (c.stepWeights().isEmpty() ? 0 : 1);
        if (generators > 1) report.error(p, "set one of steps, stepWeight or stepWeights");
        if (generators == 0 && c.match().isEmpty()) {
            report.error(p, "a canary needs steps, stepWeight or stepWeights (or match for an A/B test), e.g. stepWeight: 10");
        }
        if (c.stepWeight() != null) weight(report, p + ".stepWeight", c.stepWeight(), 1);
        if (c.maxWeight() != null) {
            weight(report, p + ".maxWeight", c.maxWeight(), 1);
            if (c.stepWeight() == null && c.stepWeights().isEmpty()) report.warning(p + ".maxWeight", "maxWeight applies to stepWeight; it is ignored here");
            if (c.stepWeight() != null && c.stepWeight() > c.maxWeight()) report.error(p + ".stepWeight", "stepWeight is more than maxWeight (" + c.maxWeight() + ")");
        }
        int previous = 0;
        for (int i = 0; i < c.stepWeights().size(); i++) {
            Integer w = c.stepWeights().get(i);
            String q = p + ".stepWeights[" + i + "]";
            if (w == null) {
                report.error(q, "a weight is a number 1..100");
                continue;
            }
            weight(report, q, w, 1);
            if (w <= previous) report.error(q, "stepWeights must rise: " + w + " follows " + previous);
            previous = w;
        }
        for (int i = 0; i < c.steps().size(); i++) {
            Rollout.Step st = c.steps().get(i);
            String q = p + ".steps[" + i + "]";
            if (st == null) continue;
            if (st.setWeight() != null) weight(report, q + ".setWeight", st.setWeight(), 0);
            if (st.pause() != null) positive(report, q + ".pause.duration", st.pause().duration());
            if (st.analysis() != null) atLeast(report, q + ".analysis.checks", st.analysis().checks(), 1);
        }
        matches(r, all, report, p + ".match", c.match());
        atLeast(report, p + ".iterations", c.iterations(), 1);
        if (c.iterations() != null && c.match().isEmpty()) report.warning(p + ".iterations", "iterations count the A/B phase, which needs match; it is ignored here");
    }

    private static void strangler(Resource<Rollout> r, ConfigSet all, Report report, Rollout.Strangler s) {
        String p = "spec.strategy.strangler";
        if (s.routes().isEmpty()) report.error(p + ".routes", "a strangler needs at least one route to move off the legacy service");
        Set<String> names = new HashSet<>();
        for (int i = 0; i < s.routes().size(); i++) {
            Rollout.StranglerRoute route = s.routes().get(i);
            String q = p + ".routes[" + i + "]";
            if (route == null) continue;
            if (route.name() != null && !names.add(route.name())) report.error(q + ".name", "route name '" + route.name() + "' is used twice");
            if (route.match().isEmpty()) report.error(q + ".match", "a route needs at least one match, e.g. [{uri: {prefix: /reviews}}]");
            matches(r, all, report, q + ".match", route.match());
            if (route.destination() != null) {
                VirtualServiceChecks.destination(r, all, report, q + ".destination", route.destination());
                if (r.spec().stable() != null && same(r, route.destination(), r.spec().stable())) {
                    report.error(q + ".destination", "the route's new destination is the legacy service itself");
                }
            }
            if (route.canary() != null) canary(r, all, report, q + ".canary", route.canary());
        }
    }

    private static void parallelRun(Resource<Rollout> r, ConfigSet all, Report report, Rollout.ParallelRun pr) {
        String p = "spec.strategy.parallelRun";
        percent(report, p + ".percentage", pr.percentage());
        percent(report, p + ".maxMismatchPercent", pr.maxMismatchPercent());
        atLeast(report, p + ".minRequests", pr.minRequests(), 1);
        atLeast(report, p + ".maxBodyBytes", pr.maxBodyBytes(), 0);
        if (pr.secondary() != null) VirtualServiceChecks.destination(r, all, report, p + ".secondary", pr.secondary());
        for (int i = 0; i < pr.ignore().size(); i++) {
            String path = pr.ignore().get(i);
            if (path == null || !path.startsWith("$")) {
                report.error(p + ".ignore[" + i + "]", "an ignore path is a JSON path from the body's root, e.g. $.generatedAt or $.items[*].id");
            }
        }
        for (int i = 0; i < pr.compareHeaders().size(); i++) {
            String h = pr.compareHeaders().get(i);
            if (h == null || h.isBlank() || !h.equals(h.toLowerCase(java.util.Locale.ROOT))) {
                report.error(p + ".compareHeaders[" + i + "]", "header names are lower-case and not empty");
            }
        }
    }

    private static void analysis(Report report, Rollout.Analysis a) {
        String p = "spec.analysis";
        positive(report, p + ".interval", a.interval());
        if (a.interval() != null && a.interval().compareTo(Duration.ofSeconds(1)) < 0 && !a.interval().isNegative() && !a.interval().isZero()) {
            report.warning(p + ".interval", "an interval under 1s reads too few requests to judge a candidate");
        }
        atLeast(report, p + ".failureLimit", a.failureLimit(), 1);
        atLeast(report, p + ".minRequests", a.minRequests(), 0);
        Set<String> names = new HashSet<>();
        for (int i = 0; i < a.metrics().size(); i++) {
            Rollout.Metric m = a.metrics().get(i);
            String q = p + ".metrics[" + i + "]";
            if (m == null || m.name() == null) continue;
            if (!names.add(m.name())) report.error(q + ".name", "metric '" + m.name() + "' is checked twice");
            boolean builtIn = Rollout.Metric.BUILT_IN.contains(m.name());
            if (!builtIn && m.query() == null) {
                report.error(q + ".name", "'" + m.name() + "' is not a built-in metric (" + String.join(", ", Rollout.Metric.BUILT_IN)
                        + "); give it a PromQL query");
            }
            if (m.query() != null && a.prometheus() == null) {
                report.error(q + ".query", "a query is read from Prometheus: set spec.analysis.prometheus.address");
            }
            if (m.thresholdRange() == null || (m.thresholdRange().min() == null && m.thresholdRange().max() == null)) {
                report.error(q + ".thresholdRange", "a check needs a thresholdRange with min, max or both, e.g. {min: 99}");
            } else if (m.thresholdRange().min() != null && m.thresholdRange().max() != null && m.thresholdRange().min() > m.thresholdRange().max()) {
                report.error(q + ".thresholdRange", "min is more than max");
            }
        }
        Set<String> hooks = new HashSet<>();
        for (int i = 0; i < a.webhooks().size(); i++) {
            Rollout.Webhook w = a.webhooks().get(i);
            String q = p + ".webhooks[" + i + "]";
            if (w == null) continue;
            if (w.name() != null && !hooks.add(w.name())) report.error(q + ".name", "webhook '" + w.name() + "' is defined twice");
            if (w.type() != null && !Rollout.Webhook.TYPES.contains(w.type())) {
                report.error(q + ".type", "unknown webhook type '" + w.type() + "'; one of " + String.join(", ", Rollout.Webhook.TYPES));
            }
            url(report, q + ".url", w.url());
            positive(report, q + ".timeout", w.timeout());
        }
        if (a.prometheus() != null) url(report, p + ".prometheus.address", a.prometheus().address());
    }

    private static void url(Report report, String p, String url) {
        if (url == null) return;
        try {
            URI u = new URI(url);
            if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme()) || u.getHost() == null) {
                report.error(p, "'" + url + "' is not an http:// or https:// URL with a host");
            }
        } catch (URISyntaxException e) {
            report.error(p, "'" + url + "' is not a URL: " + e.getReason());
        }
    }

    private static void matches(Resource<?> r, ConfigSet all, Report report, String p, List<HTTPMatchRequest> ms) {
        for (int i = 0; i < ms.size(); i++) if (ms.get(i) != null) VirtualServiceChecks.match(r, all, report, p + "[" + i + "]", ms.get(i));
    }

    private static void weight(Report report, String p, int w, int min) {
        if (w < min || w > 100) report.error(p, "a weight is a percentage " + min + "..100, not " + w);
    }

    private static void percent(Report report, String p, Double v) {
        if (v != null && (v < 0 || v > 100 || v.isNaN())) report.error(p, "a percentage is 0..100, not " + v);
    }

    private static void atLeast(Report report, String p, Integer v, int min) {
        if (v != null && v < min) report.error(p, "must be at least " + min + ", not " + v);
    }

    private static void positive(Report report, String p, Duration d) {
        if (d != null && (d.isZero() || d.isNegative())) report.error(p, "must be a positive duration, e.g. 30s");
    }
}
