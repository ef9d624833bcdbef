package dev.ficus.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.ficus.proxy.http.ResponseFlag;
import dev.ficus.proxy.listener.Transport;
import dev.ficus.proxy.telemetry.TrafficStats;
import dev.ficus.testing.ClosedPort;
import dev.ficus.testing.FakeUpstream;
import dev.ficus.testing.RawHttp;
import dev.ficus.xds.snapshot.ClusterConfig;
import dev.ficus.xds.snapshot.Endpoint;
import dev.ficus.xds.snapshot.HeaderMatch;
import dev.ficus.xds.snapshot.HeaderMutations;
import dev.ficus.xds.snapshot.HealthStatus;
import dev.ficus.xds.snapshot.HostPort;
import dev.ficus.xds.snapshot.ListenerConfig;
import dev.ficus.xds.snapshot.ListenerKind;
import dev.ficus.xds.snapshot.ListenerProtocol;
import dev.ficus.xds.snapshot.ProxySnapshot;
import dev.ficus.xds.snapshot.Route;
import dev.ficus.xds.snapshot.RouteAction;
import dev.ficus.xds.snapshot.RouteMatch;
import dev.ficus.xds.snapshot.RouteTable;
import dev.ficus.xds.snapshot.StringMatch;
import dev.ficus.xds.snapshot.VirtualHost;
import dev.ficus.xds.snapshot.WeightedCluster;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The HTTP/1.1 path over real sockets: a real upstream on port 0, the JDK client or raw bytes downstream. */
class ProxyServerTest {
    static {
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
        return proxy(ProxyServer.builder().snapshot(s));
    }

    ProxyServer proxy(ProxyServer.Builder b) throws Exception {
        ProxyServer p = b.concurrency(1).adminPort(0).build().start();
        closeLater.add(p);
        return p;
    }

    HttpResponse<String> get(ProxyServer p, String path, String... headers) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + p.listenerPort("main") + path)).timeout(Duration.ofSeconds(10));
        if (headers.length > 0) r.headers(headers);
        return client.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"epoll", "nio"})
    void forwardsAGetWithForwardingHeadersAndWithoutHopByHopHeaders(String transport) throws Exception {
        FakeUpstream u = upstream("reviews");
        ProxyServer p = proxy(ProxyServer.builder().snapshot(Snapshots.forwardAll("1", u))
                .transport(transport.equals("epoll") && Transport.best().name().equals("epoll") ? Transport.epoll() : Transport.nio()));

        HttpResponse<String> r = get(p, "/api?x=1", "connection", "x-secret", "x-secret", "hop", "x-forwarded-for", "10.1.1.1");

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("reviews");
        assertThat(r.headers().firstValue("x-upstream")).hasValue("reviews");
        FakeUpstream.Seen seen = u.seen().getLast();
        assertThat(seen.path()).isEqualTo("/api?x=1");
        assertThat(seen.header("x-secret")).as("named in Connection: hop-by-hop").isNull();
        assertThat(seen.header("x-forwarded-for")).isEqualTo("10.1.1.1, 127.0.0.1");
        assertThat(seen.header("x-forwarded-proto")).isEqualTo("http");
        assertThat(seen.header("x-request-id")).matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
    }

    @Test
    void keepsTheClientsRequestId() throws Exception {
        FakeUpstream u = upstream("a");
        ProxyServer p = proxy(Snapshots.forwardAll("1", u));
        get(p, "/", "x-request-id", "abc-123");
        assertThat(u.seen().getLast().header("x-request-id")).isEqualTo("abc-123");
    }

    @Test
    void streamsA64MiBUploadAndDownloadWithoutHoldingThem() throws Exception {
        FakeUpstream u = upstream("big");
        ProxyServer p = proxy(Snapshots.forwardAll("1", u));
        long size = 64L << 20;
        InputStream body = new InputStream() { // generated as it is read: the client never holds 64 MiB either
            long left = size;
            @Override public int read() { return left-- > 0 ? 'y' : -1; }
            @Override public int read(byte[] b, int off, int len) {
                if (left <= 0) return -1;
                int n = (int) Math.min(len, left);
                java.util.Arrays.fill(b, off, off + n, (byte) 'y');
                left -= n;
                return n;
            }
        };
        HttpResponse<String> up = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + p.listenerPort("main") + "/upload"))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(up.statusCode()).isEqualTo(200);
        assertThat(up.headers().firstValue("x-received-bytes")).hasValue(Long.toString(size));
        assertThat(u.seen().getLast().header("transfer-encoding")).isEqualTo("chunked");

        HttpResponse<InputStream> down = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + p.listenerPort("main") + "/bytes/" + size)).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        long n = 0;
        try (InputStream in = down.body()) {
            byte[] buf = new byte[1 << 16];
            for (int r; (r = in.read(buf)) >= 0; ) n += r;
        }
        assertThat(n).isEqualTo(size);
    }

    @Test
    void reusesUpstreamConnections() throws Exception {
        FakeUpstream u = upstream("a");
        ProxyServer p = proxy(Snapshots.forwardAll("1", u));
        for (int i = 0; i < 50; i++) assertThat(get(p, "/r" + i).statusCode()).isEqualTo(200);
        assertThat(u.requestCount()).isEqualTo(50);
        assertThat(u.connectionCount()).isEqualTo(1);
        assertThat(p.stats().cluster("a").connectionsTotal()).isEqualTo(1);
    }

    @Test
    void routesByPathHeaderAndHostAndAppliesHeaderMutations() throws Exception {
        FakeUpstream v1 = upstream("v1"), v2 = upstream("v2"), admin = upstream("admin");
        var canary = new Route("canary", RouteMatch.prefix("/").withHeaders(new HeaderMatch("x-canary", new StringMatch.Exact("yes"))), RouteAction.Forward.to("v2"))
                .withHeaders(new HeaderMutations(List.of(), List.of(new HeaderMutations.Header("x-route", "canary")), List.of()),
                        new HeaderMutations(List.of("x-upstream"), List.of(), List.of(new HeaderMutations.Header("x-served-by", "ficus"))));
        var v2path = new Route("v2-path", new RouteMatch(new StringMatch.Regex("/v2/[a-z]+"), List.of(), null), RouteAction.Forward.to("v2"));
        var rest = new Route("rest", RouteMatch.ANY, RouteAction.Forward.to("v1"));
        ProxySnapshot s = ProxySnapshot.builder("1")
                .listener(Snapshots.listener())
                .routeTable(new RouteTable("main", List.of(
                        new VirtualHost("admin", List.of("admin.example.com"), List.of(new Route("a", RouteMatch.ANY, RouteAction.Forward.to("admin")))),
                        new VirtualHost("all", List.of("*"), List.of(canary, v2path, rest)))))
                .cluster(Snapshots.cluster(v1)).cluster(Snapshots.cluster(v2)).cluster(Snapshots.cluster(admin))
                .build();
        ProxyServer p = proxy(s);

        assertThat(get(p, "/v2/items").body()).isEqualTo("v2");
        assertThat(get(p, "/v2/items/1").body()).as("regex matches the whole path").isEqualTo("v1");
        HttpResponse<String> c = get(p, "/x", "x-canary", "yes");
        assertThat(c.body()).isEqualTo("v2");
        assertThat(c.headers().firstValue("x-upstream")).isEmpty();
        assertThat(c.headers().firstValue("x-served-by")).hasValue("ficus");
        assertThat(v2.seen().getLast().header("x-route")).isEqualTo("canary");
        assertThat(get(p, "/x", "x-canary", "no").body()).isEqualTo("v1");
        assertThat(get(p, "/", "host", "ADMIN.example.com:8080").body()).isEqualTo("admin");
    }

    @Test
    void splitsTrafficByWeight() throws Exception {
        FakeUpstream a = upstream("a"), b = upstream("b");
        ProxyServer p = proxy(Snapshots.withRoutes("1",
                List.of(new Route("split", RouteMatch.ANY, new RouteAction.Forward(List.of(new WeightedCluster("a", 80), new WeightedCluster("b", 20))))),
                Snapshots.cluster(a), Snapshots.cluster(b)).build());
        int n = 500;
        for (int i = 0; i < n; i++) get(p, "/");
        // 20% of 500 = 100, standard deviation about 9: these bounds are five deviations wide
        assertThat(b.requestCount()).isBetween(55L, 145L);
        assertThat(a.requestCount() + b.requestCount()).isEqualTo(n);
    }

    @Test
    void balancesRoundRobinOverEndpoints() throws Exception {
        FakeUpstream a = upstream("a"), b = upstream("b");
        ClusterConfig both = new ClusterConfig("both", List.of(Endpoint.of(a.host(), a.port()), Endpoint.of(b.host(), b.port())),
                dev.ficus.xds.snapshot.LbPolicy.ROUND_ROBIN, ClusterConfig.DEFAULT_CONNECT_TIMEOUT, dev.ficus.xds.snapshot.ConnectionPoolLimits.DEFAULT);
        ProxyServer p = proxy(Snapshots.withRoutes("1", List.of(new Route("r", RouteMatch.ANY, RouteAction.Forward.to("both"))), both).build());
        for (int i = 0; i < 20; i++) get(p, "/");
        assertThat(a.requestCount()).isEqualTo(10);
        assertThat(b.requestCount()).isEqualTo(10);
    }

    @Test
    void localRepliesCarryTheirFlags() throws Exception {
        FakeUpstream slow = upstream("slow");
        int closed = ClosedPort.find();
        ProxySnapshot s = ProxySnapshot.builder("1")
                .listener(Snapshots.listener())
                .routeTable(new RouteTable("main", List.of(new VirtualHost("known", List.of("known"), List.of(
                        new Route("uf", RouteMatch.prefix("/uf"), RouteAction.Forward.to("closed")),
                        new Route("uh", RouteMatch.prefix("/uh"), RouteAction.Forward.to("unhealthy")),
                        new Route("ut", RouteMatch.prefix("/delay"), RouteAction.Forward.to("slow")).withTimeout(Duration.ofMillis(200)),
                        new Route("direct", RouteMatch.exact("/teapot"), new RouteAction.DirectResponse(418, "short and stout")),
                        new Route("moved", RouteMatch.exact("/old"), new RouteAction.Redirect("https", null, "/new", 301)))))))
                .cluster(ClusterConfig.of("closed", Endpoint.of("127.0.0.1", closed)).withConnectTimeout(Duration.ofSeconds(2)))
                .cluster(ClusterConfig.of("unhealthy", Endpoint.of("127.0.0.1", closed).withHealth(HealthStatus.UNHEALTHY)))
                .cluster(Snapshots.cluster(slow))
                .build();
        ProxyServer p = proxy(s);

        assertFlag(get(p, "/", "host", "unknown"), 404, "NR");
        assertFlag(get(p, "/uf", "host", "known"), 503, "UF");
        assertFlag(get(p, "/uh", "host", "known"), 503, "UH");
        assertFlag(get(p, "/delay/3000", "host", "known"), 504, "UT");
        HttpResponse<String> teapot = get(p, "/teapot", "host", "known");
        assertThat(teapot.statusCode()).isEqualTo(418);
        assertThat(teapot.body()).isEqualTo("short and stout");
        assertThat(teapot.headers().firstValue("x-ficus-error")).isEmpty();
        HttpResponse<String> moved = get(p, "/old", "host", "known");
        assertThat(moved.statusCode()).isEqualTo(301);
        assertThat(moved.headers().firstValue("location")).hasValue("https://known/new");

        TrafficStats l = p.stats().listener("main");
        for (ResponseFlag f : List.of(ResponseFlag.NR, ResponseFlag.UF, ResponseFlag.UH, ResponseFlag.UT)) assertThat(l.responses(f)).as(f.name()).isEqualTo(1);
        assertThat(p.stats().cluster("slow").responses(ResponseFlag.UT)).isEqualTo(1);
        assertThat(l.responses(5)).isEqualTo(3);
    }

    static void assertFlag(HttpResponse<String> r, int status, String flag) {
        assertThat(r.statusCode()).isEqualTo(status);
        assertThat(r.headers().firstValue("x-ficus-error")).hasValue(flag);
    }

    @Test
    void aClientThatLeavesMidRequestIsCountedAsDownstreamClose() throws Exception {
        FakeUpstream slow = upstream("slow");
        ProxyServer p = proxy(Snapshots.forwardAll("1", slow));
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), p.listenerPort("main"))) {
            s.getOutputStream().write("GET /delay/2000 HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            await().atMost(Duration.ofSeconds(5)).until(() -> slow.requestCount() == 1 || !slow.seen().isEmpty());
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> p.stats().listener("main").responses(ResponseFlag.DC) == 1);
    }

    @Test
    void refusesRequestSmugglingAttemptsAndForwardsNoneOfThem() throws Exception {
        FakeUpstream u = upstream("a");
        ProxyServer p = proxy(Snapshots.forwardAll("1", u));
        int port = p.listenerPort("main");
        Duration t = Duration.ofSeconds(5);
        String clte = RawHttp.exchange(port, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n", t);
        assertThat(RawHttp.status(clte)).isEqualTo(400);
        assertThat(clte).contains("x-ficus-error: DPE").doesNotContain("HTTP/1.1 200");
        assertThat(RawHttp.status(RawHttp.exchange(port, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 30\r\n\r\nx", t))).isEqualTo(400);
        assertThat(RawHttp.status(RawHttp.exchange(port, "GET / HTTP/1.1\r\nHost: x\r\nX-Fold: a\r\n Transfer-Encoding: chunked\r\n\r\n", t))).isEqualTo(400);
        assertThat(RawHttp.status(RawHttp.exchange(port, "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(70 * 1024) + "\r\n\r\n", t))).isEqualTo(431);
        assertThat(RawHttp.status(RawHttp.exchange(port, "GET /" + "u".repeat(9000) + " HTTP/1.1\r\nHost: x\r\n\r\n", t))).isEqualTo(400);
        assertThat(u.requestCount()).isZero();
        assertThat(p.stats().listener("main").responses(ResponseFlag.DPE)).isEqualTo(5);
        // and the proxy still serves well-formed requests
        assertThat(RawHttp.status(RawHttp.exchange(port, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", t))).isEqualTo(200);
    }

    @Test
    void servesPipelinedRequestsInOrder() throws Exception {
        FakeUpstream u = upstream("a");
        ProxyServer p = proxy(Snapshots.forwardAll("1", u));
        String out = RawHttp.exchangeUntilClose(p.listenerPort("main"),
                "GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\nGET /3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", Duration.ofSeconds(5));
        assertThat(out.split("HTTP/1.1 200", -1)).hasSize(4);
        assertThat(u.seen().stream().map(FakeUpstream.Seen::path).toList()).containsExactly("/1", "/2", "/3");
    }

    @Test
    void swapsSnapshotsUnderTrafficWithoutFailingARequest() throws Exception {
        FakeUpstream a = upstream("a"), b = upstream("b");
        ProxySnapshot toA = Snapshots.withRoutes("a", List.of(new Route("r", RouteMatch.ANY, RouteAction.Forward.to("a"))), Snapshots.cluster(a), Snapshots.cluster(b)).build();
        ProxySnapshot toB = Snapshots.withRoutes("b", List.of(new Route("r", RouteMatch.ANY, RouteAction.Forward.to("b"))), Snapshots.cluster(a), Snapshots.cluster(b)).build();
        ProxyServer p = proxy(toA);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger ok = new AtomicInteger(), failed = new AtomicInteger();
        List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        try (ExecutorService clients = Executors.newFixedThreadPool(4)) {
            List<Future<?>> fs = new ArrayList<>();
            for (int c = 0; c < 4; c++) {
                fs.add(clients.submit(() -> {
                    for (int i = 0; i < 2000 && !stop.get(); i++) {
                        try {
                            HttpResponse<String> r = get(p, "/" + i);
                            if (r.statusCode() == 200) ok.incrementAndGet();
                            else { failed.incrementAndGet(); failures.add(r.statusCode() + " " + r.headers().map()); }
                        } catch (Exception e) {
                            failed.incrementAndGet();
                            failures.add(e.toString());
                        }
                    }
                    return null;
                }));
            }
            for (int v = 0; v < 30; v++) {
                p.update(v % 2 == 0 ? toB : toA);
                int target = ok.get() + 20;
                await().atMost(Duration.ofSeconds(10)).until(() -> ok.get() >= target || failed.get() > 0);
            }
            stop.set(true);
            for (Future<?> f : fs) f.get();
        }
        assertThat(failures).isEmpty();
        assertThat(a.requestCount()).isPositive();
        assertThat(b.requestCount()).isPositive();
        assertThat(p.snapshot().version()).isEqualTo("a");
    }

    /**
     * An update whose new listener cannot bind (its port is taken) is refused whole, with one line
     * that names the listener and the address; the old snapshot keeps serving and a later update
     * applies.
     */
    @Test
    void anUpdateWhoseListenerCannotBindIsRefusedAndTheNextOneApplies() throws Exception {
        FakeUpstream a = upstream("a"), b = upstream("b");
        ProxySnapshot toA = Snapshots.forwardAll("a", a);
        ProxyServer p = proxy(toA);
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            ProxySnapshot clash = Snapshots.withRoutes("clash", List.of(new Route("r", RouteMatch.ANY, RouteAction.Forward.to("b"))), Snapshots.cluster(b))
                    .listener(new ListenerConfig("extra", new HostPort("127.0.0.1", taken.getLocalPort()), ListenerKind.OUTBOUND, ListenerProtocol.HTTP, "main"))
                    .build();
            assertThatThrownBy(() -> p.update(clash)).isInstanceOf(ProxyServer.ListenerBindException.class)
                    .hasMessage("listener extra cannot bind 127.0.0.1:" + taken.getLocalPort() + ": Address already in use");
            assertThat(p.snapshot().version()).isEqualTo("a");
            assertThat(get(p, "/still").body()).isEqualTo("a");
        }
        p.update(Snapshots.forwardAll("b", b));
        assertThat(get(p, "/next").body()).isEqualTo("b");
    }

    @Test
    void adminServesReadinessConfigStatsAndDrains() throws Exception {
        FakeUpstream u = upstream("a");
        AtomicBoolean drainedHook = new AtomicBoolean();
        ProxyServer p = proxy(ProxyServer.builder().snapshot(Snapshots.forwardAll("v42", u)).onDrained(() -> drainedHook.set(true)));
        String admin = "http://127.0.0.1:" + p.adminPort();
        get(p, "/");

        assertThat(adminGet(admin + "/healthz").statusCode()).isEqualTo(200);
        assertThat(adminGet(admin + "/ready").statusCode()).isEqualTo(200);
        HttpResponse<String> dump = adminGet(admin + "/config_dump");
        assertThat(dump.headers().firstValue("content-type")).hasValue("application/json");
        assertThat(dump.body()).startsWith("{\"version\":\"v42\"").contains("\"name\":\"a\"");
        String prom = adminGet(admin + "/stats/prometheus").body();
        assertThat(prom).contains("ficus_listener_requests_total{listener=\"main\"} 1",
                "ficus_listener_responses_total{listener=\"main\",class=\"2xx\"} 1",
                "ficus_cluster_requests_total{cluster=\"a\"} 1",
                "ficus_listener_response_flags_total{listener=\"main\",flag=\"NR\"} 0",
                "ficus_cluster_connections_active{cluster=\"a\"} 1");

        // a request in flight when the drain starts still completes, told to close its connection
        int port = p.listenerPort("main");
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            out.write("GET /delay/400 HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            await().atMost(Duration.ofSeconds(5)).until(() -> u.seen().stream().anyMatch(x -> x.path().startsWith("/delay")));
            HttpResponse<String> drain = client.send(HttpRequest.newBuilder(URI.create(admin + "/drain")).POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(drain.statusCode()).isEqualTo(202);
            assertThat(adminGet(admin + "/ready").statusCode()).isEqualTo(503);
            String reply = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            assertThat(reply).startsWith("HTTP/1.1 200").containsIgnoringCase("connection: close");
        }
        await().atMost(Duration.ofSeconds(5)).untilTrue(drainedHook);
        assertThat(p.drain()).isCompleted();
        try (Socket s = new Socket()) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> s.connect(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000))
                    .as("no longer accepting").isInstanceOf(java.io.IOException.class);
        }
    }

    HttpResponse<String> adminGet(String url) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void routesAbsoluteFormRequestsByTheirUriAsAnExplicitProxy() throws Exception {
        FakeUpstream reviews = upstream("reviews"), other = upstream("other");
        ProxySnapshot s = ProxySnapshot.builder("1")
                .listener(Snapshots.listener())
                .routeTable(new RouteTable("main", List.of(
                        new VirtualHost("reviews", List.of("reviews:9080"), List.of(new Route("r", RouteMatch.prefix("/ratings"), RouteAction.Forward.to("reviews")))),
                        new VirtualHost("all", List.of("*"), List.of(new Route("o", RouteMatch.ANY, RouteAction.Forward.to("other")))))))
                .cluster(Snapshots.cluster(reviews)).cluster(Snapshots.cluster(other))
                .build();
        ProxyServer p = proxy(s);
        String out = RawHttp.exchange(p.listenerPort("main"), "GET http://reviews:9080/ratings?id=1 HTTP/1.1\r\nHost: somewhere-else\r\n\r\n", Duration.ofSeconds(5));
        assertThat(RawHttp.status(out)).isEqualTo(200);
        assertThat(out).endsWith("reviews");
        assertThat(reviews.seen().getLast().path()).isEqualTo("/ratings?id=1");
        assertThat(reviews.seen().getLast().header("host")).isEqualTo("reviews:9080");
    }

    @Test
    void closesUpstreamConnectionsIdleLongerThanTheClusterAllows() throws Exception {
        FakeUpstream u = upstream("a");
        ClusterConfig c = new ClusterConfig("a", List.of(Endpoint.of(u.host(), u.port())), dev.ficus.xds.snapshot.LbPolicy.ROUND_ROBIN,
                ClusterConfig.DEFAULT_CONNECT_TIMEOUT, new dev.ficus.xds.snapshot.ConnectionPoolLimits(100, 100, 0, Duration.ofMillis(200)));
        ProxyServer p = proxy(Snapshots.withRoutes("1", List.of(new Route("r", RouteMatch.ANY, RouteAction.Forward.to("a"))), c).build());
        assertThat(get(p, "/").statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(5)).until(() -> p.stats().cluster("a").connectionsActive() == 0);
        assertThat(get(p, "/").statusCode()).isEqualTo(200);
        assertThat(p.stats().cluster("a").connectionsTotal()).isEqualTo(2);
    }
}
