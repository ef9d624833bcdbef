package dev.ficus.cli;

import dev.ficus.testing.ClosedPort;
import dev.ficus.testing.FakeUpstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code ./ficus proxy} as a process on Istio YAML, driven by real sockets: weighted splits,
 * header routing, live config changes (a bad one refused), a draining stop on SIGTERM, and retries
 * and injected faults from a VirtualService.
 */
class ProxyCommandIT {
    private final List<AutoCloseable> cleanup = new ArrayList<>();
    private Process proxy;
    private List<String> log = List.of();

    @AfterEach
    void stop() throws Exception {
        if (proxy != null && proxy.isAlive()) {
            proxy.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        for (AutoCloseable c : cleanup) c.close();
    }

    static String shop(FakeUpstream v1, FakeUpstream v2, int v1Weight) {
        return """
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
                kind: WorkloadEntry
                metadata: {name: reviews-v1, namespace: shop}
                spec: {address: 127.0.0.1, ports: {http: %d}, labels: {app: reviews, version: v1}}
                ---
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: {name: reviews-v2, namespace: shop}
                spec: {address: 127.0.0.1, ports: {http: %d}, labels: {app: reviews, version: v2}}
                ---
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: reviews, namespace: shop}
                spec:
                  host: reviews
                  subsets:
                  - {name: v1, labels: {version: v1}}
                  - {name: v2, labels: {version: v2}}
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: reviews, namespace: shop}
                spec:
                  hosts: [reviews]
                  http:
                  - match: [{headers: {end-user: {exact: jason}}}]
                    route: [{destination: {host: reviews, subset: v2}}]
                  - route:
                    - {destination: {host: reviews, subset: v1}, weight: %d}
                    - {destination: {host: reviews, subset: v2}, weight: %d}
                """.formatted(v1.port(), v2.port(), v1Weight, 100 - v1Weight);
    }


    ProxyProcess.Ports start(Path config) throws IOException {
        ProxyProcess p = ProxyProcess.start(config);
        cleanup.add(p);
        proxy = p.process();
        log = p.log();
        return p.ports();
    }

    private FakeUpstream upstream(String name) {
        FakeUpstream u = FakeUpstream.start(name);
        cleanup.add(u);
        return u;
    }

    @Test
    void splitsEightyTwentyAndRoutesByHeader(@TempDir Path dir) throws Exception {
        FakeUpstream v1 = upstream("v1");
        FakeUpstream v2 = upstream("v2");
        Files.writeString(dir.resolve("shop.yaml"), shop(v1, v2, 80));
        ProxyProcess.Ports ports = start(dir);

        Map<String, Integer> counts = new HashMap<>();
        try (HttpConnection c = new HttpConnection(ports.outbound())) {
            for (int i = 0; i < 5000; i++) {
                HttpConnection.Response r = c.get("reviews:9080", "/reviews/" + i);
                assertThat(r.status()).isEqualTo(200);
                counts.merge(r.body(), 1, Integer::sum);
            }
            for (int i = 0; i < 50; i++) {
                assertThat(c.get("reviews", "/", "end-user", "jason").body()).isEqualTo("v2");
            }
            // a host outside the registry is passed through (Istio's default ALLOW_ANY): this one does not resolve
            HttpConnection.Response none = c.get("nowhere.invalid", "/");
            assertThat(none.status()).isEqualTo(503);
            assertThat(none.header("x-ficus-error")).isEqualTo("DF");
        }
        assertThat(counts.get("v1") / 5000.0).isBetween(0.77, 0.83);
        assertThat(counts.get("v2") / 5000.0).isBetween(0.17, 0.23);
    }

    @Test
    void aValidEditAppliesWithinASecondAndABadOneIsRefused(@TempDir Path dir) throws Exception {
        FakeUpstream v1 = upstream("v1");
        FakeUpstream v2 = upstream("v2");
        Path file = dir.resolve("shop.yaml");
        Files.writeString(file, shop(v1, v2, 100));
        ProxyProcess.Ports ports = start(dir);
        try (HttpConnection c = new HttpConnection(ports.outbound())) {
            assertThat(c.get("reviews:9080", "/").body()).isEqualTo("v1");

            Files.writeString(file, shop(v1, v2, 0));
            long changed = System.nanoTime();
            await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(20))
                    .until(() -> c.get("reviews:9080", "/").body().equals("v2"));
            assertThat(Duration.ofNanos(System.nanoTime() - changed)).isLessThan(Duration.ofSeconds(1));

            Files.writeString(file, shop(v1, v2, 100).replace("weight: 0", "weight: 10"));
            await().atMost(Duration.ofSeconds(5)).until(() -> log.stream().anyMatch(l -> l.contains("config change refused")));
            assertThat(log).anyMatch(l -> l.contains("shop.yaml:") && l.contains("weights must sum to 100, got 110"));
            for (int i = 0; i < 20; i++) assertThat(c.get("reviews:9080", "/").body()).isEqualTo("v2");

            // the mistake undone: the file is the version served again, and the log says so
            Files.writeString(file, shop(v1, v2, 0));
            await().atMost(Duration.ofSeconds(5)).until(() -> log.stream().anyMatch(l -> l.contains("config is valid again")));
            assertThat(c.get("reviews:9080", "/").body()).isEqualTo("v2");
        }
    }

    @Test
    void sigtermDrainsInFlightRequestsAndExitsZero(@TempDir Path dir) throws Exception {
        FakeUpstream v1 = upstream("v1");
        FakeUpstream v2 = upstream("v2");
        Files.writeString(dir.resolve("shop.yaml"), shop(v1, v2, 100));
        ProxyProcess.Ports ports = start(dir);
        HttpConnection c = new HttpConnection(ports.outbound());
        cleanup.add(c);
        CompletableFuture<HttpConnection.Response> slow = CompletableFuture.supplyAsync(() -> {
            try {
                return c.get("reviews:9080", "/delay/700");
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        await().atMost(Duration.ofSeconds(5)).until(() -> v1.seen().stream().anyMatch(s -> s.path().startsWith("/delay/")));
        new ProcessBuilder("kill", "-TERM", Long.toString(proxy.pid())).start().waitFor(5, TimeUnit.SECONDS);
        HttpConnection.Response r = slow.get(10, TimeUnit.SECONDS);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("v1");
        assertThat(proxy.waitFor(15, TimeUnit.SECONDS)).isTrue();
        assertThat(proxy.exitValue()).isZero();
        assertThat(log).anyMatch(l -> l.contains("drained; exiting"));
    }

    static String ratings(int deadPort, FakeUpstream live) {
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: ratings, namespace: shop}
                spec:
                  hosts: [ratings.shop.svc.cluster.local]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports: [{number: 9080, name: http, protocol: HTTP}]
                  workloadSelector: {labels: {app: ratings}}
                ---
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: {name: ratings-dead, namespace: shop}
                spec: {address: 127.0.0.1, ports: {http: %d}, labels: {app: ratings}}
                ---
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: {name: ratings-live, namespace: shop}
                spec: {address: 127.0.0.1, ports: {http: %d}, labels: {app: ratings}}
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: ratings, namespace: shop}
                spec:
                  hosts: [ratings]
                  http:
                  - match: [{headers: {x-fault: {exact: abort}}}]
                    fault: {abort: {httpStatus: 418, percentage: {value: 100}}}
                    route: [{destination: {host: ratings}}]
                  - match: [{headers: {x-fault: {exact: delay}}}]
                    fault: {delay: {fixedDelay: 300ms, percentage: {value: 100}}}
                    route: [{destination: {host: ratings}}]
                  - route: [{destination: {host: ratings}}]
                    retries: {attempts: 6, retryOn: 'connect-failure,5xx'}
                """.formatted(deadPort, live.port());
    }

    @Test
    void retriesAcrossADeadEndpointAndInjectsFaults(@TempDir Path dir) throws Exception {
        FakeUpstream live = upstream("live");
        Files.writeString(dir.resolve("ratings.yaml"), ratings(ClosedPort.find(), live));
        ProxyProcess.Ports ports = start(dir);
        try (HttpConnection c = new HttpConnection(ports.outbound())) {
            for (int i = 0; i < 30; i++) {
                HttpConnection.Response r = c.get("ratings:9080", "/r/" + i);
                assertThat(r.status()).as("half the endpoints refuse connections").isEqualTo(200);
                assertThat(r.body()).isEqualTo("live");
            }
            HttpConnection.Response flaky = c.get("ratings:9080", "/fail-times/2/e2e");
            assertThat(flaky.status()).isEqualTo(200);
            assertThat(live.requestCount("/fail-times/2/e2e")).isEqualTo(3);

            HttpConnection.Response aborted = c.get("ratings:9080", "/a", "x-fault", "abort");
            assertThat(aborted.status()).isEqualTo(418);
            assertThat(aborted.header("x-ficus-error")).isEqualTo("FI");
            assertThat(live.requestCount("/a")).isZero();

            long t0 = System.nanoTime();
            HttpConnection.Response delayed = c.get("ratings:9080", "/d", "x-fault", "delay");
            assertThat(delayed.status()).isEqualTo(200);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(290));
        }
        assertThat(log).noneMatch(l -> l.contains("not applied by the proxy"));
    }

    @Test
    void aPortInUseIsOneClearLineAndExitOne(@TempDir Path dir) throws Exception {
        FakeUpstream v1 = upstream("v1");
        FakeUpstream v2 = upstream("v2");
        Files.writeString(dir.resolve("shop.yaml"), shop(v1, v2, 100));
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            FicusCommandIT.Run r = FicusCommandIT.ficus("proxy", "--config", dir.toString(), "--labels", "app=frontend", "-n", "shop",
                    "--admin-port", Integer.toString(taken.getLocalPort()), "--outbound-port", "0");
            assertThat(r.exit()).isEqualTo(1);
            assertThat(r.err()).contains("cannot start: ").contains("Address already in use").contains("--admin-port");
        }
    }

    @Test
    void aConfigWithErrorsDoesNotStart(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("bad.yaml"), """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: x}
                spec: {hosts: [x], http: [{timeout: 5x, route: [{destination: {host: x}}]}]}
                """);
        FicusCommandIT.Run r = FicusCommandIT.ficus("proxy", "--config", dir.toString(), "--admin-port", "-1", "--outbound-port", "0");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("bad.yaml:4:37: error: VirtualService/x spec.http[0].timeout: invalid duration '5x'")
                .contains("the configuration has errors; not starting");
    }
}
