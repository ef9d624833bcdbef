package dev.ficus.testing;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;

/**
 * A certificate authority for tests: a self-signed EC root and leaves with SPIFFE URI SANs (or DNS
 * names), made in memory with real X.509 — so TLS tests run real handshakes. Expired and
 * foreign-domain leaves are one call away, for the refusal tests.
 */
public final class TestCerts {
    /** A key and its certificate chain (leaf first, without the root). */
    public record Leaf(PrivateKey key, List<X509Certificate> chain) {
        public X509Certificate certificate() { return chain.getFirst(); }
    }

    private final KeyPair rootKey;
    private final X509Certificate root;

    private TestCerts(String cn) {
        try {
            rootKey = ecKey();
            X500Name name = new X500Name("CN=" + cn);
            Instant now = Instant.now();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, serial(), Date.from(now.minusSeconds(60)),
                    Date.from(now.plus(Duration.ofDays(365))), name, rootKey.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            root = sign(b, rootKey.getPrivate());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A new root CA named {@code cn}. */
    public static TestCerts authority(String cn) { return new TestCerts(cn); }

    public X509Certificate root() { return root; }

    /** A leaf for {@code spiffe://trustDomain/ns/ns/sa/sa}, valid for a day. */
    public Leaf spiffe(String trustDomain, String ns, String sa) {
        return leaf(new GeneralName(GeneralName.uniformResourceIdentifier, "spiffe://" + trustDomain + "/ns/" + ns + "/sa/" + sa),
                Instant.now().minusSeconds(60), Instant.now().plus(Duration.ofDays(1)));
    }

    /** A leaf for a SPIFFE ID that expired an hour ago. */
    public Leaf expiredSpiffe(String trustDomain, String ns, String sa) {
        return leaf(new GeneralName(GeneralName.uniformResourceIdentifier, "spiffe://" + trustDomain + "/ns/" + ns + "/sa/" + sa),
                Instant.now().minus(Duration.ofDays(2)), Instant.now().minus(Duration.ofHours(1)));
    }

    /** A server leaf for a DNS name (TLS origination tests). */
    public Leaf dns(String name) {
        return leaf(new GeneralName(GeneralName.dNSName, name), Instant.now().minusSeconds(60), Instant.now().plus(Duration.ofDays(1)));
    }

    private Leaf leaf(GeneralName san, Instant notBefore, Instant notAfter) {
        try {
            KeyPair kp = ecKey();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(root, serial(), Date.from(notBefore), Date.from(notAfter),
                    new X500Name("O=ficus tests"), kp.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(new KeyPurposeId[]{KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
            b.addExtension(Extension.subjectAlternativeName, true, new GeneralNames(san));
            return new Leaf(kp.getPrivate(), List.of(sign(b, rootKey.getPrivate())));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static KeyPair ecKey() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    private static BigInteger serial() { return new BigInteger(127, new SecureRandom()); }

    private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey key) throws Exception {
        ContentSigner signer = new JcaContentSignerBuilder("SHA256withECDSA").build(key);
        return new JcaX509CertificateConverter().getCertificate(b.build(signer));
    }
}
