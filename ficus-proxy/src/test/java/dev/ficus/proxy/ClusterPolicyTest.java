package dev.ficus.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ficus.proxy.http.ResponseFlag;
import dev.ficus.proxy.telemetry.TrafficStats;
import dev.ficus.testing.FakeUpstream;
import dev.ficus.xds.snapshot.ClusterConfig;
import dev.ficus.xds.snapshot.ConnectionPoolLimits;
import dev.ficus.xds.snapshot.ConsistentHashConfig;
import dev.ficus.xds.snapshot.Endpoint;
import dev.ficus.xds.snapshot.HashPolicy;
import dev.ficus.xds.snapshot.LbPolicy;
import dev.ficus.xds.snapshot.OutlierDetectionConfig;
import dev.ficus.xds.snapshot.ProxySnapshot;
import dev.ficus.xds.snapshot.Route;
import dev.ficus.xds.snapshot.RouteAction;
import dev.ficus.xds.snapshot.RouteMatch;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** DestinationRule cluster behaviour over real sockets: circuit breakers, outlier ejection, consistent hashing. */
class ClusterPolicyTest {
    static {
        // the JDK client reads this once per JVM: set it as ProxyServerTest does, whichever test class runs first
        System.setProperty("jdk.httpclient.allowRestrictedHeaders", "host,connection");
    }

    final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    final List<AutoCloseable> closeLater = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : closeLater.reversed()) c.close();
        client.close();
    }

    FakeUpstream upstream(String name) {
        FakeUpstream u = FakeUpstream.start(name);
        closeLater.add(u);
        return u;
    }

    ProxyServer proxy(ClusterConfig c) throws Exception { return proxy(c, 2); }

    ProxyServer proxy(ClusterConfig c, int eventLoops) throws Exception {
        ProxySnapshot s = Snapshots.withRoutes("1", List.of(new Route("all", RouteMatch.ANY, RouteAction.Forward.to(c.name()))), c).build();
        ProxyServer p = ProxyServer.builder().snapshot(s).concurrency(eventLoops).adminPort(-1).build().start();
        closeLater.add(p);
        return p;
    }

    static ClusterConfig cluster(LbPolicy lb, FakeUpstream... us) {
        List<Endpoint> eps = Stream.of(us).map(u -> Endpoint.of(u.host(), u.port())).toList();
        return new ClusterConfig("c", eps, lb, ClusterConfig.DEFAULT_CONNECT_TIMEOUT, ConnectionPoolLimits.DEFAULT);
    }

    HttpRequest.Builder req(ProxyServer p, String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + p.listenerPort("main") + path)).timeout(Duration.ofSeconds(10));
    }

    HttpResponse<String> get(ProxyServer p, String path, String... headers) throws Exception {
        HttpRequest.Builder r = req(p, path);
        if (headers.length > 0) r.headers(headers);
        return client.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    CompletableFuture<HttpResponse<String>> getAsync(ProxyServer p, String path) {
        return client.sendAsync(req(p, path).build(), HttpResponse.BodyHandlers.ofString());
    }

    // ---- circuit breakers

    @Test
    void overMaxConnectionsAndPendingRequestsTheProxyAnswers503UO() throws Exception {
        FakeUpstream slow = upstream("slow");
        ClusterConfig c = cluster(LbPolicy.ROUND_ROBIN, slow).withLimits(new ConnectionPoolLimits(1, 1, 0, Duration.ofMinutes(1)));
        ProxyServer p = proxy(c, 1);

        var first = getAsync(p, "/delay/1500");
        await().atMost(Duration.ofSeconds(5)).until(() -> slow.requestCount() == 1);
        // the connection is busy: one more request may wait for it, the next one overflows
        var second = getAsync(p, "/delay/10");
        var third = getAsync(p, "/delay/10");
        List<HttpResponse<String>> all = List.of(first.get(), second.get(), third.get());

        assertThat(all).extracting(HttpResponse::statusCode).containsExactlyInAnyOrder(200, 200, 503);
        HttpResponse<String> overflow = all.stream().filter(r -> r.statusCode() == 503).findFirst().orElseThrow();
        assertThat(overflow.headers().firstValue("x-ficus-error")).hasValue("UO");
        assertThat(slow.connectionCount()).as("the waiting request reused the one connection").isEqualTo(1);
        TrafficStats stats = p.stats().cluster("c");
        assertThat(stats.responses(ResponseFlag.UO)).isEqualTo(1);
        assertThat(p.stats().prometheus()).contains("ficus_cluster_response_flags_total{cluster=\"c\",flag=\"UO\"} 1");
    }

    @Test
    void aLowConnectionLimitStrandsNoEventLoop() throws Exception {
        FakeUpstream u = upstream("u");
        ProxyServer p = proxy(cluster(LbPolicy.ROUND_ROBIN, u).withLimits(new ConnectionPoolLimits(1, 10, 0, Duration.ofMinutes(1))), 2);
        // each fresh client connection lands on the next event loop; an idle connection on one loop
        // holds the only slot, yet the other loop still opens its one connection (as Envoy does)
        for (int i = 0; i < 4; i++) {
            try (HttpClient fresh = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
                assertThat(fresh.send(req(p, "/").build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
            }
        }
        assertThat(u.connectionCount()).isEqualTo(2);
        assertThat(p.stats().cluster("c").responses(ResponseFlag.UO)).isZero();
    }

    @Test
    void overMaxRequestsTheProxyAnswers503UOAndRecoversWhenTheyFinish() throws Exception {
        FakeUpstream slow = upstream("slow");
        ClusterConfig c = cluster(LbPolicy.ROUND_ROBIN, slow).withLimits(new ConnectionPoolLimits(100, 100, 1, 0, 3, Duration.ofMinutes(1)));
        ProxyServer p = proxy(c);

        var first = getAsync(p, "/delay/1000");
        await().atMost(Duration.ofSeconds(5)).until(() -> slow.requestCount() == 1);
        assertThat(p.stats().prometheus()).contains("ficus_cluster_circuit_breaker_in_use{cluster=\"c\",resource=\"requests\"} 1")
                .contains("ficus_cluster_circuit_breaker_in_use{cluster=\"c\",resource=\"connections\"} 1");
        HttpResponse<String> second = get(p, "/");
        assertThat(second.statusCode()).isEqualTo(503);
        assertThat(second.headers().firstValue("x-ficus-error")).hasValue("UO");
        assertThat(first.get().statusCode()).isEqualTo(200);
        assertThat(get(p, "/").statusCode()).as("the slot came back").isEqualTo(200);
        // the slot is released on the event loop once the exchange ends, which may be just after the client read the response
        await().atMost(Duration.ofSeconds(2)).untilAsserted(() ->
                assertThat(p.stats().prometheus()).contains("ficus_cluster_circuit_breaker_in_use{cluster=\"c\",resource=\"requests\"} 0"));
    }

    @Test
    void retryBudgetIsSharedAndBounded() throws Exception {
        FakeUpstream u = upstream("u");
        ClusterConfig c = cluster(LbPolicy.ROUND_ROBIN, u).withLimits(new ConnectionPoolLimits(100, 100, 100, 0, 2, Duration.ofMinutes(1)));
        var runtime = new dev.ficus.proxy.cluster.ClusterManager(dev.ficus.proxy.lb.LoadBalancerRegistry.defaults(), new dev.ficus.proxy.telemetry.StatsRegistry())
                .update(Map.of("c", c)).get("c");
        assertThat(runtime.tryAcquireRetry()).isTrue();
        assertThat(runtime.tryAcquireRetry()).isTrue();
        assertThat(runtime.tryAcquireRetry()).as("maxRetries: 2").isFalse();
        runtime.releaseRetry();
        assertThat(runtime.tryAcquireRetry()).isTrue();
    }

    // ---- outlier detection

    static OutlierDetectionConfig outlier(int consecutive5xx, int maxEjectionPercent, int minHealthPercent) {
        return outlier(consecutive5xx, maxEjectionPercent, minHealthPercent, Duration.ofSeconds(1));
    }

    static OutlierDetectionConfig outlier(int consecutive5xx, int maxEjectionPercent, int minHealthPercent, Duration baseEjectionTime) {
        return new OutlierDetectionConfig(consecutive5xx, 0, false, 5, Duration.ofMillis(50), baseEjectionTime, maxEjectionPercent, minHealthPercent);
    }

    @Test
    void aFailingEndpointIsEjectedAndReturnsAfterTheBaseEjectionTime() throws Exception {
        FakeUpstream bad = upstream("bad").failWith(503);
        FakeUpstream good = upstream("good");
        ProxyServer p = proxy(cluster(LbPolicy.ROUND_ROBIN, bad, good).withOutlier(outlier(3, 100, 0, Duration.ofSeconds(2))));
        TrafficStats stats = p.stats().cluster("c");

        long beforeEjection = System.nanoTime();
        for (int i = 0; i < 8 && stats.ejectionsTotal() == 0; i++) get(p, "/");
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5)).until(() -> stats.ejectionsActive() == 1);
        assertThat(bad.requestCount()).isBetween(3L, 4L);

        long before = bad.requestCount();
        for (int i = 0; i < 20; i++) {
            HttpResponse<String> r = get(p, "/");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("good");
        }
        assertThat(bad.requestCount()).as("ejected: no traffic").isEqualTo(before);
        assertThat(p.stats().prometheus()).contains("ficus_cluster_outlier_ejections_active{cluster=\"c\"} 1")
                .contains("ficus_cluster_outlier_ejections_total{cluster=\"c\"} 1");

        bad.failWith(0);
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20)).until(() -> {
            get(p, "/");
            return bad.requestCount() > before;
        });
        // measured from before the ejection could have happened: at least the 2 s base ejection time
        assertThat(Duration.ofNanos(System.nanoTime() - beforeEjection)).as("back after baseEjectionTime").isGreaterThanOrEqualTo(Duration.ofMillis(2000));
        assertThat(stats.ejectionsActive()).isZero();
    }

    @Test
    void gatewayErrorsAndConnectFailuresEjectWithConsecutiveGatewayErrors() throws Exception {
        FakeUpstream good = upstream("good");
        int closed = dev.ficus.testing.ClosedPort.find();
        ClusterConfig c = new ClusterConfig("c", List.of(Endpoint.of("127.0.0.1", closed), Endpoint.of(good.host(), good.port())), LbPolicy.ROUND_ROBIN,
                Duration.ofSeconds(2), ConnectionPoolLimits.DEFAULT)
                .withOutlier(new OutlierDetectionConfig(0, 2, false, 5, Duration.ofMillis(50), Duration.ofSeconds(30), 100, 0));
        ProxyServer p = proxy(c);
        TrafficStats stats = p.stats().cluster("c");
        for (int i = 0; i < 6 && stats.ejectionsTotal() == 0; i++) get(p, "/");
        await().atMost(Duration.ofSeconds(5)).until(() -> stats.ejectionsActive() == 1);
        for (int i = 0; i < 10; i++) assertThat(get(p, "/").body()).isEqualTo("good");
        assertThat(stats.responses(ResponseFlag.UF)).isBetween(2L, 3L);
    }

    @Test
    void maxEjectionPercentKeepsMostOfAFailingClusterIn() throws Exception {
        FakeUpstream a = upstream("a").failWith(500), b = upstream("b").failWith(500), c = upstream("c").failWith(500);
        ProxyServer p = proxy(cluster(LbPolicy.ROUND_ROBIN, a, b, c).withOutlier(outlier(2, 50, 0, Duration.ofSeconds(30))));
        TrafficStats stats = p.stats().cluster("c");
        for (int i = 0; i < 30; i++) assertThat(get(p, "/").statusCode()).isEqualTo(500);
        await().atMost(Duration.ofSeconds(5)).until(() -> stats.ejectionsActive() == 1);
        for (int i = 0; i < 30; i++) get(p, "/");
        // (1 + 1) / 3 = 67% > 50%: a second endpoint never goes, though all keep failing
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> stats.ejectionsActive() == 1);
        assertThat(Stream.of(a, b, c).filter(u -> u.requestCount() > 15).count()).as("two endpoints keep the traffic").isEqualTo(2);
    }

    @Test
    void belowMinHealthPercentEjectionsAreIgnored() throws Exception {
        FakeUpstream bad = upstream("bad").failWith(503);
        FakeUpstream good = upstream("good");
        ProxyServer p = proxy(cluster(LbPolicy.ROUND_ROBIN, bad, good).withOutlier(outlier(2, 100, 60, Duration.ofSeconds(30))));
        TrafficStats stats = p.stats().cluster("c");
        for (int i = 0; i < 6 && stats.ejectionsTotal() == 0; i++) get(p, "/");
        await().atMost(Duration.ofSeconds(5)).until(() -> stats.ejectionsActive() == 1);
        long before = bad.requestCount();
        for (int i = 0; i < 20; i++) get(p, "/");
        // 1 of 2 endpoints left = 50% < 60%: panic, the proxy balances over all of them
        assertThat(bad.requestCount() - before).isBetween(5L, 15L);
    }

    // ---- consistent hashing

    @Test
    void ringHashOnAHeaderSticksEachUserToOneEndpoint() throws Exception {
        FakeUpstream a = upstream("a"), b = upstream("b"), c = upstream("c");
        ProxyServer p = proxy(cluster(LbPolicy.ROUND_ROBIN, a, b, c)
                .withConsistentHash(LbPolicy.RING_HASH, new ConsistentHashConfig(new HashPolicy.Header("x-user"), 1024)));
        Set<String> used = new HashSet<>();
        for (int user = 0; user < 30; user++) {
            String first = get(p, "/", "x-user", "user-" + user).body();
            used.add(first);
            for (int i = 0; i < 4; i++) assertThat(get(p, "/?i=" + i, "x-user", "user-" + user).body()).isEqualTo(first);
        }
        assertThat(used).hasSize(3);
    }

    @Test
    void maglevOnACookieGeneratesTheCookieAndThenFollowsIt() throws Exception {
        FakeUpstream a = upstream("a"), b = upstream("b"), c = upstream("c");
        ProxyServer p = proxy(cluster(LbPolicy.ROUND_ROBIN, a, b, c).withConsistentHash(LbPolicy.MAGLEV,
                new ConsistentHashConfig(new HashPolicy.Cookie("sticky", "/", Duration.ofHours(1)), 65537)));
        Map<String, String> byCookie = new HashMap<>();
        for (int client = 0; client < 10; client++) {
            try (HttpClient fresh = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) { // a new source port: a new cookie
                HttpResponse<String> r = fresh.send(req(p, "/").build(), HttpResponse.BodyHandlers.ofString());
                String setCookie = r.headers().firstValue("set-cookie").orElseThrow();
                assertThat(setCookie).matches("sticky=\"[0-9a-f]{16}\"; Max-Age=3600; Path=/; HttpOnly");
                String cookie = setCookie.substring(0, setCookie.indexOf(';'));
                byCookie.put(cookie, r.body());
            }
        }
        for (var e : byCookie.entrySet()) {
            for (int i = 0; i < 3; i++) {
                HttpResponse<String> r = get(p, "/", "cookie", "other=1; " + e.getKey());
                assertThat(r.body()).isEqualTo(e.getValue());
                assertThat(r.headers().firstValue("set-cookie")).as("present: not generated again").isEmpty();
            }
        }
    }

    @Test
    void sourceIpAndQueryParameterKeys() throws Exception {
        FakeUpstream a = upstream("a"), b = upstream("b"), c = upstream("c");
        ProxyServer byQuery = proxy(cluster(LbPolicy.ROUND_ROBIN, a, b, c)
                .withConsistentHash(LbPolicy.RING_HASH, new ConsistentHashConfig(new HashPolicy.QueryParameter("cart"), 1024)));
        Set<String> used = new HashSet<>();
        for (int cart = 0; cart < 20; cart++) {
            String first = get(byQuery, "/checkout?x=1&cart=" + cart).body();
            used.add(first);
            assertThat(get(byQuery, "/other?cart=" + cart + "&y=2").body()).isEqualTo(first);
        }
        assertThat(used.size()).isGreaterThan(1);
        closeLater.remove(byQuery);
        byQuery.close();

        ProxyServer bySource = proxy(cluster(LbPolicy.ROUND_ROBIN, a, b, c)
                .withConsistentHash(LbPolicy.MAGLEV, new ConsistentHashConfig(new HashPolicy.SourceIp(), 65537)));
        String first = get(bySource, "/").body();
        for (int i = 0; i < 10; i++) assertThat(get(bySource, "/", "x-user", "u" + i).body()).isEqualTo(first);
    }
}
