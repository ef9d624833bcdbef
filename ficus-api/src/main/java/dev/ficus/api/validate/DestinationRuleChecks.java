package dev.ficus.api.validate;

import dev.ficus.api.Resource;
import dev.ficus.api.config.ConfigSet;
import dev.ficus.api.networking.ClientTLSSettings;
import dev.ficus.api.networking.ConnectionPoolSettings;
import dev.ficus.api.networking.DestinationRule;
import dev.ficus.api.networking.LoadBalancerSettings;
import dev.ficus.api.networking.OutlierDetection;
import dev.ficus.api.networking.Subset;
import dev.ficus.api.networking.TrafficPolicy;

import java.util.HashMap;
import java.util.Map;

import static dev.ficus.api.validate.VirtualServiceChecks.durationAtLeast1ms;
import static dev.ficus.api.validate.VirtualServiceChecks.port;

/** Istio's validation rules for DestinationRule; {@link #connectionPool} is shared with Sidecar. */
final class DestinationRuleChecks implements Check<DestinationRule> {
    @Override public boolean readsOthers() { return false; }

    @Override
    public void check(Resource<DestinationRule> r, ConfigSet all, Report report) {
        DestinationRule dr = r.spec();
        if (dr.host() != null) VirtualServiceChecks.hostProblem(report, "spec.host", dr.host());
        VirtualServiceChecks.exportTo(report, "spec.exportTo", dr.exportTo(), r.namespace(), false);
        if (dr.workloadSelector() != null && !dr.exportTo().isEmpty()
                && !dr.exportTo().stream().allMatch(e -> e.equals(".") || e.equals(r.namespace()))) {
            // as Istio: a rule for some workloads of its namespace means nothing to another namespace's proxies
            report.error("spec.exportTo", "a DestinationRule with a workloadSelector applies to workloads of its own namespace only:"
                    + " export it to '.' alone, or leave exportTo out");
        }
        if (dr.trafficPolicy() != null) trafficPolicy(report, "spec.trafficPolicy", dr.trafficPolicy());
        Map<String, Integer> names = new HashMap<>();
        for (int i = 0; i < dr.subsets().size(); i++) {
            Subset s = dr.subsets().get(i);
            String p = "spec.subsets[" + i + "]";
            if (s.name() != null) {
                Integer first = names.putIfAbsent(s.name(), i);
                if (first != null) {
                    report.error(p + ".name", "duplicate subset name '" + s.name() + "' (also spec.subsets[" + first + "]); subset names must be unique");
                } else if (!s.name().matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?") || s.name().length() > 63) {
                    report.error(p + ".name", "subset name '" + s.name() + "' must be a DNS label: lower-case letters, digits and '-', at most 63");
                }
            }
            // no labels is valid, as in Istio (validateSubset checks only their syntax): the subset is
            // every endpoint of the host, e.g. to give part of the traffic its own policy
            if (s.trafficPolicy() != null) trafficPolicy(report, p + ".trafficPolicy", s.trafficPolicy());
        }
    }

    static void trafficPolicy(Report report, String p, TrafficPolicy tp) {
        if (tp.loadBalancer() != null) loadBalancer(report, p + ".loadBalancer", tp.loadBalancer());
        if (tp.connectionPool() != null) connectionPool(report, p + ".connectionPool", tp.connectionPool());
        if (tp.outlierDetection() != null) outlier(report, p + ".outlierDetection", tp.outlierDetection());
        if (tp.tls() != null) tls(report, p + ".tls", tp.tls());
        Map<Integer, Integer> ports = new HashMap<>();
        for (int i = 0; i < tp.portLevelSettings().size(); i++) {
            var pl = tp.portLevelSettings().get(i);
            String pp = p + ".portLevelSettings[" + i + "]";
            if (pl.port() == null || pl.port().number() == null) {
                report.error(pp + ".port", "port-level settings need port.number (the service port they apply to)");
            } else {
                port(report, pp + ".port.number", pl.port().number());
                Integer first = ports.putIfAbsent(pl.port().number(), i);
                if (first != null) report.error(pp + ".port.number", "port " + pl.port().number() + " already has settings at " + p + ".portLevelSettings[" + first + "]");
            }
            if (pl.loadBalancer() != null) loadBalancer(report, pp + ".loadBalancer", pl.loadBalancer());
            if (pl.connectionPool() != null) connectionPool(report, pp + ".connectionPool", pl.connectionPool());
            if (pl.outlierDetection() != null) outlier(report, pp + ".outlierDetection", pl.outlierDetection());
            if (pl.tls() != null) tls(report, pp + ".tls", pl.tls());
        }
        if (tp.tunnel() != null) {
            var t = tp.tunnel();
            if (t.protocol() != null && !t.protocol().equals("CONNECT") && !t.protocol().equals("POST")) {
                report.error(p + ".tunnel.protocol", "unknown tunnel protocol '" + t.protocol() + "'; accepted: CONNECT, POST");
            }
            port(report, p + ".tunnel.targetPort", t.targetPort());
        }
    }

    private static void loadBalancer(Report report, String p, LoadBalancerSettings lb) {
        if (lb.simple() == LoadBalancerSettings.SimpleLB.LEAST_CONN) {
            report.warning(p + ".simple", "LEAST_CONN is deprecated; use LEAST_REQUEST (same behaviour)");
        }
        var ch = lb.consistentHash();
        if (ch != null) {
            if (ch.ringHash() != null && ch.ringHash().minimumRingSize() != null && ch.ringHash().minimumRingSize() < 1) {
                report.error(p + ".consistentHash.ringHash.minimumRingSize", "ring size must be at least 1, got " + ch.ringHash().minimumRingSize());
            }
            if (ch.minimumRingSize() != null && ch.minimumRingSize() < 1) {
                report.error(p + ".consistentHash.minimumRingSize", "ring size must be at least 1, got " + ch.minimumRingSize());
            }
            if (ch.maglev() != null && ch.maglev().tableSize() != null) {
                long t = ch.maglev().tableSize();
                if (t >= 5_000_011L || !java.math.BigInteger.valueOf(t).isProbablePrime(30)) {
                    report.error(p + ".consistentHash.maglev.tableSize", "table size must be a prime below 5000011 (e.g. 65537), got " + t);
                }
            }
            if (ch.httpHeaderName() != null && ch.httpHeaderName().isBlank()) {
                report.error(p + ".consistentHash.httpHeaderName", "header name must not be empty");
            }
        }
        var loc = lb.localityLbSetting();
        if (loc != null) {
            int kinds = (loc.distribute().isEmpty() ? 0 : 1) + (loc.failover().isEmpty() ? 0 : 1);
            if (kinds > 1) report.error(p + ".localityLbSetting", "set only one of distribute and failover");
            for (int i = 0; i < loc.distribute().size(); i++) {
                var d = loc.distribute().get(i);
                int sum = 0;
                for (int w : d.to().values()) sum += w;
                if (sum != 100) report.error(p + ".localityLbSetting.distribute[" + i + "].to", "locality weights must sum to 100, got " + sum);
            }
            for (int i = 0; i < loc.failover().size(); i++) {
                var f = loc.failover().get(i);
                if (f.from() != null && f.from().equals(f.to())) {
                    report.error(p + ".localityLbSetting.failover[" + i + "].to", "failover must go to another region than '" + f.from() + "'");
                }
            }
        }
        if (lb.warmupDurationSecs() != null) durationAtLeast1ms(report, p + ".warmupDurationSecs", lb.warmupDurationSecs(), false);
        if (lb.warmup() != null) {
            if (lb.warmup().duration() != null) durationAtLeast1ms(report, p + ".warmup.duration", lb.warmup().duration(), false);
            Double mp = lb.warmup().minimumPercent();
            if (mp != null && (mp < 0 || mp > 100)) report.error(p + ".warmup.minimumPercent", "percentage " + mp + " is out of range; use 0..100");
            Double ag = lb.warmup().aggression();
            if (ag != null && ag < 1) report.error(p + ".warmup.aggression", "aggression must be at least 1 (1 is linear), got " + ag);
        }
    }

    /** As in Istio, a limit of 0 is no limit set: the default applies (unlimited). */
    private static final String UNSET = "0 means the default: no limit";

    /** Connection limits: counts of 0 or more, connect timeout and keepalive intervals of at least 1ms. */
    static void connectionPool(Report report, String p, ConnectionPoolSettings cp) {
        var tcp = cp.tcp();
        if (tcp != null) {
            nonNegative(report, p + ".tcp.maxConnections", tcp.maxConnections(), UNSET);
            if (tcp.connectTimeout() != null) durationAtLeast1ms(report, p + ".tcp.connectTimeout", tcp.connectTimeout(), false);
            if (tcp.maxConnectionDuration() != null) durationAtLeast1ms(report, p + ".tcp.maxConnectionDuration", tcp.maxConnectionDuration(), false);
            if (tcp.idleTimeout() != null) durationAtLeast1ms(report, p + ".tcp.idleTimeout", tcp.idleTimeout(), true);
            var ka = tcp.tcpKeepalive();
            if (ka != null) {
                positive(report, p + ".tcp.tcpKeepalive.probes", ka.probes());
                if (ka.time() != null) durationAtLeast1ms(report, p + ".tcp.tcpKeepalive.time", ka.time(), false);
                if (ka.interval() != null) durationAtLeast1ms(report, p + ".tcp.tcpKeepalive.interval", ka.interval(), false);
            }
        }
        var http = cp.http();
        if (http != null) {
            nonNegative(report, p + ".http.http1MaxPendingRequests", http.http1MaxPendingRequests(), UNSET);
            nonNegative(report, p + ".http.http2MaxRequests", http.http2MaxRequests(), UNSET);
            nonNegative(report, p + ".http.maxRequestsPerConnection", http.maxRequestsPerConnection(), "0 means unlimited");
            nonNegative(report, p + ".http.maxRetries", http.maxRetries(), UNSET);
            nonNegative(report, p + ".http.maxConcurrentStreams", http.maxConcurrentStreams(), UNSET);
            if (http.idleTimeout() != null) durationAtLeast1ms(report, p + ".http.idleTimeout", http.idleTimeout(), true);
        }
    }

    private static void outlier(Report report, String p, OutlierDetection od) {
        nonNegative(report, p + ".consecutiveErrors", od.consecutiveErrors(), "0 disables");
        nonNegative(report, p + ".consecutive5xxErrors", od.consecutive5xxErrors(), "0 disables");
        nonNegative(report, p + ".consecutiveGatewayErrors", od.consecutiveGatewayErrors(), "0 disables");
        nonNegative(report, p + ".consecutiveLocalOriginFailures", od.consecutiveLocalOriginFailures(), "0 disables");
        if (od.interval() != null) durationAtLeast1ms(report, p + ".interval", od.interval(), false);
        if (od.baseEjectionTime() != null) durationAtLeast1ms(report, p + ".baseEjectionTime", od.baseEjectionTime(), false);
        VirtualServiceChecks.percentInt(report, p + ".maxEjectionPercent", od.maxEjectionPercent());
        VirtualServiceChecks.percentInt(report, p + ".minHealthPercent", od.minHealthPercent());
        if (od.consecutiveLocalOriginFailures() != null && !Boolean.TRUE.equals(od.splitExternalLocalOriginErrors())) {
            report.warning(p + ".consecutiveLocalOriginFailures", "has effect only with splitExternalLocalOriginErrors: true");
        }
    }

    private static void tls(Report report, String p, ClientTLSSettings t) {
        boolean files = t.clientCertificate() != null || t.privateKey() != null || t.caCertificates() != null || t.caCrl() != null;
        if (t.mode() == ClientTLSSettings.TLSmode.ISTIO_MUTUAL) {
            if (files || t.credentialName() != null) {
                report.error(p + ".mode", "ISTIO_MUTUAL uses the mesh's certificates: remove clientCertificate, privateKey, "
                        + "caCertificates, caCrl and credentialName, or use MUTUAL");
            }
            return;
        }
        if (t.credentialName() != null && files) {
            report.error(p + ".credentialName", "set either credentialName or certificate files (clientCertificate, privateKey, caCertificates, caCrl), not both");
        }
        if (t.mode() == ClientTLSSettings.TLSmode.MUTUAL && t.credentialName() == null) {
            if (t.clientCertificate() == null) report.error(p + ".mode", "MUTUAL needs clientCertificate and privateKey, or credentialName");
            else if (t.privateKey() == null) report.error(p + ".mode", "MUTUAL needs privateKey beside clientCertificate, or credentialName");
        }
        if (Boolean.TRUE.equals(t.insecureSkipVerify()) && (t.caCertificates() != null || !t.subjectAltNames().isEmpty())) {
            report.warning(p + ".insecureSkipVerify", "skips verification, so caCertificates and subjectAltNames are ignored");
        }
    }

    private static void positive(Report report, String p, Integer v) {
        if (v != null && v < 1) report.error(p, "must be at least 1, got " + v);
    }

    private static void nonNegative(Report report, String p, Integer v, String zero) {
        if (v != null && v < 0) report.error(p, "must be 0 or more (" + zero + "), got " + v);
    }
}
