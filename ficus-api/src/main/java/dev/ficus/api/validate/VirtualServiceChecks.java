package dev.ficus.api.validate;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import dev.ficus.api.Durations;
import dev.ficus.api.Kind;
import dev.ficus.api.Resource;
import dev.ficus.api.config.ConfigSet;
import dev.ficus.api.networking.CorsPolicy;
import dev.ficus.api.networking.Destination;
import dev.ficus.api.networking.DestinationRule;
import dev.ficus.api.networking.HTTPFaultInjection;
import dev.ficus.api.networking.HTTPMatchRequest;
import dev.ficus.api.networking.HTTPMirrorPolicy;
import dev.ficus.api.networking.HTTPRetry;
import dev.ficus.api.networking.HTTPRoute;
import dev.ficus.api.networking.Hosts;
import dev.ficus.api.networking.L4MatchAttributes;
import dev.ficus.api.networking.Percent;
import dev.ficus.api.networking.Protocols;
import dev.ficus.api.networking.RouteDestination;
import dev.ficus.api.networking.StringMatch;
import dev.ficus.api.networking.TCPRoute;
import dev.ficus.api.networking.TLSMatchAttributes;
import dev.ficus.api.networking.TLSRoute;
import dev.ficus.api.networking.VirtualService;

import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Istio's validation rules for VirtualService, stricter where Istio would accept something that
 * cannot work (a subset no DestinationRule defines, a gateway that does not exist). The static
 * helpers here are shared by the other networking checks.
 */
final class VirtualServiceChecks implements Check<VirtualService> {

    /** Envoy's retry conditions (HTTP and gRPC); bare HTTP status codes are accepted too. */
    static final List<String> RETRY_ON = List.of(
            "5xx", "gateway-error", "reset", "reset-before-request", "connect-failure", "retriable-4xx",
            "refused-stream", "retriable-status-codes", "retriable-headers", "envoy-ratelimited",
            "http3-post-connect-failure", "cancelled", "deadline-exceeded", "internal", "resource-exhausted",
            "unavailable");

    static final List<String> GRPC_STATUS = List.of(
            "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
            "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
            "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED");

    private static final Set<Integer> REDIRECT_CODES = Set.of(300, 301, 302, 303, 304, 305, 307, 308);

    @Override
    public void check(Resource<VirtualService> r, ConfigSet all, Report report) {
        VirtualService vs = r.spec();
        String ns = r.namespace();
        boolean appliesToMesh = vs.effectiveGateways().contains(VirtualService.MESH);
        if (vs.hosts().isEmpty() && !isDelegate(r, all)) {
            report.error("spec.hosts", "at least one host is required (e.g. reviews or *.example.com); only a "
                    + "VirtualService that another one delegates to may have none");
        }
        for (int i = 0; i < vs.hosts().size(); i++) {
            String h = vs.hosts().get(i);
            String p = "spec.hosts[" + i + "]";
            if (Hosts.isIp(h)) {
                if (appliesToMesh) {
                    report.error(p, "IP address '" + h + "' is allowed as a host only for gateways; this VirtualService "
                            + "applies to sidecars ('mesh'): use the service's DNS name, or bind it to gateways only");
                }
                continue;
            }
            hostProblem(report, p, h);
            if (h.equals("*") && appliesToMesh) {
                report.error(p, "host '*' is allowed only for gateways; for sidecars ('mesh') name the services");
            }
        }
        for (int i = 0; i < vs.gateways().size(); i++) {
            gatewayRef(r, all, report, "spec.gateways[" + i + "]", vs.gateways().get(i));
        }
        exportTo(report, "spec.exportTo", vs.exportTo(), r.namespace(), false);
        if (vs.http().isEmpty() && vs.tls().isEmpty() && vs.tcp().isEmpty()) {
            report.error("spec", "a VirtualService needs at least one of http, tls or tcp routes");
        }
        for (int i = 0; i < vs.http().size(); i++) {
            http(r, all, report, "spec.http[" + i + "]", vs.http().get(i));
        }
        for (int i = 0; i < vs.tls().size(); i++) {
            TLSRoute t = vs.tls().get(i);
            String p = "spec.tls[" + i + "]";
            for (int j = 0; j < t.match().size(); j++) {
                TLSMatchAttributes m = t.match().get(j);
                String mp = p + ".match[" + j + "]";
                if (m.sniHosts().isEmpty()) {
                    report.error(mp + ".sniHosts", "at least one SNI host is required (e.g. login.example.com or *.example.com)");
                }
                for (int k = 0; k < m.sniHosts().size(); k++) hostProblem(report, mp + ".sniHosts[" + k + "]", m.sniHosts().get(k));
                l4(r, all, report, mp, m.destinationSubnets(), m.port(), m.gateways());
            }
            routeDestinations(r, all, report, p, t.route());
        }
        for (int i = 0; i < vs.tcp().size(); i++) {
            TCPRoute t = vs.tcp().get(i);
            String p = "spec.tcp[" + i + "]";
            for (int j = 0; j < t.match().size(); j++) {
                L4MatchAttributes m = t.match().get(j);
                l4(r, all, report, p + ".match[" + j + "]", m.destinationSubnets(), m.port(), m.gateways());
            }
            routeDestinations(r, all, report, p, t.route());
        }
    }

    private static boolean isDelegate(Resource<VirtualService> r, ConfigSet all) {
        for (Resource<VirtualService> other : all.all(Kind.VIRTUAL_SERVICE, VirtualService.class)) {
            for (HTTPRoute h : other.spec().http()) {
                if (h.delegate() != null && r.name().equals(h.delegate().name())
                        && r.namespace().equals(h.delegate().namespace() == null ? other.namespace() : h.delegate().namespace())) {
                    return true;
                }
            }
        }
        return false;
    }

    private static void l4(Resource<VirtualService> r, ConfigSet all, Report report, String p, List<String> subnets,
                           Integer port, List<String> gateways) {
        for (int k = 0; k < subnets.size(); k++) {
            if (!Hosts.isIpOrCidr(subnets.get(k))) {
                report.error(p + ".destinationSubnets[" + k + "]", "'" + subnets.get(k)
                        + "' is not an IP or CIDR block; write e.g. 10.0.0.1 or 10.0.0.0/8");
            }
        }
        port(report, p + ".port", port);
        for (int k = 0; k < gateways.size(); k++) gatewayRef(r, all, report, p + ".gateways[" + k + "]", gateways.get(k));
    }

    private static void http(Resource<VirtualService> r, ConfigSet all, Report report, String p, HTTPRoute h) {
        for (int j = 0; j < h.match().size(); j++) {
            match(r, all, report, p + ".match[" + j + "]", h.match().get(j));
        }
        boolean forwards = !h.route().isEmpty();
        if (!forwards && h.redirect() == null && h.directResponse() == null && h.delegate() == null) {
            report.error(p, "an HTTP route needs one of route, redirect, directResponse or delegate");
        }
        if (forwards) {
            weights(report, p + ".route", h.route().stream().map(d -> d.weight()).toList());
            for (int j = 0; j < h.route().size(); j++) {
                destination(r, all, report, p + ".route[" + j + "].destination", h.route().get(j).destination());
            }
        }
        if (h.rewrite() != null) {
            if (h.redirect() != null) report.error(p + ".rewrite", "rewrite cannot be combined with redirect; a redirect names its own uri and authority");
            if (h.rewrite().uriRegexRewrite() != null) regex(report, p + ".rewrite.uriRegexRewrite.match", h.rewrite().uriRegexRewrite().match());
        }
        if (h.redirect() != null) {
            var rd = h.redirect();
            port(report, p + ".redirect.port", rd.port());
            if (rd.redirectCode() != null && !REDIRECT_CODES.contains(rd.redirectCode())) {
                report.error(p + ".redirect.redirectCode", "redirect code " + rd.redirectCode()
                        + " is not a redirect; use one of 300, 301, 302, 303, 304, 305, 307, 308");
            }
            if (rd.uri() == null && rd.authority() == null && rd.port() == null && rd.derivePort() == null && rd.scheme() == null) {
                report.error(p + ".redirect", "a redirect needs at least one of uri, authority, port, derivePort or scheme");
            }
        }
        if (h.directResponse() != null && h.directResponse().status() != null) {
            int s = h.directResponse().status();
            if (s < 200 || s > 599) report.error(p + ".directResponse.status", "status " + s + " is out of range; use 200..599");
            var body = h.directResponse().body();
            if (body != null && body.bytes() != null) {
                try {
                    Base64.getDecoder().decode(body.bytes());
                } catch (IllegalArgumentException e) {
                    report.error(p + ".directResponse.body.bytes", "not valid base64 (" + e.getMessage() + "); use 'string' for text");
                }
            }
        }
        if (h.timeout() != null) durationAtLeast1ms(report, p + ".timeout", h.timeout(), true);
        if (h.retries() != null) retries(report, p + ".retries", h.retries());
        if (h.fault() != null) fault(report, p + ".fault", h.fault());
        if (h.mirror() != null) destination(r, all, report, p + ".mirror", h.mirror());
        for (int j = 0; j < h.mirrors().size(); j++) {
            HTTPMirrorPolicy m = h.mirrors().get(j);
            if (m.destination() != null) destination(r, all, report, p + ".mirrors[" + j + "].destination", m.destination());
            percent(report, p + ".mirrors[" + j + "].percentage.value", m.percentage());
        }
        percentInt(report, p + ".mirrorPercent", h.mirrorPercent());
        percentInt(report, p + ".mirror_percent", h.mirrorPercentSnake());
        percent(report, p + ".mirrorPercentage.value", h.mirrorPercentage());
        if (h.mirror() == null && (h.mirrorPercent() != null || h.mirrorPercentSnake() != null || h.mirrorPercentage() != null)) {
            report.warning(p, "a mirror percentage without 'mirror' has no effect; with 'mirrors' set each entry's percentage");
        }
        if (h.corsPolicy() != null) cors(report, p + ".corsPolicy", h.corsPolicy());
    }

    static void match(Resource<?> r, ConfigSet all, Report report, String p, HTTPMatchRequest m) {
        stringMatch(report, p + ".uri", m.uri());
        stringMatch(report, p + ".scheme", m.scheme());
        stringMatch(report, p + ".method", m.method());
        stringMatch(report, p + ".authority", m.authority());
        stringMatches(report, p + ".headers", m.headers());
        stringMatches(report, p + ".queryParams", m.queryParams());
        stringMatches(report, p + ".withoutHeaders", m.withoutHeaders());
        for (String name : m.headers().keySet()) {
            if (!name.equals(name.toLowerCase(java.util.Locale.ROOT))) {
                report.error(p + ".headers." + name, "header names must be lower-case; write '" + name.toLowerCase(java.util.Locale.ROOT) + "'");
            }
        }
        if (m.uri() != null && m.uri().exact() == null && m.uri().prefix() == null && m.uri().regex() == null) {
            report.error(p + ".uri", "set one of exact, prefix or regex");
        }
        if (Boolean.TRUE.equals(m.ignoreUriCase()) && m.uri() != null && m.uri().regex() != null) {
            report.warning(p + ".ignoreUriCase", "ignoreUriCase applies to exact and prefix uri matches only; this regex stays case-sensitive (use (?i) in it)");
        }
        for (var e : m.queryParams().entrySet()) {
            if (e.getValue() != null && e.getValue().prefix() != null) {
                String key = e.getKey().matches("[A-Za-z0-9_-]+") ? p + ".queryParams." + e.getKey() : p + ".queryParams[\"" + e.getKey() + "\"]";
                report.warning(key + ".prefix", "Istio's reference lists prefix matches on query parameters as not supported; "
                        + "ficus, like Istio's proxies today, matches the start of the raw value; use exact or regex to stay portable");
            }
        }
        port(report, p + ".port", m.port());
        for (int k = 0; k < m.gateways().size(); k++) gatewayRef(r, all, report, p + ".gateways[" + k + "]", m.gateways().get(k));
    }

    private static void stringMatches(Report report, String p, Map<String, StringMatch> map) {
        for (var e : map.entrySet()) {
            String key = e.getKey().matches("[A-Za-z0-9_-]+") ? p + "." + e.getKey() : p + "[\"" + e.getKey() + "\"]";
            stringMatch(report, key, e.getValue());
        }
    }

    private static void stringMatch(Report report, String p, StringMatch m) {
        if (m != null && m.regex() != null) regex(report, p + ".regex", m.regex());
    }

    /** Reports a regular expression that RE2 (the engine ficus and Envoy match with) refuses. */
    static void regex(Report report, String p, String regex) {
        if (regex == null) return;
        try {
            Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            report.error(p, "invalid RE2 regular expression: " + e.getDescription() + " in '" + regex
                    + "' (RE2 has no lookaround or backreferences)");
        }
    }

    static void destination(Resource<?> r, ConfigSet all, Report report, String p, Destination d) {
        if (d == null || d.host() == null) return;
        if (d.host().equals("*")) { // as Istio: '*.example.com' names a wildcard ServiceEntry's service, '*' none
            report.error(p + ".host", "a destination must name a service, not '*'");
        } else {
            hostProblem(report, p + ".host", d.host());
        }
        if (d.port() != null) port(report, p + ".port.number", d.port().number());
        if (d.subset() != null && !d.host().contains("*")) {
            String fqdn = Hosts.fqdn(d.host(), r.namespace());
            boolean defined = false;
            boolean ruleFound = false;
            for (RuleHost rh : RuleHosts.of(all).candidates(fqdn)) {
                if (!Hosts.covers(rh.host(), fqdn)) continue;
                ruleFound = true;
                if (rh.rule().spec().subset(d.subset()).isPresent()) defined = true;
            }
            if (!defined) {
                report.warning(p + ".subset", "subset '" + d.subset() + "' of " + fqdn + " is defined by no DestinationRule"
                        + (ruleFound ? " (the DestinationRules for this host define other subsets)" : "")
                        + "; requests routed here will fail with no healthy upstream until a DestinationRule for host '"
                        + d.host() + "' lists it under subsets");
            }
        }
    }

    private static void routeDestinations(Resource<VirtualService> r, ConfigSet all, Report report, String p, List<RouteDestination> route) {
        weights(report, p + ".route", route.stream().map(RouteDestination::weight).toList());
        for (int j = 0; j < route.size(); j++) destination(r, all, report, p + ".route[" + j + "].destination", route.get(j).destination());
    }

    /**
     * Each weight 0..100; with more than one destination they must sum to 100. The sum error is
     * reported at the last weight given, or at the route list when none is given.
     */
    static void weights(Report report, String routePath, List<Integer> weights) {
        int sum = 0;
        int last = -1;
        boolean inRange = true;
        for (int j = 0; j < weights.size(); j++) {
            Integer w = weights.get(j);
            if (w == null) continue;
            last = j;
            if (w < 0 || w > 100) {
                report.error(routePath + "[" + j + "].weight", "weight " + w + " is out of range; use 0..100");
                inRange = false;
            }
            sum += w;
        }
        if (weights.size() > 1 && inRange && sum != 100) {
            String at = last < 0 ? routePath : routePath + "[" + last + "].weight";
            report.error(at, "weights must sum to 100, got " + sum
                    + (last < 0 ? " (give each of the " + weights.size() + " destinations a weight)" : ""));
        }
    }

    private static void retries(Report report, String p, HTTPRetry rt) {
        if (rt.attempts() != null && rt.attempts() < 0) report.error(p + ".attempts", "attempts must be 0 or more, got " + rt.attempts());
        if (rt.perTryTimeout() != null) durationAtLeast1ms(report, p + ".perTryTimeout", rt.perTryTimeout(), false);
        if (rt.backoff() != null) durationAtLeast1ms(report, p + ".backoff", rt.backoff(), false);
        for (String c : rt.retryOnConditions()) {
            if (RETRY_ON.contains(c)) continue;
            if (c.matches("\\d{3}") && Integer.parseInt(c) >= 100 && Integer.parseInt(c) <= 599) continue;
            report.error(p + ".retryOn", "unknown retry condition '" + c + "'; accepted: " + String.join(", ", RETRY_ON)
                    + ", or an HTTP status code such as 503");
        }
    }

    private static void fault(Report report, String p, HTTPFaultInjection f) {
        if (f.delay() == null && f.abort() == null) report.error(p, "a fault needs a delay, an abort, or both");
        if (f.delay() != null) {
            var d = f.delay();
            if (d.fixedDelay() != null) durationAtLeast1ms(report, p + ".delay.fixedDelay", d.fixedDelay(), false);
            percentInt(report, p + ".delay.percent", d.percent());
            percent(report, p + ".delay.percentage.value", d.percentage());
        }
        if (f.abort() != null) {
            var a = f.abort();
            if (a.httpStatus() != null && (a.httpStatus() < 200 || a.httpStatus() > 599)) {
                report.error(p + ".abort.httpStatus", "HTTP status " + a.httpStatus() + " is out of range; use 200..599");
            }
            if (a.grpcStatus() != null && !GRPC_STATUS.contains(a.grpcStatus())) {
                report.error(p + ".abort.grpcStatus", "unknown gRPC status '" + a.grpcStatus() + "'; accepted: " + String.join(", ", GRPC_STATUS));
            }
            percentInt(report, p + ".abort.percent", a.percent());
            percent(report, p + ".abort.percentage.value", a.percentage());
        }
    }

    private static void cors(Report report, String p, CorsPolicy c) {
        for (int i = 0; i < c.allowOrigins().size(); i++) stringMatch(report, p + ".allowOrigins[" + i + "]", c.allowOrigins().get(i));
        for (int i = 0; i < c.allowMethods().size(); i++) {
            String m = c.allowMethods().get(i);
            if (!m.equals("*") && !m.matches("[A-Z]+")) {
                report.error(p + ".allowMethods[" + i + "]", "'" + m + "' is not an HTTP method; write it in upper case, e.g. GET, POST, or '*'");
            }
        }
        if (c.maxAge() != null && c.maxAge().toNanos() % 1_000_000_000L != 0) {
            report.error(p + ".maxAge", "maxAge is sent in whole seconds; got " + Durations.format(c.maxAge()));
        }
    }

    /** A gateway reference: {@code mesh}, {@code name} (this namespace) or {@code ns/name}; it must exist. */
    static void gatewayRef(Resource<?> r, ConfigSet all, Report report, String p, String ref) {
        if (ref.equals(VirtualService.MESH)) return;
        String ns = r.namespace();
        String name = ref;
        int slash = ref.indexOf('/');
        if (slash >= 0) {
            ns = ref.substring(0, slash);
            name = ref.substring(slash + 1);
        }
        if (ns.isEmpty() || name.isEmpty() || name.contains("/")) {
            report.error(p, "'" + ref + "' is not a gateway reference; write 'name', 'namespace/name', or 'mesh' for sidecars");
            return;
        }
        // Istio also accepts a gateway's FQDN-like name 'name.namespace.svc.cluster.local'; treat its first label as the name.
        if (name.endsWith("." + Hosts.CLUSTER_SUFFIX)) {
            String[] parts = name.split("\\.");
            name = parts[0];
            if (parts.length > 1) ns = parts[1];
        }
        if (all.find(Kind.GATEWAY, ns, name).isEmpty()) {
            report.error(p, "Gateway '" + ns + "/" + name + "' is not defined; define it, use 'mesh' for sidecars, "
                    + "or write 'namespace/name' for a gateway of another namespace");
        }
    }

    static void hostProblem(Report report, String p, String host) {
        Hosts.problem(host).ifPresent(why -> report.error(p, "invalid host '" + host + "': " + why
                + "; accepted: a DNS name (reviews, reviews.prod.svc.cluster.local), '*' or '*.example.com'"));
    }

    /**
     * {@code exportTo} as Istio validates it: each entry {@code .}, {@code *} or a namespace name
     * (DNS label), no entry twice ({@code .} and the resource's own namespace are the same entry),
     * {@code *} alone; {@code ~} (exported to no namespace) only on a ServiceEntry
     * ({@code noneAllowed}), and alone.
     */
    static void exportTo(Report report, String p, List<String> exportTo, String namespace, boolean noneAllowed) {
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (int i = 0; i < exportTo.size(); i++) {
            String e = exportTo.get(i);
            String at = p + "[" + i + "]";
            if (e.equals("~")) {
                if (!noneAllowed) report.error(at, "'~' (exported to no namespace) is allowed only on a ServiceEntry; use '.', '*' or namespace names");
            } else if (!e.equals(".") && !e.equals("*") && !e.matches("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")) {
                report.error(at, "'" + e + "' is not a namespace; use '.', '*'" + (noneAllowed ? ", '~'" : "") + " or a namespace name");
                continue;
            }
            if (!seen.add(e.equals(".") ? namespace : e)) {
                report.error(at, e.equals(".") || e.equals(namespace)
                        ? "'.' and '" + namespace + "' both name this resource's own namespace; keep one"
                        : "'" + e + "' is listed twice");
            }
        }
        if (exportTo.contains("*") && exportTo.size() > 1) {
            report.error(p, "'*' exports to every namespace and cannot be combined with other entries");
        }
        if (exportTo.contains("~") && exportTo.size() > 1) {
            report.error(p, "'~' exports to no namespace and cannot be combined with other entries");
        }
    }

    /** Ports are 1..65535; null means unset and passes. */
    static void port(Report report, String p, Integer port) {
        if (port != null && (port < 1 || port > 65535)) {
            report.error(p, "port " + port + " is out of range; use 1..65535");
        }
    }

    /** At least 1ms and in whole milliseconds, as Envoy takes it; {@code zeroAllowed} for "0s disables". */
    static void durationAtLeast1ms(Report report, String p, Duration d, boolean zeroAllowed) {
        if (d.isZero() && zeroAllowed) return;
        if (d.compareTo(Duration.ofMillis(1)) < 0) {
            report.error(p, "duration must be at least 1ms" + (zeroAllowed ? " (or 0s to disable)" : "") + ", got " + Durations.format(d));
        } else if (d.toNanos() % 1_000_000L != 0) {
            report.error(p, "duration must be whole milliseconds, got " + Durations.format(d));
        }
    }

    static void percent(Report report, String p, Percent percent) {
        if (percent == null || percent.value() == null) return;
        double v = percent.value();
        if (v < 0 || v > 100) report.error(p, "percentage " + fmt(v) + " is out of range; use 0..100 (fractions allowed, e.g. 0.5)");
    }

    static void percentInt(Report report, String p, Integer v) {
        if (v != null && (v < 0 || v > 100)) report.error(p, "percentage " + v + " is out of range; use 0..100");
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }

    /** The protocol, checked against Istio's list case-insensitively; null passes (callers decide if required). */
    static void protocol(Report report, String p, String protocol) {
        if (protocol != null && Protocols.canonical(protocol).isEmpty()) {
            report.error(p, "unknown protocol '" + protocol + "'; accepted (any case): " + String.join(", ", Protocols.ALL));
        }
    }

    /** A DestinationRule with its host as an FQDN. */
    private record RuleHost(String host, Resource<DestinationRule> rule) {
    }

    /**
     * The DestinationRules of one configuration by host, so that checking the subsets of every
     * destination stays linear in the configuration's size (thousands of rules and routes would
     * otherwise cost millions of host comparisons). Kept for the last configuration checked: the
     * checks of one validation share it.
     */
    private record RuleHosts(Map<String, List<RuleHost>> exact, List<RuleHost> wildcards) {
        private record Last(java.lang.ref.WeakReference<ConfigSet> config, RuleHosts index) {
        }

        private static volatile Last last; // one field: a reader never pairs one config with another's index

        static RuleHosts of(ConfigSet all) {
            Last l = last;
            if (l != null && l.config().get() == all) return l.index();
            Map<String, List<RuleHost>> exact = new java.util.HashMap<>();
            List<RuleHost> wildcards = new java.util.ArrayList<>();
            for (Resource<DestinationRule> dr : all.all(Kind.DESTINATION_RULE, DestinationRule.class)) {
                if (dr.spec().host() == null) continue;
                RuleHost rh = new RuleHost(Hosts.fqdn(dr.spec().host(), dr.namespace()), dr);
                if (rh.host().contains("*")) wildcards.add(rh);
                else exact.computeIfAbsent(rh.host(), k -> new java.util.ArrayList<>()).add(rh);
            }
            RuleHosts r = new RuleHosts(exact, wildcards);
            last = new Last(new java.lang.ref.WeakReference<>(all), r);
            return r;
        }

        /** The rules that may cover {@code fqdn}: those for exactly that host, and the wildcards. */
        List<RuleHost> candidates(String fqdn) {
            List<RuleHost> e = exact.getOrDefault(fqdn, List.of());
            if (wildcards.isEmpty()) return e;
            List<RuleHost> both = new java.util.ArrayList<>(e);
            both.addAll(wildcards);
            return both;
        }
    }
}
