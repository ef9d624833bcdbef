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

    /** The peer of {@code ch} (or of its parent connection); {@link #PLAINTEXT} when nothing was proven. */
    public static PeerAuth of(Channel ch) {
        PeerAuth a = ch.attr(KEY).get();
        if (a == null && ch.parent() != null && !(ch.parent() instanceof io.netty.channel.ServerChannel)) a = ch.parent().attr(KEY).get();
        return a == null ? PLAINTEXT : a;
    }
}
