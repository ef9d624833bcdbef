package dev.ficus.proxy.jwt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.net.httpserver.HttpServer;
import dev.ficus.proxy.ProxyServer;
import dev.ficus.proxy.http.ResponseFlag;
import dev.ficus.testing.FakeUpstream;
import dev.ficus.xds.snapshot.AuthzPolicies;
import dev.ficus.xds.snapshot.AuthzPolicies.Action;
import dev.ficus.xds.snapshot.AuthzPolicies.Condition;
import dev.ficus.xds.snapshot.AuthzPolicies.Policy;
import dev.ficus.xds.snapshot.AuthzPolicies.Rule;
import dev.ficus.xds.snapshot.AuthzPolicies.Source;
import dev.ficus.xds.snapshot.ClusterConfig;
import dev.ficus.xds.snapshot.Endpoint;
import dev.ficus.xds.snapshot.HostPort;
import dev.ficus.xds.snapshot.JwtPolicies;
import dev.ficus.xds.snapshot.ListenerConfig;
import dev.ficus.xds.snapshot.ListenerKind;
import dev.ficus.xds.snapshot.ListenerProtocol;
import dev.ficus.xds.snapshot.ProxySnapshot;
import dev.ficus.xds.snapshot.Route;
import dev.ficus.xds.snapshot.RouteAction;
import dev.ficus.xds.snapshot.RouteMatch;
import dev.ficus.xds.snapshot.RouteTable;
import dev.ficus.xds.snapshot.VirtualHost;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * RequestAuthentication on a real inbound listener in front of a real upstream, with tokens and
 * keys made by openssl.
 */
class JwtTest {
    static final String ISSUER = "https://issuer.example";

    @TempDir
    static Path dir;
    static OpensslJwts openssl;
    static OpensslJwts.Key rsa;
    static OpensslJwts.Key ec;
    static OpensslJwts.Key ed;
    static OpensslJwts.Key stranger; // not in the key set

    final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    final List<AutoCloseable> closeLater = new ArrayList<>();

    @BeforeAll
    static void keys() throws Exception {
        assumeTrue(OpensslJwts.available(), "the openssl command is not installed: the tokens of these tests are made with it");
        openssl = new OpensslJwts(dir);
        rsa = openssl.rsa("rsa-1");
        ec = openssl.ec("ec-1");
        ed = openssl.ed25519("ed-1");
        stranger = openssl.rsa("rsa-1-stranger");
    }

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : closeLater.reversed()) c.close();
        client.close();
    }

    <T extends AutoCloseable> T later(T c) {
        closeLater.add(c);
        return c;
    }

    static JwtPolicies.Rule rule(String jwks, String jwksUri, boolean forward, List<JwtPolicies.FromHeader> headers) {
        return new JwtPolicies.Rule("shop/jwt", ISSUER, List.of("shop"), jwks, jwksUri, Duration.ofSeconds(2), headers, List.of("access_token"), List.of(),
                "x-jwt-payload", List.of(new JwtPolicies.ClaimToHeader("x-jwt-sub", "sub"), new JwtPolicies.ClaimToHeader("x-jwt-team", "org.team")), forward);
    }

    static JwtPolicies inline(boolean forward) {
        return new JwtPolicies(List.of(rule(OpensslJwts.jwks(rsa, ec, ed), null, forward, List.of(new JwtPolicies.FromHeader("Authorization", "Bearer ")))));
    }

    ProxyServer proxy(FakeUpstream u, JwtPolicies jwt, AuthzPolicies authz) throws Exception {
        ProxySnapshot s = ProxySnapshot.builder("1")
                .listener(new ListenerConfig("main", new HostPort("127.0.0.1", 0), ListenerKind.INBOUND, ListenerProtocol.HTTP, "main", null, authz).withJwt(jwt))
                .routeTable(new RouteTable("main", List.of(new VirtualHost("all", List.of("*"),
                        List.of(new Route("all", RouteMatch.ANY, RouteAction.Forward.to(u.name())))))))
                .cluster(ClusterConfig.of(u.name(), Endpoint.of(u.host(), u.port())))
                .build();
        return later(ProxyServer.builder().snapshot(s).concurrency(1).adminPort(0).build().start());
    }

    HttpResponse<String> get(ProxyServer p, String path, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + p.listenerPort("main") + path)).timeout(Duration.ofSeconds(10));
        if (token != null) b.header("Authorization", "Bearer " + token);
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static String claims(String sub, long expIn, long nbfIn, String aud, String extra) {
        long now = Instant.now().getEpochSecond();
        return "{\"iss\":\"" + ISSUER + "\",\"sub\":\"" + sub + "\",\"aud\":" + aud + ",\"exp\":" + (now + expIn) + ",\"nbf\":" + (now + nbfIn)
                + ",\"azp\":\"web\"" + extra + "}";
    }

    static String valid(String sub) { return claims(sub, 600, -10, "[\"other\",\"shop\"]", ",\"org\":{\"team\":\"blue\"},\"groups\":[\"dev\",\"admin\"]"); }

    static void assertRefused(HttpResponse<String> r) {
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.body()).isEqualTo(JwtAuthenticator.FAILED_BODY);
        assertThat(r.headers().firstValue("x-ficus-error")).hasValue(ResponseFlag.JWT.name());
        assertThat(r.headers().firstValue("www-authenticate")).hasValueSatisfying(v -> assertThat(v)
                .startsWith("Bearer realm=\"http://127.0.0.1:").endsWith("/orders\", error=\"invalid_token\""));
    }

    @Test
    void validRs256Es256AndEdDsaTokensReachTheUpstreamWithTheirClaimsAsHeadersAndWithoutTheToken() throws Exception {
        FakeUpstream u = later(FakeUpstream.start("orders"));
        ProxyServer p = proxy(u, inline(false), null);
        for (OpensslJwts.Key k : List.of(rsa, ec, ed)) {
            String token = openssl.sign(k, valid("alice-" + k.alg()));
            HttpResponse<String> r = get(p, "/orders", token);
            assertThat(r.statusCode()).as(k.alg()).isEqualTo(200);
            FakeUpstream.Seen seen = u.seen().getLast();
            assertThat(seen.header("x-jwt-sub")).isEqualTo("alice-" + k.alg());
            assertThat(seen.header("x-jwt-team")).isEqualTo("blue");
            assertThat(seen.header("x-jwt-payload")).isEqualTo(token.split("\\.")[1]);
            assertThat(seen.header("authorization")).isNull();
        }
    }

    @Test
    void theTokenIsForwardedWhenTheRuleSaysSoAndClaimHeadersSentByTheClientAreNeverTrusted() throws Exception {
        FakeUpstream u = later(FakeUpstream.start("orders"));
        ProxyServer p = proxy(u, inline(true), null);
        String token = openssl.sign(rsa, claims("bob", 600, -10, "\"shop\"", ""));
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + p.listenerPort("main") + "/orders"))
                .header("Authorization", "Bearer " + token).header("x-jwt-team", "forged").build();
        assertThat(client.send(req, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        FakeUpstream.Seen seen = u.seen().getLast();
        assertThat(seen.header("authorization")).isEqualTo("Bearer " + token);
        assertThat(seen.header("x-jwt-sub")).isEqualTo("bob");
        assertThat(seen.header("x-jwt-team")).isNull(); // the token has no org.team, and the client's own value was removed

        HttpRequest spoof = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + p.listenerPort("main") + "/orders"))
                .header("x-jwt-sub", "admin").build();
        assertThat(client.send(spoof, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        assertThat(u.seen().getLast().header("x-jwt-sub")).isNull();
    }

    @Test
    void invalidTokensGet401WithTheJwtFlagAndNeverReachTheUpstream() throws Exception {
        FakeUpstream u = later(FakeUpstream.start("orders"));
        ProxyServer p = proxy(u, inline(false), null);
        String good = openssl.sign(rsa, valid("alice"));
        String none = OpensslJwts.b64("{\"alg\":\"none\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + OpensslJwts.b64(valid("alice").getBytes(StandardCharsets.UTF_8)) + ".";
        String hs = OpensslJwts.b64("{\"alg\":\"HS256\"}".getBytes(StandardCharsets.UTF_8)) + "." + good.split("\\.")[1] + "." + good.split("\\.")[2];
        List<String> bad = List.of(
                openssl.sign(stranger, "{\"alg\":\"RS256\",\"kid\":\"rsa-1\"}", valid("alice")),     // the wrong key under a known kid
                openssl.sign(stranger, valid("alice")),                                                // an unknown kid
                openssl.sign(rsa, claims("alice", -120, -600, "\"shop\"", "")),                        // expired beyond the skew
                openssl.sign(ec, claims("alice", 600, 300, "\"shop\"", "")),                           // not valid yet
                openssl.sign(ed, claims("alice", 600, -10, "\"elsewhere\"", "")),                      // a wrong audience
                openssl.sign(rsa, valid("alice").replace(ISSUER, "https://evil.example")),            // an issuer no rule names
                none, none + "c2ln", hs,
                "garbage", "a.b.c", good.substring(0, good.length() - 10), good + "x", good.replace('.', '!'));
        for (String token : bad) {
            HttpResponse<String> r = get(p, "/orders?x=1", token);
            assertRefused(r);
        }
        assertThat(u.requestCount()).isZero();
        // 60 s of clock skew: a token that expired 30 s ago still passes
        assertThat(get(p, "/orders", openssl.sign(rsa, claims("alice", -30, -600, "\"shop\"", ""))).statusCode()).isEqualTo(200);
    }

    @Test
    void withoutATokenARequestHasNoPrincipalSoRequestPrincipalsStarDeniesItWhileAValidTokenPasses() throws Exception {
        FakeUpstream u = later(FakeUpstream.start("orders"));
        Source anyPrincipal = new Source(null, null, List.of("*"), null, null, null, null, null, null, null);
        ProxyServer open = proxy(u, inline(false), null);
        assertThat(get(open, "/orders", null).statusCode()).isEqualTo(200);
        assertThat(get(open, "/orders", null).headers().firstValue("x-ficus-error")).isEmpty();

        ProxyServer p = proxy(u, inline(false), new AuthzPolicies(List.of(new Policy("shop/require-jwt", Action.ALLOW,
                List.of(new Rule(List.of(anyPrincipal), null, null))))));
        HttpResponse<String> denied = get(p, "/orders", null);
        assertThat(denied.statusCode()).isEqualTo(403);
        assertThat(denied.headers().firstValue("x-ficus-error")).hasValue("RBAC");
        assertThat(get(p, "/orders", openssl.sign(ec, valid("alice"))).statusCode()).isEqualTo(200);
    }

    @Test
    void thePrincipalIsIssSlashSubAndClaimsAudiencesAndPresenterReachAuthorization() throws Exception {
        FakeUpstream u = later(FakeUpstream.start("orders"));
        Source alice = new Source(null, null, List.of(ISSUER + "/alice"), null, null, null, null, null, null, null);
        ProxyServer p = proxy(u, inline(false), new AuthzPolicies(List.of(new Policy("shop/alice-admins", Action.ALLOW, List.of(new Rule(List.of(alice), null, List.of(
                new Condition("request.auth.claims[groups]", List.of("admin"), null),
                new Condition("request.auth.claims[org][team]", List.of("blue"), null),
                new Condition("request.auth.audiences", List.of("shop"), null),
                new Condition("request.auth.presenter", List.of("web"), null),
                new Condition("request.auth.principal", List.of(ISSUER + "/*"), null))))))));
        assertThat(get(p, "/orders", openssl.sign(rsa, valid("alice"))).statusCode()).isEqualTo(200);
        assertThat(get(p, "/orders", openssl.sign(rsa, valid("bob"))).statusCode()).isEqualTo(403);
        String devOnly = claims("alice", 600, -10, "\"shop\"", ",\"org\":{\"team\":\"blue\"},\"groups\":[\"dev\"]");
        assertThat(get(p, "/orders", openssl.sign(rsa, devOnly)).statusCode()).isEqualTo(403);
        String redTeam = claims("alice", 600, -10, "\"shop\"", ",\"org\":{\"team\":\"red\"},\"groups\":\"admin\"");
        assertThat(get(p, "/orders", openssl.sign(rsa, redTeam)).statusCode()).isEqualTo(403);
        String blueTeam = claims("alice", 600, -10, "\"shop\"", ",\"org\":{\"team\":\"blue\"},\"groups\":\"admin\"");
        assertThat(get(p, "/orders", openssl.sign(rsa, blueTeam)).statusCode()).isEqualTo(200);
    }

    @Test
    void aTokenInTheAccessTokenQueryParameterIsVerifiedToo() throws Exception {
        FakeUpstream u = later(FakeUpstream.start("orders"));
        ProxyServer p = proxy(u, inline(false), null);
        assertThat(get(p, "/orders?access_token=" + openssl.sign(ed, valid("carol")), null).statusCode()).isEqualTo(200);
        assertThat(u.seen().getLast().header("x-jwt-sub")).isEqualTo("carol");
        assertRefused(get(p, "/orders?access_token=not-a-token", null));
    }

    @Test
    void jwksUriIsFetchedOnceAndTokensAre401UntilItIsLoaded() throws Exception {
        FakeUpstream u = later(FakeUpstream.start("orders"));
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger fetches = new AtomicInteger();
        byte[] body = OpensslJwts.jwks(rsa).getBytes(StandardCharsets.UTF_8);
        HttpServer jwksServer = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        jwksServer.createContext("/jwks.json", ex -> {
            fetches.incrementAndGet();
            try {
                release.await(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ex.getResponseHeaders().set("content-type", "application/json");
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        jwksServer.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        jwksServer.start();
        later(() -> jwksServer.stop(0));
        String uri = "http://127.0.0.1:" + jwksServer.getAddress().getPort() + "/jwks.json";
        ProxyServer p = proxy(u, new JwtPolicies(List.of(rule(null, uri, false, List.of(new JwtPolicies.FromHeader("Authorization", "Bearer "))))), null);
        String token = openssl.sign(rsa, valid("dave"));

        await().atMost(Duration.ofSeconds(10)).until(() -> fetches.get() == 1);
        assertRefused(get(p, "/orders", token)); // the key set is not loaded yet
        assertThat(get(p, "/orders", null).statusCode()).isEqualTo(200); // without a token nothing waits for it
        release.countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> get(p, "/orders", token).statusCode() == 200);
        assertThat(u.seen().getLast().header("x-jwt-sub")).isEqualTo("dave");
        assertThat(fetches.get()).isEqualTo(1);
    }

    @Test
    void aJwksUriOfAMeshServiceIsFetchedThroughTheProxysOwnOutboundListener() throws Exception {
        FakeUpstream u = later(FakeUpstream.start("orders"));
        AtomicInteger fetches = new AtomicInteger();
        java.util.concurrent.atomic.AtomicReference<String> hostSeen = new java.util.concurrent.atomic.AtomicReference<>();
        byte[] body = OpensslJwts.jwks(rsa).getBytes(StandardCharsets.UTF_8);
        HttpServer jwksServer = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        jwksServer.createContext("/jwks.json", ex -> {
            fetches.incrementAndGet();
            hostSeen.set(ex.getRequestHeaders().getFirst("Host"));
            ex.getResponseHeaders().set("content-type", "application/json");
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        jwksServer.start();
        later(() -> jwksServer.stop(0));
        // a name that never resolves (.test is reserved): only the mesh's routes know where it is
        String uri = "http://keys.shop.test:8080/jwks.json";
        JwtPolicies jwt = new JwtPolicies(List.of(rule(null, uri, false, List.of(new JwtPolicies.FromHeader("Authorization", "Bearer ")))));
        ProxySnapshot s = ProxySnapshot.builder("1")
                .listener(new ListenerConfig("main", new HostPort("127.0.0.1", 0), ListenerKind.INBOUND, ListenerProtocol.HTTP, "main", null, (AuthzPolicies) null).withJwt(jwt))
                .listener(new ListenerConfig("out", new HostPort("127.0.0.1", 0), ListenerKind.OUTBOUND, ListenerProtocol.HTTP, "out"))
                .routeTable(new RouteTable("main", List.of(new VirtualHost("all", List.of("*"),
                        List.of(new Route("all", RouteMatch.ANY, RouteAction.Forward.to(u.name())))))))
                .routeTable(new RouteTable("out", List.of(
                        new VirtualHost("keys", List.of("keys.shop.test", "keys.shop.test:8080"), List.of(new Route("keys", RouteMatch.ANY, RouteAction.Forward.to("keys")))),
                        new VirtualHost("rest", List.of("*"), List.of(new Route("rest", RouteMatch.ANY, new RouteAction.DirectResponse(418, "not the mesh")))))))
                .cluster(ClusterConfig.of(u.name(), Endpoint.of(u.host(), u.port())))
                .cluster(ClusterConfig.of("keys", Endpoint.of("127.0.0.1", jwksServer.getAddress().getPort())))
                .build();
        ProxyServer p = later(ProxyServer.builder().snapshot(s).concurrency(1).adminPort(0).build().start());
        String token = openssl.sign(rsa, valid("erin"));
        await().atMost(Duration.ofSeconds(15)).until(() -> get(p, "/orders", token).statusCode() == 200);
        assertThat(u.seen().getLast().header("x-jwt-sub")).isEqualTo("erin");
        assertThat(fetches.get()).isEqualTo(1);
        assertThat(hostSeen.get()).isEqualTo("keys.shop.test:8080");
        assertThat(p.stats().listener("out").requests()).as("the fetch went through the outbound listener").isEqualTo(1);
    }
}
