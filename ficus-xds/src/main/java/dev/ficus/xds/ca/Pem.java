package dev.ficus.xds.ca;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.util.io.pem.PemObject;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * PEM text for certificates, private keys and CSRs, as openssl and Istio's file layouts write
 * them. Decoding accepts the private key forms users' tools produce (PKCS#8 {@code PRIVATE KEY},
 * PKCS#1 {@code RSA PRIVATE KEY}, SEC1 {@code EC PRIVATE KEY}); encoding writes PKCS#8. Errors are
 * {@link IllegalArgumentException}s saying what was expected and what was found.
 */
public final class Pem {
    private Pem() {
    }

    public static String encode(X509Certificate cert) {
        return write(cert);
    }

    /** Certificates one after the other, as a chain or bundle file holds them. */
    public static String encode(Collection<X509Certificate> certs) {
        StringBuilder b = new StringBuilder();
        certs.forEach(c -> b.append(write(c)));
        return b.toString();
    }

    /** PKCS#8 ({@code -----BEGIN PRIVATE KEY-----}). */
    public static String encode(PrivateKey key) {
        // written as a raw block: BouncyCastle's writer would turn an EC PrivateKeyInfo into SEC1 without its curve
        return write(new PemObject("PRIVATE KEY", key.getEncoded()));
    }

    public static String encode(PKCS10CertificationRequest csr) {
        return write(csr);
    }

    /** Every certificate in {@code pem}, in order; at least one. Other blocks are refused. */
    public static List<X509Certificate> decodeCertificates(String pem) {
        List<X509Certificate> out = new ArrayList<>();
        JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
        for (Object o : readAll(pem)) {
            if (!(o instanceof X509CertificateHolder h)) {
                throw new IllegalArgumentException("expected only CERTIFICATE blocks, found " + describe(o));
            }
            try {
                out.add(converter.getCertificate(h));
            } catch (CertificateException e) {
                throw new IllegalArgumentException("unreadable certificate: " + e.getMessage(), e);
            }
        }
        if (out.isEmpty()) throw new IllegalArgumentException("no CERTIFICATE block found");
        return List.copyOf(out);
    }

    /** The one certificate in {@code pem}. */
    public static X509Certificate decodeCertificate(String pem) {
        List<X509Certificate> certs = decodeCertificates(pem);
        if (certs.size() != 1) throw new IllegalArgumentException("expected one certificate, found " + certs.size());
        return certs.getFirst();
    }

    /** The one private key in {@code pem}: PKCS#8, PKCS#1 (RSA) or SEC1 (EC); encrypted keys are refused. */
    public static PrivateKey decodePrivateKey(String pem) {
        List<Object> blocks = readAll(pem);
        if (blocks.size() != 1) throw new IllegalArgumentException("expected one private key, found " + blocks.size() + " PEM blocks");
        JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
        try {
            return switch (blocks.getFirst()) {
                case PrivateKeyInfo info -> converter.getPrivateKey(info);
                case PEMKeyPair pair -> converter.getKeyPair(pair).getPrivate();
                case Object o -> throw new IllegalArgumentException("expected a private key (PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY), found "
                        + describe(o) + (o.getClass().getSimpleName().contains("Encrypted") ? "; decrypt it first (openssl pkey -in KEY -out KEY.plain)" : ""));
            };
        } catch (IOException e) {
            throw new IllegalArgumentException("unreadable private key: " + e.getMessage(), e);
        }
    }

    /** The one PKCS#10 request in {@code pem}. */
    public static PKCS10CertificationRequest decodeCsr(String pem) {
        List<Object> blocks = readAll(pem);
        if (blocks.size() != 1 || !(blocks.getFirst() instanceof PKCS10CertificationRequest csr)) {
            throw new IllegalArgumentException("expected one CERTIFICATE REQUEST block, found "
                    + (blocks.isEmpty() ? "none" : blocks.stream().map(Pem::describe).toList()));
        }
        return csr;
    }

    private static List<Object> readAll(String pem) {
        if (pem == null) throw new IllegalArgumentException("no PEM text");
        List<Object> out = new ArrayList<>();
        try (PEMParser p = new PEMParser(new StringReader(pem))) {
            for (Object o = p.readObject(); o != null; o = p.readObject()) out.add(o);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("malformed PEM: " + e.getMessage(), e);
        }
        return out;
    }

    private static String describe(Object o) {
        return switch (o) {
            case X509CertificateHolder h -> "a CERTIFICATE";
            case PKCS10CertificationRequest r -> "a CERTIFICATE REQUEST";
            case PrivateKeyInfo i -> "a PRIVATE KEY";
            case PEMKeyPair k -> "a private key";
            default -> "a " + o.getClass().getSimpleName();
        };
    }

    private static String write(Object o) {
        StringWriter s = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(s)) {
            w.writeObject(o);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return s.toString();
    }
}
