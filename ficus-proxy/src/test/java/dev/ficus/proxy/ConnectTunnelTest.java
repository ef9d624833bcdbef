package dev.ficus.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ficus.proxy.http.ResponseFlag;
import dev.ficus.testing.ClosedPort;
import dev.ficus.testing.FakeUpstream;
import dev.ficus.testing.TcpEchoServer;
import dev.ficus.xds.snapshot.ClusterConfig;
import dev.ficus.xds.snapshot.Endpoint;
import dev.ficus.xds.snapshot.ProxySnapshot;
import dev.ficus.xds.snapshot.Route;
import dev.ficus.xds.snapshot.RouteAction;
import dev.ficus.xds.snapshot.RouteMatch;
import dev.ficus.xds.snapshot.RouteTable;
import dev.ficus.xds.snapshot.VirtualHost;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** HTTP CONNECT on an HTTP listener (forward-proxy mode): routing by authority, the tunnel, and its failures. */
class ConnectTunnelTest {
    final List<AutoCloseable> closeLater = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : closeLater.reversed()) c.close();
    }

    <T extends AutoCloseable> T later(T c) {
        closeLater.add(c);
        return c;
    }

    /** Virtual host {@code authority} routes (a route with a path prefix, to show CONNECT matches "/") to cluster {@code name}. */
    static ProxySnapshot snapshot(String authority, String name, int port) {
        return ProxySnapshot.builder("1")
                .listener(Snapshots.listener())
                .routeTable(new RouteTable("main", List.of(new VirtualHost("tunnel", List.of(authority),
                        List.of(new Route("only-api", RouteMatch.prefix("/api"), new RouteAction.DirectResponse(418, "api")),
                                new Route("root", RouteMatch.prefix("/"), RouteAction.Forward.to(name)))))))
                .cluster(ClusterConfig.of(name, Endpoint.of("127.0.0.1", port)))
                .build();
    }

    ProxyServer proxy(ProxySnapshot s) throws Exception {
        return later(ProxyServer.builder().snapshot(s).concurrency(1).adminPort(-1).build().start());
    }

    record Answer(String statusLine, List<String> rest) {}

    /** Sends {@code head}, then each of {@code lines} once the status line came, half-closes and reads to the end. */
    static Answer exchange(int port, String head, String... lines) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            String status = in.readLine();
            List<String> headers = new ArrayList<>();
            for (String l; (l = in.readLine()) != null && !l.isEmpty() && headers.size() < 100; ) headers.add(l);
            if (status != null && status.startsWith("HTTP/1.1 200")) {
                assertThat(headers).noneMatch(h -> h.toLowerCase().startsWith("content-length") || h.toLowerCase().startsWith("transfer-encoding"));
                for (String line : lines) out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
                s.shutdownOutput();
                return new Answer(status, in.lines().toList());
            }
            return new Answer(status, headers);
        }
    }

    @Test
    void connectTunnelsBytesBothWaysAndHalfCloses() throws Exception {
        TcpEchoServer echo = later(TcpEchoServer.start("echo"));
        ProxyServer p = proxy(snapshot("echo:9000", "echo", echo.port()));
        Answer a = exchange(p.listenerPort("main"), "CONNECT echo:9000 HTTP/1.1\r\nHost: echo:9000\r\n\r\n", "hello through the tunnel");
        assertThat(a.statusLine()).isEqualTo("HTTP/1.1 200 Connection Established");
        assertThat(a.rest()).containsExactly("echo:hello through the tunnel", "echo:bye");
        assertThat(echo.connectionCount()).isEqualTo(1);
        await().atMost(Duration.ofSeconds(5)).until(() -> p.stats().listener("main").responses(2) == 1);
        assertThat(p.stats().listener("main").requests()).isEqualTo(1);
        await().atMost(Duration.ofSeconds(5)).until(() -> p.stats().cluster("echo").connectionsActive() == 0);
        assertThat(p.stats().cluster("echo").connectionsTotal()).isEqualTo(1);
    }

    /**
     * From YAML: service db (ports 5432 and 6000) has a VirtualService with only a {@code tcp} route,
     * which sends port 5432 to db-new. A CONNECT to db's 5432 takes that route, as a TCP connection
     * to the port would; a CONNECT to 6000, which no tcp route covers, reaches db's own endpoint;
     * neither is taken for a host outside the registry (passthrough, DF).
     */
    @Test
    void connectToAServiceWithOnlyTcpRoutesIsRoutedByThePortsTcpRoute() throws Exception {
        TcpEchoServer db = later(TcpEchoServer.start("db"));
        TcpEchoServer admin = later(TcpEchoServer.start("admin"));
        TcpEchoServer dbNew = later(TcpEchoServer.start("db-new"));
        String yaml = """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: db, namespace: shop}
                spec:
                  hosts: [db.shop.svc.cluster.local]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports: [{number: 5432, name: tcp-pg, protocol: TCP}, {number: 6000, name: tcp-admin, protocol: TCP}]
                  endpoints: [{address: 127.0.0.1, ports: {tcp-pg: %d, tcp-admin: %d}}]
                ---
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: db-new, namespace: shop}
                spec:
                  hosts: [db-new.shop.svc.cluster.local]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports: [{number: 5432, name: tcp-pg, protocol: TCP}]
                  endpoints: [{address: 127.0.0.1, ports: {tcp-pg: %d}}]
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: db, namespace: shop}
                spec:
                  hosts: [db]
                  tcp:
                  - match: [{port: 5432}]
                    route: [{destination: {host: db-new, port: {number: 5432}}}]
                """.formatted(db.port(), admin.port(), dbNew.port());
        ProxySnapshot snapshot = Snapshots.fromYaml(yaml, "web", "shop");
        ProxyServer p = proxy(snapshot);
        int port = p.listenerPort("outbound");

        for (String authority : List.of("db:5432", "db.shop:5432", "db.shop.svc.cluster.local:5432")) {
            Answer a = exchange(port, "CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n\r\n", "select 1");
            assertThat(a.statusLine()).as(authority).isEqualTo("HTTP/1.1 200 Connection Established");
            assertThat(a.rest()).as(authority).containsExactly("db-new:select 1", "db-new:bye");
        }
        Answer toAdmin = exchange(port, "CONNECT db.shop:6000 HTTP/1.1\r\nHost: db.shop:6000\r\n\r\n", "status");
        assertThat(toAdmin.statusLine()).isEqualTo("HTTP/1.1 200 Connection Established");
        assertThat(toAdmin.rest()).as("no tcp route for 6000: db's own endpoint").containsExactly("admin:status", "admin:bye");
        assertThat(db.connectionCount()).isZero();
        assertThat(dbNew.connectionCount()).isEqualTo(3);
        assertThat(p.stats().cluster("outbound|5432||db-new.shop.svc.cluster.local").connectionsTotal()).isEqualTo(3);
        assertThat(p.stats().cluster(dev.ficus.proxy.cluster.Passthrough.CLUSTER).requests()).isZero();
    }

    /**
     * Istio's egress pattern through {@code HTTPS_PROXY}: a VirtualService's {@code tls} route sends
     * api.example.com:443 (by server name) to an egress service. A CONNECT to api.example.com:443,
     * in any case, takes it: the tunnel's host is the server name the client sends inside it. A
     * CONNECT to a host the route does not name, or to another port, reaches that service's own endpoint.
     */
    @Test
    void connectIsRoutedByTheTlsRouteThatNamesItsHost() throws Exception {
        TcpEchoServer api = later(TcpEchoServer.start("api"));
        TcpEchoServer apiAlt = later(TcpEchoServer.start("api-8443"));
        TcpEchoServer other = later(TcpEchoServer.start("other"));
        TcpEchoServer egress = later(TcpEchoServer.start("egress"));
        String yaml = """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: external, namespace: shop}
                spec:
                  hosts: [api.example.com]
                  location: MESH_EXTERNAL
                  resolution: STATIC
                  ports: [{number: 443, name: tls, protocol: TLS}, {number: 8443, name: tls-alt, protocol: TLS}]
                  endpoints: [{address: 127.0.0.1, ports: {tls: %d, tls-alt: %d}}]
                ---
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: other, namespace: shop}
                spec:
                  hosts: [other.example.com]
                  location: MESH_EXTERNAL
                  resolution: STATIC
                  ports: [{number: 443, name: tls, protocol: TLS}]
                  endpoints: [{address: 127.0.0.1, ports: {tls: %d}}]
                ---
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: egress, namespace: shop}
                spec:
                  hosts: [egress.shop.svc.cluster.local]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports: [{number: 443, name: tls, protocol: TLS}]
                  endpoints: [{address: 127.0.0.1, ports: {tls: %d}}]
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: via-egress, namespace: shop}
                spec:
                  hosts: [api.example.com]
                  tls:
                  - match: [{port: 443, sniHosts: [api.example.com]}]
                    route: [{destination: {host: egress, port: {number: 443}}}]
                """.formatted(api.port(), apiAlt.port(), other.port(), egress.port());
        ProxySnapshot snapshot = Snapshots.fromYaml(yaml, "web", "shop");
        ProxyServer p = proxy(snapshot);
        int port = p.listenerPort("outbound");

        for (String authority : List.of("api.example.com:443", "API.Example.com:443")) {
            Answer a = exchange(port, "CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n\r\n", "hello");
            assertThat(a.statusLine()).as(authority).isEqualTo("HTTP/1.1 200 Connection Established");
            assertThat(a.rest()).as(authority).containsExactly("egress:hello", "egress:bye");
        }
        Answer alt = exchange(port, "CONNECT api.example.com:8443 HTTP/1.1\r\nHost: api.example.com:8443\r\n\r\n", "hello");
        assertThat(alt.rest()).as("the tls route matches port 443 only").containsExactly("api-8443:hello", "api-8443:bye");
        Answer o = exchange(port, "CONNECT other.example.com:443 HTTP/1.1\r\nHost: other.example.com:443\r\n\r\n", "hello");
        assertThat(o.rest()).as("no route names other.example.com").containsExactly("other:hello", "other:bye");
        assertThat(api.connectionCount()).isZero();
        assertThat(egress.connectionCount()).isEqualTo(2);
        assertThat(p.stats().cluster("outbound|443||egress.shop.svc.cluster.local").connectionsTotal()).isEqualTo(2);
    }

    @Test
    void connectWithoutMatchingAuthorityIs404NR() throws Exception {
        TcpEchoServer echo = later(TcpEchoServer.start("echo"));
        ProxyServer p = proxy(snapshot("echo:9000", "echo", echo.port()));
        Answer a = exchange(p.listenerPort("main"), "CONNECT other:443 HTTP/1.1\r\nHost: other:443\r\n\r\n");
        assertThat(a.statusLine()).startsWith("HTTP/1.1 404");
        assertThat(a.rest()).anyMatch(h -> h.equalsIgnoreCase("x-ficus-error: NR"));
        assertThat(p.stats().listener("main").responses(ResponseFlag.NR)).isEqualTo(1);
        assertThat(echo.connectionCount()).isZero();
    }

    @Test
    void connectToAClosedPortIs503UF() throws Exception {
        ProxyServer p = proxy(snapshot("echo:9000", "down", ClosedPort.find()));
        Answer a = exchange(p.listenerPort("main"), "CONNECT echo:9000 HTTP/1.1\r\nHost: echo:9000\r\n\r\n");
        assertThat(a.statusLine()).startsWith("HTTP/1.1 503");
        assertThat(a.rest()).anyMatch(h -> h.equalsIgnoreCase("x-ficus-error: UF"));
        await().atMost(Duration.ofSeconds(5)).until(() -> p.stats().listener("main").responses(ResponseFlag.UF) == 1);
    }

    @Test
    void connectWithoutHostAndPortIs400() throws Exception {
        TcpEchoServer echo = later(TcpEchoServer.start("echo"));
        ProxyServer p = proxy(snapshot("echo:9000", "echo", echo.port()));
        for (String target : List.of("echo", "/echo:9000", "echo:", "echo:http", "echo:70000")) {
            Answer a = exchange(p.listenerPort("main"), "CONNECT " + target + " HTTP/1.1\r\nHost: echo:9000\r\n\r\n");
            assertThat(a.statusLine()).as(target).startsWith("HTTP/1.1 400");
        }
        assertThat(echo.connectionCount()).isZero();
    }

    @Test
    void curlProxyTunnelReachesAnHttpUpstream() throws Exception {
        FakeUpstream web = later(FakeUpstream.start("web"));
        ProxyServer p = proxy(snapshot("web:9000", "web", web.port()));
        Process curl = new ProcessBuilder("curl", "-sS", "--max-time", "10", "-p", "-x", "http://127.0.0.1:" + p.listenerPort("main"), "http://web:9000/hello")
                .redirectErrorStream(true).start();
        assertThat(curl.waitFor(15, TimeUnit.SECONDS)).isTrue();
        String out = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(curl.exitValue()).as(out).isZero();
        assertThat(out).isEqualTo("web");
        assertThat(web.seen()).singleElement().satisfies(s -> {
            assertThat(s.path()).isEqualTo("/hello");
            assertThat(s.header("host")).isEqualTo("web:9000");
        });
    }
}
