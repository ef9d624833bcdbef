package dev.ficus.control.ca;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import dev.ficus.xds.ca.Pem;

import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;

/**
 * A user's existing PKI, as tests need one: a root and an intermediate under it, written in
 * Istio's plug-in CA layout. The intermediate's key is RSA in PKCS#1 form, as Istio's sample
 * certificates (and many corporate PKIs) have it.
 */
record TestPki(KeyPair rootKeys, X509Certificate root, KeyPair caKeys, X509Certificate ca) {

    static TestPki create(Instant now, Duration caLifetime) throws Exception {
        KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
        ec.initialize(256);
        KeyPair rootKeys = ec.generateKeyPair();
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        KeyPair caKeys = rsa.generateKeyPair();
        X500Name rootName = new X500Name("O=Example Corp,CN=Example Root CA");
        X509Certificate root = caCert(rootName, rootName, rootKeys.getPublic(), rootKeys, null, now, Duration.ofDays(3650));
        X509Certificate ca = caCert(rootName, new X500Name("O=Example Corp,CN=ficus intermediate"), caKeys.getPublic(), rootKeys, root, now, caLifetime);
        return new TestPki(rootKeys, root, caKeys, ca);
    }

    private static X509Certificate caCert(X500Name issuer, X500Name subject, PublicKey key, KeyPair signer, X509Certificate issuerCert,
                                          Instant now, Duration lifetime) throws Exception {
        JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
        var b = new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(now.toEpochMilli()).add(BigInteger.valueOf(subject.hashCode() & 0xffff)),
                Date.from(now.minusSeconds(3600)), Date.from(now.plus(lifetime)), subject, key)
                .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(key));
        if (issuerCert != null) b.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(issuerCert));
        return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate())));
    }

    /** ca-cert.pem, ca-key.pem (PKCS#1), root-cert.pem, cert-chain.pem (intermediate, then root, as Istio's tools write it). */
    void writePlugIn(Path dir) throws Exception {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(CertificateAuthority.CA_CERT), Pem.encode(ca));
        StringWriter key = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(key)) {
            w.writeObject(caKeys.getPrivate());
        }
        Files.writeString(dir.resolve(CertificateAuthority.CA_KEY), key.toString());
        Files.writeString(dir.resolve(CertificateAuthority.ROOT_CERT), Pem.encode(root));
        Files.writeString(dir.resolve(CertificateAuthority.CERT_CHAIN), Pem.encode(ca) + Pem.encode(root));
    }
}
