package dev.ficus.api.networking;

import java.util.List;

/**
 * TLS of a gateway server or a sidecar ingress listener.
 *
 * @param httpsRedirect answer plain HTTP with a redirect to HTTPS
 * @param credentialName secret holding key, certificate (and CA for MUTUAL)
 */
public record ServerTLSSettings(
        Boolean httpsRedirect,
        TLSmode mode,
        String serverCertificate,
        String privateKey,
        String caCertificates,
        String caCrl,
        String credentialName,
        List<String> subjectAltNames,
        List<String> verifyCertificateSpki,
        List<String> verifyCertificateHash,
        TLSProtocol minProtocolVersion,
        TLSProtocol maxProtocolVersion,
        List<String> cipherSuites) {

    public enum TLSmode {
        PASSTHROUGH,
        SIMPLE,
        MUTUAL,
        AUTO_PASSTHROUGH,
        ISTIO_MUTUAL,
        OPTIONAL_MUTUAL
    }

    /** TLS versions, in increasing order (TLS_AUTO lets the proxy choose). */
    public enum TLSProtocol {
        TLS_AUTO,
        TLSV1_0,
        TLSV1_1,
        TLSV1_2,
        TLSV1_3
    }
}
