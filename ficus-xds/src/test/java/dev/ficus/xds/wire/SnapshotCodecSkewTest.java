package dev.ficus.xds.wire;

import static dev.ficus.xds.wire.SnapshotCodecTest.REVIEWS;
import static dev.ficus.xds.wire.SnapshotCodecTest.assertDecodeFails;
import static dev.ficus.xds.wire.SnapshotCodecTest.clusterJson;
import static dev.ficus.xds.wire.SnapshotCodecTest.fullCluster;
import static dev.ficus.xds.wire.SnapshotCodecTest.fullRoute;
import static dev.ficus.xds.wire.SnapshotCodecTest.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import dev.ficus.xds.snapshot.ClusterConfig;
import dev.ficus.xds.snapshot.ConnectionPoolLimits;
import dev.ficus.xds.snapshot.LbPolicy;
import dev.ficus.xds.snapshot.ProxySnapshot;
import dev.ficus.xds.snapshot.Route;
import dev.ficus.xds.snapshot.RoutePolicies;
import dev.ficus.xds.snapshot.UpstreamTls;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.statistics.StatisticsReport;
import org.junit.jupiter.api.Test;

/**
 * Version skew within a minor version, as with xDS's proto3: a proxy reads what a control plane
 * older than itself sends (its newer components are absent and take their defaults), and what a
 * newer one sends (components it does not know are ignored).
 */
class SnapshotCodecSkewTest {

    // ---- one record in two versions ----

    record Retry(int attempts, Duration perTry) {
        Retry {
            if (attempts < 0) throw new IllegalArgumentException("attempts must be >= 0");
            perTry = perTry == null ? Duration.ofSeconds(1) : perTry;
        }
    }

    /** What an older control plane knows. */
    record ServiceV1(String name) {}

    /** What a newer proxy knows: every kind of component added since, each meaning "as before" at its default. */
    record ServiceV2(String name, int maxStreams, long bytes, boolean strict, double ratio, Integer boxed, List<String> tags,
                     Set<String> zones, Map<String, Integer> ports, int[] codes, Optional<Duration> ttl, Retry retry, LbPolicy lb) {}

    /** A component with no default: its absence refuses the value. */
    record Named(String name, String owner) {
        Named { java.util.Objects.requireNonNull(owner, "owner"); }
    }

    @Test
    void aProxyNewerThanItsControlPlaneReadsEveryAbsentComponentAsItsDefault() {
        String older = SnapshotCodec.encode(new ServiceV1("reviews"));
        ServiceV2 v2 = SnapshotCodec.decode(older, ServiceV2.class);
        assertThat(v2.name()).isEqualTo("reviews");
        assertThat(v2.maxStreams()).isZero();
        assertThat(v2.bytes()).isZero();
        assertThat(v2.strict()).isFalse();
        assertThat(v2.ratio()).isZero();
        assertThat(v2.boxed()).isNull();
        assertThat(v2.tags()).isEmpty();
        assertThat(v2.zones()).isEmpty();
        assertThat(v2.ports()).isEmpty();
        assertThat(v2.codes()).isEmpty();
        assertThat(v2.ttl()).isEmpty();
        assertThat(v2.retry()).isNull();
        assertThat(v2.lb()).isNull();
        // JSON null reads as absent, as proto3's JSON mapping has it
        ServiceV2 nulls = SnapshotCodec.decode("{\"name\":\"r\",\"maxStreams\":null,\"tags\":null,\"ports\":null,\"codes\":null,\"ttl\":null}", ServiceV2.class);
        assertThat(nulls.maxStreams()).isZero();
        assertThat(nulls.tags()).isEmpty();
        assertThat(nulls.ports()).isEmpty();
        assertThat(nulls.codes()).isEmpty();
        assertThat(nulls.ttl()).isEmpty();
        // a nested record whose fields are all absent still goes through its constructor's defaults
        assertThat(SnapshotCodec.decode("{\"name\":\"r\",\"retry\":{}}", ServiceV2.class).retry()).isEqualTo(new Retry(0, Duration.ofSeconds(1)));
    }

    @Test
    void aProxyOlderThanItsControlPlaneIgnoresTheComponentsItDoesNotKnow() {
        ServiceV2 newer = new ServiceV2("reviews", 8, 1L << 40, true, 0.5, 3, List.of("a"), Set.of("eu"), Map.of("http", 80), new int[] {503},
                Optional.of(Duration.ofSeconds(5)), new Retry(2, Duration.ofMillis(250)), null);
        assertThat(SnapshotCodec.decode(SnapshotCodec.encode(newer), ServiceV1.class)).isEqualTo(new ServiceV1("reviews"));
    }

    @Test
    void anAbsentComponentWithoutADefaultIsStillRefusedAtItsPath() {
        assertDecodeFails("{\"name\":\"a\"}", Named.class, "owner: missing required field");
        assertDecodeFails("{\"name\":\"a\",\"owner\":null}", Named.class, "owner: missing required field");
        // a primitive's zero that its record refuses: the refusal names the record and what was defaulted in it
        JsonObject s = JsonParser.parseString(clusterJson()).getAsJsonObject();
        s.getAsJsonObject("clusters").getAsJsonObject(REVIEWS).getAsJsonArray("endpoints").get(1).getAsJsonObject().remove("weight");
        assertDecodeFails(s.toString(), ProxySnapshot.class,
                "clusters[\"" + REVIEWS + "\"].endpoints[1]: invalid Endpoint: endpoint weight must be >= 1: 0 (absent, so defaulted: weight=0)");
        assertDecodeFails("{\"retry\":{\"attempts\":-1}}", ServiceV2.class, "retry: invalid Retry: attempts must be >= 0");
        assertDecodeFails("{}", ConnectionPoolLimits.class,
                "$: invalid ConnectionPoolLimits: connection pool limits must be positive (absent, so defaulted: maxConnections=0, maxPendingRequests=0, maxRequests=0,"
                        + " maxRequestsPerConnection=0, maxRetries=0, maxConcurrentStreams=0)");
        // and the path of a reference with no default, deep in a snapshot
        JsonObject t = JsonParser.parseString(clusterJson()).getAsJsonObject();
        route(t).getAsJsonObject("action").getAsJsonArray("clusters").get(0).getAsJsonObject().remove("cluster");
        assertDecodeFails(t.toString(), ProxySnapshot.class, "routeTables[\"outbound\"].virtualHosts[0].routes[0].action.clusters[0].cluster: missing required field");
    }

    private static JsonObject route(JsonObject snapshot) {
        return snapshot.getAsJsonObject("routeTables").getAsJsonObject("outbound").getAsJsonArray("virtualHosts").get(0).getAsJsonObject()
                .getAsJsonArray("routes").get(0).getAsJsonObject();
    }

    private static JsonObject reviews(JsonObject snapshot) {
        return snapshot.getAsJsonObject("clusters").getAsJsonObject(REVIEWS);
    }

    @Test
    void componentsRemovedAtEveryDepthOfASnapshotDecodeToTheirDefaults() {
        ProxySnapshot original = snapshot(fullCluster(), fullRoute());
        JsonObject s = JsonParser.parseString(SnapshotCodec.encodeSnapshot(original)).getAsJsonObject();
        // primitives: an int deep in a cluster, a boolean deep in a route
        reviews(s).getAsJsonObject("limits").remove("maxConcurrentStreams");
        reviews(s).getAsJsonObject("limits").remove("maxRequestsPerConnection");
        route(s).getAsJsonObject("match").getAsJsonArray("headers").get(1).getAsJsonObject().remove("invert");
        // lists and maps: a listener's TLS chains, a route's mirrors, an endpoint's labels, a cluster's endpoints
        s.getAsJsonArray("listeners").get(0).getAsJsonObject().remove("tls");
        route(s).getAsJsonObject("policies").remove("mirrors");
        reviews(s).getAsJsonArray("endpoints").get(0).getAsJsonObject().remove("labels");
        JsonObject plain = s.getAsJsonObject("clusters").getAsJsonObject("plain");
        plain.remove("endpoints");
        // nested records: one the record defaults, one that may be null
        reviews(s).remove("tls");
        route(s).remove("policies");
        reviews(s).remove("outlier");

        ProxySnapshot d = SnapshotCodec.decodeSnapshot(s.toString());
        ClusterConfig c = d.clusters().get(REVIEWS);
        assertThat(c.limits().maxConcurrentStreams()).isZero();
        assertThat(c.limits().maxRequestsPerConnection()).isZero(); // 10 in the original: the default, not the value, comes back
        assertThat(c.limits().maxConnections()).isEqualTo(7);
        Route r = d.routeTables().get("outbound").virtualHosts().getFirst().routes().getFirst();
        assertThat(r.match().headers().get(1).invert()).isFalse();
        assertThat(r.match().headers().get(1).name()).isEqualTo("x-skip");
        assertThat(d.listeners().getFirst().tls()).isEmpty();
        assertThat(d.listeners().getFirst().tcpRoutes()).isEqualTo(original.listeners().getFirst().tcpRoutes());
        assertThat(c.endpoints().getFirst().labels()).isEmpty();
        assertThat(c.endpoints().getFirst().weight()).isEqualTo(3);
        assertThat(d.clusters().get("plain").endpoints()).isEmpty();
        assertThat(c.tls()).isEqualTo(UpstreamTls.AUTO);
        assertThat(r.policies()).isEqualTo(RoutePolicies.NONE);
        assertThat(c.outlier()).isNull();
        assertThat(c.lbPolicy()).isEqualTo(fullCluster().lbPolicy());
    }

    @Test
    void removingAFieldThatHoldsItsDefaultChangesNothing() {
        ClusterConfig c = ClusterConfig.of("c", dev.ficus.xds.snapshot.Endpoint.of("h", 1));
        JsonObject json = JsonParser.parseString(SnapshotCodec.encode(c)).getAsJsonObject();
        json.getAsJsonObject("limits").remove("maxConcurrentStreams");
        json.getAsJsonObject("tls").remove("subjectAltNames");
        json.getAsJsonObject("tls").remove("insecureSkipVerify");
        json.getAsJsonArray("endpoints").get(0).getAsJsonObject().remove("labels");
        assertThat(SnapshotCodec.decode(json.toString(), ClusterConfig.class)).isEqualTo(c);
    }

    // ---- any field of any translated snapshot ----

    private static List<String> fixtureJson;

    private static synchronized List<String> fixtures() throws Exception {
        if (fixtureJson == null) {
            List<String> out = new ArrayList<>();
            SnapshotCodecFixturesTest.snapshots().forEach(a -> out.add(SnapshotCodec.encodeSnapshot((ProxySnapshot) a.get()[1])));
            out.add(clusterJson());
            fixtureJson = List.copyOf(out);
        }
        return fixtureJson;
    }

    /** A snapshot's JSON and the position of one of its fields, counted depth first. */
    record Removal(String json, int field) {}

    @Provide
    Arbitrary<Removal> removals() {
        List<String> all;
        try {
            all = fixtures();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return Arbitraries.of(all).flatMap(json -> {
            int n = fields(JsonParser.parseString(json), new ArrayList<>());
            return Combinators.combine(Arbitraries.just(json), Arbitraries.integers().between(0, n - 1)).as(Removal::new);
        });
    }

    /** Every object member under {@code e}, depth first, as (object, name) pairs; returns how many. */
    private static int fields(JsonElement e, List<Object[]> out) {
        if (e instanceof JsonObject o) {
            for (var m : o.entrySet()) {
                out.add(new Object[] {o, m.getKey()});
                fields(m.getValue(), out);
            }
        } else if (e instanceof JsonArray a) {
            for (JsonElement x : a) fields(x, out);
        }
        return out.size();
    }

    @Property(tries = 400)
    @StatisticsReport(StatisticsReport.StatisticsReportMode.OFF)
    void removingAnyFieldDecodesOrIsADecodeException(@ForAll("removals") Removal r) {
        JsonElement tree = JsonParser.parseString(r.json());
        List<Object[]> fields = new ArrayList<>();
        fields(tree, fields);
        JsonObject parent = (JsonObject) fields.get(r.field())[0];
        String name = (String) fields.get(r.field())[1];
        JsonElement removed = parent.remove(name);
        coverage();
        ProxySnapshot decoded;
        try {
            decoded = SnapshotCodec.decodeSnapshot(tree.toString());
            Statistics.collect(isZero(removed) ? "decoded, a default removed" : "decoded");
        } catch (SnapshotCodec.DecodeException e) {
            Statistics.collect("refused");
            assertThat(e.path()).isNotBlank();
            return;
        }
        // what decoded is a valid snapshot that encodes again
        assertThat(SnapshotCodec.decodeSnapshot(SnapshotCodec.encodeSnapshot(decoded))).isEqualTo(decoded);
        if (isZero(removed) && !name.equals("type")) {
            // proto3: a field that held its default may as well not be sent
            assertThat(decoded).as(name).isEqualTo(SnapshotCodec.decodeSnapshot(r.json()));
        }
    }

    /** Checked at the end of the property: the removals reach every outcome often enough to mean something. */
    private static void coverage() {
        Statistics.coverage(c -> {
            c.check("decoded").percentage(p -> p > 10);
            c.check("decoded, a default removed").percentage(p -> p > 10);
            c.check("refused").percentage(p -> p > 10);
        });
    }

    private static boolean isZero(JsonElement e) {
        if (e instanceof JsonArray a) return a.isEmpty();
        if (e instanceof JsonObject o) return o.isEmpty();
        if (e instanceof JsonPrimitive p) return p.isBoolean() ? !p.getAsBoolean() : p.isNumber() && p.getAsDouble() == 0;
        return true;
    }
}
