package dev.ficus.api.validate;

import dev.ficus.api.Kind;
import dev.ficus.api.Resource;
import dev.ficus.api.config.ConfigSet;
import dev.ficus.api.security.PeerAuthentication;
import dev.ficus.api.security.WorkloadSelector;

import java.util.Map;

/**
 * Istio's validation rules for PeerAuthentication: port-level settings need a selector and real
 * port numbers, and no two policies may claim the same scope. Istio silently keeps the oldest of
 * two conflicting policies; ficus refuses the later one instead, naming the first.
 */
final class PeerAuthenticationChecks implements Check<PeerAuthentication> {

    /** Where mesh-wide policies live, as in a default Istio installation. */
    static final String ROOT_NAMESPACE = "istio-system";

    @Override
    public void check(Resource<PeerAuthentication> r, ConfigSet all, Report report) {
        PeerAuthentication spec = r.spec();
        AuthorizationPolicyChecks.checkSelector(spec.selector(), "spec.selector", report);
        if (!spec.portLevelMtls().isEmpty() && spec.isNamespaceWide()) {
            report.error("spec.portLevelMtls", "portLevelMtls needs a selector: the ports are those of the selected workloads; "
                    + "add 'selector: {matchLabels: {...}}' or move the setting to spec.mtls");
        }
        for (Map.Entry<String, PeerAuthentication.MutualTLS> e : spec.portLevelMtls().entrySet()) {
            String path = AuthorizationPolicyChecks.key("spec.portLevelMtls", e.getKey());
            String k = e.getKey();
            if (!k.matches("[0-9]{1,5}") || Integer.parseInt(k) < 1 || Integer.parseInt(k) > 65535) {
                report.error(path, "'" + k + "' is not a port; portLevelMtls keys are the workload's port numbers 1..65535, e.g. 8080");
            } else if (e.getValue().mode() == null) {
                report.warning(path, "no mode for port " + k + ": it inherits; set mode to DISABLE, PERMISSIVE or STRICT, or remove the entry");
            }
        }
        checkConflicts(r, all, report);
    }

    private static void checkConflicts(Resource<PeerAuthentication> r, ConfigSet all, Report report) {
        for (Resource<PeerAuthentication> other : all.all(Kind.PEER_AUTHENTICATION, PeerAuthentication.class)) {
            if (other == r) return; // only earlier resources count: the later of two is the one refused
            if (!other.namespace().equals(r.namespace()) || other.name().equals(r.name())) continue;
            PeerAuthentication a = other.spec();
            PeerAuthentication b = r.spec();
            String scope;
            if (a.isNamespaceWide() && b.isNamespaceWide()) {
                scope = r.namespace().equals(ROOT_NAMESPACE)
                        ? "both are mesh-wide (no selector in the root namespace " + ROOT_NAMESPACE + ")"
                        : "both apply to the whole namespace " + r.namespace() + " (no selector)";
            } else if (!a.isNamespaceWide() && !b.isNamespaceWide()
                    && a.selector().matchLabels().equals(b.selector().matchLabels())) {
                scope = "both select the same workloads " + labels(b.selector());
            } else {
                continue;
            }
            report.error("metadata.name", "conflicts with PeerAuthentication/" + other.name() + " at " + other.origin()
                    + ": " + scope + ", so which mTLS mode applies would be ambiguous; merge them into one policy or give this one a different selector");
            return;
        }
    }

    private static String labels(WorkloadSelector s) {
        StringBuilder sb = new StringBuilder("{");
        s.matchLabels().forEach((k, v) -> sb.append(sb.length() > 1 ? ", " : "").append(k).append(": ").append(v));
        return sb.append('}').toString();
    }
}
