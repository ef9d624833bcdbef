package dev.ficus.xds.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RouteTableTest {
    record Req(String method, String path, Map<String, String> headers) implements RequestAttributes {
        @Override public String header(String n) { return headers.get(n); }
    }

    static VirtualHost vh(String name, String... domains) {
        return new VirtualHost(name, List.of(domains), List.of(new Route("r", RouteMatch.ANY, RouteAction.Forward.to("c"))));
    }

    @Test
    void domainsAreMatchedExactThenSuffixThenPrefixThenAny() {
        RouteTable t = new RouteTable("t", List.of(
                vh("exact", "reviews.default.svc", "reviews:9080"),
                vh("suffix-long", "*.default.svc.cluster"),
                vh("suffix", "*.svc.cluster"),
                vh("prefix", "api.*"),
                vh("any", "*")));
        assertThat(t.select("reviews.default.svc").name()).isEqualTo("exact");
        assertThat(t.select("REVIEWS.default.svc").name()).isEqualTo("exact");
        assertThat(t.select("reviews:9080").name()).isEqualTo("exact");
        assertThat(t.select("reviews.default.svc:80").name()).as("port stripped on second lookup").isEqualTo("exact");
        assertThat(t.select("a.default.svc.cluster").name()).isEqualTo("suffix-long");
        assertThat(t.select("a.other.svc.cluster").name()).isEqualTo("suffix");
        assertThat(t.select("svc.cluster").name()).as("the wildcard needs at least one character").isEqualTo("any");
        assertThat(t.select("api.example.com").name()).isEqualTo("prefix");
        assertThat(t.select("unknown").name()).isEqualTo("any");
        assertThat(t.select(null).name()).isEqualTo("any");
    }

    @Test
    void theLastSelectionIsRememberedWithoutChangingAnAnswer() {
        RouteTable t = new RouteTable("t", List.of(vh("exact", "reviews"), vh("suffix", "*.svc")));
        for (int round = 0; round < 3; round++) {
            assertThat(t.select("reviews:9080").name()).isEqualTo("exact");
            assertThat(t.select("reviews:9080").name()).isEqualTo("exact");
            assertThat(t.select("a.svc").name()).isEqualTo("suffix");
            assertThat(t.select("other")).isNull();
            assertThat(t.select("other")).isNull();
            assertThat(t.select("REVIEWS").name()).isEqualTo("exact");
        }
    }

    /**
     * A sidecar's outbound table routes the ports its domains name: {@code svcm:81} is no host
     * when svcm declares 80 and 8080 (Istio's sidecar has no route for it), while a gateway's table
     * serves its hosts on any port. The choice survives the wire and a route edit.
     */
    @Test
    void aTableOfDeclaredPortsDoesNotDropAnAuthoritysPort() {
        List<VirtualHost> hosts = List.of(vh("svcm:80", "svcm", "svcm:80"), vh("svcm:8080", "svcm:8080"));
        RouteTable sidecar = new RouteTable("outbound", hosts, true), gateway = new RouteTable("gw", hosts);
        assertThat(sidecar.select("svcm").name()).isEqualTo("svcm:80");
        assertThat(sidecar.select("svcm:8080").name()).isEqualTo("svcm:8080");
        assertThat(sidecar.select("svcm:81")).as("a port svcm does not declare").isNull();
        assertThat(gateway.select("svcm:81").name()).as("a gateway's host, any port").isEqualTo("svcm:80");
        RouteTable edited = sidecar.replacing(new int[] {1}, new VirtualHost[] {vh("svcm:8080", "svcm:8080")});
        assertThat(edited.declaredPortsOnly()).isTrue();
        assertThat(edited.select("svcm:81")).isNull();
        RouteTable decoded = dev.ficus.xds.wire.SnapshotCodec.decode(dev.ficus.xds.wire.SnapshotCodec.encode(sidecar), RouteTable.class);
        assertThat(decoded).isEqualTo(sidecar);
        assertThat(decoded.select("svcm:81")).isNull();
        ProxySnapshot snap = ProxySnapshot.builder("1").routeTable(sidecar).routeTable(gateway).cluster(ClusterConfig.of("c", Endpoint.of("127.0.0.1", 1))).build();
        java.util.Map<dev.ficus.xds.sync.ResourceKey, Object> parts = new java.util.HashMap<>();
        dev.ficus.xds.sync.SnapshotResources.split(snap).forEach((k, w) -> parts.put(k, dev.ficus.xds.sync.SnapshotResources.decode(w)));
        ProxySnapshot synced = dev.ficus.xds.sync.SnapshotResources.assemble("1", parts);
        assertThat(synced.routeTables().get("outbound").declaredPortsOnly()).isTrue();
        assertThat(synced.routeTables().get("gw").declaredPortsOnly()).isFalse();
        assertThat(SnapshotJson.write(snap)).contains("\"declaredPortsOnly\":true");
    }

    @Test
    void noCatchAllMeansNoHost() {
        RouteTable t = new RouteTable("t", List.of(vh("a", "a.com")));
        assertThat(t.select("b.com")).isNull();
    }

    @Test
    void aDomainClaimedTwiceIsRefused() {
        assertThatThrownBy(() -> new RouteTable("t", List.of(vh("a", "x.com"), vh("b", "X.com"))))
                .hasMessageContaining("x.com").hasMessageContaining("a").hasMessageContaining("b");
        assertThatThrownBy(() -> vh("a", "a.*.com")).hasMessageContaining("wildcard");
    }

    @Test
    void replacingHostsWithTheSameDomainsSelectsTheNewOnesAsATableBuiltAnewWould() {
        RouteTable t = new RouteTable("t", List.of(vh("exact", "a.com", "a.com:80"), vh("suffix", "*.b.com"), vh("prefix", "c.*"), vh("any", "*")));
        VirtualHost[] with = {
                new VirtualHost("exact-2", List.of("a.com", "a.com:80"), List.of(new Route("r2", RouteMatch.ANY, RouteAction.Forward.to("c2")))),
                vh("suffix-2", "*.b.com"), vh("prefix-2", "c.*"), vh("any-2", "*")};
        RouteTable next = t.replacing(new int[] {0, 1, 2, 3}, with), fresh = new RouteTable("t", List.of(with));
        assertThat(next).isEqualTo(fresh);
        for (String authority : List.of("a.com", "a.com:80", "x.b.com", "c.io", "else", "a.com:8080")) {
            assertThat(next.select(authority)).as(authority).isSameAs(fresh.select(authority));
        }
        assertThat(t.select("a.com").name()).as("the table replaced from is unchanged").isEqualTo("exact");
        assertThat(t.replacing(new int[] {2}, new VirtualHost[] {vh("prefix-3", "c.*")}).select("c.io").name()).isEqualTo("prefix-3");
        assertThatThrownBy(() -> t.replacing(new int[] {0}, new VirtualHost[] {vh("other", "z.com")})).hasMessageContaining("other domains");
    }

    @Test
    void routesMatchByPathHeadersAndMethodInOrder() {
        Route byHeader = new Route("canary", RouteMatch.prefix("/api").withHeaders(new HeaderMatch("X-Canary", new StringMatch.Exact("1"))), RouteAction.Forward.to("v2"));
        Route byRegex = new Route("regex", new RouteMatch(new StringMatch.Regex("/items/[0-9]+"), List.of(), "GET"), RouteAction.Forward.to("items"));
        Route without = new Route("no-debug", new RouteMatch(null, List.of(new HeaderMatch("x-debug", new StringMatch.Present(), true)), null), RouteAction.Forward.to("v1"));
        Route rest = new Route("rest", RouteMatch.ANY, new RouteAction.DirectResponse(418, "tea"));
        VirtualHost v = new VirtualHost("v", List.of("*"), List.of(byHeader, byRegex, without, rest));

        assertThat(v.select(new Req("GET", "/api/x", Map.of("x-canary", "1"))).name()).isEqualTo("canary");
        assertThat(v.select(new Req("GET", "/items/42", Map.of())).name()).isEqualTo("regex");
        assertThat(v.select(new Req("POST", "/items/42", Map.of())).name()).as("method must match").isEqualTo("no-debug");
        assertThat(v.select(new Req("GET", "/items/42x", Map.of())).name()).as("regex matches the whole path").isEqualTo("no-debug");
        assertThat(v.select(new Req("GET", "/", Map.of("x-debug", ""))).name()).isEqualTo("rest");
    }

    @Test
    void weightedPickFollowsCumulativeWeights() {
        var f = new RouteAction.Forward(List.of(new WeightedCluster("a", 90), new WeightedCluster("b", 10), new WeightedCluster("z", 0)));
        assertThat(f.totalWeight()).isEqualTo(100);
        assertThat(f.pick(0)).isEqualTo("a");
        assertThat(f.pick(89)).isEqualTo("a");
        assertThat(f.pick(90)).isEqualTo("b");
        assertThat(f.pick(99)).isEqualTo("b");
    }

    @Test
    void snapshotRefusesDanglingReferencesAndDumpsJson() {
        var table = new RouteTable("rt", List.of(new VirtualHost("v", List.of("*"), List.of(new Route("r", RouteMatch.ANY, RouteAction.Forward.to("missing"))))));
        assertThatThrownBy(() -> ProxySnapshot.builder("1").routeTable(table).build()).hasMessageContaining("unknown cluster missing");

        var ok = ProxySnapshot.builder("v7")
                .listener(new ListenerConfig("out", new HostPort("127.0.0.1", 15001), ListenerKind.OUTBOUND, ListenerProtocol.HTTP, "rt"))
                .routeTable(table)
                .cluster(ClusterConfig.of("missing", Endpoint.of("10.0.0.1", 8080)))
                .build();
        String json = SnapshotJson.write(ok);
        assertThat(json).startsWith("{\"version\":\"v7\"").contains("\"bind\":\"127.0.0.1:15001\"").contains("\"address\":\"10.0.0.1:8080\"");
    }
}
