package dev.ficus.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ficus.proxy.http.ResponseFlag;
import dev.ficus.testing.ClosedPort;
import dev.ficus.testing.FakeUpstream;
import dev.ficus.xds.snapshot.ClusterConfig;
import dev.ficus.xds.snapshot.Endpoint;
import dev.ficus.xds.snapshot.HeaderMutations;
import dev.ficus.xds.snapshot.LbPolicy;
import dev.ficus.xds.snapshot.ProxySnapshot;
import dev.ficus.xds.snapshot.Route;
import dev.ficus.xds.snapshot.RouteAction;
import dev.ficus.xds.snapshot.RouteCors;
import dev.ficus.xds.snapshot.RouteFault;
import dev.ficus.xds.snapshot.RouteMatch;
import dev.ficus.xds.snapshot.RouteMirror;
import dev.ficus.xds.snapshot.RoutePolicies;
import dev.ficus.xds.snapshot.RouteRetry;
import dev.ficus.xds.snapshot.RouteRewrite;
import dev.ficus.xds.snapshot.StringMatch;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Retries, fault injection, mirroring and rewrites over real sockets, through a real proxy. */
class RouteResilienceTest {
    static {
        // the JDK client reads this once per JVM: set it as ProxyServerTest does, whichever runs first
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

    ProxyServer proxy(ProxySnapshot s) throws Exception {
        ProxyServer p = ProxyServer.builder().snapshot(s).concurrency(1).adminPort(0).build().start();
        closeLater.add(p);
        return p;
    }

    static Route route(String cluster, RoutePolicies policies) {
        return new Route("r", RouteMatch.ANY, RouteAction.Forward.to(cluster), Duration.ofSeconds(10), HeaderMutations.NONE, HeaderMutations.NONE, policies);
    }

    static RoutePolicies retries(int n, int retryOn, Duration perTry) {
        return RoutePolicies.NONE.withRetry(new RouteRetry(n, perTry, retryOn, new int[0], Duration.ofMillis(5)));
    }

    HttpResponse<String> get(ProxyServer p, String path) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + p.listenerPort("main") + path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(ProxyServer p, String path, int bytes) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + p.listenerPort("main") + path)).timeout(Duration.ofSeconds(10))
                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[bytes])).build(), HttpResponse.BodyHandlers.ofString());
    }

    // ---- retries

    @Test
    void istiosDefaultRetriesMoveAConnectFailureToAnotherEndpoint() throws Exception {
        FakeUpstream good = upstream("good");
        ClusterConfig c = ClusterConfig.of("c", Endpoint.of("127.0.0.1", ClosedPort.find()), Endpoint.of(good.host(), good.port()))
                .withLbPolicy(LbPolicy.ROUND_ROBIN);
        ProxyServer p = proxy(Snapshots.withRoutes("1", List.of(route("c", RoutePolicies.ISTIO_DEFAULT)), c).build());
        for (int i = 0; i < 40; i++) {
            HttpResponse<String> r = get(p, "/" + i);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("good");
        }
        assertThat(good.requestCount()).isEqualTo(40);
        assertThat(p.stats().listener("main").responses(ResponseFlag.UF)).isZero();
    }

    /**
     * A retry goes to an endpoint no earlier attempt of the request went to (Istio's retry policy:
     * Envoy's previous_hosts predicate, 5 reselections). Two endpoints always answer 503, one
     * answers 200, RANDOM picks: with 3 retries about 1 request in 400 still fails; when a retry
     * only avoided the last endpoint, about 1 in 12 did (26 of 300 expected here).
     */
    @Test
    void aRetryGoesToAnEndpointNoEarlierAttemptTried() throws Exception {
        FakeUpstream good = upstream("good");
        FakeUpstream bad1 = upstream("bad1").failWith(503);
        FakeUpstream bad2 = upstream("bad2").failWith(503);
        ClusterConfig c = ClusterConfig.of("c", Endpoint.of(good.host(), good.port()), Endpoint.of(bad1.host(), bad1.port()), Endpoint.of(bad2.host(), bad2.port()))
                .withLbPolicy(LbPolicy.RANDOM);
        ProxyServer p = proxy(Snapshots.withRoutes("1", List.of(route("c", retries(3, RouteRetry.ON_5XX, Duration.ZERO))), c).build());
        int failed = 0;
        for (int i = 0; i < 300; i++) if (get(p, "/" + i).statusCode() != 200) failed++;
        assertThat(failed).isLessThanOrEqualTo(6);
        assertThat(good.requestCount()).isEqualTo(300 - failed);
    }

    /**
     * Once every endpoint was tried, a retry still avoids the one that just failed: beside a dead
     * endpoint, a live one that fails twice gets every other attempt and answers within the
     * attempts (Envoy would take whichever endpoint it picked last, half the time the dead one).
     */
    @Test
    void onceEveryEndpointWasTriedARetryAvoidsTheLastOne() throws Exception {
        FakeUpstream live = upstream("live");
        ClusterConfig c = ClusterConfig.of("c", Endpoint.of("127.0.0.1", ClosedPort.find()), Endpoint.of(live.host(), live.port()))
                .withLbPolicy(LbPolicy.RANDOM);
        ProxyServer p = proxy(Snapshots.withRoutes("1", List.of(route("c", retries(6, RouteRetry.ON_5XX | RouteRetry.ON_CONNECT_FAILURE, Duration.ZERO))), c).build());
        for (int i = 0; i < 20; i++) {
            assertThat(get(p, "/fail-times/2/k" + i).statusCode()).as("request " + i).isEqualTo(200);
            assertThat(live.requestCount("/fail-times/2/k" + i)).isEqualTo(3);
        }
    }

    @Test
    void aPostQueuedWhileConnectingIsReplayedOnAnotherEndpoint() throws Exception {
        FakeUpstream good = upstream("good");
        ClusterConfig c = ClusterConfig.of("c", Endpoint.of("127.0.0.1", ClosedPort.find()), Endpoint.of(good.host(), good.port()))
                .withLbPolicy(LbPolicy.ROUND_ROBIN);
        ProxyServer p = proxy(Snapshots.withRoutes("1", List.of(route("c", RoutePolicies.ISTIO_DEFAULT)), c).build());
        for (int i = 0; i < 10; i++) {
            HttpResponse<String> r = post(p, "/p/" + i, 20_000 + i);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("x-received-bytes")).hasValue(Integer.toString(20_000 + i));
        }
    }

    @Test
    void aFlakyUpstreamFailingTwiceIsRetriedAndTheBodyReplayed() throws Exception {
        FakeUpstream u = upstream("u");
        ProxyServer p = proxy(Snapshots.withRoutes("1", List.of(route("u", retries(3, RouteRetry.ON_5XX, Duration.ZERO))), Snapshots.cluster(u)).build());
        HttpResponse<String> r = post(p, "/fail-times/2/post", 5000);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-received-bytes")).hasValue("5000");
        assertThat(u.requestCount("/fail-times/2/post")).isEqualTo(3);
        assertThat(u.seen()).allSatisfy(s -> assertThat(s.bodyBytes()).isEqualTo(5000));
        assertThat(p.stats().cluster("u").retries()).isEqualTo(2);
        assertThat(p.stats().prometheus()).contains("ficus_cluster_retries_total{cluster=\"u\"} 2\n");
        assertThat(get(p, "/after").statusCode()).as("the connection and the proxy stay usable").isEqualTo(200);
    }

    /** A body larger than the 64 KiB kept for a replay is streamed: its request is not retried (Envoy's retry buffer is 1 MiB). */
    @Test
    void aBodyTooLargeToReplayIsNotRetried() throws Exception {
        FakeUpstream u = upstream("u");
        ProxyServer p = proxy(Snapshots.withRoutes("1", List.of(route("u", retries(3, RouteRetry.ON_5XX, Duration.ZERO))), Snapshots.cluster(u)).build());
        assertThat(post(p, "/fail-times/1/large", 100 * 1024).statusCode()).isEqualTo(503);
        assertThat(u.requestCount("/fail-times/1/large")).isEqualTo(1);
        assertThat(p.stats().cluster("u").retries()).isZero();
    }

    @Test
    void exhaustedAttemptsForwardTheLastAnswerFlaggedUrx() throws Exception {
        FakeUpstream u = upstream("u");
        ProxyServer p = proxy(Snapshots.withRoutes("1", List.of(route("u", retries(2, RouteRetry.ON_GATEWAY_ERROR, Duration.ZERO))), Snapshots.cluster(u)).build());
        HttpResponse<String> r = get(p, "/fail-times/5/x");
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(u.requestCount("/fail-times/5/x")).isEqualTo(3);
        await().atMost(Duration.ofSeconds(5)).until(() -> p.stats().listener("main").responses(ResponseFlag.URX) == 1);
        assertThat(get(p, "/status/500").statusCode()).as("500 is no gateway error: not retried").isEqualTo(500);
        assertThat(u.requestCount("/status/500")).isEqualTo(1);
    }

    @Test
    void exhaustedConnectRetriesAnswer503UfUrx() throws Exception {
        ClusterConfig c = ClusterConfig.of("dead", Endpoint.of("127.0.0.1", ClosedPort.find()));
        ProxyServer p = proxy(Snapshots.withRoutes("1", List.of(route("dead", RoutePolicies.ISTIO_DEFAULT)), c).build());
        HttpResponse<String> r = get(p, "/");
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.headers().firstValue("x-ficus-error")).as("Envoy's flags: the failure's and URX").hasValue("UF,URX");
    }

    @Test
    void aBodyLargerThanTheReplayBufferIsNotRetried() throws Exception {
        FakeUpstream u = upstream("u");
        ProxyServer p = proxy(Snapshots.withRoutes("1", List.of(route("u", retries(3, RouteRetry.ON_5XX, Duration.ZERO))), Snapshots.cluster(u)).build());
        HttpResponse<String> r = post(p, "/fail-times/1/big", 100 * 1024);
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(u.requestCount("/fail-times/1/big")).isEqualTo(1);
        assertThat(p.stats().listener("main").responses(ResponseFlag.URX)).isZero();
    }

    @Test
    void aPerTryTimeoutRetriesASlowAttempt() throws Exception {
        FakeUpstream u = upstream("u");
        ProxyServer p = proxy(Snapshots.withRoutes("1", List.of(route("u", retries(2, RouteRetry.ON_RESET, Duration.ofMillis(200)))), Snapshots.cluster(u)).build());
        long t0 = System.nanoTime();
        HttpResponse<String> r = get(p, "/slow-times/1/3000/t");
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(ms).isBetween(200L, 2500L);
        assertThat(u.requestCount("/slow-times/1/3000/t")).isEqualTo(2);
    }

    @Test
    void grpcUnavailableInTheHeadIsRetriedByDefault() throws Exception {
        FakeUpstream u = upstream("u");
        ProxyServer p = proxy(Snapshots.withRoutes("1", List.of(route("u", RoutePolicies.ISTIO_DEFAULT)), Snapshots.cluster(u)).build());
        HttpResponse<String> r = get(p, "/grpc-status/14");
        assertThat(r.headers().firstValue("grpc-status")).hasValue("14");
        assertThat(u.requestCount("/grpc-status/14")).isEqualTo(3);
        get(p, "/grpc-status/3");
        assertThat(u.requestCount("/grpc-status/3")).as("INVALID_ARGUMENT is not retried").isEqualTo(1);
    }

    @Test
    void theRetryBudgetStopsRetriesFromMultiplyingAnOutage() throws Exception {
        FakeUpstream u = upstream("u");
        RoutePolicies pol = RoutePolicies.NONE.withRetry(new RouteRetry(10, Duration.ZERO, RouteRetry.ON_5XX, new int[0], Duration.ofMillis(100)));
        ProxyServer p = proxy(Snapshots.withRoutes("1", List.of(route("u", pol)), Snapshots.cluster(u)).build());
        int n = 20;
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<HttpResponse<String>>> fs = new ArrayList<>();
            for (int i = 0; i < n; i++) fs.add(ex.submit(() -> get(p, "/status/503")));
            for (Future<HttpResponse<String>> f : fs) assertThat(f.get().statusCode()).isEqualTo(503);
        }
        long sent = u.requestCount("/status/503");
        // counted right after the last byte is flushed: wait for the proxy's side
        // as Envoy: URX when a request spent its attempts, UO when the budget refused its retry
        var main = p.stats().listener("main");
        await().atMost(Duration.ofSeconds(5)).until(() -> main.responses(ResponseFlag.URX) + main.responses(ResponseFlag.UO) == n);
        assertThat(main.responses(ResponseFlag.UO)).as("retries the budget refused").isPositive();
        assertThat(sent).as("without a budget: %d", n * 11).isGreaterThan(n).isLessThan(n * 11 / 2);
    }

    // ---- faults

    @Test
    void abortsRoughlyTheConfiguredShareOfRequests() throws Exception {
        FakeUpstream u = upstream("u");
        RoutePolicies pol = new RoutePolicies(RouteRetry.NONE, new RouteFault(Duration.ZERO, 0, 418, -1, RouteFault.perMillion(30)), List.of(), null);
        ProxyServer p = proxy(Snapshots.withRoutes("1", List.of(route("u", pol)), Snapshots.cluster(u)).build());
        int aborted = 0;
        for (int i = 0; i < 1000; i++) {
            HttpResponse<String> r = get(p, "/");
            if (r.statusCode() == 418) {
                assertThat(r.headers().firstValue("x-ficus-error")).hasValue("FI");
                aborted++;
            } else {
                assertThat(r.statusCode()).isEqualTo(200);
            }
        }
        assertThat(aborted).isBetween(230, 370); // 300 ± 5 standard deviations
        assertThat(u.requestCount()).isEqualTo(1000 - aborted);
        int n = aborted;
        await().atMost(Duration.ofSeconds(5)).until(() -> p.stats().listener("main").responses(ResponseFlag.FI) == n);
    }

    @Test
    void aGrpcAbortAnswersWithGrpcStatus() throws Exception {
        FakeUpstream u = upstream("u");
        RoutePolicies pol = new RoutePolicies(RouteRetry.NONE, new RouteFault(Duration.ZERO, 0, 200, 14, RouteFault.MILLION), List.of(), null);
        ProxyServer p = proxy(Snapshots.withRoutes("1", List.of(route("u", pol)), Snapshots.cluster(u)).build());
        HttpResponse<String> r = get(p, "/");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("grpc-status")).hasValue("14");
        assertThat(r.headers().firstValue("content-type")).hasValue("application/grpc");
        assertThat(u.requestCount()).isZero();
    }

    @Test
    void delaysRequestsOnTheEventLoopWithTheirBodies() throws Exception {
        FakeUpstream u = upstream("u");
        RoutePolicies pol = new RoutePolicies(RouteRetry.NONE, new RouteFault(Duration.ofMillis(300), RouteFault.MILLION, 0, -1, 0), List.of(), null);
        ProxyServer p = proxy(Snapshots.withRoutes("1", List.of(route("u", pol)), Snapshots.cluster(u)).build());
        for (int i = 0; i < 3; i++) {
            long t0 = System.nanoTime();
            HttpResponse<String> r = post(p, "/d", 2000);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("x-received-bytes")).hasValue("2000");
            assertThat(ms).isBetween(290L, 2000L);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> p.stats().listener("main").responses(ResponseFlag.DI) == 3);
    }

    @Test
    void aDelayedAbortAnswersAfterTheDelay() throws Exception {
        FakeUpstream u = upstream("u");
        RoutePolicies pol = new RoutePolicies(RouteRetry.NONE, new RouteFault(Duration.ofMillis(200), RouteFault.MILLION, 503, -1, RouteFault.MILLION), List.of(), null);
        ProxyServer p = proxy(Snapshots.withRoutes("1", List.of(route("u", pol)), Snapshots.cluster(u)).build());
        for (int i = 0; i < 2; i++) {
            long t0 = System.nanoTime();
            HttpResponse<String> r = get(p, "/");
            assertThat((System.nanoTime() - t0) / 1_000_000).isGreaterThanOrEqualTo(190L);
            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(r.headers().firstValue("x-ficus-error")).as("delayed and aborted: both, as Envoy reports them").hasValue("DI,FI");
        }
        assertThat(u.requestCount()).isZero();
        await().atMost(Duration.ofSeconds(5)).until(() -> p.stats().listener("main").responses(ResponseFlag.FI) == 2);
        assertThat(p.stats().listener("main").responses(ResponseFlag.DI)).isEqualTo(2);
    }

    // ---- mirrors

    @Test
    void mirrorsReceiveCopiesWithAShadowHost() throws Exception {
        FakeUpstream a = upstream("a");
        FakeUpstream m = upstream("m");
        RoutePolicies pol = new RoutePolicies(RouteRetry.NONE, null, List.of(new RouteMirror("m", RouteFault.MILLION)), null);
        ProxyServer p = proxy(Snapshots.withRoutes("1", List.of(route("a", pol)), Snapshots.cluster(a), Snapshots.cluster(m)).build());
        for (int i = 0; i < 10; i++) assertThat(post(p, "/m/" + i, 300).body()).isEqualTo("a");
        await().atMost(Duration.ofSeconds(5)).until(() -> m.requestCount() == 10);
        assertThat(m.seen()).allSatisfy(s -> {
            assertThat(s.header("host")).isEqualTo("127.0.0.1-shadow:" + p.listenerPort("main"));
            assertThat(s.bodyBytes()).isEqualTo(300);
            assertThat(s.method()).isEqualTo("POST");
        });
        assertThat(a.seen()).allSatisfy(s -> assertThat(s.header("host")).isEqualTo("127.0.0.1:" + p.listenerPort("main")));
    }

    @Test
    void aBodyTooLargeToCopyReachesThePrimaryAndItsSkippedMirrorIsCounted() throws Exception {
        FakeUpstream a = upstream("a");
        FakeUpstream m = upstream("m");
        RoutePolicies pol = new RoutePolicies(RouteRetry.NONE, null, List.of(new RouteMirror("m", RouteFault.MILLION)), null);
        ProxyServer p = proxy(Snapshots.withRoutes("1", List.of(route("a", pol)), Snapshots.cluster(a), Snapshots.cluster(m)).build());
        assertThat(post(p, "/large", 200 * 1024).body()).isEqualTo("a");
        assertThat(post(p, "/small", 1024).body()).isEqualTo("a");
        await().atMost(Duration.ofSeconds(5)).until(() -> m.requestCount() == 1);
        assertThat(m.seen()).singleElement().satisfies(s -> assertThat(s.bodyBytes()).isEqualTo(1024));
        assertThat(a.seen()).extracting(s -> s.bodyBytes()).containsExactly(200 * 1024L, 1024L);
        assertThat(p.stats().cluster("m").mirrorsSkipped()).isEqualTo(1);
        assertThat(p.stats().cluster("a").mirrorsSkipped()).isZero();
        assertThat(p.stats().prometheus()).contains("ficus_cluster_mirror_skipped_total{cluster=\"m\"} 1\n")
                .doesNotContain("ficus_cluster_mirror_skipped_total{cluster=\"a\"}");
    }

    @Test
    void aDeadMirrorDoesNotAffectThePrimary() throws Exception {
        FakeUpstream a = upstream("a");
        ClusterConfig dead = ClusterConfig.of("dead", Endpoint.of("127.0.0.1", ClosedPort.find()));
        RoutePolicies pol = new RoutePolicies(RouteRetry.NONE, null, List.of(new RouteMirror("dead", RouteFault.MILLION)), null);
        ProxyServer p = proxy(Snapshots.withRoutes("1", List.of(route("a", pol)), Snapshots.cluster(a), dead).build());
        for (int i = 0; i < 50; i++) {
            HttpResponse<String> r = get(p, "/" + i);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("a");
        }
        assertThat(p.stats().listener("main").responses(ResponseFlag.UF)).isZero();
    }

    @Test
    void aMirrorThatNeverAnswersDoesNotSlowThePrimary() throws Exception {
        FakeUpstream a = upstream("a");
        ServerSocket hole = new ServerSocket(0, 50, InetAddress.getLoopbackAddress()); // accepts (backlog) and never answers
        closeLater.add(hole);
        ClusterConfig silent = ClusterConfig.of("silent", Endpoint.of("127.0.0.1", hole.getLocalPort()));
        RoutePolicies pol = new RoutePolicies(RouteRetry.NONE, null, List.of(new RouteMirror("silent", RouteFault.MILLION)), null);
        Route r = new Route("r", RouteMatch.ANY, RouteAction.Forward.to("a"), Duration.ofMillis(500), null, null, pol);
        ProxyServer p = proxy(Snapshots.withRoutes("1", List.of(r), Snapshots.cluster(a), silent).build());
        long t0 = System.nanoTime();
        for (int i = 0; i < 20; i++) assertThat(get(p, "/" + i).body()).isEqualTo("a");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(3));
        await().atMost(Duration.ofSeconds(5)).until(() -> p.stats().listener("main").responses(2) == 20);
    }

    @Test
    void aClientLeavingDuringAnInjectedDelayIsCountedAndNothingIsForwarded() throws Exception {
        FakeUpstream u = upstream("u");
        RoutePolicies pol = new RoutePolicies(RouteRetry.NONE, new RouteFault(Duration.ofMillis(400), RouteFault.MILLION, 0, -1, 0), List.of(), null);
        ProxyServer p = proxy(Snapshots.withRoutes("1", List.of(route("u", pol)), Snapshots.cluster(u)).build());
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), p.listenerPort("main"))) {
            s.getOutputStream().write("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello".getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> p.stats().listener("main").responses(ResponseFlag.DC) == 1);
        assertThat(u.requestCount()).isZero();
    }

    // ---- rewrites

    @Test
    void rewritesPrefixRegexAndAuthority() throws Exception {
        FakeUpstream u = upstream("u");
        Route prefix = new Route("p", RouteMatch.prefix("/api/"), RouteAction.Forward.to("u"), Duration.ofSeconds(5), null, null,
                new RoutePolicies(RouteRetry.NONE, null, List.of(), new RouteRewrite("/api/", "/v2/", null, null, "backend.internal")));
        Route regex = new Route("r", RouteMatch.prefix("/svc/"), RouteAction.Forward.to("u"), Duration.ofSeconds(5), null, null,
                new RoutePolicies(RouteRetry.NONE, null, List.of(), RouteRewrite.regex("^/svc/([^/]+)/(.*)$", "/\\2/\\1", null)));
        Route exact = new Route("e", RouteMatch.exact("/old"), RouteAction.Forward.to("u"), Duration.ofSeconds(5), null, null,
                new RoutePolicies(RouteRetry.NONE, null, List.of(), new RouteRewrite(null, "/new", null, null, null)));
        ProxyServer p = proxy(Snapshots.withRoutes("1", List.of(prefix, regex, exact), Snapshots.cluster(u)).build());

        get(p, "/api/items?x=1");
        assertThat(u.seen().getLast().path()).isEqualTo("/v2/items?x=1");
        assertThat(u.seen().getLast().header("host")).isEqualTo("backend.internal");
        get(p, "/svc/orders/list");
        assertThat(u.seen().getLast().path()).isEqualTo("/list/orders");
        get(p, "/old?q");
        assertThat(u.seen().getLast().path()).isEqualTo("/new?q");
    }

    // ---- CORS

    @Test
    void corsPreflightsAreAnsweredLocallyAndResponsesDecorated() throws Exception {
        FakeUpstream u = upstream("u");
        RouteCors cors = new RouteCors(List.of(new StringMatch.Exact("https://shop.example"), new StringMatch.Prefix("https://dev.")),
                "GET,POST", "content-type,x-user", "x-trace", "600", true, false);
        ProxyServer p = proxy(Snapshots.withRoutes("1", List.of(route("u", RoutePolicies.NONE.withCors(cors))), Snapshots.cluster(u)).build());
        String base = "http://127.0.0.1:" + p.listenerPort("main");

        HttpResponse<String> pre = client.send(HttpRequest.newBuilder(URI.create(base + "/items"))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("origin", "https://shop.example").header("access-control-request-method", "POST").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(pre.statusCode()).isEqualTo(200);
        assertThat(pre.headers().firstValue("access-control-allow-origin")).hasValue("https://shop.example");
        assertThat(pre.headers().firstValue("access-control-allow-methods")).hasValue("GET,POST");
        assertThat(pre.headers().firstValue("access-control-allow-headers")).hasValue("content-type,x-user");
        assertThat(pre.headers().firstValue("access-control-max-age")).hasValue("600");
        assertThat(pre.headers().firstValue("access-control-allow-credentials")).hasValue("true");
        assertThat(u.requestCount()).as("preflights never reach the upstream").isZero();

        HttpResponse<String> simple = client.send(HttpRequest.newBuilder(URI.create(base + "/items")).header("origin", "https://dev.shop").build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(simple.body()).isEqualTo("u");
        assertThat(simple.headers().firstValue("access-control-allow-origin")).hasValue("https://dev.shop");
        assertThat(simple.headers().firstValue("access-control-expose-headers")).hasValue("x-trace");

        HttpResponse<String> other = client.send(HttpRequest.newBuilder(URI.create(base + "/items")).header("origin", "https://evil.example").build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(other.headers().firstValue("access-control-allow-origin")).isEmpty();
        HttpResponse<String> ignored = client.send(HttpRequest.newBuilder(URI.create(base + "/items"))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("origin", "https://evil.example").header("access-control-request-method", "POST").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(ignored.statusCode()).isEqualTo(200);
        assertThat(ignored.headers().firstValue("access-control-allow-origin")).isEmpty();
        assertThat(u.requestCount()).as("IGNORE: unmatched preflights are not forwarded").isEqualTo(2);
    }
}
