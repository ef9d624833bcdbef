package dev.ficus.xds.snapshot;

/**
 * What an inbound listener accepts, from the PeerAuthentication that applies to its workload and
 * port (Istio's modes): {@code DISABLE} plaintext only, {@code PERMISSIVE} plaintext and mesh mTLS
 * on one port (told apart by the first bytes), {@code STRICT} mesh mTLS only.
 */
public enum MtlsMode {
    DISABLE, PERMISSIVE, STRICT
}
