package dev.ficus.control.ca;

import dev.ficus.api.SpiffeId;
import dev.ficus.xds.ca.Pem;
import dev.ficus.xds.ca.WorkloadIdentity;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.bouncycastle.asn1.pkcs.CertificationRequest;
import org.bouncycastle.asn1.pkcs.CertificationRequestInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/** The CA on real directories: what it writes, what it loads, what it signs and what it refuses. */
class CertificateAuthorityTest {

    static final SpiffeId WEB = SpiffeId.parse("spiffe://cluster.local/ns/shop/sa/web");
    static final Instant NOW = Instant.parse("2026-11-26T10:00:00Z");

    @TempDir Path tmp;
    final ManualClock clock = new ManualClock(NOW);

    CertificateAuthority generated() throws Exception {
        return CertificateAuthority.builder().directory(tmp.resolve("ca")).clock(clock).open();
    }

    static String csr(SpiffeId id) {
        return WorkloadIdentity.csrPem(WorkloadIdentity.generateKeyPair(), id);
    }

    @Test
    void aGeneratedRootIsWrittenPrivatelyAndReusedOnTheNextStart() throws Exception {
        CertificateAuthority first = generated();
        Path dir = tmp.resolve("ca");

        assertThat(first.kind()).isEqualTo(CertificateAuthority.Kind.GENERATED);
        assertThat(dir.resolve("root-cert.pem")).exists();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("root-key.pem")))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwx------");
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("root-cert.pem", "root-key.pem");
        }
        X509Certificate root = first.signingCertificate();
        assertThat(root.getSubjectX500Principal().getName()).isEqualTo("CN=ficus root CA,O=cluster.local");
        assertThat(root.getBasicConstraints()).isGreaterThanOrEqualTo(0);
        assertThat(root.getPublicKey().getAlgorithm()).isEqualTo("EC");
        assertThat(Duration.between(NOW, root.getNotAfter().toInstant())).isEqualTo(Duration.ofDays(3650));
        assertThat(first.trustBundle()).containsExactly(root);

        clock.advance(Duration.ofDays(30));
        CertificateAuthority again = generated();

        assertThat(again.signingCertificate()).isEqualTo(root);
        List<X509Certificate> chain = again.sign(csr(WEB), WEB, Duration.ofHours(1));
        Certs.validate(chain, first.trustBundle().getFirst(), clock.instant()); // certificates issued after a restart chain to the same root
    }

    @Test
    void anIssuedCertificateIsAnSvidForTheIdentityTheCaDecided() throws Exception {
        CertificateAuthority ca = generated();
        KeyPair keys = WorkloadIdentity.generateKeyPair();

        List<X509Certificate> chain = ca.sign(WorkloadIdentity.csrPem(keys, WEB), WEB, Duration.ofHours(2));

        assertThat(chain).hasSize(1);
        X509Certificate leaf = chain.getFirst();
        assertThat(leaf.getPublicKey()).isEqualTo(keys.getPublic());
        assertThat(WorkloadIdentity.uris(leaf)).containsExactly("spiffe://cluster.local/ns/shop/sa/web");
        assertThat(leaf.getCriticalExtensionOIDs()).contains(Extension.subjectAlternativeName.getId());
        assertThat(leaf.getBasicConstraints()).isEqualTo(-1);
        assertThat(leaf.getKeyUsage()).startsWith(true, false, true); // digitalSignature, -, keyEncipherment
        assertThat(leaf.getKeyUsage()[5]).isFalse(); // no keyCertSign
        assertThat(leaf.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");
        assertThat(leaf.getNotBefore().toInstant()).isEqualTo(NOW.minus(Duration.ofMinutes(1)));
        assertThat(leaf.getNotAfter().toInstant()).isEqualTo(NOW.plus(Duration.ofHours(2)));
        assertThat(leaf.getSerialNumber().bitLength()).isEqualTo(128);
        byte[] aki = AuthorityKeyIdentifier.getInstance(ASN1OctetString.getInstance(leaf.getExtensionValue(Extension.authorityKeyIdentifier.getId())).getOctets()).getKeyIdentifierOctets();
        byte[] rootSki = SubjectKeyIdentifier.getInstance(ASN1OctetString.getInstance(ca.signingCertificate().getExtensionValue(Extension.subjectKeyIdentifier.getId())).getOctets()).getKeyIdentifier();
        assertThat(aki).isEqualTo(rootSki);
        assertThat(leaf.getExtensionValue(Extension.subjectKeyIdentifier.getId())).isNotNull();
        Certs.validate(chain, ca.trustBundle().getFirst(), NOW);

        X509Certificate other = ca.sign(csr(WEB), WEB, Duration.ofHours(2)).getFirst();
        assertThat(other.getSerialNumber()).isNotEqualTo(leaf.getSerialNumber());
    }

    @Test
    void aPlugInCaSignsUnderTheUsersRootThroughTheIntermediate() throws Exception {
        TestPki pki = TestPki.create(NOW, Duration.ofDays(365));
        Path dir = tmp.resolve("cacerts");
        pki.writePlugIn(dir);

        CertificateAuthority ca = CertificateAuthority.builder().directory(dir).clock(clock).open();
        List<X509Certificate> chain = ca.sign(csr(WEB), WEB, Duration.ofHours(1));

        assertThat(ca.kind()).isEqualTo(CertificateAuthority.Kind.PLUG_IN);
        assertThat(ca.trustBundle()).containsExactly(pki.root());
        assertThat(chain).hasSize(2);
        assertThat(chain.get(1)).isEqualTo(pki.ca());
        assertThat(chain.getFirst().getIssuerX500Principal()).isEqualTo(pki.ca().getSubjectX500Principal());
        assertThat(chain.getFirst().getSigAlgName()).isEqualTo("SHA256withRSA");
        assertThat(Certs.validate(chain, pki.root(), NOW).getTrustAnchor().getTrustedCert()).isEqualTo(pki.root());
        try (var files = Files.list(dir)) {
            assertThat(files).hasSize(4); // nothing generated beside a plug-in CA
        }
    }

    @Test
    void aPlugInCaWhoseKeyIsNotItsCertificatesIsRefusedNamingTheFiles() throws Exception {
        TestPki pki = TestPki.create(NOW, Duration.ofDays(365));
        Path dir = tmp.resolve("cacerts");
        pki.writePlugIn(dir);
        Files.writeString(dir.resolve("ca-key.pem"), Pem.encode(WorkloadIdentity.generateKeyPair().getPrivate()));

        assertThatThrownBy(() -> CertificateAuthority.builder().directory(dir).clock(clock).open())
                .isInstanceOf(CertificateAuthority.LoadException.class)
                .hasMessage(dir.resolve("ca-key.pem") + " is not the key of the certificate in " + dir.resolve("ca-cert.pem"));
    }

    @Test
    void aPlugInCaWithAFileMissingOrUnreadableSaysWhich() throws Exception {
        TestPki pki = TestPki.create(NOW, Duration.ofDays(365));
        Path dir = tmp.resolve("cacerts");
        pki.writePlugIn(dir);
        Files.delete(dir.resolve("cert-chain.pem"));

        assertThatThrownBy(() -> CertificateAuthority.builder().directory(dir).clock(clock).open())
                .hasMessageStartingWith(dir.resolve("cert-chain.pem") + " is missing")
                .hasMessageContaining("a plug-in CA needs ca-cert.pem, ca-key.pem, root-cert.pem and cert-chain.pem");

        pki.writePlugIn(dir);
        Files.writeString(dir.resolve("root-cert.pem"), "not a certificate\n");
        assertThatThrownBy(() -> CertificateAuthority.builder().directory(dir).clock(clock).open())
                .hasMessage(dir.resolve("root-cert.pem") + ": no CERTIFICATE block found");
    }

    @Test
    void anUnreadableKeyFileIsNamed() throws Exception {
        TestPki pki = TestPki.create(NOW, Duration.ofDays(365));
        Path dir = tmp.resolve("cacerts");
        pki.writePlugIn(dir);
        Files.delete(dir.resolve("ca-key.pem"));
        Files.createDirectory(dir.resolve("ca-key.pem"));
        assertThatThrownBy(() -> CertificateAuthority.builder().directory(dir).clock(clock).open())
                .hasMessageStartingWith(dir.resolve("ca-key.pem") + " cannot be read: ");
        Files.delete(dir.resolve("ca-key.pem"));

        assumeFalse("root".equals(System.getProperty("user.name")), "root reads files whatever their mode");
        pki.writePlugIn(dir);
        Files.setPosixFilePermissions(dir.resolve("ca-key.pem"), PosixFilePermissions.fromString("---------"));
        assertThatThrownBy(() -> CertificateAuthority.builder().directory(dir).clock(clock).open())
                .hasMessage(dir.resolve("ca-key.pem") + " cannot be read: permission denied");
    }

    @Test
    void aChainThatDoesNotReachTheRootIsRefused() throws Exception {
        TestPki pki = TestPki.create(NOW, Duration.ofDays(365));
        TestPki stranger = TestPki.create(NOW, Duration.ofDays(365));
        Path dir = tmp.resolve("cacerts");
        pki.writePlugIn(dir);
        Files.writeString(dir.resolve("root-cert.pem"), Pem.encode(stranger.root()));

        assertThatThrownBy(() -> CertificateAuthority.builder().directory(dir).clock(clock).open())
                .hasMessageStartingWith(dir.resolve("cert-chain.pem") + " does not chain to a root in " + dir.resolve("root-cert.pem"));
    }

    @Test
    void anExpiredCaIsRefusedAtStartAndStopsSigningWhenItExpiresWhileRunning() throws Exception {
        TestPki pki = TestPki.create(NOW, Duration.ofDays(2));
        Path dir = tmp.resolve("cacerts");
        pki.writePlugIn(dir);
        CertificateAuthority ca = CertificateAuthority.builder().directory(dir).clock(clock).open();

        clock.advance(Duration.ofDays(1).plusHours(12));
        X509Certificate nearEnd = ca.sign(csr(WEB), WEB, Duration.ofHours(24)).getFirst();
        assertThat(nearEnd.getNotAfter()).isEqualTo(pki.ca().getNotAfter()); // never outlives its issuer

        clock.advance(Duration.ofDays(1));
        assertThatThrownBy(() -> ca.sign(csr(WEB), WEB, Duration.ofHours(1)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(dir.resolve("ca-cert.pem").toString()).hasMessageContaining("expired at");
        assertThatThrownBy(() -> CertificateAuthority.builder().directory(dir).clock(clock).open())
                .hasMessageStartingWith(dir.resolve("ca-cert.pem") + " expired at " + pki.ca().getNotAfter().toInstant());
    }

    @Test
    void aCsrAskingForAnotherIdentityIsRefused() throws Exception {
        CertificateAuthority ca = generated();
        String admin = csr(SpiffeId.parse("spiffe://cluster.local/ns/shop/sa/admin"));

        assertThatThrownBy(() -> ca.sign(admin, WEB, Duration.ofHours(1)))
                .isInstanceOfSatisfying(CsrRefusedException.class, e -> assertThat(e.reason()).isEqualTo(CsrRefusedException.Reason.FOREIGN_IDENTITY))
                .hasMessage("the CSR asks for spiffe://cluster.local/ns/shop/sa/admin but this workload's identity is spiffe://cluster.local/ns/shop/sa/web");

        String otherDomain = csr(SpiffeId.parse("spiffe://evil.example/ns/shop/sa/web"));
        assertThatThrownBy(() -> ca.sign(otherDomain, WEB, Duration.ofHours(1))).isInstanceOf(CsrRefusedException.class)
                .hasMessageContaining("asks for spiffe://evil.example/ns/shop/sa/web");
    }

    @Test
    void aTamperedCsrIsRefused() throws Exception {
        CertificateAuthority ca = generated();
        PKCS10CertificationRequest good = Pem.decodeCsr(csr(WEB));
        CertificationRequest asn1 = good.toASN1Structure();
        CertificationRequestInfo info = asn1.getCertificationRequestInfo();
        // the same key, attributes and signature, another subject: the signature no longer covers what is sent
        CertificationRequestInfo altered = new CertificationRequestInfo(new X500Name("CN=altered"), info.getSubjectPublicKeyInfo(), info.getAttributes());
        PKCS10CertificationRequest tampered = new PKCS10CertificationRequest(
                new CertificationRequest(altered, asn1.getSignatureAlgorithm(), asn1.getSignature()));

        assertThatThrownBy(() -> ca.sign(Pem.encode(tampered), WEB, Duration.ofHours(1)))
                .isInstanceOfSatisfying(CsrRefusedException.class, e -> assertThat(e.reason()).isEqualTo(CsrRefusedException.Reason.BAD_SIGNATURE))
                .hasMessageContaining("signature does not verify");
        assertThatThrownBy(() -> ca.sign("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n", WEB, Duration.ofHours(1)))
                .isInstanceOfSatisfying(CsrRefusedException.class, e -> assertThat(e.reason()).isEqualTo(CsrRefusedException.Reason.MALFORMED));
    }

    @Test
    void aCsrWithoutSanGetsTheIdentityTheCaDecided() throws Exception {
        CertificateAuthority ca = generated();
        KeyPair keys = WorkloadIdentity.generateKeyPair();
        var plain = new org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder(new X500Name("CN=web"), keys.getPublic())
                .build(new org.bouncycastle.operator.jcajce.JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate()));

        X509Certificate leaf = ca.sign(plain, WEB, Duration.ofHours(1)).getFirst();

        assertThat(WorkloadIdentity.spiffeId(leaf)).contains(WEB);
        assertThat(leaf.getSubjectX500Principal().getName()).isEmpty(); // the CSR's subject is not copied
    }

    @Test
    void theLifetimeIsTheRequestCappedToTheConfiguredBounds() throws Exception {
        CertificateAuthority ca = generated();

        assertThat(lifetime(ca, Duration.ofHours(48))).isEqualTo(Duration.ofHours(24));
        assertThat(lifetime(ca, Duration.ZERO)).isEqualTo(Duration.ofHours(24));
        assertThat(lifetime(ca, Duration.ofSeconds(5))).isEqualTo(Duration.ofMinutes(10));
        assertThat(lifetime(ca, Duration.ofHours(3))).isEqualTo(Duration.ofHours(3));

        CertificateAuthority strict = CertificateAuthority.builder().directory(tmp.resolve("ca")).clock(clock)
                .ttl(Duration.ofMinutes(1), Duration.ofHours(2)).open();
        assertThat(lifetime(strict, Duration.ofHours(24))).isEqualTo(Duration.ofHours(2));
        assertThat(lifetime(strict, Duration.ofSeconds(90))).isEqualTo(Duration.ofSeconds(90));
    }

    private Duration lifetime(CertificateAuthority ca, Duration requested) {
        X509Certificate leaf = ca.sign(csr(WEB), WEB, requested).getFirst();
        return Duration.between(clock.instant(), leaf.getNotAfter().toInstant());
    }

    @Property(tries = 1000)
    void theEffectiveLifetimeStaysWithinTheBounds(@ForAll @LongRange(min = 0, max = 10_000_000) long requestedSeconds,
                                                  @ForAll @LongRange(min = 1, max = 100_000) long minSeconds,
                                                  @ForAll @LongRange(min = 0, max = 100_000) long extraSeconds) {
        Duration min = Duration.ofSeconds(minSeconds);
        Duration max = min.plusSeconds(extraSeconds);
        Duration ttl = CertificateAuthority.clampTtl(Duration.ofSeconds(requestedSeconds), min, max);
        assertThat(ttl).isBetween(min, max);
        if (requestedSeconds == 0) assertThat(ttl).isEqualTo(max);
        else if (requestedSeconds >= minSeconds && requestedSeconds <= minSeconds + extraSeconds) assertThat(ttl).isEqualTo(Duration.ofSeconds(requestedSeconds));
    }

    @Test
    void aRootWithoutItsKeyIsNeverReplacedSilently() throws Exception {
        generated();
        Path dir = tmp.resolve("ca");
        Files.delete(dir.resolve("root-key.pem"));

        assertThatThrownBy(this::generated)
                .hasMessageStartingWith(dir.resolve("root-cert.pem") + " exists without root-key.pem beside it");
    }

    @Test
    void theDefaultDirectoryFollowsXdg() {
        assertThat(CertificateAuthority.defaultDirectory(Map.of("XDG_STATE_HOME", "/var/lib/me"), "/home/me"))
                .isEqualTo(Path.of("/var/lib/me/ficus/ca"));
        assertThat(CertificateAuthority.defaultDirectory(Map.of(), "/home/me")).isEqualTo(Path.of("/home/me/.local/state/ficus/ca"));
        assertThat(CertificateAuthority.defaultDirectory(Map.of("XDG_STATE_HOME", "relative"), "/home/me"))
                .isEqualTo(Path.of("/home/me/.local/state/ficus/ca"));
    }

    @Test
    void aCaForAnotherTrustDomainIssuesInIt() throws Exception {
        CertificateAuthority ca = CertificateAuthority.builder().directory(tmp.resolve("ca")).trustDomain("prod.example").clock(clock).open();
        SpiffeId id = new SpiffeId("prod.example", "shop", "web");

        assertThat(WorkloadIdentity.spiffeId(ca.sign(csr(id), id, Duration.ofHours(1)).getFirst())).contains(id);
        assertThatThrownBy(() -> ca.sign(csr(WEB), WEB, Duration.ofHours(1))).hasMessageContaining("trust domain prod.example, not cluster.local");
        assertThatThrownBy(() -> CertificateAuthority.builder().trustDomain("Cluster.Local")).hasMessageContaining("lowercase");
    }

}
