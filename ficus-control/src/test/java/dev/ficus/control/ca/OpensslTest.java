package dev.ficus.control.ca;

import dev.ficus.api.SpiffeId;
import dev.ficus.xds.ca.Pem;
import dev.ficus.xds.ca.WorkloadIdentity;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Certificates checked the way a user would check them: with openssl, when it is installed. */
class OpensslTest {

    static final SpiffeId WEB = SpiffeId.parse("spiffe://cluster.local/ns/shop/sa/web");

    @TempDir Path tmp;

    record Run(int exit, String output) {
    }

    static Run openssl(Path dir, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add("openssl");
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return new Run(p.exitValue(), out);
    }

    @BeforeAll
    static void opensslOnPath() {
        boolean found;
        try {
            Process p = new ProcessBuilder("openssl", "version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            found = p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            found = false;
        }
        assumeTrue(found, "openssl is not on PATH; skipping the checks a user would make with it");
    }

    @Test
    void aWorkloadCertificateFromAPlugInCaReadsAndVerifiesWithOpenssl() throws Exception {
        TestPki pki = TestPki.create(Instant.now(), Duration.ofDays(365));
        pki.writePlugIn(tmp.resolve("cacerts"));
        CertificateAuthority ca = CertificateAuthority.builder().directory(tmp.resolve("cacerts")).open();
        List<X509Certificate> chain = ca.sign(WorkloadIdentity.csrPem(WorkloadIdentity.generateKeyPair(), WEB), WEB, Duration.ofHours(1));
        Files.writeString(tmp.resolve("leaf.pem"), Pem.encode(chain.getFirst()));
        Files.writeString(tmp.resolve("chain.pem"), Pem.encode(chain.subList(1, chain.size())));
        Files.writeString(tmp.resolve("root.pem"), Pem.encode(ca.trustBundle()));

        Run text = openssl(tmp, "x509", "-noout", "-text", "-in", "leaf.pem");
        assertThat(text.exit()).isZero();
        assertThat(text.output()).contains("URI:spiffe://cluster.local/ns/shop/sa/web")
                .contains("TLS Web Server Authentication, TLS Web Client Authentication")
                .contains("Digital Signature, Key Encipherment")
                .contains("CA:FALSE");

        Run verify = openssl(tmp, "verify", "-CAfile", "root.pem", "-untrusted", "chain.pem", "leaf.pem");
        assertThat(verify.output()).isEqualToIgnoringNewLines("leaf.pem: OK");
        assertThat(verify.exit()).isZero();

        Run withoutIntermediate = openssl(tmp, "verify", "-CAfile", "root.pem", "leaf.pem");
        assertThat(withoutIntermediate.exit()).isNotZero(); // the intermediate is really needed: the check above means something
    }

    @Test
    void aPlugInCaMadeWithOpensslAsTheDocsShowIsUsed() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("cacerts"));
        Files.writeString(dir.resolve("ext.cnf"), "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n");
        assertThat(openssl(dir, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "3650",
                "-subj", "/O=Example/CN=Example Root CA", "-keyout", "root-key.pem", "-out", "root-cert.pem",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign").exit()).isZero();
        assertThat(openssl(dir, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/O=Example/CN=ficus intermediate",
                "-keyout", "ca-key.pem", "-out", "ca.csr").exit()).isZero();
        assertThat(openssl(dir, "x509", "-req", "-in", "ca.csr", "-CA", "root-cert.pem", "-CAkey", "root-key.pem", "-days", "730",
                "-out", "ca-cert.pem", "-extfile", "ext.cnf").exit()).isZero();
        Files.writeString(dir.resolve("cert-chain.pem"), Files.readString(dir.resolve("ca-cert.pem")) + Files.readString(dir.resolve("root-cert.pem")));
        Files.delete(dir.resolve("root-key.pem"));

        CertificateAuthority ca = CertificateAuthority.builder().directory(dir).open();
        List<X509Certificate> chain = ca.sign(WorkloadIdentity.csrPem(WorkloadIdentity.generateKeyPair(), WEB), WEB, Duration.ofHours(1));
        Files.writeString(tmp.resolve("leaf.pem"), Pem.encode(chain.getFirst()));

        assertThat(ca.kind()).isEqualTo(CertificateAuthority.Kind.PLUG_IN);
        assertThat(openssl(tmp, "verify", "-CAfile", "cacerts/root-cert.pem", "-untrusted", "cacerts/ca-cert.pem", "leaf.pem").output())
                .isEqualToIgnoringNewLines("leaf.pem: OK");
    }

    @Test
    void aGeneratedRootAndItsKeyFileAreWhatOpensslExpects() throws Exception {
        CertificateAuthority ca = CertificateAuthority.builder().directory(tmp.resolve("ca")).open();
        Files.writeString(tmp.resolve("leaf.pem"), Pem.encode(
                ca.sign(WorkloadIdentity.csrPem(WorkloadIdentity.generateKeyPair(), WEB), WEB, Duration.ofHours(1)).getFirst()));

        assertThat(openssl(tmp, "verify", "-CAfile", "ca/root-cert.pem", "leaf.pem").output()).isEqualToIgnoringNewLines("leaf.pem: OK");
        Run key = openssl(tmp, "pkey", "-in", "ca/root-key.pem", "-noout", "-text");
        assertThat(key.exit()).isZero();
        assertThat(key.output()).contains("NIST CURVE: P-256");
        assertThat(openssl(tmp, "x509", "-noout", "-subject", "-in", "ca/root-cert.pem").output()).contains("CN = ficus root CA");
    }

    @Test
    void aProxysCsrIsWhatOpensslExpects() throws Exception {
        Files.writeString(tmp.resolve("web.csr"), WorkloadIdentity.csrPem(WorkloadIdentity.generateKeyPair(), WEB));

        Run req = openssl(tmp, "req", "-in", "web.csr", "-noout", "-verify", "-text");

        assertThat(req.exit()).isZero();
        assertThat(req.output()).contains("verify OK").contains("URI:spiffe://cluster.local/ns/shop/sa/web");
    }
}
