package dev.ficus.proxy.telemetry;

import dev.ficus.proxy.ProxyServer;
import dev.ficus.proxy.tls.MeshTls;
import dev.ficus.testing.FakeUpstream;
import dev.ficus.testing.RawHttp;
import dev.ficus.testing.TestCerts;
import dev.ficus.xds.snapshot.AuthzPolicies;
import dev.ficus.xds.snapshot.ClusterConfig;
import dev.ficus.xds.snapshot.Endpoint;
import dev.ficus.xds.snapshot.HealthStatus;
import dev.ficus.xds.snapshot.HostPort;
import dev.ficus.xds.snapshot.ListenerConfig;
import dev.ficus.xds.snapshot.ListenerKind;
import dev.ficus.xds.snapshot.ListenerProtocol;
import dev.ficus.xds.snapshot.MtlsMode;
import dev.ficus.xds.snapshot.ProxySnapshot;
import dev.ficus.xds.snapshot.Route;
import dev.ficus.xds.snapshot.RouteAction;
import dev.ficus.xds.snapshot.RouteMatch;
import dev.ficus.xds.snapshot.RouteTable;
import dev.ficus.xds.snapshot.TelemetryPolicy;
import dev.ficus.xds.snapshot.UpstreamTls;
import dev.ficus.xds.snapshot.VirtualHost;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Istio's standard metrics through two real proxies: web's client-side proxy (outbound listener)
 * speaks mesh mTLS to reviews' server-side proxy (inbound listener) in front of a real upstream.
 * Both reporters must count every request, with both ends named by the peer-metadata exchange.
 */
class IstioMetricsTest {
    static final TestCerts CA = TestCerts.authority("mesh root");
    static final String REVIEWS = "reviews.shop.svc.cluster.local";
    static final TelemetryPolicy.PeerWorkload WEB = new TelemetryPolicy.PeerWorkload("web-v1", "shop", "web", "v1");
    static final TelemetryPolicy.PeerWorkload REVIEWS_V2 = new TelemetryPolicy.PeerWorkload("reviews-v2", "shop", "reviews", "v2");
    final List<AutoCloseable> cleanup = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : cleanup.reversed()) c.close();
    }

    static MeshTls mesh(String sa) throws Exception {
        MeshTls t = new MeshTls();
        TestCerts.Leaf leaf = CA.spiffe("cluster.local", "shop", sa);
        t.update(new MeshTls.Credentials(leaf.key(), leaf.chain(), List.of(CA.root()), "cluster.local"));
        return t;
    }

    ProxyServer server(FakeUpstream app, TelemetryPolicy telemetry) throws Exception {
        ProxySnapshot s = ProxySnapshot.builder("s1")
                .listener(new ListenerConfig("inbound", new HostPort("127.0.0.1", 0), ListenerKind.INBOUND, ListenerProtocol.HTTP, "inbound", null,
                        AuthzPolicies.NONE, MtlsMode.PERMISSIVE).withTelemetry(telemetry))
                .routeTable(new RouteTable("inbound", List.of(new VirtualHost("in", List.of("*"),
                        List.of(new Route("in", RouteMatch.ANY, RouteAction.Forward.to("inbound|9080||")))))))
                .cluster(ClusterConfig.of("inbound|9080||", Endpoint.of(app.host(), app.port())).withTls(UpstreamTls.DISABLE))
                .build();
        ProxyServer p = ProxyServer.builder().snapshot(s).meshTls(mesh("reviews")).concurrency(1).adminPort(-1).build().start();
        cleanup.add(p::close);
        return p;
    }

    ProxyServer client(int serverPort) throws Exception {
        Endpoint e = new Endpoint(new HostPort("127.0.0.1", serverPort), 1, Map.of(UpstreamTls.TLS_MODE_LABEL, "istio"), HealthStatus.HEALTHY);
        String cluster = "outbound|9080||" + REVIEWS;
        ProxySnapshot s = ProxySnapshot.builder("c1")
                .listener(new ListenerConfig("out", new HostPort("127.0.0.1", 0), ListenerKind.OUTBOUND, ListenerProtocol.HTTP, "out")
                        .withTelemetry(TelemetryPolicy.DEFAULT.withLocal(WEB)))
                .routeTable(new RouteTable("out", List.of(new VirtualHost("reviews", List.of("reviews", REVIEWS),
                        List.of(new Route("r", RouteMatch.ANY, RouteAction.Forward.to(cluster)))))))
                .cluster(ClusterConfig.of(cluster, e))
                .build();
        ProxyServer p = ProxyServer.builder().snapshot(s).meshTls(mesh("web")).concurrency(1).adminPort(-1).build().start();
        cleanup.add(p::close);
        return p;
    }

    FakeUpstream app() {
        FakeUpstream u = FakeUpstream.start("reviews");
        cleanup.add(u);
        return u;
    }

    static String get(int port, String host) {
        return RawHttp.exchange(port, "GET /r HTTP/1.1\r\nHost: " + host + "\r\nx-ficus-peer: 1;forged;evil;x;y\r\nConnection: close\r\n\r\n", Duration.ofSeconds(5));
    }

    @Test
    void bothReportersCountEveryRequestWithBothEndsNamed() throws Exception {
        FakeUpstream app = app();
        ProxyServer server = server(app, TelemetryPolicy.DEFAULT.withLocal(REVIEWS_V2).withServices(List.of(new TelemetryPolicy.ServiceRef(REVIEWS, "reviews", "shop"))));
        ProxyServer client = client(server.listenerPort("inbound"));
        for (int i = 0; i < 7; i++) {
            String r = get(client.listenerPort("out"), "reviews");
            assertThat(RawHttp.status(r)).isEqualTo(200);
            assertThat(r.toLowerCase()).as("the peer metadata never reaches the app's client").doesNotContain("x-ficus-peer");
        }
        assertThat(get(client.listenerPort("out"), "nowhere")).startsWith("HTTP/1.1 404");
        assertThat(app.seen()).allSatisfy(s -> assertThat(s.header("x-ficus-peer")).as("nor the app").isNull());

        // a reporter counts an exchange right after the response's last byte went out: wait for both
        awaitValue(client, "istio_requests_total", "response_code=\"200\"", "7");
        awaitValue(server, "istio_requests_total", "reporter=\"destination\"", "7");
        awaitValue(client, "istio_requests_total", "response_flags=\"NR\"", "1");
        Map<String, String> src = series(client.stats().prometheus(), "istio_requests_total", "response_code=\"200\"");
        assertThat(src.get("value")).isEqualTo("7");
        assertThat(src).containsEntry("reporter", "source")
                .containsEntry("source_workload", "web-v1").containsEntry("source_workload_namespace", "shop")
                .containsEntry("source_app", "web").containsEntry("source_version", "v1")
                .containsEntry("source_principal", "spiffe://cluster.local/ns/shop/sa/web")
                .containsEntry("destination_workload", "reviews-v2").containsEntry("destination_version", "v2")
                .containsEntry("destination_principal", "spiffe://cluster.local/ns/shop/sa/reviews")
                .containsEntry("destination_service", REVIEWS).containsEntry("destination_service_name", "reviews")
                .containsEntry("destination_service_namespace", "shop")
                .containsEntry("request_protocol", "http").containsEntry("response_flags", "-")
                .containsEntry("connection_security_policy", "unknown");

        Map<String, String> dst = series(server.stats().prometheus(), "istio_requests_total", "reporter=\"destination\"");
        assertThat(dst.get("value")).isEqualTo("7");
        assertThat(dst).containsEntry("source_workload", "web-v1").containsEntry("source_app", "web")
                .containsEntry("source_principal", "spiffe://cluster.local/ns/shop/sa/web")
                .containsEntry("destination_workload", "reviews-v2").containsEntry("destination_canonical_service", "reviews")
                .containsEntry("destination_principal", "spiffe://cluster.local/ns/shop/sa/reviews")
                .containsEntry("destination_service", REVIEWS)
                .containsEntry("connection_security_policy", "mutual_tls").containsEntry("response_code", "200");

        Map<String, String> nr = series(client.stats().prometheus(), "istio_requests_total", "response_flags=\"NR\"");
        assertThat(nr).containsEntry("value", "1").containsEntry("response_code", "404").containsEntry("destination_service", "unknown");

        String text = server.stats().prometheus();
        assertThat(text).contains("istio_request_duration_milliseconds_bucket{").contains("le=\"+Inf\"} 7")
                .contains("istio_request_bytes_count{").contains("istio_response_bytes_sum{");
        assertThat(count(text, "istio_request_duration_milliseconds_count{reporter=\"destination\"")).isEqualTo("7");
    }

    @Test
    void anUnmeshedDestinationIsNamedFromItsWorkloadEntry() throws Exception {
        FakeUpstream legacy = app(); // no proxy in front: nobody answers with peer metadata
        String cluster = "outbound|9080|v3|" + REVIEWS;
        Endpoint known = new Endpoint(new HostPort(legacy.host(), legacy.port()), 1, Map.of("version", "v3"), HealthStatus.HEALTHY,
                new TelemetryPolicy.PeerWorkload("reviews-v3", "shop", "reviews", "v3"));
        ProxySnapshot s = ProxySnapshot.builder("c1")
                .listener(new ListenerConfig("out", new HostPort("127.0.0.1", 0), ListenerKind.OUTBOUND, ListenerProtocol.HTTP, "out")
                        .withTelemetry(TelemetryPolicy.DEFAULT.withLocal(WEB)))
                .routeTable(new RouteTable("out", List.of(new VirtualHost("reviews", List.of("reviews"),
                        List.of(new Route("r", RouteMatch.ANY, RouteAction.Forward.to(cluster)))))))
                .cluster(ClusterConfig.of(cluster, known).withTls(UpstreamTls.DISABLE))
                .build();
        ProxyServer client = ProxyServer.builder().snapshot(s).concurrency(1).adminPort(-1).build().start();
        cleanup.add(client::close);
        for (int i = 0; i < 3; i++) assertThat(RawHttp.status(get(client.listenerPort("out"), "reviews"))).isEqualTo(200);
        awaitValue(client, "istio_requests_total", "reporter=\"source\"", "3");
        Map<String, String> src = series(client.stats().prometheus(), "istio_requests_total", "reporter=\"source\"");
        assertThat(src).containsEntry("destination_workload", "reviews-v3").containsEntry("destination_workload_namespace", "shop")
                .containsEntry("destination_app", "reviews").containsEntry("destination_version", "v3")
                .as("no proxy, no mTLS: the principal stays unknown").containsEntry("destination_principal", "unknown");
    }

    @Test
    void anUnmeshedCallerIsUnknownAndPlaintext() throws Exception {
        FakeUpstream app = app();
        ProxyServer server = server(app, TelemetryPolicy.DEFAULT.withLocal(REVIEWS_V2));
        String r = RawHttp.exchange(server.listenerPort("inbound"), "GET /r HTTP/1.1\r\nHost: reviews:9080\r\nConnection: close\r\n\r\n", Duration.ofSeconds(5));
        assertThat(RawHttp.status(r)).isEqualTo(200);
        assertThat(r.toLowerCase()).as("the server side names itself only to a caller whose proxy named itself").doesNotContain("x-ficus-peer");
        awaitValue(server, "istio_requests_total", "reporter=\"destination\"", "1");
        Map<String, String> dst = series(server.stats().prometheus(), "istio_requests_total", "reporter=\"destination\"");
        assertThat(dst).containsEntry("value", "1").containsEntry("source_workload", "unknown").containsEntry("source_principal", "unknown")
                .containsEntry("destination_principal", "unknown").containsEntry("connection_security_policy", "none")
                .containsEntry("destination_service", "reviews"); // no service declared: the authority's host
    }

    @Test
    void overridesDropAMetricAndRewriteTags() throws Exception {
        FakeUpstream app = app();
        TelemetryPolicy.Metrics m = new TelemetryPolicy.Metrics(true, List.of(
                new TelemetryPolicy.MetricOverride("istio_request_bytes", true, List.of(), Map.of()),
                new TelemetryPolicy.MetricOverride("", false, List.of("source_version"), Map.of("team", "'payments'"))));
        ProxyServer server = server(app, TelemetryPolicy.DEFAULT.withLocal(REVIEWS_V2).withMetrics(m));
        assertThat(RawHttp.status(get(server.listenerPort("inbound"), "reviews"))).isEqualTo(200);
        awaitValue(server, "istio_requests_total", "reporter=\"destination\"", "1");
        String text = server.stats().prometheus();
        assertThat(text).doesNotContain("istio_request_bytes_bucket{").contains("istio_response_bytes_bucket{");
        Map<String, String> dst = series(text, "istio_requests_total", "reporter=\"destination\"");
        assertThat(dst).containsEntry("team", "payments").doesNotContainKey("source_version");
    }

    @Test
    void perRequestTagValuesSplitTheSeries() throws Exception {
        FakeUpstream app = app();
        TelemetryPolicy.Metrics m = new TelemetryPolicy.Metrics(true, List.of(
                new TelemetryPolicy.MetricOverride("istio_requests_total", false, List.of(), Map.of("request_host", "request.host", "tenant", "request.headers['x-tenant']"))));
        ProxyServer server = server(app, TelemetryPolicy.DEFAULT.withLocal(REVIEWS_V2).withMetrics(m));
        int port = server.listenerPort("inbound");
        for (String[] r : new String[][] {{"a.example", "t1"}, {"a.example", "t1"}, {"b.example", "t2"}}) {
            String resp = RawHttp.exchange(port, "GET / HTTP/1.1\r\nHost: " + r[0] + "\r\nx-tenant: " + r[1] + "\r\nConnection: close\r\n\r\n", Duration.ofSeconds(5));
            assertThat(RawHttp.status(resp)).isEqualTo(200);
        }
        assertThat(RawHttp.status(RawHttp.exchange(port, "GET / HTTP/1.1\r\nHost: c.example\r\nConnection: close\r\n\r\n", Duration.ofSeconds(5)))).isEqualTo(200);
        awaitValue(server, "istio_requests_total", "request_host=\"a.example\"", "2");
        assertThat(series(server.stats().prometheus(), "istio_requests_total", "request_host=\"a.example\"")).containsEntry("tenant", "t1");
        awaitValue(server, "istio_requests_total", "request_host=\"b.example\"", "1");
        awaitValue(server, "istio_requests_total", "tenant=\"unknown\"", "1");
        String text = server.stats().prometheus();
        assertThat(text).as("only the overridden metric carries the tags").doesNotContainPattern("istio_request_duration_milliseconds_count\\{[^}]*request_host");
        assertThat(count(text, "istio_request_duration_milliseconds_count{reporter=\"destination\"")).isNotNull();
    }

    @Test
    void metricsOffKeepsNoIstioSeries() throws Exception {
        FakeUpstream app = app();
        ProxyServer server = server(app, TelemetryPolicy.DEFAULT.withLocal(REVIEWS_V2).withMetrics(TelemetryPolicy.Metrics.OFF));
        assertThat(RawHttp.status(get(server.listenerPort("inbound"), "reviews"))).isEqualTo(200);
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> server.stats().prometheus().contains("ficus_listener_responses_total{listener=\"inbound\",class=\"2xx\"} 1"));
        assertThat(server.stats().prometheus()).doesNotContain("istio_requests_total{");
    }

    @Test
    void opaqueTcpCountsConnectionsAndBytesBothWays() throws Exception {
        FakeUpstream app = app();
        String cluster = "outbound|3306||db.shop.svc.cluster.local";
        ProxySnapshot s = ProxySnapshot.builder("t1")
                .listener(new ListenerConfig("tcp", new HostPort("127.0.0.1", 0), ListenerKind.OUTBOUND, ListenerProtocol.TCP, "tcp",
                        new dev.ficus.xds.snapshot.TcpRouteTable(List.of(new dev.ficus.xds.snapshot.TcpRoute("all", List.of(), RouteAction.Forward.to(cluster)))))
                        .withTelemetry(TelemetryPolicy.DEFAULT.withLocal(WEB)))
                .cluster(ClusterConfig.of(cluster, Endpoint.of(app.host(), app.port())))
                .build();
        ProxyServer p = ProxyServer.builder().snapshot(s).concurrency(1).adminPort(-1).build().start();
        cleanup.add(p::close);
        String request = "GET /r HTTP/1.1\r\nHost: db\r\nConnection: close\r\n\r\n";
        String response = RawHttp.exchangeUntilClose(p.listenerPort("tcp"), request, Duration.ofSeconds(5));
        assertThat(RawHttp.status(response)).isEqualTo(200);
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            String text = p.stats().prometheus();
            assertThat(series(text, "istio_tcp_connections_opened_total", "reporter=\"source\"")).containsEntry("value", "1")
                    .containsEntry("source_workload", "web-v1").containsEntry("destination_service", "db.shop.svc.cluster.local")
                    .containsEntry("request_protocol", "tcp");
            assertThat(series(text, "istio_tcp_connections_closed_total", "reporter=\"source\"")).containsEntry("value", "1");
            assertThat(series(text, "istio_tcp_received_bytes_total", "reporter=\"source\"")).containsEntry("value", Integer.toString(request.length()));
            assertThat(series(text, "istio_tcp_sent_bytes_total", "reporter=\"source\"")).containsEntry("value",
                    Integer.toString(response.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1).length));
        });
    }

    static void awaitValue(ProxyServer p, String metric, String has, String value) {
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(series(p.stats().prometheus(), metric, has)).containsEntry("value", value));
    }

    private static final Pattern LINE = Pattern.compile("^(\\w+)\\{(.*)} (\\S+)$");
    private static final Pattern LABEL = Pattern.compile("(\\w+)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    /** The labels (and "value") of the one series of {@code metric} whose text contains {@code has}. */
    static Map<String, String> series(String text, String metric, String has) {
        List<Map<String, String>> found = new ArrayList<>();
        for (String line : text.split("\n")) {
            Matcher m = LINE.matcher(line);
            if (!m.matches() || !m.group(1).equals(metric) || !m.group(2).contains(has)) continue;
            Map<String, String> labels = new LinkedHashMap<>();
            Matcher l = LABEL.matcher(m.group(2));
            while (l.find()) labels.put(l.group(1), l.group(2));
            labels.put("value", m.group(3));
            found.add(labels);
        }
        assertThat(found).as(metric + " with " + has + " in\n" + text).hasSize(1);
        return found.getFirst();
    }

    static String count(String text, String prefix) {
        for (String line : text.split("\n")) if (line.startsWith(prefix)) return line.substring(line.lastIndexOf(' ') + 1);
        return null;
    }
}
