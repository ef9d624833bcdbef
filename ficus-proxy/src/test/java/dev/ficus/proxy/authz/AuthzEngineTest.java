package dev.ficus.proxy.authz;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ficus.proxy.authz.AuthzEngine.Decision;
import dev.ficus.proxy.tls.PeerAuth;
import dev.ficus.xds.snapshot.AuthzPolicies;
import dev.ficus.xds.snapshot.AuthzPolicies.Action;
import dev.ficus.xds.snapshot.AuthzPolicies.Condition;
import dev.ficus.xds.snapshot.AuthzPolicies.Operation;
import dev.ficus.xds.snapshot.AuthzPolicies.Policy;
import dev.ficus.xds.snapshot.AuthzPolicies.Rule;
import dev.ficus.xds.snapshot.AuthzPolicies.Source;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Istio's decision order and field semantics, evaluated without sockets. */
class AuthzEngineTest {
    static final byte[] LOCAL = {127, 0, 0, 1};
    static final byte[] OTHER = {10, 1, 2, 3};
    static final PeerAuth WEB = new PeerAuth(true, "cluster.local/ns/shop/sa/web", "shop");

    static AuthzRequest get(String path) { return http("GET", path, PeerAuth.PLAINTEXT, LOCAL); }

    static AuthzRequest http(String method, String path, PeerAuth peer, byte[] source) {
        return new AuthzRequest(true, peer, source, LOCAL, 15006, null, method, path, "reviews.shop:9080",
                new DefaultHttpHeaders().add("x-user", "alice"));
    }

    static AuthzRequest tcp(byte[] source) {
        return new AuthzRequest(false, PeerAuth.PLAINTEXT, source, LOCAL, 15006, "db.example.com", null, null, null, null);
    }

    static Rule to(Operation o) { return new Rule(null, List.of(o), null); }

    static Rule from(Source s) { return new Rule(List.of(s), null, null); }

    static Operation paths(String... p) { return new Operation(null, null, null, null, null, null, List.of(p), null); }

    static Operation methods(String... m) { return new Operation(null, null, null, null, List.of(m), null, null, null); }

    static Source ipBlocks(String... b) { return new Source(null, null, null, null, null, null, List.of(b), null, null, null); }

    static AuthzEngine engine(Policy... p) { return AuthzEngine.compile(new AuthzPolicies(List.of(p))); }

    @Test
    void noPolicyCompilesToNothing() {
        assertThat(AuthzEngine.compile(AuthzPolicies.NONE)).isNull();
        assertThat(AuthzEngine.compile(null)).isNull();
    }

    @Test
    void withoutAllowPoliciesEverythingIsAllowed() {
        AuthzEngine e = engine(new Policy("deny-admin", Action.DENY, List.of(to(paths("/admin/*")))));
        assertThat(e.evaluate(get("/api"))).isEqualTo(Decision.ALLOWED);
        assertThat(e.evaluate(get("/admin/users"))).isEqualTo(Decision.DENIED);
    }

    @Test
    void allowPoliciesDenyWhatNoneOfThemMatches() {
        AuthzEngine e = engine(new Policy("api", Action.ALLOW, List.of(to(paths("/api/*")))),
                new Policy("health", Action.ALLOW, List.of(to(paths("/healthz")))));
        assertThat(e.evaluate(get("/api/x")).allowed()).isTrue();
        assertThat(e.evaluate(get("/healthz")).allowed()).isTrue();
        assertThat(e.evaluate(get("/other")).allowed()).isFalse();
    }

    @Test
    void denyBeatsAllow() {
        AuthzEngine e = engine(new Policy("all", Action.ALLOW, List.of(Rule.ANY)),
                new Policy("no-post", Action.DENY, List.of(to(methods("POST")))));
        assertThat(e.evaluate(get("/x")).allowed()).isTrue();
        assertThat(e.evaluate(http("POST", "/x", PeerAuth.PLAINTEXT, LOCAL)).allowed()).isFalse();
    }

    @Test
    void allowNothingAndAllowAll() {
        assertThat(engine(new Policy("allow-nothing", Action.ALLOW, List.of())).evaluate(get("/")).allowed()).isFalse();
        assertThat(engine(new Policy("allow-all", Action.ALLOW, List.of(Rule.ANY))).evaluate(get("/")).allowed()).isTrue();
        assertThat(engine(new Policy("deny-nothing", Action.DENY, List.of())).evaluate(get("/")).allowed()).isTrue();
        assertThat(engine(new Policy("deny-all", Action.DENY, List.of(Rule.ANY))).evaluate(get("/")).allowed()).isFalse();
    }

    @Test
    void auditMarksWithoutChangingTheDecision() {
        Policy audit = new Policy("audit-api", Action.AUDIT, List.of(to(paths("/api/*"))));
        assertThat(engine(audit).evaluate(get("/api/x"))).isEqualTo(Decision.ALLOWED_AUDITED);
        assertThat(engine(audit).evaluate(get("/other"))).isEqualTo(Decision.ALLOWED);
        assertThat(engine(audit, new Policy("deny", Action.DENY, List.of(Rule.ANY))).evaluate(get("/api/x"))).isEqualTo(Decision.DENIED_AUDITED);
    }

    @Test
    void fieldsAreAndedValuesOredAndNotFieldsExclude() {
        Operation op = new Operation(null, null, null, null, List.of("GET", "HEAD"), null, List.of("/api/*"), List.of("/api/secret"));
        AuthzEngine e = engine(new Policy("p", Action.ALLOW, List.of(to(op))));
        assertThat(e.evaluate(get("/api/x")).allowed()).isTrue();
        assertThat(e.evaluate(http("HEAD", "/api/x", PeerAuth.PLAINTEXT, LOCAL)).allowed()).isTrue();
        assertThat(e.evaluate(http("POST", "/api/x", PeerAuth.PLAINTEXT, LOCAL)).allowed()).as("method not listed").isFalse();
        assertThat(e.evaluate(get("/api/secret")).allowed()).as("notPaths").isFalse();
        assertThat(e.evaluate(get("/web")).allowed()).as("path not listed").isFalse();
    }

    @Test
    void fromToAndWhenAreAnded() {
        Rule r = new Rule(List.of(ipBlocks("127.0.0.0/8")), List.of(paths("/api/*")),
                List.of(new Condition("request.headers[X-User]", List.of("alice"), null)));
        AuthzEngine e = engine(new Policy("p", Action.ALLOW, List.of(r)));
        assertThat(e.evaluate(get("/api/x")).allowed()).isTrue();
        assertThat(e.evaluate(http("GET", "/api/x", PeerAuth.PLAINTEXT, OTHER)).allowed()).isFalse();
        assertThat(e.evaluate(get("/web")).allowed()).isFalse();
        AuthzEngine bob = engine(new Policy("p", Action.ALLOW, List.of(new Rule(null, null,
                List.of(new Condition("request.headers[x-user]", null, List.of("alice")))))));
        assertThat(bob.evaluate(get("/")).allowed()).as("notValues").isFalse();
    }

    @Test
    void principalsAndNamespacesNeedAnAuthenticatedPeer() {
        Source s = new Source(List.of("cluster.local/ns/shop/sa/*"), null, null, null, List.of("shop"), null, null, null, null, null);
        AuthzEngine e = engine(new Policy("p", Action.ALLOW, List.of(from(s))));
        assertThat(e.evaluate(http("GET", "/", WEB, LOCAL)).allowed()).isTrue();
        assertThat(e.evaluate(get("/")).allowed()).as("plaintext has no principal").isFalse();
        Source notAny = new Source(null, List.of("*"), null, null, null, null, null, null, null, null);
        AuthzEngine plaintextOnly = engine(new Policy("p", Action.ALLOW, List.of(from(notAny))));
        assertThat(plaintextOnly.evaluate(get("/")).allowed()).isTrue();
        assertThat(plaintextOnly.evaluate(http("GET", "/", WEB, LOCAL)).allowed()).isFalse();
    }

    @Test
    void anAbsentRequestPrincipalMatchesOnlyNotRequestPrincipals() {
        Source needs = new Source(null, null, List.of("*"), null, null, null, null, null, null, null);
        assertThat(engine(new Policy("p", Action.ALLOW, List.of(from(needs)))).evaluate(get("/")).allowed()).isFalse();
        Source without = new Source(null, null, null, List.of("*"), null, null, null, null, null, null);
        assertThat(engine(new Policy("p", Action.ALLOW, List.of(from(without)))).evaluate(get("/")).allowed()).isTrue();
        Rule claims = new Rule(null, null, List.of(new Condition("request.auth.claims[groups]", List.of("admin"), null)));
        assertThat(engine(new Policy("p", Action.ALLOW, List.of(claims))).evaluate(get("/")).allowed()).isFalse();
    }

    @Test
    void conditionsOnAddressesPortsAndSni() {
        Rule r = new Rule(null, null, List.of(new Condition("source.ip", List.of("127.0.0.1"), null),
                new Condition("destination.port", List.of("15006"), null), new Condition("connection.sni", List.of("*.example.com"), null)));
        AuthzEngine e = engine(new Policy("p", Action.ALLOW, List.of(r)));
        assertThat(e.evaluate(tcp(LOCAL)).allowed()).isTrue();
        assertThat(e.evaluate(tcp(OTHER)).allowed()).isFalse();
        assertThat(e.evaluate(get("/")).allowed()).as("no SNI on plaintext HTTP").isFalse();
    }

    @Test
    void onTcpHttpOnlyFieldsFailAllowRulesAndAreIgnoredByDenyRules() {
        AuthzEngine allow = engine(new Policy("p", Action.ALLOW, List.of(to(paths("*")))));
        assertThat(allow.evaluate(tcp(LOCAL)).allowed()).isFalse();
        AuthzEngine deny = engine(new Policy("p", Action.DENY, List.of(new Rule(List.of(ipBlocks("10.0.0.0/8")), List.of(methods("POST")), null))));
        assertThat(deny.evaluate(tcp(OTHER)).allowed()).as("method ignored, address matches").isFalse();
        assertThat(deny.evaluate(tcp(LOCAL)).allowed()).isTrue();
        AuthzEngine notPaths = engine(new Policy("p", Action.ALLOW, List.of(to(new Operation(null, null, List.of(15006), null, null, null, null, List.of("/x"))))));
        assertThat(notPaths.evaluate(tcp(LOCAL)).allowed()).isFalse();
        AuthzEngine ports = engine(new Policy("p", Action.ALLOW, List.of(to(new Operation(null, null, List.of(15006), null, null, null, null, null)))));
        assertThat(ports.evaluate(tcp(LOCAL)).allowed()).as("ports work for TCP").isTrue();
    }

    @Test
    void hostsMatchCaseInsensitivelyWithOrWithoutPort() {
        AuthzEngine e = engine(new Policy("p", Action.ALLOW, List.of(to(new Operation(List.of("REVIEWS.shop"), null, null, null, null, null, null, null)))));
        assertThat(e.evaluate(get("/")).allowed()).isTrue();
        AuthzEngine other = engine(new Policy("p", Action.ALLOW, List.of(to(new Operation(List.of("reviews.shop:9081"), null, null, null, null, null, null, null)))));
        assertThat(other.evaluate(get("/")).allowed()).isFalse();
    }

    @Test
    void ipv6Blocks() {
        byte[] v6 = new byte[16];
        v6[0] = 0x20; v6[1] = 0x01; v6[2] = 0x0d; v6[3] = (byte) 0xb8; v6[15] = 1;
        AuthzEngine e = engine(new Policy("p", Action.DENY, List.of(from(ipBlocks("2001:db8::/32")))));
        assertThat(e.evaluate(http("GET", "/", PeerAuth.PLAINTEXT, v6)).allowed()).isFalse();
        assertThat(e.evaluate(get("/")).allowed()).as("an IPv4 peer is never in an IPv6 block").isTrue();
    }
}
