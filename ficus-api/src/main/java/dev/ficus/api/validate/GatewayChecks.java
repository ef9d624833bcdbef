package dev.ficus.api.validate;

import dev.ficus.api.Resource;
import dev.ficus.api.config.ConfigSet;
import dev.ficus.api.networking.Gateway;
import dev.ficus.api.networking.Hosts;
import dev.ficus.api.networking.Protocols;
import dev.ficus.api.networking.Server;
import dev.ficus.api.networking.ServerTLSSettings;
import dev.ficus.api.networking.ServerTLSSettings.TLSmode;

import java.util.HashMap;
import java.util.Map;

/** Istio's validation rules for Gateway; {@link #serverTls} is shared with Sidecar ingress listeners. */
final class GatewayChecks implements Check<Gateway> {
    @Override public boolean readsOthers() { return false; }

    @Override
    public void check(Resource<Gateway> r, ConfigSet all, Report report) {
        Gateway gw = r.spec();
        if (gw.servers().isEmpty()) report.error("spec.servers", "a Gateway needs at least one server (port, protocol and hosts)");
        Map<String, Integer> names = new HashMap<>();
        for (int i = 0; i < gw.servers().size(); i++) {
            Server s = gw.servers().get(i);
            String p = "spec.servers[" + i + "]";
            String protocol = null;
            if (s.port() != null) {
                VirtualServiceChecks.port(report, p + ".port.number", s.port().number());
                VirtualServiceChecks.protocol(report, p + ".port.protocol", s.port().protocol());
                protocol = Protocols.canonical(s.port().protocol()).orElse(null);
                if (s.port().name() != null) {
                    Integer first = names.putIfAbsent(s.port().name(), i);
                    if (first != null) report.error(p + ".port.name", "port name '" + s.port().name() + "' is already used by spec.servers[" + first + "]");
                }
            }
            for (int j = 0; j < s.hosts().size(); j++) serverHost(report, p + ".hosts[" + j + "]", s.hosts().get(j));
            if (s.hosts().isEmpty()) report.error(p + ".hosts", "at least one host is required, e.g. '*' or 'bookinfo.example.com'");
            if (s.bind() != null && !Hosts.isIp(s.bind()) && !s.bind().startsWith("unix://")) {
                report.error(p + ".bind", "'" + s.bind() + "' is not an IP or unix:///path");
            }
            if (protocol != null && Protocols.isTls(protocol) && s.tls() == null) {
                report.error(p + ".tls", "a server with protocol " + protocol + " needs tls settings (mode SIMPLE, MUTUAL, PASSTHROUGH ...)");
            }
            if (s.tls() != null) {
                serverTls(report, p + ".tls", s.tls(), true);
                if (Boolean.TRUE.equals(s.tls().httpsRedirect()) && protocol != null && !protocol.equals("HTTP")) {
                    report.error(p + ".tls.httpsRedirect", "httpsRedirect applies to HTTP servers only; this one is " + protocol);
                }
                if (protocol != null && protocol.equals("HTTP") && s.tls().mode() != null) {
                    report.error(p + ".tls.mode", "an HTTP server does not terminate TLS; use protocol HTTPS, or keep only httpsRedirect");
                }
            }
        }
    }

    /** {@code [namespace/]dnsName}, where namespace is a name, {@code *} or {@code .}. */
    private static void serverHost(Report report, String p, String h) {
        String dns = h;
        int slash = h.indexOf('/');
        if (slash >= 0) {
            String ns = h.substring(0, slash);
            dns = h.substring(slash + 1);
            if (!ns.equals("*") && !ns.equals(".") && !ns.matches("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")) {
                report.error(p, "'" + ns + "' in '" + h + "' is not a namespace; write [namespace/]host with namespace a name, '*' or '.'");
                return;
            }
        }
        if (Hosts.isIp(dns)) {
            report.error(p, "server hosts are DNS names, got IP '" + dns + "'; use '*' to accept any host");
            return;
        }
        VirtualServiceChecks.hostProblem(report, p, dns);
    }

    /** TLS of a listener: credentials where the mode needs them, versions in order. */
    static void serverTls(Report report, String p, ServerTLSSettings t, boolean gateway) {
        TLSmode mode = t.mode();
        boolean files = t.serverCertificate() != null || t.privateKey() != null;
        if (mode == TLSmode.SIMPLE || mode == TLSmode.MUTUAL || mode == TLSmode.OPTIONAL_MUTUAL) {
            if (t.credentialName() != null && files) {
                report.error(p + ".credentialName", "set either credentialName or serverCertificate/privateKey, not both");
            } else if (t.credentialName() == null) {
                if (t.serverCertificate() == null || t.privateKey() == null) {
                    report.error(p + ".mode", mode + " needs credentialName, or both serverCertificate and privateKey");
                }
                if (mode != TLSmode.SIMPLE && t.caCertificates() == null) {
                    report.error(p + ".mode", mode + " verifies client certificates and needs caCertificates (or credentialName)");
                }
            }
        } else if (mode == TLSmode.PASSTHROUGH || mode == TLSmode.AUTO_PASSTHROUGH || mode == TLSmode.ISTIO_MUTUAL) {
            if (files || t.credentialName() != null || t.caCertificates() != null) {
                report.error(p + ".mode", mode + " takes no certificates: remove serverCertificate, privateKey, caCertificates and credentialName");
            }
        } else if (mode == null && !Boolean.TRUE.equals(t.httpsRedirect())) {
            report.error(p + ".mode", "mode is required; accepted: PASSTHROUGH, SIMPLE, MUTUAL, AUTO_PASSTHROUGH, ISTIO_MUTUAL, OPTIONAL_MUTUAL");
        }
        if (!gateway && (mode == TLSmode.PASSTHROUGH || mode == TLSmode.AUTO_PASSTHROUGH)) {
            report.error(p + ".mode", mode + " is for gateways; a sidecar listener accepts SIMPLE, MUTUAL or OPTIONAL_MUTUAL");
        }
        if (t.minProtocolVersion() != null && t.maxProtocolVersion() != null
                && t.minProtocolVersion() != ServerTLSSettings.TLSProtocol.TLS_AUTO
                && t.maxProtocolVersion() != ServerTLSSettings.TLSProtocol.TLS_AUTO
                && t.minProtocolVersion().compareTo(t.maxProtocolVersion()) > 0) {
            report.error(p + ".minProtocolVersion", "minProtocolVersion " + t.minProtocolVersion() + " is above maxProtocolVersion " + t.maxProtocolVersion());
        }
    }
}
