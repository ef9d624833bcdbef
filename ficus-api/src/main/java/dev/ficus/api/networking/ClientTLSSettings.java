package dev.ficus.api.networking;

import java.util.List;

/**
 * TLS of connections from the proxy to the upstream. ISTIO_MUTUAL uses the mesh's own
 * certificates and takes no other field; MUTUAL needs a client certificate and key (files or
 * {@code credentialName}).
 */
public record ClientTLSSettings(
        TLSmode mode,
        String clientCertificate,
        String privateKey,
        String caCertificates,
        String credentialName,
        List<String> subjectAltNames,
        String sni,
        Boolean insecureSkipVerify,
        String caCrl) {

    public enum TLSmode {
        DISABLE,
        SIMPLE,
        MUTUAL,
        ISTIO_MUTUAL
    }
}
