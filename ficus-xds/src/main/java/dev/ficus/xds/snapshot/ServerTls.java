package dev.ficus.xds.snapshot;

import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * One TLS-terminating server of a listener (Istio's {@code ServerTLSSettings} on a Gateway server
 * or a Sidecar ingress listener): what Envoy makes a filter chain matched by SNI. The proxy reads
 * the PEM files when it applies the snapshot, never on an event loop.
 *
 * @param sniHosts            the server names this server answers ({@code *.example.com} wildcards;
 *                            {@code *} or empty: any); a ClientHello without SNI, or with a name no
 *                            server lists, gets the listener's first server
 * @param routeTable          the {@link RouteTable} its requests are matched against (each server
 *                            has its own, as Istio gives each HTTPS server its own route config)
 * @param caCertificates      PEM roots that verify client certificates (MUTUAL, OPTIONAL_MUTUAL)
 * @param subjectAltNames     a client certificate must carry one of these SANs (empty: any)
 * @param verifyCertificateSpki  base64 SHA-256 of accepted client public keys (SPKI)
 * @param verifyCertificateHash  hex SHA-256 of accepted client certificates (colons allowed);
 *                            with SPKI pins, matching either list accepts the certificate
 * @param minProtocolVersion  JDK protocol name ({@code TLSv1.2}); null: TLSv1.2, Istio's default
 * @param maxProtocolVersion  JDK protocol name; null: TLSv1.3
 * @param cipherSuites        OpenSSL names, applied to TLS 1.2 and below; empty: the provider's defaults
 * @param source              where the settings were written ({@code file:line:column: Kind/name spec...tls}),
 *                            so that a file the proxy cannot load is reported against the YAML that named it
 */
public record ServerTls(List<String> sniHosts, String routeTable, Mode mode, String serverCertificate, String privateKey, String caCertificates,
                        List<String> subjectAltNames, List<String> verifyCertificateSpki, List<String> verifyCertificateHash,
                        String minProtocolVersion, String maxProtocolVersion, List<String> cipherSuites, String source) {

    /** SIMPLE: server certificate only; MUTUAL: a client certificate is required; OPTIONAL_MUTUAL: verified when sent; ISTIO_MUTUAL: the mesh's certificates. */
    public enum Mode { SIMPLE, MUTUAL, OPTIONAL_MUTUAL, ISTIO_MUTUAL }

    public ServerTls {
        sniHosts = sniHosts == null ? List.of() : List.copyOf(sniHosts);
        Objects.requireNonNull(routeTable, "routeTable");
        Objects.requireNonNull(mode, "mode");
        subjectAltNames = subjectAltNames == null ? List.of() : List.copyOf(subjectAltNames);
        verifyCertificateSpki = verifyCertificateSpki == null ? List.of() : List.copyOf(verifyCertificateSpki);
        verifyCertificateHash = verifyCertificateHash == null ? List.of() : List.copyOf(verifyCertificateHash);
        cipherSuites = cipherSuites == null ? List.of() : List.copyOf(cipherSuites);
        source = source == null ? "" : source;
        if (mode != Mode.ISTIO_MUTUAL && (serverCertificate == null || privateKey == null)) {
            throw new IllegalArgumentException(mode + " needs serverCertificate and privateKey files");
        }
        if ((mode == Mode.MUTUAL || mode == Mode.OPTIONAL_MUTUAL) && caCertificates == null) {
            throw new IllegalArgumentException(mode + " needs caCertificates to verify client certificates");
        }
    }

    /** Whether this server answers the TLS server name {@code sni} (exactly, or by a wildcard it lists). */
    public boolean serves(String sni) { return specificity(sni) >= 0; }

    /**
     * How closely this server's hosts name {@code sni}, as Envoy ranks filter chains: an exact name
     * beats any wildcard, a longer wildcard suffix beats a shorter one, {@code *} comes last (0);
     * -1 when it does not serve {@code sni}.
     */
    public int specificity(String sni) {
        if (sni == null) return -1;
        String name = sni.toLowerCase(Locale.ROOT);
        int best = -1;
        for (String h : sniHosts) {
            if (h.equals("*")) best = Math.max(best, 0);
            else if (h.startsWith("*.") ? name.endsWith(h.substring(1)) && name.length() > h.length() - 1 : false) best = Math.max(best, h.length());
            else if (h.equals(name)) return Integer.MAX_VALUE;
        }
        return best;
    }

    /** Whether this server answers any name (hosts {@code *}). */
    public boolean catchAll() { return sniHosts.isEmpty() || sniHosts.contains("*"); }
}
