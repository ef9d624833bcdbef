package dev.ficus.xds.ca;

import dev.ficus.api.SpiffeId;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.DERIA5String;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.GeneralNamesBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * A workload's side of getting an identity: an EC P-256 key pair generated in the proxy, a PKCS#10
 * CSR that names the SPIFFE ID wanted in its URI SAN, and reading SPIFFE IDs back out of CSRs and
 * certificates. The control plane's CA reads CSRs with the same code. Any thread.
 */
public final class WorkloadIdentity {
    /** X.509 GeneralName tag of a URI (RFC 5280). */
    private static final int URI_NAME = 6;

    private WorkloadIdentity() {
    }

    /** A fresh EC P-256 key pair from the JDK's provider. */
    public static KeyPair generateKeyPair() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK cannot generate EC P-256 keys", e);
        }
    }

    /**
     * A CSR for {@code id} signed with {@code keys}: empty subject (as Istio's), and an
     * extensionRequest asking for a critical subjectAltName holding the SPIFFE URI.
     */
    public static PKCS10CertificationRequest csr(KeyPair keys, SpiffeId id) {
        GeneralNames san = new GeneralNamesBuilder().addName(new GeneralName(GeneralName.uniformResourceIdentifier, id.uri())).build();
        try {
            Extensions ext = new Extensions(new Extension(Extension.subjectAlternativeName, true, san.getEncoded()));
            return new JcaPKCS10CertificationRequestBuilder(new X500Name(new RDN[0]), keys.getPublic())
                    .addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, ext)
                    .build(new JcaContentSignerBuilder(signatureAlgorithm(keys.getPrivate())).build(keys.getPrivate()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (OperatorCreationException e) {
            throw new IllegalStateException("cannot sign a CSR with a " + keys.getPrivate().getAlgorithm() + " key", e);
        }
    }

    /**
     * A CSR that asks for no identity: the CA names it (a proxy fed by a control plane learns its
     * service account from the certificate it gets).
     */
    public static String csrPem(KeyPair keys) {
        try {
            return Pem.encode(new JcaPKCS10CertificationRequestBuilder(new X500Name(new RDN[0]), keys.getPublic())
                    .build(new JcaContentSignerBuilder(signatureAlgorithm(keys.getPrivate())).build(keys.getPrivate())));
        } catch (OperatorCreationException e) {
            throw new IllegalStateException("cannot sign a CSR with a " + keys.getPrivate().getAlgorithm() + " key", e);
        }
    }

    /** {@link #csr} in PEM, as {@link SignRequest#csrPem()} carries it. */
    public static String csrPem(KeyPair keys, SpiffeId id) {
        return Pem.encode(csr(keys, id));
    }

    /** The URIs a CSR's extensionRequest asks for in its subjectAltName; empty when it asks for none. */
    public static List<String> requestedUris(PKCS10CertificationRequest csr) {
        List<String> uris = new ArrayList<>();
        for (var attr : csr.getAttributes(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest)) {
            for (ASN1Encodable value : attr.getAttrValues()) {
                GeneralNames names = GeneralNames.fromExtensions(Extensions.getInstance(value), Extension.subjectAlternativeName);
                if (names == null) continue;
                for (GeneralName n : names.getNames()) {
                    if (n.getTagNo() == GeneralName.uniformResourceIdentifier) uris.add(DERIA5String.getInstance(n.getName()).getString());
                }
            }
        }
        return List.copyOf(uris);
    }

    /** The URIs in a certificate's subjectAltName. */
    public static List<String> uris(X509Certificate cert) {
        try {
            Collection<List<?>> sans = cert.getSubjectAlternativeNames();
            if (sans == null) return List.of();
            return sans.stream().filter(e -> e.size() == 2 && Integer.valueOf(URI_NAME).equals(e.get(0)))
                    .map(e -> (String) e.get(1)).toList();
        } catch (CertificateParsingException e) {
            throw new IllegalArgumentException("unreadable subjectAltName: " + e.getMessage(), e);
        }
    }

    /** The SPIFFE ID of an X.509 SVID: its one {@code spiffe://} URI SAN; empty when it has none or several. */
    public static Optional<SpiffeId> spiffeId(X509Certificate cert) {
        List<String> spiffe = uris(cert).stream().filter(u -> u.startsWith(SpiffeId.SCHEME)).toList();
        if (spiffe.size() != 1) return Optional.empty();
        try {
            return Optional.of(SpiffeId.parse(spiffe.getFirst()));
        } catch (SpiffeId.InvalidSpiffeIdException e) {
            return Optional.empty();
        }
    }

    /** SHA256withECDSA for EC keys, SHA256withRSA for RSA keys (plug-in CAs often have RSA keys). */
    public static String signatureAlgorithm(PrivateKey key) {
        return switch (key.getAlgorithm()) {
            case "EC", "ECDSA" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            default -> throw new IllegalArgumentException("unsupported key algorithm " + key.getAlgorithm() + "; use EC or RSA");
        };
    }
}
