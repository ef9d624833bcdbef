package dev.ficus.proxy.tls;

import dev.ficus.xds.snapshot.UpstreamTls;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;

import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The proxy's TLS material: the mesh certificate (a SPIFFE X.509 SVID the control plane's CA
 * signed for this proxy's workload) and the roots it trusts, as ready-made server and client
 * contexts; plus contexts for TLS origination to servers outside the mesh. Contexts are rebuilt
 * when the certificate rotates (off the event loop) and read with one volatile load per
 * connection. BoringSSL (netty-tcnative) when it loads, the JDK's provider otherwise; TLS 1.3 only
 * between proxies, session resumption on.
 *
 * <p>Mesh connections offer the ALPN value {@value #ALPN_MESH}: it is how an inbound listener tells
 * mesh mTLS (terminate it) from an application's own TLS (pass it through), as Istio's
 * {@code istio-*} ALPN values do.
 */
public final class MeshTls {
    public static final String ALPN_MESH = "ficus-mesh";
    public static final byte[] ALPN_MESH_BYTES = ALPN_MESH.getBytes(StandardCharsets.US_ASCII);

    /**
     * BoringSSL when it loads, the JDK's provider otherwise. Asked on first use, not when a
     * MeshTls is made: loading BoringSSL takes a tenth of a second, which a proxy without TLS
     * should not wait for (ProxyServer.preloadNatives loads it beside the start).
     */
    public static SslProvider provider() {
        return Provider.VALUE;
    }

    private static final class Provider {
        static final SslProvider VALUE = OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
    }

    /** A certificate chain (leaf first), its key, the roots to trust, and the trust domain. */
    public record Credentials(PrivateKey key, List<X509Certificate> chain, List<X509Certificate> roots, String trustDomain) {
        public Credentials {
            Objects.requireNonNull(key, "key");
            chain = List.copyOf(chain);
            roots = List.copyOf(roots);
            Objects.requireNonNull(trustDomain, "trustDomain");
            if (chain.isEmpty() || roots.isEmpty()) throw new IllegalArgumentException("a chain and at least one root are needed");
        }
    }

    private record Contexts(Credentials credentials, SslContext server, SslContext client, String spiffeId) {
    }

    private volatile Contexts current;
    private final Map<UpstreamTls, SslContext> origination = new ConcurrentHashMap<>();

    /** Installs new credentials (first certificate, or a rotation); existing connections keep theirs. */
    public void update(Credentials c) throws SSLException {
        ApplicationProtocolConfig alpn = new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, ALPN_MESH);
        X509Certificate[] chain = c.chain().toArray(X509Certificate[]::new);
        X509Certificate[] roots = c.roots().toArray(X509Certificate[]::new);
        SslContext server = SslContextBuilder.forServer(c.key(), chain).trustManager(roots).clientAuth(ClientAuth.REQUIRE)
                .sslProvider(provider()).protocols("TLSv1.3").applicationProtocolConfig(alpn).build();
        // mesh identities are SPIFFE IDs, not host names: the handshake checks the chain, then
        // UpstreamTlsHandshake checks the SPIFFE ID (Netty 4.2 would verify a host name by default)
        SslContext client = SslContextBuilder.forClient().keyManager(c.key(), chain).trustManager(roots)
                .endpointIdentificationAlgorithm(null)
                .sslProvider(provider()).protocols("TLSv1.3").applicationProtocolConfig(alpn).build();
        current = new Contexts(c, server, client, spiffeId(chain[0]));
    }

    /** Whether a mesh certificate is installed. */
    public boolean ready() { return current != null; }

    public String trustDomain() {
        Contexts c = current;
        return c == null ? null : c.credentials().trustDomain();
    }

    /** The server side of mesh mTLS; null before the first certificate. */
    public SslContext server() {
        Contexts c = current;
        return c == null ? null : c.server();
    }

    /** The client side of mesh mTLS; null before the first certificate. */
    public SslContext client() {
        Contexts c = current;
        return c == null ? null : c.client();
    }

    /** The SPIFFE ID of the current certificate ({@code spiffe://...}), read per request by telemetry; null before the first. */
    public String spiffeId() {
        Contexts c = current;
        return c == null ? null : c.spiffeId();
    }

    /** The current leaf certificate; null before the first. */
    public X509Certificate certificate() {
        Contexts c = current;
        return c == null ? null : c.credentials().chain().getFirst();
    }

    /**
     * The client context for TLS origination (SIMPLE, MUTUAL) as a cluster asks for it; built once
     * per distinct setting, reading the files it names.
     */
    public SslContext origination(UpstreamTls t) {
        return origination.computeIfAbsent(t, MeshTls::originationContext);
    }

    private static SslContext originationContext(UpstreamTls t) {
        try {
            SslContextBuilder b = SslContextBuilder.forClient().sslProvider(provider());
            if (t.insecureSkipVerify()) b.trustManager(io.netty.handler.ssl.util.InsecureTrustManagerFactory.INSTANCE);
            else if (t.caCertificates() != null) b.trustManager(new File(t.caCertificates()));
            if (t.mode() == UpstreamTls.Mode.MUTUAL) b.keyManager(new File(t.clientCertificate()), new File(t.privateKey()));
            if (!t.insecureSkipVerify()) b.endpointIdentificationAlgorithm("HTTPS");
            return b.build();
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalStateException("cannot build the TLS context for " + t + ": " + e.getMessage(), e);
        }
    }

    /**
     * What the peer of a finished mesh handshake proved: its SPIFFE ID, which must be in
     * {@code trustDomain}. Throws {@link SSLPeerUnverifiedException} with the reason otherwise.
     */
    public static PeerAuth verifyPeer(SSLSession session, String trustDomain) throws SSLPeerUnverifiedException {
        Certificate[] certs = session.getPeerCertificates();
        if (certs.length == 0 || !(certs[0] instanceof X509Certificate leaf)) throw new SSLPeerUnverifiedException("no peer certificate");
        String spiffe = spiffeId(leaf);
        if (spiffe == null) throw new SSLPeerUnverifiedException("the peer certificate has no spiffe:// URI SAN");
        String rest = spiffe.substring("spiffe://".length());
        int slash = rest.indexOf('/');
        String td = slash < 0 ? rest : rest.substring(0, slash);
        if (!td.equals(trustDomain)) throw new SSLPeerUnverifiedException("peer trust domain " + td + " is not " + trustDomain);
        String[] parts = rest.split("/");
        String ns = parts.length >= 5 && parts[1].equals("ns") && parts[3].equals("sa") ? parts[2] : null;
        return new PeerAuth(true, rest, ns);
    }

    /** The first {@code spiffe://} URI SAN of {@code cert}, or null. */
    public static String spiffeId(X509Certificate cert) {
        try {
            var sans = cert.getSubjectAlternativeNames();
            if (sans == null) return null;
            for (List<?> san : sans) {
                if (san.size() >= 2 && Integer.valueOf(6).equals(san.get(0)) && san.get(1) instanceof String uri && uri.startsWith("spiffe://")) return uri;
            }
            return null;
        } catch (CertificateParsingException e) {
            return null;
        }
    }
}
