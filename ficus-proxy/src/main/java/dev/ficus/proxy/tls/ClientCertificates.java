package dev.ficus.proxy.tls;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.List;

/**
 * The {@code x-forwarded-client-cert} value a gateway sends upstream for a client that proved a
 * certificate (MUTUAL, OPTIONAL_MUTUAL servers), as Istio's gateways do by default
 * ({@code SANITIZE_SET}, with subject, URI and DNS details):
 * {@code Hash=<sha256 of the DER>;Subject="<subject>";URI=<uri>;DNS=<dns>...}. Worked out once per
 * connection, at its handshake, and kept on the connection.
 */
public final class ClientCertificates {
    /** The connection's value; absent when the client showed no certificate. */
    public static final AttributeKey<String> XFCC = AttributeKey.valueOf("ficus.clientCertXfcc");

    private ClientCertificates() {
    }

    /** The value for {@code ch} (or its parent connection, for an HTTP/2 stream); null when none. */
    public static String xfcc(Channel ch) {
        String v = ch.attr(XFCC).get();
        if (v == null && ch.parent() != null && !(ch.parent() instanceof io.netty.channel.ServerChannel)) v = ch.parent().attr(XFCC).get();
        return v;
    }

    /** Works out the value for a verified client certificate. */
    static String xfcc(X509Certificate cert) {
        StringBuilder b = new StringBuilder(256);
        try {
            b.append("Hash=").append(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(cert.getEncoded())));
        } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
            throw new IllegalStateException("cannot hash a certificate the handshake accepted", e);
        }
        b.append(";Subject=\"").append(cert.getSubjectX500Principal().getName().replace("\"", "\\\"")).append('"');
        for (List<?> san : altNames(cert)) {
            Object type = san.get(0);
            if (Integer.valueOf(6).equals(type)) b.append(";URI=").append(san.get(1));
        }
        for (List<?> san : altNames(cert)) {
            Object type = san.get(0);
            if (Integer.valueOf(2).equals(type)) b.append(";DNS=").append(san.get(1));
        }
        return b.toString();
    }

    /** The first URI SAN of {@code cert}, or null. */
    static String firstUri(X509Certificate cert) {
        for (List<?> san : altNames(cert)) if (Integer.valueOf(6).equals(san.get(0))) return String.valueOf(san.get(1));
        return null;
    }

    private static java.util.Collection<List<?>> altNames(X509Certificate cert) {
        try {
            var names = cert.getSubjectAlternativeNames();
            return names == null ? List.of() : names;
        } catch (CertificateParsingException e) {
            return List.of();
        }
    }
}
