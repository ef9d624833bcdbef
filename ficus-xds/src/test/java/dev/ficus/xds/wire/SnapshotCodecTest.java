package dev.ficus.xds.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.ficus.xds.snapshot.ClusterConfig;
import dev.ficus.xds.snapshot.ConnectionPoolLimits;
import dev.ficus.xds.snapshot.ConsistentHashConfig;
import dev.ficus.xds.snapshot.Endpoint;
import dev.ficus.xds.snapshot.HashPolicy;
import dev.ficus.xds.snapshot.HeaderMatch;
import dev.ficus.xds.snapshot.HeaderMutations;
import dev.ficus.xds.snapshot.HealthStatus;
import dev.ficus.xds.snapshot.HostPort;
import dev.ficus.xds.snapshot.LbPolicy;
import dev.ficus.xds.snapshot.ListenerConfig;
import dev.ficus.xds.snapshot.ListenerKind;
import dev.ficus.xds.snapshot.ListenerProtocol;
import dev.ficus.xds.snapshot.OutlierDetectionConfig;
import dev.ficus.xds.snapshot.ProxySnapshot;
import dev.ficus.xds.snapshot.Route;
import dev.ficus.xds.snapshot.RouteAction;
import dev.ficus.xds.snapshot.RouteCors;
import dev.ficus.xds.snapshot.RouteFault;
import dev.ficus.xds.snapshot.RouteMatch;
import dev.ficus.xds.snapshot.RouteMirror;
import dev.ficus.xds.snapshot.RouteParallelRun;
import dev.ficus.xds.snapshot.JsonPath;
import dev.ficus.xds.snapshot.RoutePolicies;
import dev.ficus.xds.snapshot.RouteRetry;
import dev.ficus.xds.snapshot.RouteRewrite;
import dev.ficus.xds.snapshot.RouteTable;
import dev.ficus.xds.snapshot.StringMatch;
import dev.ficus.xds.snapshot.TcpRoute;
import dev.ficus.xds.snapshot.TcpRouteTable;
import dev.ficus.xds.snapshot.UpstreamProtocol;
import dev.ficus.xds.snapshot.VirtualHost;
import dev.ficus.xds.snapshot.WeightedCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The wire form of hand-built snapshot values: every subtype and enum, errors, determinism. */
class SnapshotCodecTest {
    static final String REVIEWS = "outbound|9080||reviews.default.svc.cluster.local";

    static <T> T roundTrip(T value, Class<T> type) {
        String json = SnapshotCodec.encode(value);
        T decoded = SnapshotCodec.decode(json, type);
        assertThat(decoded).as(json).isEqualTo(value);
        assertThat(SnapshotCodec.encode(decoded)).isEqualTo(json);
        assertThat(SnapshotCodec.hash(decoded)).isEqualTo(SnapshotCodec.hash(value));
        return decoded;
    }

    static Stream<StringMatch> stringMatches() {
        return Stream.of(new StringMatch.Exact("/a"), new StringMatch.Prefix(""), new StringMatch.Regex("/v[0-9]+/.*"), new StringMatch.Present());
    }

    @ParameterizedTest
    @MethodSource("stringMatches")
    void everyStringMatchRoundTripsThroughItsSealedInterface(StringMatch m) {
        StringMatch decoded = roundTrip(m, StringMatch.class);
        assertThat(decoded.getClass()).isEqualTo(m.getClass());
        assertThat(decoded.matches("/v2/x")).isEqualTo(m.matches("/v2/x"));
        // the concrete record reads the same text
        assertThat(SnapshotCodec.decode(SnapshotCodec.encode(m), m.getClass())).isEqualTo(m);
    }

    @Test
    void aRegexIsSentAsItsSourceAndCompiledOnArrival() {
        String json = SnapshotCodec.encode(new StringMatch.Regex("a+b"));
        assertThat(json).isEqualTo("{\"type\":\"Regex\",\"regex\":\"a+b\"}");
        StringMatch.Regex r = (StringMatch.Regex) SnapshotCodec.decode(json, StringMatch.class);
        assertThat(r.pattern().pattern()).isEqualTo("a+b");
        assertThat(r.matches("aab")).isTrue();
        assertThat(r.matches("aabc")).isFalse();
    }

    static Stream<RouteAction> routeActions() {
        return Stream.of(new RouteAction.Forward(List.of(new WeightedCluster("a", 80), new WeightedCluster("b", 20), new WeightedCluster("c", 0))),
                new RouteAction.DirectResponse(503, "no healthy upstream"), new RouteAction.DirectResponse(200, null),
                new RouteAction.Redirect("https", "b.example", "/new", 308), new RouteAction.Redirect(null, null, null, 301));
    }

    @ParameterizedTest
    @MethodSource("routeActions")
    void everyRouteActionRoundTrips(RouteAction a) {
        RouteAction decoded = roundTrip(a, RouteAction.class);
        if (a instanceof RouteAction.Forward f) {
            // the cumulative weights are not sent; the constructor computes them again
            assertThat(SnapshotCodec.encode(f)).doesNotContain("cumulative");
            RouteAction.Forward d = (RouteAction.Forward) decoded;
            assertThat(d.cumulative()).containsExactly(f.cumulative());
            assertThat(d.pick(85)).isEqualTo("b");
        }
    }

    static Stream<HashPolicy> hashPolicies() {
        return Stream.of(new HashPolicy.Header("x-user"), new HashPolicy.Cookie("user", "/", Duration.ofSeconds(60)),
                new HashPolicy.Cookie("session", null, null), new HashPolicy.Cookie("z", null, Duration.ZERO),
                new HashPolicy.SourceIp(), new HashPolicy.QueryParameter("cart"));
    }

    @ParameterizedTest
    @MethodSource("hashPolicies")
    void everyHashPolicyRoundTripsInAClusterOfEachConsistentHashPolicy(HashPolicy key) {
        roundTrip(key, HashPolicy.class);
        for (LbPolicy p : List.of(LbPolicy.RING_HASH, LbPolicy.MAGLEV)) {
            roundTrip(ClusterConfig.of("c", Endpoint.of("10.0.0.1", 80)).withConsistentHash(p, new ConsistentHashConfig(key, 1009)), ClusterConfig.class);
        }
    }

    @Test
    void aListenersTelemetryPolicyRoundTrips() {
        var t = dev.ficus.xds.snapshot.TelemetryPolicy.DEFAULT
                .withLocal(new dev.ficus.xds.snapshot.TelemetryPolicy.PeerWorkload("reviews-v2", "shop", "reviews", "v2"))
                .withServices(List.of(new dev.ficus.xds.snapshot.TelemetryPolicy.ServiceRef("reviews.shop.svc.cluster.local", "reviews", "shop")))
                .withMetrics(new dev.ficus.xds.snapshot.TelemetryPolicy.Metrics(true, List.of(
                        new dev.ficus.xds.snapshot.TelemetryPolicy.MetricOverride("istio_requests_total", false, List.of("source_version"), java.util.Map.of("team", "'a'")))))
                .withTracing(new dev.ficus.xds.snapshot.TelemetryPolicy.Tracing(true, 12.5, java.util.Map.of("user",
                        new dev.ficus.xds.snapshot.TelemetryPolicy.CustomTag(dev.ficus.xds.snapshot.TelemetryPolicy.CustomTag.Kind.HEADER, "x-user", "anonymous"))))
                .withAccessLog(new dev.ficus.xds.snapshot.TelemetryPolicy.AccessLog(dev.ficus.xds.snapshot.TelemetryPolicy.AccessLog.State.ON, "response.code >= 400"));
        assertThat(SnapshotCodec.decode(SnapshotCodec.encode(t), dev.ficus.xds.snapshot.TelemetryPolicy.class)).isEqualTo(t);
    }

    @Test
    void everyEnumRoundTripsByName() {
        for (Class<? extends Enum<?>> e : List.<Class<? extends Enum<?>>>of(HealthStatus.class, LbPolicy.class, ListenerKind.class,
                ListenerProtocol.class, UpstreamProtocol.class, dev.ficus.xds.snapshot.TelemetryPolicy.AccessLog.State.class)) {
            for (Enum<?> c : e.getEnumConstants()) {
                assertThat(SnapshotCodec.encode(c)).isEqualTo("\"" + c.name() + "\"");
                assertThat(SnapshotCodec.decode(SnapshotCodec.encode(c), e)).isSameAs(c);
            }
        }
    }

    static ClusterConfig fullCluster() {
        return new ClusterConfig(REVIEWS,
                List.of(new Endpoint(new HostPort("10.0.0.1", 9080), 3, Map.of("version", "v1", "app", "reviews"), HealthStatus.HEALTHY),
                        new Endpoint(new HostPort("::1", 9080), 1, Map.of(), HealthStatus.DRAINING),
                        new Endpoint(new HostPort("reviews-2.example", 0), 1, Map.of("a", ""), HealthStatus.UNHEALTHY)),
                LbPolicy.LEAST_REQUEST, Duration.ofMillis(250), new ConnectionPoolLimits(7, 3, 100, 10, 2, Duration.ofMinutes(5)),
                null, OutlierDetectionConfig.DEFAULT, UpstreamProtocol.HTTP2);
    }

    static Route fullRoute() {
        RouteMatch match = new RouteMatch(new StringMatch.Regex("/api/.*"),
                List.of(new HeaderMatch("End-User", new StringMatch.Exact("jason")), new HeaderMatch("x-skip", new StringMatch.Present(), true)), "POST");
        HeaderMutations request = new HeaderMutations(List.of("x-c"), List.of(new HeaderMutations.Header("x-a", "1")), List.of(new HeaderMutations.Header("x-b", "2")));
        RouteRetry retry = new RouteRetry(3, Duration.ofSeconds(2), RouteRetry.ON_GATEWAY_ERROR | RouteRetry.ON_RETRIABLE_STATUS_CODES,
                new int[] {503, 409}, Duration.ofMillis(25));
        RouteFault fault = new RouteFault(Duration.ofMillis(1500), 100_000, 200, 14, 5_000);
        RouteCors cors = new RouteCors(List.of(new StringMatch.Exact("https://a.example"), new StringMatch.Regex("https://.*[.]b[.]example"), new StringMatch.Present()),
                "GET,POST", "content-type", null, "86400", true, false);
        RouteParallelRun parallel = new RouteParallelRun("shop/reviews-v2", "plain", "plain", null, 500_000, List.of("content-type"),
                List.of(JsonPath.parse("$.generatedAt"), JsonPath.parse("$.items[*]['odd key'][2]")), true, 4096);
        RoutePolicies policies = new RoutePolicies(retry, fault, List.of(new RouteMirror("m", 250_000)), RouteRewrite.regex("^/svc/(\\w+)$", "/x/\\1", "backend"), cors,
                parallel);
        return new Route("r1", match, new RouteAction.Forward(List.of(new WeightedCluster(REVIEWS, 1))), Duration.ofSeconds(3),
                request, HeaderMutations.NONE, policies);
    }

    @Test
    void aFullSnapshotRoundTrips() {
        ProxySnapshot s = snapshot(fullCluster(), fullRoute());
        ProxySnapshot decoded = roundTrip(s, ProxySnapshot.class);
        assertThat(SnapshotCodec.decodeSnapshot(SnapshotCodec.encodeSnapshot(s))).isEqualTo(s);
        Route r = decoded.routeTables().get("outbound").virtualHosts().getFirst().routes().getFirst();
        // the regex rewrite's pattern is the only copy of its regex: it is sent, and it still rewrites
        assertThat(r.policies().rewrite().rewrite("/svc/abc?q=1")).isEqualTo("/x/abc?q=1");
        assertThat(r.policies().retry().retriableStatusCodes()).containsExactly(409, 503);
        assertThat(r.policies().parallelRun().ignore().get(1).toString()).isEqualTo("$.items[*]['odd key'][2]");
        assertThat(decoded.routeTables().get("outbound").select("reviews:9080").name()).isEqualTo("reviews");
    }

    static ProxySnapshot snapshot(ClusterConfig cluster, Route route) {
        TcpRouteTable tcp = new TcpRouteTable(List.of(new TcpRoute("db", List.of("*.DB.example", "db"), RouteAction.Forward.to(cluster.name())),
                new TcpRoute("any", List.of(), new RouteAction.Forward(List.of(new WeightedCluster(cluster.name(), 9), new WeightedCluster("plain", 1))))));
        return ProxySnapshot.builder("v1")
                .listener(new ListenerConfig("outbound", new HostPort("127.0.0.1", 15001), ListenerKind.OUTBOUND, ListenerProtocol.AUTO, "outbound", tcp))
                .listener(new ListenerConfig("inbound", new HostPort("0.0.0.0", 15006), ListenerKind.INBOUND, ListenerProtocol.HTTP, "outbound"))
                .routeTable(new RouteTable("outbound", List.of(
                        new VirtualHost("reviews", List.of("reviews", "reviews.default.svc.cluster.local:9080", "*.reviews.example"), List.of(route)),
                        new VirtualHost("catch-all", List.of("*"), List.of(new Route("dr", RouteMatch.ANY, new RouteAction.DirectResponse(404, "none")))))))
                .cluster(cluster)
                .cluster(ClusterConfig.of("plain", Endpoint.of("127.0.0.1", 8080)).withOutlier(null))
                .build();
    }

    @Test
    void nullFieldsAreLeftOutAndDecodeToTheRecordsDefaults() {
        Route plain = new Route("r", RouteMatch.ANY, RouteAction.Forward.to("c"));
        JsonObject json = JsonParser.parseString(SnapshotCodec.encode(plain)).getAsJsonObject();
        assertThat(json.getAsJsonObject("match").has("path")).isFalse();
        assertThat(json.getAsJsonObject("match").has("method")).isFalse();
        assertThat(json.getAsJsonObject("policies").has("fault")).isFalse();
        roundTrip(plain, Route.class);
        // a record that defaults a null component fills it in when the field is absent
        Route sparse = SnapshotCodec.decode("""
                {"name":"r","match":{"headers":[]},"action":{"type":"Forward","clusters":[{"cluster":"c","weight":1}]},"timeout":"PT15S"}""", Route.class);
        assertThat(sparse).isEqualTo(plain);
        ClusterConfig c = SnapshotCodec.decode(SnapshotCodec.encode(ClusterConfig.of("c", Endpoint.of("h", 1))).replace(",\"upstreamProtocol\":\"HTTP1\"", ""), ClusterConfig.class);
        assertThat(c.upstreamProtocol()).isEqualTo(UpstreamProtocol.HTTP1);
    }

    @Test
    void durationsAreIso8601ExactToTheNanosecond() {
        for (Duration d : List.of(Duration.ZERO, Duration.ofNanos(1), Duration.ofMillis(25), Duration.ofHours(1), Duration.ofDays(400).plusNanos(7))) {
            RouteFault f = new RouteFault(d, 1, 0, -1, 0);
            assertThat(SnapshotCodec.encode(f)).contains("\"delay\":\"" + d + "\"");
            roundTrip(f, RouteFault.class);
        }
    }

    @Test
    void streamCapsAndTheClientsProtocolRoundTrip() {
        ConnectionPoolLimits d = ConnectionPoolLimits.DEFAULT;
        ClusterConfig c = fullCluster().withUpstreamProtocol(UpstreamProtocol.CLIENT).withLimits(new ConnectionPoolLimits(d.maxConnections(), d.maxPendingRequests(),
                d.maxRequests(), d.maxRequestsPerConnection(), d.maxRetries(), d.idleTimeout(), null, null, null, 2));
        ClusterConfig back = roundTrip(c, ClusterConfig.class);
        assertThat(back.limits().maxConcurrentStreams()).isEqualTo(2);
        assertThat(back.upstreamProtocol()).isEqualTo(UpstreamProtocol.CLIENT);
        assertThat(SnapshotCodec.encode(c)).contains("\"maxConcurrentStreams\":2", "\"upstreamProtocol\":\"CLIENT\"");
    }

    @Test
    void theShapeOfACluster() {
        ClusterConfig c = new ClusterConfig("outbound|80||a", List.of(new Endpoint(new HostPort("10.0.0.1", 80), 1, Map.of("version", "v1", "app", "a"), HealthStatus.HEALTHY)),
                LbPolicy.RING_HASH, Duration.ofSeconds(2), new ConnectionPoolLimits(7, 3, 10, Duration.ofMinutes(5)),
                new ConsistentHashConfig(new HashPolicy.Header("x-user"), 1024), null, null);
        assertThat(SnapshotCodec.encode(c)).isEqualTo("{\"name\":\"outbound|80||a\","
                + "\"endpoints\":[{\"address\":{\"host\":\"10.0.0.1\",\"port\":80},\"weight\":1,\"labels\":{\"app\":\"a\",\"version\":\"v1\"},\"health\":\"HEALTHY\"}],"
                + "\"lbPolicy\":\"RING_HASH\",\"connectTimeout\":\"PT2S\","
                + "\"limits\":{\"maxConnections\":7,\"maxPendingRequests\":3,\"maxRequests\":2147483647,\"maxRequestsPerConnection\":10,\"maxRetries\":2147483647,\"idleTimeout\":\"PT5M\",\"tcpIdleTimeout\":\"PT1H\",\"maxConnectionDuration\":\"PT0S\",\"maxConcurrentStreams\":0},"
                + "\"hash\":{\"key\":{\"type\":\"Header\",\"name\":\"x-user\"},\"tableSize\":1024},"
                + "\"upstreamProtocol\":\"HTTP1\","
                + "\"tls\":{\"mode\":\"AUTO\",\"subjectAltNames\":[],\"insecureSkipVerify\":false}}");
    }

    // ---- errors ----

    static String clusterJson() { return SnapshotCodec.encodeSnapshot(snapshot(fullCluster(), fullRoute())); }

    static void assertDecodeFails(String json, Class<?> type, String message) {
        assertThatThrownBy(() -> SnapshotCodec.decode(json, type)).isInstanceOf(SnapshotCodec.DecodeException.class).hasMessage(message);
    }

    @Test
    void aValueOfTheWrongTypeIsReportedAtItsPath() {
        JsonObject s = JsonParser.parseString(clusterJson()).getAsJsonObject();
        s.getAsJsonObject("clusters").getAsJsonObject(REVIEWS).getAsJsonArray("endpoints").get(2).getAsJsonObject().addProperty("address", "10.0.0.3:80");
        assertDecodeFails(s.toString(), ProxySnapshot.class,
                "clusters[\"" + REVIEWS + "\"].endpoints[2].address: expected object, got string \"10.0.0.3:80\"");
        assertThatThrownBy(() -> SnapshotCodec.decodeSnapshot(s.toString())).isInstanceOfSatisfying(SnapshotCodec.DecodeException.class,
                e -> assertThat(e.path()).isEqualTo("clusters[\"" + REVIEWS + "\"].endpoints[2].address"));

        assertDecodeFails("{\"host\":\"h\",\"port\":\"80\"}", HostPort.class, "port: expected an int, got string \"80\"");
        assertDecodeFails("{\"host\":\"h\",\"port\":80.5}", HostPort.class, "port: expected an int, got number 80.5");
        assertDecodeFails("{\"host\":\"h\",\"port\":4294967296}", HostPort.class, "port: expected an int, got number 4294967296");
        assertDecodeFails("[]", HostPort.class, "$: expected object, got array");
        assertDecodeFails("{\"delay\":\"5s\",\"delayPerMillion\":1,\"abortStatus\":0,\"abortGrpcStatus\":-1,\"abortPerMillion\":0}", RouteFault.class,
                "delay: expected an ISO-8601 duration such as \"PT1.5S\", got string \"5s\"");
        assertDecodeFails("\"FASTEST\"", LbPolicy.class, "$: unknown LbPolicy \"FASTEST\", expected one of ROUND_ROBIN, LEAST_REQUEST, RANDOM, RING_HASH, MAGLEV");
        assertDecodeFails("{\"regex\":\"a(\"}", StringMatch.Regex.class, "$: invalid Regex: error parsing regexp: missing closing ): `a(`");
        assertDecodeFails("{\"regex\":\"a(\",\"regexRewrite\":\"x\"}", RouteRewrite.class, "regex: invalid RE2 regex: error parsing regexp: missing closing ): `a(`");
    }

    @Test
    void aMissingRequiredFieldIsReportedAtItsPath() {
        JsonObject s = JsonParser.parseString(clusterJson()).getAsJsonObject();
        s.getAsJsonArray("listeners").get(0).getAsJsonObject().remove("bind");
        assertDecodeFails(s.toString(), ProxySnapshot.class, "listeners[0].bind: missing required field");
        // an absent primitive is its zero, as in proto3 (version skew: see SnapshotCodecSkewTest); the record may refuse it
        assertThat(SnapshotCodec.decode("{\"host\":\"h\"}", HostPort.class)).isEqualTo(new HostPort("h", 0));
        assertThat(SnapshotCodec.decode("{\"host\":\"h\",\"port\":null}", HostPort.class)).isEqualTo(new HostPort("h", 0));
        assertDecodeFails("{\"port\":1}", HostPort.class, "host: missing required field");
        assertDecodeFails("{\"type\":\"Exact\"}", StringMatch.class, "value: missing required field");
    }

    @Test
    void aValueItsRecordRefusesIsReportedAtTheRecord() {
        assertDecodeFails("{\"host\":\"h\",\"port\":70000}", HostPort.class, "$: invalid HostPort: port out of range: 70000");
        JsonObject s = JsonParser.parseString(clusterJson()).getAsJsonObject();
        s.getAsJsonObject("clusters").remove(REVIEWS);
        assertThatThrownBy(() -> SnapshotCodec.decodeSnapshot(s.toString())).isInstanceOf(SnapshotCodec.DecodeException.class)
                .hasMessage("$: invalid ProxySnapshot: invalid snapshot v1: route outbound/reviews/r1 uses unknown cluster " + REVIEWS);
    }

    @Test
    void anUnknownOrMissingSealedTypeIsReportedAtItsPath() {
        JsonObject s = JsonParser.parseString(clusterJson()).getAsJsonObject();
        JsonObject route = s.getAsJsonObject("routeTables").getAsJsonObject("outbound").getAsJsonArray("virtualHosts").get(0).getAsJsonObject()
                .getAsJsonArray("routes").get(0).getAsJsonObject();
        route.getAsJsonObject("match").getAsJsonObject("path").addProperty("type", "Glob");
        assertDecodeFails(s.toString(), ProxySnapshot.class,
                "routeTables[\"outbound\"].virtualHosts[0].routes[0].match.path.type: unknown StringMatch type \"Glob\", expected one of Exact, Prefix, Regex, Present");
        route.getAsJsonObject("match").getAsJsonObject("path").remove("type");
        assertDecodeFails(s.toString(), ProxySnapshot.class,
                "routeTables[\"outbound\"].virtualHosts[0].routes[0].match.path.type: missing required field (the StringMatch: one of Exact, Prefix, Regex, Present)");
        assertDecodeFails("{\"type\":7}", RouteAction.class, "type: expected string, got number 7");
        assertDecodeFails("{\"type\":\"Prefix\",\"prefix\":\"/\"}", StringMatch.Exact.class, "type: expected \"Exact\", got string \"Prefix\"");
    }

    @Test
    void unknownFieldsAreIgnored() {
        JsonObject s = JsonParser.parseString(clusterJson()).getAsJsonObject();
        s.addProperty("pushedBy", "a newer control plane");
        JsonObject cluster = s.getAsJsonObject("clusters").getAsJsonObject(REVIEWS);
        cluster.add("healthCheck", JsonParser.parseString("{\"interval\":\"PT5S\",\"path\":[1,2,{}]}"));
        cluster.getAsJsonArray("endpoints").get(0).getAsJsonObject().addProperty("zone", "eu-1");
        assertThat(SnapshotCodec.decodeSnapshot(s.toString())).isEqualTo(snapshot(fullCluster(), fullRoute()));
        // a record that is not of a sealed interface ignores a "type" field like any other
        assertThat(SnapshotCodec.decode("{\"type\":\"x\",\"host\":\"h\",\"port\":1}", HostPort.class)).isEqualTo(new HostPort("h", 1));
    }

    @Test
    void malformedJsonIsADecodeException() {
        assertDecodeFails("", HostPort.class, "$: malformed JSON: End of input at line 1 column 1 path $");
        assertThatThrownBy(() -> SnapshotCodec.decode("{\"host\":\"h\",\"port\":1} x", HostPort.class)).isInstanceOf(SnapshotCodec.DecodeException.class)
                .hasMessageStartingWith("$: malformed JSON");
        assertThatThrownBy(() -> SnapshotCodec.decode("{host:\"h\",\"port\":1}", HostPort.class)).isInstanceOf(SnapshotCodec.DecodeException.class)
                .hasMessageStartingWith("$: malformed JSON");
    }

    // ---- determinism ----

    @Test
    void mapsInAnyInsertionOrderEncodeAlike() {
        Map<String, String> labels1 = new LinkedHashMap<>();
        Map<String, String> labels2 = new LinkedHashMap<>();
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 50; i++) keys.add("k" + i);
        for (String k : keys) labels1.put(k, k.toUpperCase());
        Collections.reverse(keys);
        for (String k : keys) labels2.put(k, k.toUpperCase());
        Endpoint e1 = new Endpoint(new HostPort("h", 1), 1, labels1, HealthStatus.HEALTHY);
        Endpoint e2 = new Endpoint(new HostPort("h", 1), 1, labels2, HealthStatus.HEALTHY);
        assertThat(SnapshotCodec.encode(e1)).isEqualTo(SnapshotCodec.encode(e2));
        assertThat(SnapshotCodec.hash(e1)).isEqualTo(SnapshotCodec.hash(e2)).hasSize(16).matches("[0-9a-f]{16}");

        ClusterConfig a = fullCluster();
        ClusterConfig b = ClusterConfig.of("plain", Endpoint.of("127.0.0.1", 8080));
        RouteTable t = snapshot(a, fullRoute()).routeTables().get("outbound");
        ProxySnapshot s1 = new ProxySnapshot("v", List.of(), mapOf(t.name(), t), orderedMap(a.name(), a, b.name(), b));
        ProxySnapshot s2 = new ProxySnapshot("v", List.of(), mapOf(t.name(), t), orderedMap(b.name(), b, a.name(), a));
        assertThat(SnapshotCodec.encodeSnapshot(s1)).isEqualTo(SnapshotCodec.encodeSnapshot(s2));
        assertThat(SnapshotCodec.hash(s1)).isEqualTo(SnapshotCodec.hash(s2));
        // and a change anywhere changes the hash
        assertThat(SnapshotCodec.hash(b.withConnectTimeout(Duration.ofMillis(10_001)))).isNotEqualTo(SnapshotCodec.hash(b));
    }

    static <V> Map<String, V> mapOf(String k, V v) { return Map.of(k, v); }

    static <V> Map<String, V> orderedMap(String k1, V v1, String k2, V v2) {
        Map<String, V> m = new LinkedHashMap<>();
        m.put(k1, v1);
        m.put(k2, v2);
        return m;
    }

    @Test
    void listsAndMapsOfResourcesEncodeToo() {
        List<ClusterConfig> clusters = List.of(fullCluster(), ClusterConfig.of("plain", Endpoint.of("127.0.0.1", 8080)));
        assertThat(SnapshotCodec.encode(clusters)).isEqualTo("[" + SnapshotCodec.encode(clusters.get(0)) + "," + SnapshotCodec.encode(clusters.get(1)) + "]");
        Map<String, ClusterConfig> byName = new HashMap<>();
        for (ClusterConfig c : clusters) byName.put(c.name(), c);
        assertThat(SnapshotCodec.encode(byName)).startsWith("{\"outbound|9080||reviews.default.svc.cluster.local\":");
    }

    // ---- the generic parts that the snapshot does not use yet ----

    record Tags(Set<String> names, Optional<Duration> ttl, Map<String, List<Integer>> ports, long big, double ratio, Boolean flag) {}

    @Test
    void setsOptionalsAndNestedGenericsRoundTrip() {
        Set<String> s1 = new LinkedHashSet<>(List.of("b", "a", "c"));
        Set<String> s2 = new LinkedHashSet<>(List.of("c", "b", "a"));
        Tags t = new Tags(s1, Optional.of(Duration.ofSeconds(1)), Map.of("x", List.of(1, 2), "y", List.of()), Long.MAX_VALUE, 0.25, null);
        assertThat(SnapshotCodec.encode(t)).isEqualTo("{\"names\":[\"a\",\"b\",\"c\"],\"ttl\":\"PT1S\",\"ports\":{\"x\":[1,2],\"y\":[]},\"big\":9223372036854775807,\"ratio\":0.25}");
        assertThat(SnapshotCodec.encode(new Tags(s2, t.ttl(), t.ports(), t.big(), t.ratio(), null))).isEqualTo(SnapshotCodec.encode(t));
        roundTrip(t, Tags.class);
        Tags empty = new Tags(Set.of(), Optional.empty(), Map.of(), 0, 0, true);
        assertThat(SnapshotCodec.encode(empty)).doesNotContain("ttl");
        roundTrip(empty, Tags.class);
    }
}
