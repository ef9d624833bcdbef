package dev.ficus.xds.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What {@code /config_dump} shows of route policies, cluster settings and TCP routes. */
class SnapshotJsonTest {
    static ProxySnapshot snapshot() {
        RouteRetry retry = new RouteRetry(3, Duration.ofMillis(250), RouteRetry.ON_5XX | RouteRetry.ON_CONNECT_FAILURE | RouteRetry.ON_RETRIABLE_STATUS_CODES,
                new int[] {503, 409}, Duration.ofMillis(25));
        RoutePolicies policies = new RoutePolicies(retry, new RouteFault(Duration.ofMillis(300), 500_000, 418, -1, 100_000),
                List.of(new RouteMirror("mirror", 250_000)), new RouteRewrite("/v1/", "/", null, null, "reviews.internal"),
                new RouteCors(List.of(new StringMatch.Exact("https://shop.example")), "GET,POST", null, null, "600", true, true));
        Route route = new Route("reviews", RouteMatch.prefix("/v1/"), RouteAction.Forward.to("reviews")).withPolicies(policies);
        Route plain = new Route("plain", RouteMatch.ANY, RouteAction.Forward.to("reviews"));
        RouteTable table = new RouteTable("outbound", List.of(new VirtualHost("reviews", List.of("reviews"), List.of(route, plain))));
        ClusterConfig reviews = ClusterConfig.of("reviews", Endpoint.of("127.0.0.1", 9080))
                .withConsistentHash(LbPolicy.RING_HASH, new ConsistentHashConfig(new HashPolicy.Header("x-user"), 2048))
                .withOutlier(new OutlierDetectionConfig(3, 0, false, 5, Duration.ofMillis(100), Duration.ofSeconds(2), 50, 0))
                .withUpstreamProtocol(UpstreamProtocol.HTTP2)
                .withLimits(new ConnectionPoolLimits(10, 5, 100, 0, 7, Duration.ofMinutes(1)));
        TcpRouteTable tcp = new TcpRouteTable(List.of(new TcpRoute("db.spec.tcp[0]", List.of(),
                new RouteAction.Forward(List.of(new WeightedCluster("db-a", 50), new WeightedCluster("db-b", 50))))));
        return ProxySnapshot.builder("v7")
                .listener(new ListenerConfig("outbound", new HostPort("127.0.0.1", 15001), ListenerKind.OUTBOUND, ListenerProtocol.HTTP, "outbound"))
                .listener(new ListenerConfig("egress:5432", new HostPort("127.0.0.1", 5432), ListenerKind.OUTBOUND, ListenerProtocol.TCP, "egress:5432", tcp))
                .routeTable(table)
                .cluster(reviews).cluster(ClusterConfig.of("mirror", Endpoint.of("127.0.0.1", 9081)))
                .cluster(ClusterConfig.of("db-a", Endpoint.of("127.0.0.1", 5433))).cluster(ClusterConfig.of("db-b", Endpoint.of("127.0.0.1", 5434)))
                .build();
    }

    @Test
    void routePoliciesClusterSettingsAndTcpRoutesAreDumped() {
        String json = SnapshotJson.write(snapshot());
        assertThat(json).contains(
                "\"retry\":{\"retries\":3,\"perTryTimeoutMs\":250,\"retryOn\":[\"5xx\",\"connect-failure\",\"retriable-status-codes\"],"
                        + "\"retriableStatusCodes\":[409,503],\"backoffBaseMs\":25}",
                "\"fault\":{\"delayMs\":300,\"delayPerMillion\":500000,\"abortStatus\":418,\"abortGrpcStatus\":-1,\"abortPerMillion\":100000}",
                "\"mirrors\":[{\"cluster\":\"mirror\",\"perMillion\":250000}]",
                "\"rewrite\":{\"matchedPrefix\":\"/v1/\",\"uri\":\"/\",\"authority\":\"reviews.internal\"}",
                "\"cors\":{\"origins\":[{\"exact\":\"https://shop.example\"}],\"allowMethods\":\"GET,POST\",\"maxAge\":\"600\",\"allowCredentials\":true",
                "\"upstreamProtocol\":\"HTTP2\"",
                "\"limits\":{\"maxConnections\":10,\"maxPendingRequests\":5,\"maxRequests\":100,\"maxRequestsPerConnection\":0,\"maxRetries\":7,\"idleTimeoutMs\":60000,\"tcpIdleTimeoutMs\":3600000,\"maxConnectionDurationMs\":0}",
                "\"hash\":{\"key\":{\"header\":\"x-user\"},\"tableSize\":2048}",
                "\"outlier\":{\"consecutive5xxErrors\":3,",
                "\"baseEjectionTimeMs\":2000",
                "\"tcpRoutes\":[{\"name\":\"db.spec.tcp[0]\",\"sniHosts\":[],\"clusters\":[{\"cluster\":\"db-a\",\"weight\":50},{\"cluster\":\"db-b\",\"weight\":50}]}]");
        assertThat(json).as("a route without policies shows none")
                .contains("{\"name\":\"plain\",\"match\":{},\"action\":{\"clusters\":[{\"cluster\":\"reviews\",\"weight\":1}]},\"timeoutMs\":15000}");
        assertThat(json).as("a listener without TCP routes shows none")
                .contains("\"routeTable\":\"outbound\"}");
        assertBalanced(json);
    }

    @Test
    void policiesWithOnlyCorsOrOnlyAHashCookieStayWellFormed() {
        RoutePolicies corsOnly = RoutePolicies.NONE.withCors(new RouteCors(List.of(new StringMatch.Prefix("https://")), null, null, null, null, false, false));
        Route route = new Route("r", RouteMatch.ANY, RouteAction.Forward.to("c")).withPolicies(corsOnly);
        ClusterConfig c = ClusterConfig.of("c", Endpoint.of("127.0.0.1", 1))
                .withConsistentHash(LbPolicy.MAGLEV, new ConsistentHashConfig(new HashPolicy.Cookie("session", null, Duration.ofSeconds(60)), 65537));
        ProxySnapshot s = ProxySnapshot.builder("1")
                .listener(new ListenerConfig("main", new HostPort("127.0.0.1", 1), ListenerKind.OUTBOUND, ListenerProtocol.HTTP, "main"))
                .routeTable(new RouteTable("main", List.of(new VirtualHost("all", List.of("*"), List.of(route)))))
                .cluster(c).build();
        String json = SnapshotJson.write(s);
        assertThat(json).contains("\"policies\":{\"cors\":{\"origins\":[{\"prefix\":\"https://\"}],\"allowCredentials\":false,\"forwardUnmatchedPreflights\":false}}",
                "\"hash\":{\"key\":{\"cookie\":{\"name\":\"session\",\"ttlMs\":60000}},\"tableSize\":65537}",
                "\"upstreamProtocol\":\"HTTP1\"");
        assertThat(json).doesNotContain("\"outlier\"", "\"retry\"");
        assertBalanced(json);
    }

    @Test
    void aStreamCapAndTheClientsProtocolAreDumpedOnlyWhenSet() {
        ConnectionPoolLimits d = ConnectionPoolLimits.DEFAULT;
        ClusterConfig capped = ClusterConfig.of("c", Endpoint.of("127.0.0.1", 1)).withUpstreamProtocol(UpstreamProtocol.CLIENT)
                .withLimits(new ConnectionPoolLimits(d.maxConnections(), d.maxPendingRequests(), d.maxRequests(), 0, d.maxRetries(), d.idleTimeout(), null, null, null, 2));
        ProxySnapshot s = ProxySnapshot.builder("1")
                .listener(new ListenerConfig("main", new HostPort("127.0.0.1", 1), ListenerKind.OUTBOUND, ListenerProtocol.HTTP, "main"))
                .routeTable(new RouteTable("main", List.of(new VirtualHost("all", List.of("*"), List.of(new Route("r", RouteMatch.ANY, RouteAction.Forward.to("c")))))))
                .cluster(capped).cluster(ClusterConfig.of("d", Endpoint.of("127.0.0.1", 2))).build();
        String json = SnapshotJson.write(s);
        assertThat(json).contains("\"upstreamProtocol\":\"CLIENT\"", "\"maxConnectionDurationMs\":0,\"maxConcurrentStreams\":2}");
        assertThat(json.indexOf("maxConcurrentStreams")).as("once: the uncapped cluster shows none").isEqualTo(json.lastIndexOf("maxConcurrentStreams"));
        assertBalanced(json);
    }

    @Test
    void aParallelRunIsDumpedWithItsIgnorePathsAsText() {
        RouteParallelRun pr = new RouteParallelRun("shop/reviews-v2", "c", "d", null, 250_000, List.of("content-type"),
                List.of(JsonPath.parse("$.items[*].id")), false, 1024);
        Route route = new Route("r", RouteMatch.ANY, RouteAction.Forward.to("c")).withPolicies(RoutePolicies.NONE.withParallelRun(pr));
        ProxySnapshot s = ProxySnapshot.builder("1")
                .listener(new ListenerConfig("main", new HostPort("127.0.0.1", 1), ListenerKind.OUTBOUND, ListenerProtocol.HTTP, "main"))
                .routeTable(new RouteTable("main", List.of(new VirtualHost("all", List.of("*"), List.of(route)))))
                .cluster(ClusterConfig.of("c", Endpoint.of("127.0.0.1", 1))).cluster(ClusterConfig.of("d", Endpoint.of("127.0.0.1", 2))).build();
        String json = SnapshotJson.write(s);
        assertThat(json).contains("\"policies\":{\"parallelRun\":{\"id\":\"shop/reviews-v2\",\"stable\":\"c\",\"candidate\":\"d\",\"perMillion\":250000,"
                + "\"compareHeaders\":[\"content-type\"],\"ignore\":[\"$.items[*].id\"],\"allowUnsafeMethods\":false,\"maxBodyBytes\":1024}}");
        assertBalanced(json);
    }

    @Test
    void aParallelRunNamingAnUnknownClusterIsRefused() {
        RouteParallelRun pr = new RouteParallelRun("shop/r", "c", "gone", null, 1, List.of(), List.of(), false, 0);
        Route route = new Route("r", RouteMatch.ANY, RouteAction.Forward.to("c")).withPolicies(RoutePolicies.NONE.withParallelRun(pr));
        var b = ProxySnapshot.builder("1")
                .listener(new ListenerConfig("main", new HostPort("127.0.0.1", 1), ListenerKind.OUTBOUND, ListenerProtocol.HTTP, "main"))
                .routeTable(new RouteTable("main", List.of(new VirtualHost("all", List.of("*"), List.of(route)))))
                .cluster(ClusterConfig.of("c", Endpoint.of("127.0.0.1", 1)));
        org.assertj.core.api.Assertions.assertThatThrownBy(b::build).hasMessageContaining("route main/all/r compares with unknown cluster gone");
    }

    /** Brackets and braces nest and close outside string literals, and no value is followed by a stray comma. */
    static void assertBalanced(String json) {
        Deque<Character> open = new ArrayDeque<>();
        boolean inString = false;
        for (int i = 0; i < json.length(); i++) {
            char ch = json.charAt(i);
            if (inString) {
                if (ch == '\\') i++;
                else if (ch == '"') inString = false;
                continue;
            }
            switch (ch) {
                case '"' -> inString = true;
                case '{', '[' -> open.push(ch);
                case '}' -> assertThat(open.pop()).as("at %d", i).isEqualTo('{');
                case ']' -> assertThat(open.pop()).as("at %d", i).isEqualTo('[');
                default -> { }
            }
        }
        assertThat(open).isEmpty();
        assertThat(json).doesNotContain(",}", ",]", "{,", "[,", ",,");
    }
}
