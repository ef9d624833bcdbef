package dev.ficus.api.validate;

import dev.ficus.api.Resource;
import dev.ficus.api.config.ConfigSet;
import dev.ficus.api.networking.Hosts;
import dev.ficus.api.networking.IstioEgressListener;
import dev.ficus.api.networking.IstioIngressListener;
import dev.ficus.api.networking.OutboundTrafficPolicy;
import dev.ficus.api.networking.Sidecar;

import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;

/** Istio's validation rules for Sidecar: listener ports, endpoints, egress host forms. */
final class SidecarChecks implements Check<Sidecar> {
    @Override public boolean readsOthers() { return false; }

    private static final Pattern ENDPOINT = Pattern.compile("(127\\.0\\.0\\.1|0\\.0\\.0\\.0|\\[::1\\]|\\[::\\]):(\\d{1,5})");

    @Override
    public void check(Resource<Sidecar> r, ConfigSet all, Report report) {
        Sidecar sc = r.spec();
        if (sc.ingress().isEmpty() && sc.egress().isEmpty() && sc.outboundTrafficPolicy() == null && sc.inboundConnectionPool() == null) {
            report.warning("spec", "empty Sidecar: it changes nothing; add ingress, egress or outboundTrafficPolicy");
        }
        if (sc.workloadSelector() != null && sc.workloadSelector().labels().isEmpty()) {
            report.error("spec.workloadSelector.labels", "a workloadSelector needs labels, e.g. app: reviews; omit it to select the whole namespace");
        }
        Map<Integer, Integer> ports = new HashMap<>();
        for (int i = 0; i < sc.ingress().size(); i++) {
            IstioIngressListener in = sc.ingress().get(i);
            String p = "spec.ingress[" + i + "]";
            if (in.port() != null) {
                VirtualServiceChecks.port(report, p + ".port.number", in.port().number());
                VirtualServiceChecks.port(report, p + ".port.targetPort", in.port().targetPort());
                VirtualServiceChecks.protocol(report, p + ".port.protocol", in.port().protocol());
                if (in.port().number() == null) report.error(p + ".port.number", "an ingress listener needs a port number");
                else {
                    Integer first = ports.putIfAbsent(in.port().number(), i);
                    if (first != null) report.error(p + ".port.number", "port " + in.port().number() + " is already used by spec.ingress[" + first + "]");
                }
            }
            if (in.bind() != null && !Hosts.isIp(in.bind())) report.error(p + ".bind", "'" + in.bind() + "' is not an IP address");
            String ep = in.defaultEndpoint();
            if (ep != null && !ep.startsWith("unix:///")) {
                var m = ENDPOINT.matcher(ep);
                if (!m.matches()) {
                    report.error(p + ".defaultEndpoint", "'" + ep + "' is not an application endpoint; accepted: 127.0.0.1:PORT, "
                            + "0.0.0.0:PORT, [::1]:PORT, [::]:PORT or unix:///path");
                } else {
                    VirtualServiceChecks.port(report, p + ".defaultEndpoint", Integer.parseInt(m.group(2)));
                }
            }
            if (in.tls() != null) GatewayChecks.serverTls(report, p + ".tls", in.tls(), false);
            if (in.connectionPool() != null) DestinationRuleChecks.connectionPool(report, p + ".connectionPool", in.connectionPool());
        }
        Map<Integer, Integer> egressPorts = new HashMap<>();
        int catchAll = -1;
        for (int i = 0; i < sc.egress().size(); i++) {
            IstioEgressListener eg = sc.egress().get(i);
            String p = "spec.egress[" + i + "]";
            if (eg.port() == null || eg.port().number() == null) {
                if (catchAll >= 0) report.error(p, "only one egress listener may omit the port (the catch-all); spec.egress[" + catchAll + "] already does");
                catchAll = i;
            } else {
                VirtualServiceChecks.port(report, p + ".port.number", eg.port().number());
                VirtualServiceChecks.protocol(report, p + ".port.protocol", eg.port().protocol());
                Integer first = egressPorts.putIfAbsent(eg.port().number(), i);
                if (first != null) report.error(p + ".port.number", "port " + eg.port().number() + " is already used by spec.egress[" + first + "]");
            }
            if (eg.bind() != null && !Hosts.isIp(eg.bind()) && !eg.bind().startsWith("unix://")) {
                report.error(p + ".bind", "'" + eg.bind() + "' is not an IP address or unix:///path");
            }
            if (eg.hosts().isEmpty()) report.error(p + ".hosts", "at least one host is required, e.g. './*' or 'istio-system/*'");
            for (int j = 0; j < eg.hosts().size(); j++) egressHost(report, p + ".hosts[" + j + "]", eg.hosts().get(j));
        }
        if (catchAll >= 0 && catchAll != sc.egress().size() - 1) {
            report.error("spec.egress[" + catchAll + "]", "the egress listener without a port catches every other port and must come last");
        }
        if (sc.inboundConnectionPool() != null) DestinationRuleChecks.connectionPool(report, "spec.inboundConnectionPool", sc.inboundConnectionPool());
        OutboundTrafficPolicy otp = sc.outboundTrafficPolicy();
        if (otp != null && otp.egressProxy() != null) {
            if (otp.mode() != OutboundTrafficPolicy.Mode.ALLOW_ANY) {
                report.error("spec.outboundTrafficPolicy.egressProxy", "egressProxy applies only with mode ALLOW_ANY");
            }
            if (otp.egressProxy().port() == null || otp.egressProxy().port().number() == null) {
                report.error("spec.outboundTrafficPolicy.egressProxy.port", "egressProxy needs port.number");
            }
            if (otp.egressProxy().host() != null) VirtualServiceChecks.hostProblem(report, "spec.outboundTrafficPolicy.egressProxy.host", otp.egressProxy().host());
        }
    }

    /** {@code namespace/dnsName}: namespace a name, {@code *}, {@code .} or {@code ~}; dnsName a host or wildcard. */
    private static void egressHost(Report report, String p, String h) {
        int slash = h.indexOf('/');
        String accepted = "; write namespace/dnsName, e.g. './*', 'istio-system/*', '*/reviews.default.svc.cluster.local'";
        if (slash <= 0 || slash == h.length() - 1) {
            report.error(p, "'" + h + "' has no namespace" + accepted);
            return;
        }
        String ns = h.substring(0, slash);
        String dns = h.substring(slash + 1);
        if (!ns.equals("*") && !ns.equals(".") && !ns.equals("~") && !ns.matches("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")) {
            report.error(p, "'" + ns + "' is not a namespace, '*', '.' or '~'" + accepted);
            return;
        }
        Hosts.problem(dns).ifPresent(why -> report.error(p, "invalid host '" + dns + "': " + why + accepted));
    }
}
