package dev.ficus.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ficus.testing.FakeUpstream;
import dev.ficus.testing.RawHttp;
import dev.ficus.xds.snapshot.HeaderMatch;
import dev.ficus.xds.snapshot.HeaderMutations;
import dev.ficus.xds.snapshot.ProxySnapshot;
import dev.ficus.xds.snapshot.QueryParamMatch;
import dev.ficus.xds.snapshot.Route;
import dev.ficus.xds.snapshot.RouteAction;
import dev.ficus.xds.snapshot.RouteMatch;
import dev.ficus.xds.snapshot.StringMatch;
import dev.ficus.xds.snapshot.WeightedCluster;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Istio's query, scheme, case-insensitive and method matches, per-destination header edits and
 * redirect ports, through a real proxy over real sockets: each request says which backend
 * answered (a and b are two upstreams; a route sends to b only when its match holds).
 */
class RouteMatchFieldsTest {
    final List<AutoCloseable> closeLater = new ArrayList<>();
    FakeUpstream a;
    FakeUpstream b;

    @BeforeEach
    void upstreams() {
        a = FakeUpstream.start("a");
        b = FakeUpstream.start("b");
        closeLater.add(a);
        closeLater.add(b);
    }

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : closeLater.reversed()) c.close();
    }

    /** A proxy whose routes send to b when {@code toB} matches, to a otherwise. */
    ProxyServer proxy(RouteMatch... toB) throws Exception {
        List<Route> routes = new ArrayList<>();
        for (RouteMatch m : toB) routes.add(new Route("to-b", m, RouteAction.Forward.to("b")));
        routes.add(new Route("to-a", RouteMatch.ANY, RouteAction.Forward.to("a")));
        return proxy(routes);
    }

    ProxyServer proxy(List<Route> routes) throws Exception {
        ProxySnapshot s = Snapshots.withRoutes("1", routes, Snapshots.cluster(a), Snapshots.cluster(b)).build();
        ProxyServer p = ProxyServer.builder().snapshot(s).concurrency(1).adminPort(0).build().start();
        closeLater.add(p);
        return p;
    }

    static String send(ProxyServer p, String method, String target, String... headers) {
        StringBuilder req = new StringBuilder(method + " " + target + " HTTP/1.1\r\nHost: shop:8080\r\n");
        for (String h : headers) req.append(h).append("\r\n");
        if (method.equals("POST") || method.equals("PUT") || method.equals("PATCH")) req.append("Content-Length: 0\r\n");
        req.append("Connection: close\r\n\r\n");
        return RawHttp.exchange(p.listenerPort("main"), req.toString(), Duration.ofSeconds(10));
    }

    static String header(String response, String name) {
        for (String line : response.substring(0, response.indexOf("\r\n\r\n")).split("\r\n")) {
            int c = line.indexOf(':');
            if (c > 0 && line.substring(0, c).trim().equalsIgnoreCase(name)) return line.substring(c + 1).trim();
        }
        return null;
    }

    /** Which upstream answered a request, or its status when the proxy answered itself. */
    static String answeredBy(ProxyServer p, String method, String target) {
        String r = send(p, method, target);
        String who = header(r, "x-upstream");
        return who != null ? who : "status " + RawHttp.status(r);
    }

    // ---- 1. queryParams

    @Test
    void queryParamsRouteOnTheFirstRawValue() throws Exception {
        ProxyServer p = proxy(RouteMatch.prefix("/").withQueryParams(new QueryParamMatch("v", new StringMatch.Exact("2"))),
                RouteMatch.prefix("/items").withQueryParams(new QueryParamMatch("id", new StringMatch.Regex("[0-9]+")),
                        new QueryParamMatch("debug", new StringMatch.Present())));
        assertThat(answeredBy(p, "GET", "/x?v=2")).isEqualTo("b");
        assertThat(answeredBy(p, "GET", "/x?a=1&v=2&v=3")).isEqualTo("b");
        assertThat(answeredBy(p, "GET", "/x?v=3&v=2")).as("the first value counts").isEqualTo("a");
        assertThat(answeredBy(p, "GET", "/x?v=%32")).as("not percent-decoded, as Envoy").isEqualTo("a");
        assertThat(answeredBy(p, "GET", "/x?v=22")).isEqualTo("a");
        assertThat(answeredBy(p, "GET", "/x")).isEqualTo("a");
        assertThat(answeredBy(p, "GET", "/items?id=42&debug")).isEqualTo("b");
        assertThat(answeredBy(p, "GET", "/items?debug=1&id=7")).isEqualTo("b");
        assertThat(answeredBy(p, "GET", "/items?id=42")).as("all conditions must hold").isEqualTo("a");
        assertThat(answeredBy(p, "GET", "/items?id=4x2&debug")).isEqualTo("a");
        assertThat(b.seen()).allSatisfy(s -> assertThat(s.path()).contains("?")); // the query reaches the upstream untouched
        assertThat(b.seen().getFirst().path()).isEqualTo("/x?v=2");
    }

    // ---- 2. scheme (plaintext HTTP/1.1 is "http"; HTTP/2 uses its :scheme; TLS: see SchemeMatchTlsTest)

    @Test
    void schemeMatchesTheConnectionOrTheHttp2Scheme() throws Exception {
        ProxyServer p = proxy(RouteMatch.ANY.withHeaders(new HeaderMatch(":scheme", new StringMatch.Exact("https"))),
                RouteMatch.prefix("/plain").withHeaders(new HeaderMatch(":scheme", new StringMatch.Exact("http"))));
        assertThat(answeredBy(p, "GET", "/")).as("plaintext HTTP/1.1").isEqualTo("a");
        assertThat(answeredBy(p, "GET", "/plain")).isEqualTo("b");
        assertThat(header(send(p, "GET", "/", "X-Forwarded-Proto: https"), "x-upstream")).as("a client's header is no scheme").isEqualTo("a");
        int port = p.listenerPort("main");
        assertThat(nghttp(port, "/", "https")).as("h2c with :scheme https").isEqualTo("b");
        assertThat(nghttp(port, "/", "http")).isEqualTo("a");
        assertThat(nghttp(port, "/plain", "http")).isEqualTo("b");
    }

    /** The body of a GET over h2c (prior knowledge) with the given {@code :scheme}: the answering upstream's name. */
    static String nghttp(int port, String path, String scheme) throws Exception {
        Process n = new ProcessBuilder("nghttp", "-H", ":scheme: " + scheme, "-H", ":authority: shop", "http://127.0.0.1:" + port + path)
                .redirectErrorStream(true).start();
        assertThat(n.waitFor(20, TimeUnit.SECONDS)).isTrue();
        return new String(n.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    }

    // ---- 3. ignoreUriCase

    @Test
    void ignoreUriCaseFoldsExactAndPrefixButNotRegex() throws Exception {
        ProxyServer p = proxy(new RouteMatch(new StringMatch.Exact("/Api/Items"), List.of(), null).ignoringCase(),
                RouteMatch.prefix("/Docs/").ignoringCase(),
                new RouteMatch(new StringMatch.Regex("/Re[a-z]+"), List.of(), null).ignoringCase(),
                RouteMatch.exact("/Strict"));
        assertThat(answeredBy(p, "GET", "/API/items?x=1")).isEqualTo("b");
        assertThat(answeredBy(p, "GET", "/api/items/1")).isEqualTo("a");
        assertThat(answeredBy(p, "GET", "/docs/guide")).isEqualTo("b");
        assertThat(answeredBy(p, "GET", "/DOCS/GUIDE")).isEqualTo("b");
        assertThat(answeredBy(p, "GET", "/Read")).isEqualTo("b");
        assertThat(answeredBy(p, "GET", "/READ")).as("a regex stays case-sensitive").isEqualTo("a");
        assertThat(answeredBy(p, "GET", "/strict")).as("without the flag").isEqualTo("a");
        assertThat(b.seen()).extracting(FakeUpstream.Seen::path).contains("/API/items?x=1", "/DOCS/GUIDE"); // the path is not rewritten
    }

    @Test
    void aPrefixRewriteReplacesAPrefixMatchedIgnoringCase() throws Exception {
        Route r = new Route("v2", RouteMatch.prefix("/Api/").ignoringCase(), RouteAction.Forward.to("b"))
                .withPolicies(new dev.ficus.xds.snapshot.RoutePolicies(dev.ficus.xds.snapshot.RouteRetry.NONE, null, List.of(), new dev.ficus.xds.snapshot.RouteRewrite("/Api/", "/v2/", null, null, null)));
        ProxyServer p = proxy(List.of(r, new Route("to-a", RouteMatch.ANY, RouteAction.Forward.to("a"))));
        assertThat(answeredBy(p, "GET", "/API/items?x=1")).isEqualTo("b");
        assertThat(b.seen().getLast().path()).as("Envoy's prefix_rewrite replaces the matched length").isEqualTo("/v2/items?x=1");
    }

    // ---- 4. method prefix and regex

    @Test
    void methodPrefixAndRegexMatches() throws Exception {
        ProxyServer p = proxy(RouteMatch.ANY.withHeaders(new HeaderMatch(":method", new StringMatch.Prefix("P"))),
                RouteMatch.ANY.withHeaders(new HeaderMatch(":method", new StringMatch.Regex("DELETE|OPT[A-Z]+"))));
        for (String m : List.of("POST", "PUT", "PATCH", "DELETE", "OPTIONS")) assertThat(answeredBy(p, m, "/r")).as(m).isEqualTo("b");
        for (String m : List.of("GET", "HEAD")) assertThat(answeredBy(p, m, "/r")).as(m).isEqualTo("a");
        assertThat(b.seen()).extracting(FakeUpstream.Seen::method).containsExactly("POST", "PUT", "PATCH", "DELETE", "OPTIONS");
    }

    // ---- 5. per-destination header edits

    @Test
    void theRoutesEditsFollowThePickedDestinationsAsInEnvoy() throws Exception {
        // Envoy applies weighted-cluster (destination) headers, then route headers: where both edit a field, the route wins
        HeaderMutations toA = new HeaderMutations(List.of("x-drop"), List.of(new HeaderMutations.Header("x-dest", "a")), List.of());
        HeaderMutations fromA = new HeaderMutations(List.of(), List.of(new HeaderMutations.Header("x-version", "a"), new HeaderMutations.Header("x-served", "dest-a")), List.of());
        HeaderMutations toB = new HeaderMutations(List.of(), List.of(), List.of(new HeaderMutations.Header("x-dest", "b")));
        Route split = new Route("split", RouteMatch.ANY, new RouteAction.Forward(List.of(
                new WeightedCluster("a", 50, toA, fromA), new WeightedCluster("b", 50, toB, HeaderMutations.NONE))))
                .withHeaders(new HeaderMutations(List.of(), List.of(new HeaderMutations.Header("x-dest", "route"), new HeaderMutations.Header("x-route", "r")), List.of()),
                        new HeaderMutations(List.of(), List.of(new HeaderMutations.Header("x-served", "route")), List.of()));
        ProxyServer p = proxy(List.of(split));
        int fromAOnes = 0, fromBOnes = 0;
        for (int i = 0; i < 60; i++) {
            String r = send(p, "GET", "/h/" + i, "x-drop: secret");
            String who = header(r, "x-upstream");
            if (who.equals("a")) {
                fromAOnes++;
                assertThat(header(r, "x-version")).isEqualTo("a");
                assertThat(header(r, "x-served")).as("the route's set comes last").isEqualTo("route");
            } else {
                fromBOnes++;
                assertThat(header(r, "x-version")).as("a's edits only when a is picked").isNull();
                assertThat(header(r, "x-served")).isEqualTo("route");
            }
        }
        assertThat(fromAOnes).isPositive();
        assertThat(fromBOnes).isPositive();
        assertThat(a.seen()).allSatisfy(s -> {
            assertThat(s.header("x-dest")).as("the route's set after a's").isEqualTo("route");
            assertThat(s.header("x-route")).isEqualTo("r");
            assertThat(s.header("x-drop")).isNull();
        });
        assertThat(b.seen()).allSatisfy(s -> {
            assertThat(s.header("x-dest")).as("the route's set replaces what b added").isEqualTo("route");
            assertThat(s.header("x-drop")).isEqualTo("secret");
        });
    }

    // ---- 6. redirect port and scheme

    @Test
    void redirectPortsReplaceTheRequestsPortAndSchemesDropTheirDefault() throws Exception {
        ProxyServer p = proxy(List.of(
                new Route("port", RouteMatch.exact("/port"), new RouteAction.Redirect(null, null, null, 301, 8443)),
                new Route("tls", RouteMatch.exact("/tls"), new RouteAction.Redirect("https", null, "/secure", 308, 0)),
                new Route("authority", RouteMatch.exact("/away"), new RouteAction.Redirect(null, "other.example", null, 302, 9443)),
                new Route("to-a", RouteMatch.ANY, RouteAction.Forward.to("a"))));
        String r = send(p, "GET", "/port?q=1");
        assertThat(RawHttp.status(r)).isEqualTo(301);
        assertThat(header(r, "location")).isEqualTo("http://shop:8443/port?q=1");
        r = send(p, "GET", "/tls?q=1");
        assertThat(RawHttp.status(r)).isEqualTo(308);
        assertThat(header(r, "location")).as("the request's own port stays: it is not http's default").isEqualTo("https://shop:8080/secure?q=1");
        String default80 = RawHttp.exchange(p.listenerPort("main"), "GET /tls HTTP/1.1\r\nHost: shop:80\r\nConnection: close\r\n\r\n", Duration.ofSeconds(10));
        assertThat(header(default80, "location")).isEqualTo("https://shop/secure");
        r = send(p, "GET", "/away");
        assertThat(header(r, "location")).isEqualTo("http://other.example:9443/away");
        assertThat(a.requestCount() + b.requestCount()).as("a redirect is answered by the proxy").isZero();
        assertThat(header(r, "x-ficus-error")).isNull();
        assertThat(header(r, "x-upstream")).isNull();
    }
}
