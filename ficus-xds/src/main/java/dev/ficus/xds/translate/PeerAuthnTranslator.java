package dev.ficus.xds.translate;

import dev.ficus.api.Kind;
import dev.ficus.api.Resource;
import dev.ficus.api.config.ConfigSet;
import dev.ficus.api.security.PeerAuthentication;
import dev.ficus.xds.snapshot.MtlsMode;

import java.util.List;

/**
 * The mTLS mode of one inbound port of a workload, as Istio resolves PeerAuthentications: the
 * most specific policy that sets a mode wins — workload (selector matches; port-level first), then
 * namespace (no selector, in the workload's namespace), then mesh (no selector, in the root
 * namespace); UNSET inherits from the next scope; with nothing set anywhere, PERMISSIVE. Among
 * several policies of one scope the first in the config wins (the validator warns about them).
 */
final class PeerAuthnTranslator {
    private PeerAuthnTranslator() {
    }

    static MtlsMode mode(ConfigSet config, ProxyIdentity who, int port) {
        List<Resource<PeerAuthentication>> all = config.all(Kind.PEER_AUTHENTICATION, PeerAuthentication.class);
        for (Resource<PeerAuthentication> r : all) { // workload scope
            if (!r.namespace().equals(who.namespace()) || r.spec().isNamespaceWide()) continue;
            if (!r.spec().selector().matches(who.labels())) continue;
            PeerAuthentication.Mode m = r.spec().portMode(port);
            if (m != PeerAuthentication.Mode.UNSET) return of(m);
        }
        for (Resource<PeerAuthentication> r : all) { // namespace scope
            if (r.namespace().equals(who.namespace()) && !r.namespace().equals(Translator.ROOT_NAMESPACE) && r.spec().isNamespaceWide()
                    && r.spec().mode() != PeerAuthentication.Mode.UNSET) return of(r.spec().mode());
        }
        for (Resource<PeerAuthentication> r : all) { // mesh scope
            if (r.namespace().equals(Translator.ROOT_NAMESPACE) && r.spec().isNamespaceWide()
                    && r.spec().mode() != PeerAuthentication.Mode.UNSET) return of(r.spec().mode());
        }
        return MtlsMode.PERMISSIVE;
    }

    private static MtlsMode of(PeerAuthentication.Mode m) {
        return switch (m) {
            case DISABLE -> MtlsMode.DISABLE;
            case STRICT -> MtlsMode.STRICT;
            case PERMISSIVE, UNSET -> MtlsMode.PERMISSIVE;
        };
    }
}
