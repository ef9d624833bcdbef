package dev.ficus.api.validate;

import dev.ficus.api.Resource;
import dev.ficus.api.config.ConfigSet;
import dev.ficus.api.networking.Hosts;
import dev.ficus.api.networking.ServiceEntry;
import dev.ficus.api.networking.ServiceEntry.Resolution;
import dev.ficus.api.networking.ServicePort;

import java.util.HashMap;
import java.util.Map;

/** Istio's validation rules for ServiceEntry: hosts, ports, and resolution against endpoints. */
final class ServiceEntryChecks implements Check<ServiceEntry> {
    @Override public boolean readsOthers() { return false; }

    @Override
    public void check(Resource<ServiceEntry> r, ConfigSet all, Report report) {
        ServiceEntry se = r.spec();
        Resolution res = se.effectiveResolution();
        for (int i = 0; i < se.hosts().size(); i++) {
            String h = se.hosts().get(i);
            String p = "spec.hosts[" + i + "]";
            if (Hosts.isIp(h)) {
                report.error(p, "hosts are DNS names; put the IP '" + h + "' under addresses (or endpoints)");
            } else if (h.equals("*")) {
                report.error(p, "'*' cannot be a ServiceEntry host; name the service, e.g. api.example.com or *.example.com");
            } else {
                VirtualServiceChecks.hostProblem(report, p, h);
                if (h.startsWith("*.") && (res == Resolution.DNS || res == Resolution.DNS_ROUND_ROBIN) && se.endpoints().isEmpty()) {
                    report.error(p, "wildcard host '" + h + "' cannot be resolved by DNS; list endpoints or use resolution NONE");
                }
            }
        }
        if (se.hosts().isEmpty()) report.error("spec.hosts", "at least one host is required, e.g. api.example.com");
        for (int i = 0; i < se.addresses().size(); i++) {
            String a = se.addresses().get(i);
            if (!Hosts.isIpOrCidr(a)) report.error("spec.addresses[" + i + "]", "'" + a + "' is not an IP or CIDR block; write e.g. 10.1.2.3 or 10.1.0.0/16");
        }
        Map<Integer, Integer> numbers = new HashMap<>();
        Map<String, Integer> names = new HashMap<>();
        for (int i = 0; i < se.ports().size(); i++) {
            ServicePort sp = se.ports().get(i);
            String p = "spec.ports[" + i + "]";
            VirtualServiceChecks.port(report, p + ".number", sp.number());
            VirtualServiceChecks.port(report, p + ".targetPort", sp.targetPort());
            VirtualServiceChecks.protocol(report, p + ".protocol", sp.protocol());
            if (sp.number() != null) {
                Integer first = numbers.putIfAbsent(sp.number(), i);
                if (first != null) report.error(p + ".number", "port " + sp.number() + " is already declared at spec.ports[" + first + "]");
            }
            if (sp.name() != null) {
                Integer first = names.putIfAbsent(sp.name(), i);
                if (first != null) report.error(p + ".name", "port name '" + sp.name() + "' is already used at spec.ports[" + first + "]; names must be unique");
            }
        }
        if (!se.endpoints().isEmpty() && se.workloadSelector() != null) {
            report.error("spec.workloadSelector", "set either endpoints or workloadSelector, not both");
        }
        switch (res) {
            case STATIC -> {
                if (se.endpoints().isEmpty() && se.workloadSelector() == null && se.addresses().isEmpty()) {
                    report.error("spec.resolution", "resolution STATIC needs endpoints, a workloadSelector or addresses to send traffic to");
                }
            }
            case NONE -> {
                if (!se.endpoints().isEmpty()) {
                    report.warning("spec.endpoints", "resolution NONE forwards to the original destination and ignores endpoints; use STATIC or DNS");
                }
            }
            case DNS_ROUND_ROBIN -> {
                if (se.endpoints().size() > 1) report.error("spec.endpoints", "DNS_ROUND_ROBIN takes at most one endpoint, got " + se.endpoints().size() + "; use DNS");
            }
            default -> {
            }
        }
        if (se.workloadSelector() != null && se.workloadSelector().labels().isEmpty()) {
            report.error("spec.workloadSelector.labels", "a workloadSelector needs labels, e.g. app: legacy");
        }
        for (int i = 0; i < se.endpoints().size(); i++) {
            var ep = se.endpoints().get(i);
            String p = "spec.endpoints[" + i + "]";
            WorkloadEntryChecks.entry(report, p, ep, res != Resolution.STATIC);
            for (String portName : ep.ports().keySet()) {
                if (!names.containsKey(portName)) {
                    report.error(p + ".ports." + portName, "names no port of this ServiceEntry; declared port names: "
                            + (names.isEmpty() ? "(none)" : String.join(", ", names.keySet().stream().sorted().toList())));
                }
            }
        }
        VirtualServiceChecks.exportTo(report, "spec.exportTo", se.exportTo(), r.namespace(), true);
    }
}
