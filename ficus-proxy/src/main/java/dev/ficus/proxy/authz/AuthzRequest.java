package dev.ficus.proxy.authz;

import dev.ficus.proxy.jwt.VerifiedJwt;
import dev.ficus.proxy.tls.PeerAuth;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * The attributes of one request (HTTP) or connection (TCP) that policies are matched against.
 * Built only on listeners that have policies, on the event loop, and dropped after the decision.
 *
 * @param http            false for a TCP connection: HTTP-only fields cannot be decided
 * @param peer            what the connection proved about its peer ({@link PeerAuth#PLAINTEXT} without mTLS)
 * @param sourceIp        the peer address (4 or 16 bytes), or null when unknown
 * @param destinationIp   the local address the connection reached, or null
 * @param destinationPort the local port the connection reached, or -1
 * @param sni             the TLS server name, or null
 * @param method          the HTTP method, null for TCP
 * @param path            the request path without query, null for TCP
 * @param host            the {@code Host}/{@code :authority}, null for TCP or when absent
 * @param headers         the request headers, null for TCP
 * @param jwt             the token RequestAuthentication verified, or null (none sent, or a TCP connection)
 */
public record AuthzRequest(boolean http, PeerAuth peer, byte[] sourceIp, byte[] destinationIp, int destinationPort, String sni,
                           String method, String path, String host, HttpHeaders headers, VerifiedJwt jwt) {

    /** A request or connection without a verified token. */
    public AuthzRequest(boolean http, PeerAuth peer, byte[] sourceIp, byte[] destinationIp, int destinationPort, String sni,
                        String method, String path, String host, HttpHeaders headers) {
        this(http, peer, sourceIp, destinationIp, destinationPort, sni, method, path, host, headers, null);
    }

    /** Istio's request principal ({@code iss/sub} of the verified token), or null without one. */
    public String requestPrincipal() { return jwt == null ? null : jwt.principal(); }

    /** A request on {@code ch} (an HTTP/1.1 connection or an HTTP/2 stream) with the token verified for it, or null. */
    public static AuthzRequest http(Channel ch, HttpRequest req, VerifiedJwt jwt) {
        String uri = req.uri();
        int q = uri.indexOf('?');
        int hash = uri.indexOf('#');
        int end = q >= 0 ? q : hash >= 0 ? hash : uri.length();
        String path = end == uri.length() ? uri : uri.substring(0, end);
        HttpHeaders h = req.headers();
        return new AuthzRequest(true, PeerAuth.of(ch), address(ch.remoteAddress()), address(ch.localAddress()), port(ch.localAddress()), null,
                req.method().name(), path, h.get(HttpHeaderNames.HOST), h, jwt);
    }

    /** An opaque TCP or TLS-passthrough connection. */
    public static AuthzRequest connection(Channel ch, String sni) {
        return new AuthzRequest(false, PeerAuth.of(ch), address(ch.remoteAddress()), address(ch.localAddress()), port(ch.localAddress()), sni,
                null, null, null, null);
    }

    /** A header's first value, or null; names are matched case-insensitively. */
    public String header(String name) { return headers == null ? null : headers.get(name); }

    private static byte[] address(SocketAddress a) {
        return a instanceof InetSocketAddress i && i.getAddress() != null ? i.getAddress().getAddress() : null;
    }

    private static int port(SocketAddress a) {
        return a instanceof InetSocketAddress i ? i.getPort() : -1;
    }
}
