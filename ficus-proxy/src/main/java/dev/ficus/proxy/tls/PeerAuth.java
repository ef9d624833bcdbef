package dev.ficus.proxy.tls;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;

/**
 * What a downstream connection proved about its peer, set once when the connection's protocol is
 * known (after the mTLS handshake, or at once for plaintext) and read by authorization and
 * telemetry. On HTTP/2 the attribute lives on the connection, not on its stream channels:
 * {@link #of(Channel)} looks in both.
 *
 * @param mutualTls whether the peer presented a certificate the mesh's CA signed
 * @param principal the peer's SPIFFE ID without the scheme, as Istio writes principals
 *                  ({@code cluster.local/ns/shop/sa/web}); null for plaintext
 * @param namespace the namespace in the peer's SPIFFE ID; null for plaintext
 */
public record PeerAuth(boolean mutualTls, String principal, String namespace) {
    public static final AttributeKey<PeerAuth> KEY = AttributeKey.valueOf("ficus.peerAuth");
    public static final PeerAuth PLAINTEXT = new PeerAuth(false, null, null);

    /**
     * What a gateway server's client certificate (MUTUAL, OPTIONAL_MUTUAL), verified against the
     * server's {@code caCertificates}, proves: its URI SAN as the principal (without
     * {@code spiffe://}, as Istio writes principals; an authorization policy's {@code principals}
     * match it as Envoy matches the authenticated principal), and the namespace of a SPIFFE ID.
     */
    public static PeerAuth ofClientCertificate(java.security.cert.X509Certificate cert) {
        String uri = ClientCertificates.firstUri(cert);
        if (uri == null) return new PeerAuth(true, null, null);
        String principal = uri.startsWith("spiffe://") ? uri.substring("spiffe://".length()) : uri;
        int ns = principal.indexOf("/ns/");
        String namespace = null;
        if (ns >= 0) {
            int end = principal.indexOf('/', ns + 4);
            namespace = end < 0 ? principal.substring(ns + 4) : principal.substring(ns + 4, end);
        }
        return new PeerAuth(true, principal, namespace);
    }

    /** The peer of {@code ch} (or of its parent connection); {@link #PLAINTEXT} when nothing was proven. */
    public static PeerAuth of(Channel ch) {
        PeerAuth a = ch.attr(KEY).get();
        if (a == null && ch.parent() != null && !(ch.parent() instanceof io.netty.channel.ServerChannel)) a = ch.parent().attr(KEY).get();
        return a == null ? PLAINTEXT : a;
    }
}
