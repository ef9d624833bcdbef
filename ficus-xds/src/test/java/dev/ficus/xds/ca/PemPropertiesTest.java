package dev.ficus.xds.ca;

import dev.ficus.api.SpiffeId;
import dev.ficus.xds.sync.Node;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.security.KeyPair;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Keys, CSRs and the Sign messages survive the text forms they travel in. */
class PemPropertiesTest {

    @Provide
    Arbitrary<SpiffeId> identities() {
        Arbitrary<String> td = Arbitraries.strings().withChars("abcdefghijklmnopqrstuvwxyz0123456789.-_").ofMinLength(1).ofMaxLength(40);
        Arbitrary<String> segment = Arbitraries.strings().withChars("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_")
                .ofMinLength(1).ofMaxLength(63).filter(s -> !s.equals(".") && !s.equals(".."));
        return Combinators.combine(td, segment, segment).as(SpiffeId::new);
    }

    @Property(tries = 50)
    void aCsrNamesItsIdentityAndVerifiesAfterAPemRoundTrip(@ForAll("identities") SpiffeId id) throws Exception {
        KeyPair keys = WorkloadIdentity.generateKeyPair();
        PKCS10CertificationRequest csr = Pem.decodeCsr(WorkloadIdentity.csrPem(keys, id));

        assertThat(WorkloadIdentity.requestedUris(csr)).containsExactly(id.uri());
        assertThat(csr.isSignatureValid(new JcaContentVerifierProviderBuilder().build(csr.getSubjectPublicKeyInfo()))).isTrue();
        assertThat(csr.getSubjectPublicKeyInfo().getEncoded()).isEqualTo(keys.getPublic().getEncoded());
    }

    @Property(tries = 20)
    void aPrivateKeySurvivesPem(@ForAll("identities") SpiffeId ignored) {
        KeyPair keys = WorkloadIdentity.generateKeyPair();
        String pem = Pem.encode(keys.getPrivate());

        assertThat(pem).startsWith("-----BEGIN PRIVATE KEY-----");
        assertThat(Pem.decodePrivateKey(pem).getEncoded()).isEqualTo(keys.getPrivate().getEncoded());
    }

    @Property(tries = 30)
    void signMessagesSurviveTheWire(@ForAll("identities") SpiffeId id) throws Exception {
        String csr = WorkloadIdentity.csrPem(WorkloadIdentity.generateKeyPair(), id);
        SignRequest req = new SignRequest(csr, new Node("1@h", List.of("web"), id.namespace(), Map.of("app", "web"), "0.1", null),
                "web", id.namespace(), 3600);

        var out = new ByteArrayOutputStream();
        CertificateService.SIGN.streamRequest(req).transferTo(out);
        SignRequest back = CertificateService.SIGN.parseRequest(new java.io.ByteArrayInputStream(out.toByteArray()));

        assertThat(back).isEqualTo(req);
    }

    @Test
    void garbageIsRefusedWithWhatWasExpected() {
        assertThatThrownBy(() -> Pem.decodeCertificates("hello")).hasMessageContaining("no CERTIFICATE block");
        String csr = WorkloadIdentity.csrPem(WorkloadIdentity.generateKeyPair(), SpiffeId.parse("spiffe://cluster.local/ns/shop/sa/web"));
        assertThatThrownBy(() -> Pem.decodeCertificates(csr)).hasMessageContaining("found a CERTIFICATE REQUEST");
        assertThatThrownBy(() -> Pem.decodePrivateKey(csr)).hasMessageContaining("expected a private key");
        assertThatThrownBy(() -> Pem.decodeCsr("")).hasMessageContaining("found none");
    }
}
