package dev.ficus.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ficus.proxy.http.ResponseFlag;
import dev.ficus.testing.FakeUpstream;
import dev.ficus.testing.TcpEchoServer;
import dev.ficus.xds.snapshot.AuthzPolicies;
import dev.ficus.xds.snapshot.AuthzPolicies.Action;
import dev.ficus.xds.snapshot.AuthzPolicies.Operation;
import dev.ficus.xds.snapshot.AuthzPolicies.Policy;
import dev.ficus.xds.snapshot.AuthzPolicies.Rule;
import dev.ficus.xds.snapshot.AuthzPolicies.Source;
import dev.ficus.xds.snapshot.ClusterConfig;
import dev.ficus.xds.snapshot.Endpoint;
import dev.ficus.xds.snapshot.HostPort;
import dev.ficus.xds.snapshot.ListenerConfig;
import dev.ficus.xds.snapshot.ListenerKind;
import dev.ficus.xds.snapshot.ListenerProtocol;
import dev.ficus.xds.snapshot.ProxySnapshot;
import dev.ficus.xds.snapshot.Route;
import dev.ficus.xds.snapshot.RouteAction;
import dev.ficus.xds.snapshot.RouteMatch;
import dev.ficus.xds.snapshot.RouteTable;
import dev.ficus.xds.snapshot.TcpRoute;
import dev.ficus.xds.snapshot.TcpRouteTable;
import dev.ficus.xds.snapshot.VirtualHost;
import dev.ficus.xds.snapshot.WeightedCluster;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** AuthorizationPolicies on a real inbound listener in front of a real upstream, HTTP and TCP. */
class AuthzTest {
    final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    final List<AutoCloseable> closeLater = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : closeLater.reversed()) c.close();
        client.close();
    }

    <T extends AutoCloseable> T later(T c) {
        closeLater.add(c);
        return c;
    }

    static AuthzPolicies policies(Policy... p) { return new AuthzPolicies(List.of(p)); }

    ProxyServer httpProxy(FakeUpstream u, AuthzPolicies authz) throws Exception {
        ProxySnapshot s = ProxySnapshot.builder("1")
                .listener(new ListenerConfig("main", new HostPort("127.0.0.1", 0), ListenerKind.INBOUND, ListenerProtocol.HTTP, "main", null, authz))
                .routeTable(new RouteTable("main", List.of(new VirtualHost("all", List.of("*"),
                        List.of(new Route("all", RouteMatch.ANY, RouteAction.Forward.to(u.name())))))))
                .cluster(ClusterConfig.of(u.name(), Endpoint.of(u.host(), u.port())))
                .build();
        return later(ProxyServer.builder().snapshot(s).concurrency(1).adminPort(0).build().start());
    }

    HttpResponse<String> send(ProxyServer p, String method, String path) throws Exception {
        HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + p.listenerPort("main") + path))
                .timeout(Duration.ofSeconds(10))
                .method(method, method.equals("GET") ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString("order=1"))
                .build();
        return client.send(r, HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void allowedByPathReachesTheUpstreamAndADeniedMethodGets403Rbac() throws Exception {
        FakeUpstream u = later(FakeUpstream.start("orders"));
        ProxyServer p = httpProxy(u, policies(new Policy("shop/read-api", Action.ALLOW, List.of(new Rule(null,
                List.of(new Operation(null, null, null, null, List.of("GET"), null, List.of("/api/*"), null)), null)))));

        HttpResponse<String> ok = send(p, "GET", "/api/orders?page=2");
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.body()).isEqualTo("orders");

        HttpResponse<String> denied = send(p, "POST", "/api/orders");
        assertThat(denied.statusCode()).isEqualTo(403);
        assertThat(denied.body()).isEqualTo("RBAC: access denied");
        assertThat(denied.headers().firstValue("x-ficus-error")).hasValue("RBAC");
        assertThat(send(p, "GET", "/admin").statusCode()).as("path outside the ALLOW rule").isEqualTo(403);

        assertThat(u.seen()).extracting(FakeUpstream.Seen::method).containsExactly("GET");
        var stats = p.stats().listener("main");
        assertThat(stats.authzAllowed()).isEqualTo(1);
        assertThat(stats.authzDenied()).isEqualTo(2);
        assertThat(stats.responses(ResponseFlag.RBAC)).isEqualTo(2);

        HttpResponse<String> metrics = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + p.adminPort() + "/stats/prometheus")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(metrics.body()).contains("ficus_listener_authz_total{listener=\"main\",result=\"denied\"} 2",
                "ficus_listener_authz_total{listener=\"main\",result=\"allowed\"} 1",
                "ficus_listener_response_flags_total{listener=\"main\",flag=\"RBAC\"} 2");
    }

    @Test
    void ipBlocksDenyTheLoopbackPeer() throws Exception {
        FakeUpstream u = later(FakeUpstream.start("orders"));
        ProxyServer p = httpProxy(u, policies(new Policy("shop/no-loopback", Action.DENY, List.of(new Rule(
                List.of(new Source(null, null, null, null, null, null, List.of("127.0.0.1/8"), null, null, null)), null, null)))));
        HttpResponse<String> r = send(p, "GET", "/");
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(r.headers().firstValue("x-ficus-error")).hasValue("RBAC");
        assertThat(u.requestCount()).isZero();
    }

    @Test
    void auditedRequestsAreCountedAndStillServed() throws Exception {
        FakeUpstream u = later(FakeUpstream.start("orders"));
        ProxyServer p = httpProxy(u, policies(new Policy("shop/audit", Action.AUDIT, List.of(Rule.ANY))));
        assertThat(send(p, "GET", "/").statusCode()).isEqualTo(200);
        assertThat(p.stats().listener("main").authzAudited()).isEqualTo(1);
        assertThat(p.stats().listener("main").authzAllowed()).isEqualTo(1);
    }

    @Test
    void aDenyOnATcpListenerClosesTheConnectionBeforeTheUpstream() throws Exception {
        TcpEchoServer echo = later(TcpEchoServer.start("db"));
        AuthzPolicies denyLoopback = policies(new Policy("shop/no-loopback", Action.DENY, List.of(new Rule(
                List.of(new Source(null, null, null, null, null, null, List.of("127.0.0.0/8"), null, null, null)), null, null))));
        ProxyServer p = later(ProxyServer.builder().snapshot(ProxySnapshot.builder("1")
                        .listener(new ListenerConfig("main", new HostPort("127.0.0.1", 0), ListenerKind.INBOUND, ListenerProtocol.TCP, "main",
                                new TcpRouteTable(List.of(new TcpRoute("all", List.of(), new RouteAction.Forward(List.of(new WeightedCluster("db", 1)))))),
                                denyLoopback))
                        .cluster(ClusterConfig.of("db", Endpoint.of(echo.host(), echo.port())))
                        .build())
                .concurrency(1).adminPort(-1).build().start());

        try (Socket s = new Socket("127.0.0.1", p.listenerPort("main"))) {
            s.setSoTimeout(10_000);
            // nothing is written first: unread bytes would turn the proxy's close into a reset
            assertThat(s.getInputStream().read()).as("closed by the proxy").isEqualTo(-1);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> p.stats().listener("main").responses(ResponseFlag.RBAC) == 1);
        assertThat(p.stats().listener("main").authzDenied()).isEqualTo(1);
        assertThat(echo.connectionCount()).isZero();
    }

    @Test
    void anAllowedTcpConnectionIsSpliced() throws Exception {
        TcpEchoServer echo = later(TcpEchoServer.start("db"));
        AuthzPolicies allowLoopback = policies(new Policy("shop/loopback", Action.ALLOW, List.of(new Rule(
                List.of(new Source(null, null, null, null, null, null, List.of("127.0.0.0/8"), null, null, null)), null, null))));
        ProxyServer p = later(ProxyServer.builder().snapshot(ProxySnapshot.builder("1")
                        .listener(new ListenerConfig("main", new HostPort("127.0.0.1", 0), ListenerKind.INBOUND, ListenerProtocol.TCP, "main",
                                new TcpRouteTable(List.of(new TcpRoute("all", List.of(), new RouteAction.Forward(List.of(new WeightedCluster("db", 1)))))),
                                allowLoopback))
                        .cluster(ClusterConfig.of("db", Endpoint.of(echo.host(), echo.port())))
                        .build())
                .concurrency(1).adminPort(-1).build().start());
        assertThat(talk(p.listenerPort("main"), "hello")).containsExactly("db:hello", "db:bye");
        assertThat(p.stats().listener("main").authzAllowed()).isEqualTo(1);
    }

    /** Sends one line, half-closes, and returns everything the far side answered until it closed. */
    static List<String> talk(int port, String line) throws java.io.IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write((line + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
            s.shutdownOutput();
            return new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream(), java.nio.charset.StandardCharsets.UTF_8)).lines().toList();
        }
    }
}
