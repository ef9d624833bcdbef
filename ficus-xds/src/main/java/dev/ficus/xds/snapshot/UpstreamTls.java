package dev.ficus.xds.snapshot;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How a cluster's connections are secured, from the DestinationRule's {@code trafficPolicy.tls}.
 *
 * <ul>
 *   <li>{@code AUTO} (no DestinationRule setting): Istio's auto mTLS — mesh mTLS to each endpoint
 *       that carries the label {@code security.istio.io/tlsMode: istio} (it has a proxy), plaintext
 *       to the others;</li>
 *   <li>{@code ISTIO_MUTUAL}: mesh mTLS with the proxy's own certificate, always;</li>
 *   <li>{@code SIMPLE}: TLS origination to a server outside the mesh (verified against
 *       {@code caCertificates}, or the JDK's trust store when unset);</li>
 *   <li>{@code MUTUAL}: like SIMPLE, presenting {@code clientCertificate} and {@code privateKey};</li>
 *   <li>{@code DISABLE}: plaintext.</li>
 * </ul>
 *
 * @param subjectAltNames the server identities accepted (SPIFFE IDs for mesh mTLS, DNS names
 *                        otherwise); empty: any identity the trust roots vouch for (in mesh mTLS:
 *                        any SPIFFE ID of the trust domain)
 * @param sni             the server name to send; null: the endpoint's host for SIMPLE/MUTUAL, none for mesh mTLS
 */
public record UpstreamTls(Mode mode, String sni, List<String> subjectAltNames, String caCertificates,
                          String clientCertificate, String privateKey, boolean insecureSkipVerify) {

    /** The label Istio puts on workloads that have a proxy: auto mTLS speaks mTLS to them. */
    public static final String TLS_MODE_LABEL = "security.istio.io/tlsMode";

    public enum Mode { AUTO, DISABLE, SIMPLE, MUTUAL, ISTIO_MUTUAL }

    public static final UpstreamTls AUTO = new UpstreamTls(Mode.AUTO, null, List.of(), null, null, null, false);
    public static final UpstreamTls DISABLE = new UpstreamTls(Mode.DISABLE, null, List.of(), null, null, null, false);
    public static final UpstreamTls ISTIO_MUTUAL = new UpstreamTls(Mode.ISTIO_MUTUAL, null, List.of(), null, null, null, false);

    public UpstreamTls {
        Objects.requireNonNull(mode, "mode");
        subjectAltNames = subjectAltNames == null ? List.of() : List.copyOf(subjectAltNames);
        if (mode == Mode.MUTUAL && (clientCertificate == null || privateKey == null)) {
            throw new IllegalArgumentException("MUTUAL TLS needs clientCertificate and privateKey");
        }
    }

    /** Whether connections to an endpoint with {@code labels} use the mesh's mTLS. */
    public boolean meshMtls(Map<String, String> labels) {
        return mode == Mode.ISTIO_MUTUAL || (mode == Mode.AUTO && "istio".equals(labels.get(TLS_MODE_LABEL)));
    }

    /** Whether connections to an endpoint with {@code labels} use TLS of any kind. */
    public boolean tls(Map<String, String> labels) {
        return mode == Mode.SIMPLE || mode == Mode.MUTUAL || meshMtls(labels);
    }
}
