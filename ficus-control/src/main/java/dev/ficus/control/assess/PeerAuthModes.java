package dev.ficus.control.assess;

import dev.ficus.api.Kind;
import dev.ficus.api.Resource;
import dev.ficus.api.config.ConfigSet;
import dev.ficus.api.security.PeerAuthentication;
import dev.ficus.xds.translate.Translator;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The PeerAuthentication mode a workload's inbound ports get, and the policy that sets it — the
 * resolution the translator applies to each inbound listener (ficus-xds {@code PeerAuthnTranslator},
 * which is internal to the translator): workload scope (selector matches; port-level first), then
 * namespace, then mesh (root namespace); UNSET inherits; nothing set anywhere is PERMISSIVE; the
 * first policy of a scope wins. The assessment names the policy too, which the translator does not
 * need; {@code PeerAuthModesTest} holds the two to the same answers.
 */
final class PeerAuthModes {
    private PeerAuthModes() {
    }

    /** A mode and where it comes from: {@code namespace/name} of the policy, or {@code default}. */
    record Resolved(PeerAuthentication.Mode mode, String from) {
    }

    private static final Resolved DEFAULT = new Resolved(PeerAuthentication.Mode.PERMISSIVE, "default");

    /** The mode of one port ({@code port} &lt; 1: the mode of ports without a port-level setting). */
    static Resolved resolve(List<Resource<PeerAuthentication>> all, String namespace, Map<String, String> labels, int port) {
        for (Resource<PeerAuthentication> r : all) { // workload scope
            if (!r.namespace().equals(namespace) || r.spec().isNamespaceWide()) continue;
            if (!r.spec().selector().matches(labels)) continue;
            PeerAuthentication.Mode m = port < 1 ? r.spec().mode() : r.spec().portMode(port);
            if (m != PeerAuthentication.Mode.UNSET) return of(m, r);
        }
        for (Resource<PeerAuthentication> r : all) { // namespace scope
            if (r.namespace().equals(namespace) && !r.namespace().equals(Translator.ROOT_NAMESPACE) && r.spec().isNamespaceWide()
                    && r.spec().mode() != PeerAuthentication.Mode.UNSET) return of(r.spec().mode(), r);
        }
        for (Resource<PeerAuthentication> r : all) { // mesh scope
            if (r.namespace().equals(Translator.ROOT_NAMESPACE) && r.spec().isNamespaceWide()
                    && r.spec().mode() != PeerAuthentication.Mode.UNSET) return of(r.spec().mode(), r);
        }
        return DEFAULT;
    }

    /** A workload's mode for its ports, and the ports whose port-level setting differs. */
    static Assessment.PeerAuth of(ConfigSet config, String namespace, Map<String, String> labels) {
        List<Resource<PeerAuthentication>> all = config.all(Kind.PEER_AUTHENTICATION, PeerAuthentication.class);
        Resolved whole = resolve(all, namespace, labels, 0);
        Map<Integer, String> ports = new TreeMap<>();
        for (Resource<PeerAuthentication> r : all) {
            if (!r.namespace().equals(namespace) || r.spec().isNamespaceWide() || !r.spec().selector().matches(labels)) continue;
            for (String p : r.spec().portLevelMtls().keySet()) {
                int port;
                try {
                    port = Integer.parseInt(p);
                } catch (NumberFormatException e) {
                    continue; // validation refuses it; nothing to resolve
                }
                Resolved one = resolve(all, namespace, labels, port);
                if (one.mode() != whole.mode()) ports.putIfAbsent(port, one.mode().name());
            }
        }
        return new Assessment.PeerAuth(whole.mode().name(), whole.from(), ports);
    }

    private static Resolved of(PeerAuthentication.Mode m, Resource<PeerAuthentication> r) {
        // UNSET never reaches here; the translator reads it as PERMISSIVE all the same
        return new Resolved(m == PeerAuthentication.Mode.UNSET ? PeerAuthentication.Mode.PERMISSIVE : m, r.namespace() + "/" + r.name());
    }
}
