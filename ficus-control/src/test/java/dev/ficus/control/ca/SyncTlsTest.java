package dev.ficus.control.ca;

import dev.ficus.api.SpiffeId;
import dev.ficus.control.ControlPlane;
import dev.ficus.xds.ca.CertificateClient;
import dev.ficus.xds.ca.CertificateClient.Bundle;
import dev.ficus.xds.ca.CertificateService;
import dev.ficus.xds.ca.SignRequest;
import dev.ficus.xds.ca.SignResponse;
import dev.ficus.xds.ca.WorkloadIdentity;
import dev.ficus.xds.snapshot.ProxySnapshot;
import dev.ficus.xds.sync.ControlChannel;
import dev.ficus.xds.sync.Node;
import dev.ficus.xds.sync.SyncClient;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The TLS sync port of a real {@link ControlPlane} (127.0.0.1, port 0): a proxy enrols with the
 * bootstrap token, then renews and syncs with its certificate; every other way in is refused with
 * the reason, and the plaintext port signs nothing.
 */
class SyncTlsTest {

    static final String CONFIG = """
            apiVersion: networking.istio.io/v1
            kind: WorkloadEntry
            metadata: {name: web-1, namespace: shop}
            spec: {address: 127.0.0.13, labels: {app: web}, serviceAccount: web}
            ---
            apiVersion: networking.istio.io/v1
            kind: WorkloadEntry
            metadata: {name: reviews-1, namespace: shop}
            spec: {address: 127.0.0.14, labels: {app: reviews}, serviceAccount: reviews}
            """;
    static final SpiffeId WEB = SpiffeId.parse("spiffe://cluster.local/ns/shop/sa/web");
    static final Node NODE = new Node("7@vm", List.of("web-1"), "shop", Map.of(), "test", -1);

    @TempDir Path dir;
    ControlPlane cp;
    List<X509Certificate> roots;
    String token;
    final List<String> log = new CopyOnWriteArrayList<>();
    final List<AutoCloseable> closing = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        Path config = Files.createDirectories(dir.resolve("config"));
        Files.writeString(config.resolve("mesh.yaml"), CONFIG);
        cp = ControlPlane.builder().config(List.of(config.toString())).sync("127.0.0.1", 0).syncTls(0, List.of()).http("127.0.0.1", -1)
                .watchInterval(null).ca(dir.resolve("ca"), "cluster.local")
                .log(new ControlPlane.Logger() {
                    @Override public void info(String m) { log.add(m); }
                    @Override public void warn(String m) { log.add(m); }
                    @Override public void error(String m) { log.add(m); }
                })
                .build().start();
        roots = cp.ca().trustBundle();
        token = Files.readString(cp.bootstrapTokenFile()).trim();
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : closing.reversed()) c.close();
        cp.close();
    }

    CertificateClient certificates(int port, ControlChannel.Tls tls, String workload) {
        CertificateClient.Builder b = CertificateClient.builder().control("127.0.0.1", port).node(NODE).workload(workload)
                .backoff(Duration.ofMillis(50), Duration.ofMillis(200));
        if (tls != null) b.tls(tls);
        CertificateClient c = b.start();
        closing.add(c);
        return c;
    }

    ManagedChannel channel(ControlChannel.Tls tls, Bundle presenting) {
        ManagedChannel ch = ControlChannel.open("127.0.0.1", cp.syncTlsPort(), tls,
                () -> presenting == null ? null : new ControlChannel.ClientKey(presenting.key(), presenting.chain()), 1 << 20, false);
        closing.add(ch::shutdownNow);
        return ch;
    }

    static SignResponse sign(Channel ch, String workload, SpiffeId asking) {
        KeyPair keys = WorkloadIdentity.generateKeyPair();
        SignRequest req = new SignRequest(asking == null ? WorkloadIdentity.csrPem(keys) : WorkloadIdentity.csrPem(keys, asking), NODE, workload, "shop", 0);
        return ClientCalls.blockingUnaryCall(ch, CertificateService.SIGN, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), req);
    }

    Bundle enrol(String workload) throws Exception {
        return certificates(cp.syncTlsPort(), new ControlChannel.Tls(roots, token), workload).first().get(10, TimeUnit.SECONDS);
    }

    @Test
    void aProxyWithTheTokenGetsItsCertificateAndThenSyncsWithItOverTls() throws Exception {
        Bundle web = enrol("web-1");
        assertThat(WorkloadIdentity.spiffeId(web.leaf())).contains(WEB);

        List<ProxySnapshot> applied = new CopyOnWriteArrayList<>();
        SyncClient sync = SyncClient.startTls("127.0.0.1", cp.syncTlsPort(), new ControlChannel.Tls(roots, null),
                () -> new ControlChannel.ClientKey(web.key(), web.chain()), false, NODE, applied::add, m -> { });
        closing.add(sync);

        assertThat(sync.firstSnapshot().get(10, TimeUnit.SECONDS)).isNotNull();
        assertThat(cp.proxies()).singleElement().satisfies(p -> assertThat(p.node().workloads()).containsExactly("web-1"));
        assertThat(cp.certificatesIssued()).isEqualTo(1);
        assertThat(log).anySatisfy(l -> assertThat(l).startsWith("certificate issued to 7@vm for shop/web-1").contains(WEB.uri()));
    }

    @Test
    void theControlPlanesCertificateNamesItsHostsAndIdentityAndTheTokenFileIsPrivate() throws Exception {
        Bundle web = enrol("web-1"); // the handshake checked 127.0.0.1 against the certificate's IP SANs
        assertThat(web).isNotNull();
        assertThat(Files.getPosixFilePermissions(cp.bootstrapTokenFile())).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        assertThat(token).hasSizeGreaterThanOrEqualTo(43); // 256 bits, base64
        assertThat(log).anySatisfy(l -> assertThat(l).startsWith("TLS sync port: certificate spiffe://cluster.local/ns/istio-system/sa/ficus-control for localhost, 127.0.0.1;"));

        // what a TLS client sees on the port: the identity and the names it is dialled by
        var trust = javax.net.ssl.TrustManagerFactory.getInstance("PKIX");
        var store = java.security.KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setCertificateEntry("root", roots.getFirst());
        trust.init(store);
        var tls = javax.net.ssl.SSLContext.getInstance("TLSv1.3");
        tls.init(null, trust.getTrustManagers(), null);
        try (var socket = (javax.net.ssl.SSLSocket) tls.getSocketFactory().createSocket("127.0.0.1", cp.syncTlsPort())) {
            socket.setSoTimeout(10_000);
            socket.startHandshake();
            X509Certificate server = (X509Certificate) socket.getSession().getPeerCertificates()[0];
            assertThat(server.getSubjectAlternativeNames()).extracting(san -> san.get(1).toString())
                    .contains("spiffe://cluster.local/ns/istio-system/sa/ficus-control", "localhost", "127.0.0.1");
            assertThat(server.getNotAfter().toInstant()).isAfter(java.time.Instant.now().plus(Duration.ofHours(23)));
        }
    }

    @Test
    void aWrongOrMissingTokenIsRefusedWithTheReason() {
        CertificateClient wrong = certificates(cp.syncTlsPort(), new ControlChannel.Tls(roots, "not-the-token"), "web-1");
        CertificateClient none = certificates(cp.syncTlsPort(), new ControlChannel.Tls(roots, null), "web-1");

        await().atMost(Duration.ofSeconds(10)).until(() -> wrong.lastError() != null && none.lastError() != null);

        assertThat(wrong.lastError()).isEqualTo("UNAUTHENTICATED: the bootstrap token presented is not this control plane's (see "
                + cp.bootstrapTokenFile() + " on its host)");
        assertThat(none.lastError()).isEqualTo("UNAUTHENTICATED: neither a bootstrap token nor a client certificate was presented: "
                + "a proxy's first certificate needs the token (ficus proxy --bootstrap-token-file FILE)");
        assertThat(wrong.current()).isEmpty();
        assertThat(none.current()).isEmpty();
        assertThat(cp.certificatesIssued()).isZero();
        assertThat(cp.certificatesRefused()).isGreaterThanOrEqualTo(2);
    }

    @Test
    void aCertificateRenewsItsOwnIdentityWithoutTheTokenAndNoOther() throws Exception {
        Bundle web = enrol("web-1");
        Channel withCert = channel(new ControlChannel.Tls(roots, null), web);

        SignResponse renewed = sign(withCert, "web-1", WEB);
        X509Certificate leaf = dev.ficus.xds.ca.Pem.decodeCertificates(renewed.certChainPem().getFirst()).getFirst();
        assertThat(WorkloadIdentity.spiffeId(leaf)).contains(WEB);
        assertThat(leaf.getSerialNumber()).isNotEqualTo(web.leaf().getSerialNumber());

        long refused = cp.certificatesRefused();
        assertThatThrownBy(() -> sign(withCert, "reviews-1", null))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
                    assertThat(e.getStatus().getDescription()).isEqualTo("the client certificate is spiffe://cluster.local/ns/shop/sa/web;"
                            + " it renews only its own identity, not spiffe://cluster.local/ns/shop/sa/reviews");
                });
        assertThat(cp.certificatesRefused()).isEqualTo(refused + 1);
        assertThat(cp.certificatesIssued()).isEqualTo(2);
    }

    @Test
    void aRotatedTokenLeavesEnrolledProxiesRenewingAndRefusesTheOldOne() throws Exception {
        Bundle web = enrol("web-1");
        Files.writeString(cp.bootstrapTokenFile(), "rotated-" + token + "\n"); // rotation: enrolled proxies are unaffected
        Channel withCert = channel(new ControlChannel.Tls(roots, null), web);

        assertThat(sign(withCert, "web-1", WEB).certChainPem()).hasSize(1);
        CertificateClient oldToken = certificates(cp.syncTlsPort(), new ControlChannel.Tls(roots, token), "web-1");
        await().atMost(Duration.ofSeconds(10)).until(() -> oldToken.lastError() != null);
        assertThat(oldToken.lastError()).startsWith("UNAUTHENTICATED: the bootstrap token presented is not this control plane's"); // no longer enrols
    }

    @Test
    void thePlaintextPortSignsNothingUnlessTheOperatorOptsIn() {
        CertificateClient plain = certificates(cp.syncPort(), null, "web-1");

        await().atMost(Duration.ofSeconds(10)).until(() -> plain.lastError() != null);

        assertThat(plain.lastError()).isEqualTo("UNIMPLEMENTED: certificates are signed on the TLS sync port only "
                + "(ficus proxy --control HOST:15012 --bootstrap-token-file FILE); this plaintext port signs nothing");
        assertThat(cp.certificatesIssued()).isZero();
        assertThat(cp.certificatesRefused()).isPositive();
        assertThat(plain.settled()).as("a proxy does not wait for a certificate this port never signs").isDone();
        assertThat(plain.first()).isNotDone();
    }

    @Test
    void aClientCertificateFromAnotherCaIsRefusedAtTheHandshake() throws Exception {
        CertificateAuthority other = CertificateAuthority.builder().directory(dir.resolve("other-ca")).open();
        KeyPair keys = WorkloadIdentity.generateKeyPair();
        List<X509Certificate> forged = other.sign(WorkloadIdentity.csrPem(keys, WEB), WEB, Duration.ofHours(1));
        Bundle foreign = new Bundle(keys.getPrivate(), forged, other.trustBundle(), forged.getFirst().getNotAfter().toInstant());
        Channel ch = channel(new ControlChannel.Tls(roots, null), foreign);

        assertThatThrownBy(() -> sign(ch, "web-1", WEB))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
        assertThat(cp.certificatesIssued()).isZero();
        assertThat(cp.certificatesRefused()).isZero(); // never reached the CA
    }

    @Test
    void aProxyThatDoesNotTrustTheMeshRootCannotTalkToTheControlPlane() throws Exception {
        CertificateAuthority other = CertificateAuthority.builder().directory(dir.resolve("other-ca")).open();
        CertificateClient c = certificates(cp.syncTlsPort(), new ControlChannel.Tls(other.trustBundle(), token), "web-1");

        await().atMost(Duration.ofSeconds(10)).until(() -> c.lastError() != null);

        assertThat(c.lastError()).startsWith("UNAVAILABLE");
        assertThat(cp.certificatesIssued()).isZero();
    }

    @Test
    void theSyncStreamServesOnlyTheWorkloadsTheCertificateProves() throws Exception {
        Bundle web = enrol("web-1");
        Node claimsReviews = new Node("7@vm", List.of("reviews-1"), "shop", Map.of(), "test", -1);
        SyncClient wrong = SyncClient.startTls("127.0.0.1", cp.syncTlsPort(), new ControlChannel.Tls(roots, null),
                () -> new ControlChannel.ClientKey(web.key(), web.chain()), false, claimsReviews, s -> { }, m -> { });
        closing.add(wrong);
        SyncClient anonymous = SyncClient.startTls("127.0.0.1", cp.syncTlsPort(), new ControlChannel.Tls(roots, null),
                () -> null, false, NODE, s -> { }, m -> { });
        closing.add(anonymous);

        await().atMost(Duration.ofSeconds(10)).until(() -> wrong.lastError() != null && anonymous.lastError() != null);

        assertThat(wrong.lastError()).isEqualTo("PERMISSION_DENIED: the client certificate is spiffe://cluster.local/ns/shop/sa/web"
                + " but workload reviews-1 is spiffe://cluster.local/ns/shop/sa/reviews");
        assertThat(anonymous.lastError()).isEqualTo("UNAUTHENTICATED: the TLS sync port serves a proxy that presents its workload certificate "
                + "(or the bootstrap token); this one presented neither");
        assertThat(wrong.connected()).isFalse();
        assertThat(cp.proxies()).isEmpty();
    }

    @Test
    void aNodeWhoseWorkloadsHaveSeveralIdentitiesSyncsWithTheToken() throws Exception {
        Bundle web = enrol("web-1");
        Node both = new Node("7@vm", List.of("web-1", "reviews-1"), "shop", Map.of(), "test", -1);
        SyncClient withToken = SyncClient.startTls("127.0.0.1", cp.syncTlsPort(), new ControlChannel.Tls(roots, token),
                () -> new ControlChannel.ClientKey(web.key(), web.chain()), true, both, s -> { }, m -> { });
        closing.add(withToken);

        assertThat(withToken.firstSnapshot().get(10, TimeUnit.SECONDS)).isNotNull();
    }
}
