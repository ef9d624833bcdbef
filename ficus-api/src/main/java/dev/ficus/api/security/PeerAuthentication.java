package dev.ficus.api.security;

import java.util.Map;

/**
 * Istio's PeerAuthentication (security.istio.io/v1): whether a workload's inbound listener
 * requires, allows or refuses mutual TLS, for all its ports ({@code mtls}) or per port
 * ({@code portLevelMtls}). The proxy's inbound {@code detect}/{@code tls} stages read the
 * effective mode; the most specific policy wins (workload, then namespace, then mesh in the root
 * namespace), and {@code UNSET} inherits from the next level.
 *
 * @param portLevelMtls keyed by the workload's port number; YAML map keys are strings, so the keys
 *                      are checked to be numbers 1..65535 by validation, and {@link #portMode}
 *                      does the lookup by number
 */
public record PeerAuthentication(
        WorkloadSelector selector,
        MutualTLS mtls,
        Map<String, MutualTLS> portLevelMtls) {

    /** Istio's {@code PeerAuthentication.MutualTLS}. */
    public record MutualTLS(Mode mode) {
        /** The mode, with an absent one read as {@link Mode#UNSET} (inherit). */
        public Mode modeOrUnset() {
            return mode == null ? Mode.UNSET : mode;
        }
    }

    /** Istio's {@code PeerAuthentication.MutualTLS.Mode}. */
    public enum Mode {
        /** Inherit from the parent scope; at mesh level, PERMISSIVE. */
        UNSET,
        /** Plaintext only: the connection is not tunnelled through mTLS. */
        DISABLE,
        /** Both plaintext and mTLS on the same port: the adoption mode. */
        PERMISSIVE,
        /** mTLS only. */
        STRICT
    }

    /** True when the policy has no selector (or an empty one): it covers its whole namespace. */
    public boolean isNamespaceWide() {
        return WorkloadSelector.isNamespaceWide(selector);
    }

    /** The mode this policy sets for all ports: UNSET when it sets none. */
    public Mode mode() {
        return mtls == null ? Mode.UNSET : mtls.modeOrUnset();
    }

    /**
     * The mode this policy sets for one port: the port-level setting when there is one, otherwise
     * {@link #mode()}. UNSET means "inherit from the parent scope".
     */
    public Mode portMode(int port) {
        MutualTLS perPort = portLevelMtls.get(Integer.toString(port));
        if (perPort != null && perPort.modeOrUnset() != Mode.UNSET) {
            return perPort.modeOrUnset();
        }
        return mode();
    }
}
