package dev.ficus.control.ca;

import dev.ficus.api.SpiffeId;
import dev.ficus.xds.ca.CertificateClient;
import dev.ficus.xds.ca.CertificateClient.Bundle;
import dev.ficus.xds.ca.WorkloadIdentity;
import dev.ficus.xds.snapshot.ProxySnapshot;
import dev.ficus.xds.sync.Node;
import dev.ficus.xds.sync.SyncServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The proxy's {@link CertificateClient} against the control plane's {@link CertificateServiceImpl}
 * on a real sync port (127.0.0.1, port 0), as {@code ficus control} serves it.
 */
class CertificateServiceTest {

    static final SpiffeId WEB = SpiffeId.parse("spiffe://cluster.local/ns/shop/sa/web");
    static final Node NODE = new Node("4242@vm", List.of("web-1"), "shop", Map.of(), "0.1.0", null);

    @TempDir Path tmp;
    final AtomicBoolean registryAnswers = new AtomicBoolean(true);
    final List<String> serverLog = new CopyOnWriteArrayList<>();
    final List<String> clientLog = new CopyOnWriteArrayList<>();
    final List<CertificateClient> clients = new ArrayList<>();
    CertificateAuthority ca;
    CertificateServiceImpl service;
    SyncServer server;

    @BeforeEach
    void start() throws Exception {
        // a one-second floor so that renewal can be seen within a test; the default is ten minutes
        ca = CertificateAuthority.builder().directory(tmp.resolve("ca")).ttl(Duration.ofSeconds(1), Duration.ofHours(24)).open();
        service = new CertificateServiceImpl(ca, (node, workload, namespace) ->
                registryAnswers.get() && "web-1".equals(workload) && "shop".equals(namespace)
                        ? Optional.of(new CertificateServiceImpl.Identity("shop", "web")) : Optional.empty(), serverLog::add,
                CertificateServiceImpl.Access.insecurePlaintext()); // the plaintext port, as before the TLS port; TLS is SyncTlsTest's
        server = SyncServer.builder().host("127.0.0.1").port(0)
                .source(node -> ProxySnapshot.builder("0").build())
                .service(service.bindService())
                .start();
    }

    @AfterEach
    void stop() {
        clients.forEach(CertificateClient::close);
        server.close();
    }

    CertificateClient client(String workload, SpiffeId id, Duration ttl) {
        return client(server.port(), workload, id, ttl);
    }

    CertificateClient client(int port, String workload, SpiffeId id, Duration ttl) {
        CertificateClient c = CertificateClient.builder().control("127.0.0.1", port).node(NODE).workload(workload)
                .identity(id).ttl(ttl).backoff(Duration.ofMillis(50), Duration.ofMillis(200)).log(clientLog::add).start();
        clients.add(c);
        return c;
    }

    @Test
    void aProxyGetsACertificateForItsWorkloadOverTheSyncPort() throws Exception {
        CertificateClient c = client("web-1", WEB, Duration.ofHours(1));

        Bundle b = c.first().get(10, TimeUnit.SECONDS);

        assertThat(WorkloadIdentity.spiffeId(b.leaf())).contains(WEB);
        assertThat(b.leaf().getPublicKey().getEncoded()).isNotEmpty();
        assertThat(b.roots()).containsExactlyElementsOf(ca.trustBundle());
        assertThat(b.notAfter()).isEqualTo(b.leaf().getNotAfter().toInstant());
        assertThat(Duration.between(Instant.now(), b.notAfter())).isBetween(Duration.ofMinutes(59), Duration.ofHours(1));
        Certs.validate(b.chain(), ca.trustBundle().getFirst(), Instant.now());
        assertThat(c.current()).contains(b);
        assertThat(c.lastError()).isNull();
        assertThat(service.issued()).isEqualTo(1);
        assertThat(service.refused()).isZero();
        assertThat(serverLog).singleElement().asString().startsWith("certificate issued to 4242@vm for shop/web-1 at /127.0.0.1:")
                .contains("spiffe://cluster.local/ns/shop/sa/web");
        // the renewal is due at half the lifetime
        assertThat(Duration.between(Instant.now(), c.nextAttempt())).isBetween(Duration.ofMinutes(29), Duration.ofMinutes(30));
    }

    @Test
    void anUnknownWorkloadIsRefusedWithTheReason() {
        CertificateClient c = client("ghost", SpiffeId.parse("spiffe://cluster.local/ns/shop/sa/ghost"), null);

        await().atMost(Duration.ofSeconds(10)).until(() -> c.lastError() != null);

        assertThat(c.lastError()).isEqualTo("PERMISSION_DENIED: no workload ghost in namespace shop is known for proxy 4242@vm");
        assertThat(c.current()).isEmpty();
        assertThat(service.refused()).isPositive();
        assertThat(service.issued()).isZero();
        assertThat(clientLog.getFirst()).contains("no certificate yet; retrying");
    }

    @Test
    void aProxyAskingForAnotherWorkloadsIdentityIsRefused() {
        CertificateClient c = client("web-1", SpiffeId.parse("spiffe://cluster.local/ns/shop/sa/admin"), null);

        await().atMost(Duration.ofSeconds(10)).until(() -> c.lastError() != null);

        assertThat(c.lastError()).isEqualTo("PERMISSION_DENIED: the CSR asks for spiffe://cluster.local/ns/shop/sa/admin"
                + " but this workload's identity is spiffe://cluster.local/ns/shop/sa/web");
        assertThat(service.issued()).isZero();
    }

    @Test
    void aCertificateIsRenewedAtHalfLifeWithANewKey() throws Exception {
        List<Instant> arrivals = new CopyOnWriteArrayList<>();
        List<Bundle> bundles = new CopyOnWriteArrayList<>();
        CertificateClient c = client("web-1", WEB, Duration.ofSeconds(4));
        c.addListener(b -> {
            arrivals.add(Instant.now());
            bundles.add(b);
        });

        await().atMost(Duration.ofSeconds(15)).until(() -> bundles.size() >= 2);

        Duration between = Duration.between(arrivals.get(0), arrivals.get(1));
        // at half of the lifetime left when the first arrived (3-4 s: X.509 keeps whole seconds), not at expiry
        Duration left = Duration.between(arrivals.get(0), bundles.get(0).notAfter());
        assertThat(between).isBetween(left.dividedBy(2).minusMillis(300), left.dividedBy(2).plusMillis(1200));
        assertThat(arrivals.get(1)).isBefore(bundles.get(0).notAfter().minusMillis(1000));
        assertThat(bundles.get(1).leaf().getSerialNumber()).isNotEqualTo(bundles.get(0).leaf().getSerialNumber());
        assertThat(bundles.get(1).key()).isNotEqualTo(bundles.get(0).key());
        assertThat(c.current()).isPresent();
        assertThat(clientLog).anyMatch(l -> l.startsWith("certificate renewed for spiffe://cluster.local/ns/shop/sa/web"));
    }

    @Test
    void whileRenewalFailsTheOldCertificateServesUntilItExpires() throws Exception {
        CertificateClient c = client("web-1", WEB, Duration.ofSeconds(6));
        Bundle first = c.first().get(10, TimeUnit.SECONDS);
        registryAnswers.set(false); // the renewal at ~3 s is refused, and every retry after it

        await().atMost(Duration.ofSeconds(10)).until(() -> c.lastError() != null);
        assertThat(c.current()).contains(first);
        assertThat(clientLog).anyMatch(l -> l.contains("keeping the current certificate (valid until " + first.notAfter() + ")"));
        long refusedSoFar = service.refused();
        await().atMost(Duration.ofSeconds(5)).until(() -> service.refused() > refusedSoFar); // it keeps retrying

        registryAnswers.set(true);
        await().atMost(Duration.ofSeconds(10)).until(() -> c.current().map(b -> !b.equals(first)).orElse(false));
        BigInteger renewed = c.current().orElseThrow().leaf().getSerialNumber();
        assertThat(renewed).isNotEqualTo(first.leaf().getSerialNumber());
        assertThat(c.lastError()).isNull();
    }

    @Test
    void anExpiredCertificateIsNoLongerServed() throws Exception {
        ManualClock clock = new ManualClock(Instant.now());
        CertificateClient c = CertificateClient.builder().control("127.0.0.1", server.port()).node(NODE).workload("web-1")
                .identity(WEB).ttl(Duration.ofHours(1)).clock(clock).start();
        clients.add(c);
        Bundle b = c.first().get(10, TimeUnit.SECONDS);

        clock.advance(Duration.ofMinutes(59));
        assertThat(c.current()).contains(b);
        clock.advance(Duration.ofMinutes(2));
        assertThat(c.current()).isEmpty();
    }

    @Test
    void aControlPlaneThatIsAwayIsRetried() throws Exception {
        int port = server.port();
        server.close();
        CertificateClient c = client(port, "web-1", WEB, Duration.ofHours(1));
        await().atMost(Duration.ofSeconds(10)).until(() -> c.lastError() != null);
        assertThat(c.lastError()).startsWith("UNAVAILABLE");

        server = SyncServer.builder().host("127.0.0.1").port(port)
                .source(node -> ProxySnapshot.builder("0").build()).service(service.bindService()).start();

        assertThat(c.first().get(10, TimeUnit.SECONDS).leaf()).isNotNull();
    }
}
