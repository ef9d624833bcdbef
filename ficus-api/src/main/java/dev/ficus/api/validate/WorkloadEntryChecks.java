package dev.ficus.api.validate;

import dev.ficus.api.Resource;
import dev.ficus.api.config.ConfigSet;
import dev.ficus.api.networking.Hosts;
import dev.ficus.api.networking.WorkloadEntry;

/** Istio's validation rules for WorkloadEntry; {@link #entry} also checks ServiceEntry endpoints. */
final class WorkloadEntryChecks implements Check<WorkloadEntry> {
    @Override public boolean readsOthers() { return false; }

    @Override
    public void check(Resource<WorkloadEntry> r, ConfigSet all, Report report) {
        entry(report, "spec", r.spec(), true);
    }

    /** {@code hostnameAllowed}: whether a DNS name may stand for the address (not for STATIC endpoints). */
    static void entry(Report report, String p, WorkloadEntry we, boolean hostnameAllowed) {
        String a = we.address();
        if (a == null || a.isEmpty()) {
            if (we.network() == null || we.network().isEmpty()) {
                report.error(p + ".address", "address is required unless network is set (an endpoint reached through "
                        + "its network's gateway); give an IP, a DNS name or unix:///path");
            }
        } else if (a.startsWith("unix://")) {
            if (a.length() <= "unix://".length() || a.charAt("unix://".length()) != '/' && a.charAt("unix://".length()) != '@') {
                report.error(p + ".address", "unix socket address must be absolute, e.g. unix:///var/run/app.sock, got '" + a + "'");
            }
            if (!we.ports().isEmpty()) report.error(p + ".ports", "a unix socket endpoint takes no ports");
        } else if (!Hosts.isIp(a)) {
            if (!hostnameAllowed) {
                report.error(p + ".address", "'" + a + "' is not an IP; endpoints of a STATIC ServiceEntry need IPs "
                        + "or unix:///path (use resolution DNS for names)");
            } else if (a.contains("*") || Hosts.problem(a).isPresent()) {
                report.error(p + ".address", "'" + a + "' is neither an IP, a DNS name nor unix:///path");
            }
        }
        for (var e : we.ports().entrySet()) {
            VirtualServiceChecks.port(report, p + ".ports." + e.getKey(), e.getValue());
        }
        if (we.weight() != null && we.weight() < 0) report.error(p + ".weight", "weight must be 0 or more, got " + we.weight());
        if (we.locality() != null && we.locality().split("/", -1).length > 3) {
            report.error(p + ".locality", "locality is region/zone/sub-zone (at most three parts), got '" + we.locality() + "'");
        }
    }
}
