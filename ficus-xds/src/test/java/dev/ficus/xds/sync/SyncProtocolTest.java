package dev.ficus.xds.sync;

import dev.ficus.api.config.ConfigLoader;
import dev.ficus.api.validate.Validator;
import dev.ficus.xds.snapshot.ProxySnapshot;
import dev.ficus.xds.translate.ProxyIdentity;
import dev.ficus.xds.translate.TranslateOptions;
import dev.ficus.xds.translate.Translator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A real sync server and client on loopback: pushes, deltas, NACKs, reconnects. */
class SyncProtocolTest {

    static final String BASE = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: reviews, namespace: shop}
            spec:
              hosts: [reviews.shop.svc.cluster.local]
              location: MESH_INTERNAL
              resolution: STATIC
              ports: [{number: 9080, name: http, protocol: HTTP}]
              workloadSelector: {labels: {app: reviews}}
            ---
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: {name: ratings, namespace: shop}
            spec:
              hosts: [ratings.shop.svc.cluster.local]
              location: MESH_INTERNAL
              resolution: STATIC
              ports: [{number: 9080, name: http, protocol: HTTP}]
              endpoints: [{address: 127.0.0.21}]
            ---
            apiVersion: networking.istio.io/v1
            kind: WorkloadEntry
            metadata: {name: reviews-v1, namespace: shop}
            spec: {address: 127.0.0.11, labels: {app: reviews, version: v1}}
            """;

    static ProxySnapshot translate(String yaml) {
        ConfigLoader.Result r = Validator.loadAndValidateString("test.yaml", yaml);
        assertThat(r.hasErrors()).as(r.diagnostics().toString()).isFalse();
        return Translator.translate(Validator.effective(r.config()),
                new ProxyIdentity("web", "shop", Map.of("app", "web"), null),
                TranslateOptions.DEFAULTS.withOutboundPort(0)).snapshot();
    }

    final AtomicReference<ProxySnapshot> served = new AtomicReference<>(translate(BASE));
    final List<String> pushes = new CopyOnWriteArrayList<>();
    final List<String> nacks = new CopyOnWriteArrayList<>();
    final List<ProxySnapshot> applied = new CopyOnWriteArrayList<>();
    final List<String> clientLog = new CopyOnWriteArrayList<>();
    volatile String refuse;
    SyncServer server;
    SyncClient client;

    SyncServer startServer(int port) throws Exception {
        return SyncServer.builder().port(port).debounce(Duration.ofMillis(20), Duration.ofMillis(200))
                .source(node -> {
                    if (node.workloads().contains("nobody")) throw new IllegalArgumentException("no WorkloadEntry named 'nobody'");
                    return served.get();
                })
                .events(new SyncServer.Events() {
                    @Override public void pushed(SyncServer.ProxyStatus s, int resources, int removed) { pushes.add(resources + "+" + removed); }
                    @Override public void nacked(SyncServer.ProxyStatus s, String error) { nacks.add(error); }
                })
                .start();
    }

    SyncClient startClient(int port, String workload) {
        Node node = new Node("test-" + workload, List.of(workload), "shop", Map.of(), "test", null);
        return SyncClient.start("127.0.0.1", port, node, s -> {
            if (refuse != null && s.clusters().keySet().stream().anyMatch(n -> n.contains(refuse))) {
                throw new IllegalStateException("refusing anything with " + refuse);
            }
            applied.add(s);
        }, clientLog::add, Duration.ofMillis(20), Duration.ofMillis(200));
    }

    @AfterEach
    void stop() {
        if (client != null) client.close();
        if (server != null) server.close();
    }

    @Test
    void firstPushCarriesEverythingAndIsAcked() throws Exception {
        server = startServer(0);
        client = startClient(server.port(), "web");
        ProxySnapshot first = client.firstSnapshot().get(10, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(first).isEqualTo(served.get());
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(server.status()).singleElement().satisfies(p -> {
                    assertThat(p.ackedVersion()).isEqualTo(served.get().version());
                    assertThat(p.acks()).isEqualTo(1);
                    assertThat(p.node().workloads()).containsExactly("web");
                    assertThat(p.peer()).startsWith("127.0.0.1:");
                }));
        int hosts = served.get().routeTables().values().stream().mapToInt(t -> t.virtualHosts().size()).sum();
        int all = served.get().listeners().size() + served.get().routeTables().size() + hosts + served.get().clusters().size();
        assertThat(pushes).containsExactly(all + "+0");
    }

    @Test
    void theNodeAnnouncesItsAdminPortAndOlderNodesDecodeWithout() throws Exception {
        server = startServer(0);
        Node node = new Node("test-admin", List.of("web"), "shop", Map.of(), "test", null, 15000);
        client = SyncClient.start("127.0.0.1", server.port(), node, applied::add, clientLog::add, Duration.ofMillis(20), Duration.ofMillis(200));
        client.firstSnapshot().get(10, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(server.status()).singleElement().satisfies(p -> assertThat(p.node().adminPort()).isEqualTo(15000));

        // the field is additive: an older proxy's hello has none, an older control plane ignores it
        Node old = SyncMessages.GSON.fromJson("{\"id\":\"p\",\"workloads\":[\"web\"],\"namespace\":\"shop\",\"ficusVersion\":\"0.0.9\"}", Node.class);
        assertThat(old.adminPort()).isNull();
        assertThat(old.workloads()).containsExactly("web");
        assertThat(SyncMessages.GSON.toJson(node)).contains("\"adminPort\":15000");
        Node bogus = SyncMessages.GSON.fromJson("{\"id\":\"p\",\"adminPort\":70000}", Node.class);
        assertThat(bogus.adminPort()).as("not a port: not announced").isNull();
    }

    @Test
    void anEndpointChangeSendsOnlyThatCluster() throws Exception {
        server = startServer(0);
        client = startClient(server.port(), "web");
        client.firstSnapshot().get(10, java.util.concurrent.TimeUnit.SECONDS);
        served.set(translate(BASE.replace("127.0.0.21", "127.0.0.22")));
        server.push();
        await().atMost(Duration.ofSeconds(5)).until(() -> applied.size() == 2);
        assertThat(applied.getLast()).isEqualTo(served.get());
        assertThat(pushes).hasSize(2);
        assertThat(pushes.get(1)).isEqualTo("1+0"); // the ratings cluster, nothing else
    }

    @Test
    void aBurstOfChangesIsAtMostTwoPushes() throws Exception {
        server = startServer(0);
        client = startClient(server.port(), "web");
        client.firstSnapshot().get(10, java.util.concurrent.TimeUnit.SECONDS);
        List<ProxySnapshot> burst = new java.util.ArrayList<>();
        for (int i = 0; i < 20; i++) burst.add(translate(BASE.replace("127.0.0.21", "127.0.0." + (30 + i))));
        for (ProxySnapshot s : burst) { // well within one debounce period (20 ms)
            served.set(s);
            server.push();
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> applied.size() >= 2 && applied.getLast().equals(served.get()));
        assertThat(pushes).hasSizeLessThanOrEqualTo(3);
    }

    @Test
    void aLoneChangeIsPushedAtOnceAndTheChangesRightAfterItWaitForQuiet() throws Exception {
        server = SyncServer.builder().port(0).debounce(Duration.ofMillis(1500), Duration.ofSeconds(20))
                .source(node -> served.get())
                .events(new SyncServer.Events() {
                    @Override public void pushed(SyncServer.ProxyStatus s, int resources, int removed) { pushes.add(resources + "+" + removed); }
                })
                .start();
        client = startClient(server.port(), "web");
        client.firstSnapshot().get(10, java.util.concurrent.TimeUnit.SECONDS);
        await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(5)).until(() -> pushes.size() == 1); // a quiet spell

        served.set(translate(BASE.replace("127.0.0.21", "127.0.0.22")));
        long t0 = System.nanoTime();
        server.push();
        await().atMost(Duration.ofSeconds(10)).until(() -> applied.size() == 2);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("not held for the debounce period").isLessThan(Duration.ofMillis(1200));

        for (int i = 0; i < 5; i++) { // right after: together, once quiet
            served.set(translate(BASE.replace("127.0.0.21", "127.0.0." + (30 + i))));
            server.push();
        }
        await().atMost(Duration.ofSeconds(15)).until(() -> applied.size() >= 3 && applied.getLast().equals(served.get()));
        assertThat(pushes).hasSize(3);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("the burst waited for quiet").isGreaterThanOrEqualTo(Duration.ofMillis(1500));
    }

    @Test
    void aNackKeepsTheOldSnapshotAndTheNextGoodChangeApplies() throws Exception {
        server = startServer(0);
        client = startClient(server.port(), "web");
        ProxySnapshot good = client.firstSnapshot().get(10, java.util.concurrent.TimeUnit.SECONDS);
        refuse = "details";
        served.set(translate(BASE + """
                ---
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: details, namespace: shop}
                spec:
                  hosts: [details.shop.svc.cluster.local]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports: [{number: 9080, name: http, protocol: HTTP}]
                  endpoints: [{address: 127.0.0.31}]
                """));
        server.push();
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(server.status()).singleElement().satisfies(p -> {
            assertThat(p.nacks()).isEqualTo(1);
            assertThat(p.lastNack()).contains("refusing anything with details");
            assertThat(p.ackedVersion()).isEqualTo(good.version());
            assertThat(p.lastNackVersion()).isEqualTo(served.get().version());
        }));
        assertThat(applied).containsExactly(good);
        assertThat(client.lastError()).contains("refusing");
        assertThat(clientLog).anyMatch(l -> l.contains("refused") && l.contains("still serving version " + good.version()));

        // the refused push is forgotten: the next change is computed against what the proxy really holds
        refuse = null;
        served.set(translate(BASE.replace("127.0.0.21", "127.0.0.23")));
        server.push();
        await().atMost(Duration.ofSeconds(5)).until(() -> applied.size() == 2);
        assertThat(applied.getLast()).isEqualTo(served.get());
        assertThat(pushes.getLast()).isEqualTo("1+0");
    }

    @Test
    void theProxyKeepsServingWhileTheControlPlaneIsAwayAndResyncsOnlyWhatDiffers() throws Exception {
        server = startServer(0);
        int port = server.port();
        client = startClient(port, "web");
        ProxySnapshot first = client.firstSnapshot().get(10, java.util.concurrent.TimeUnit.SECONDS);
        server.close();
        await().atMost(Duration.ofSeconds(5)).until(() -> !client.connected());
        assertThat(applied).containsExactly(first); // nothing taken away
        served.set(translate(BASE.replace("127.0.0.21", "127.0.0.24")));
        pushes.clear();
        server = startServer(port);
        await().atMost(Duration.ofSeconds(10)).until(() -> applied.size() == 2);
        assertThat(applied.getLast()).isEqualTo(served.get());
        assertThat(pushes).containsExactly("1+0"); // the hello said what the proxy holds
        assertThat(clientLog).anyMatch(l -> l.startsWith("lost the control plane"));
    }

    @Test
    void anUnknownWorkloadEndsItsStreamWithTheReasonAndOthersAreUnaffected() throws Exception {
        server = startServer(0);
        client = startClient(server.port(), "nobody");
        try (SyncClient other = startClient(server.port(), "web")) {
            other.firstSnapshot().get(10, java.util.concurrent.TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(client.lastError()).contains("no WorkloadEntry named 'nobody'"));
            assertThat(client.firstSnapshot()).isNotDone();
        }
    }

    @Test
    void aRemovedServiceIsNamedInThePush() throws Exception {
        server = startServer(0);
        client = startClient(server.port(), "web");
        client.firstSnapshot().get(10, java.util.concurrent.TimeUnit.SECONDS);
        String withoutRatings = BASE.substring(0, BASE.indexOf("---\napiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: ratings"))
                + BASE.substring(BASE.indexOf("---\napiVersion: networking.istio.io/v1\nkind: WorkloadEntry"));
        served.set(translate(withoutRatings));
        server.push();
        await().atMost(Duration.ofSeconds(5)).until(() -> applied.size() == 2);
        assertThat(applied.getLast().clusters().keySet()).noneMatch(n -> n.contains("ratings"));
        assertThat(pushes.getLast()).isEqualTo("1+2"); // the outbound table's index; its ratings virtual host and cluster removed
    }

    @Test
    void aRouteChangeSendsOnlyThatVirtualHost() throws Exception {
        server = startServer(0);
        client = startClient(server.port(), "web");
        client.firstSnapshot().get(10, java.util.concurrent.TimeUnit.SECONDS);
        served.set(translate(BASE + """
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: ratings, namespace: shop}
                spec:
                  hosts: [ratings.shop.svc.cluster.local]
                  http: [{route: [{destination: {host: ratings.shop.svc.cluster.local}}], timeout: 3s}]
                """));
        server.push();
        await().atMost(Duration.ofSeconds(5)).until(() -> applied.size() == 2);
        assertThat(applied.getLast()).isEqualTo(served.get());
        assertThat(pushes.getLast()).isEqualTo("1+0"); // ratings' virtual host, not the whole route table
    }
}
