package dev.ficus.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ficus.proxy.cluster.Passthrough;
import dev.ficus.proxy.http.ResponseFlag;
import dev.ficus.testing.FakeUpstream;
import dev.ficus.testing.TcpEchoServer;
import dev.ficus.xds.snapshot.ClusterConfig;
import dev.ficus.xds.snapshot.Endpoint;
import dev.ficus.xds.snapshot.OutboundPolicy;
import dev.ficus.xds.snapshot.ProxySnapshot;
import dev.ficus.xds.snapshot.Route;
import dev.ficus.xds.snapshot.RouteAction;
import dev.ficus.xds.snapshot.RouteMatch;
import dev.ficus.xds.snapshot.RouteTable;
import dev.ficus.xds.snapshot.VirtualHost;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Istio's outboundTrafficPolicy on an outbound (HTTP_PROXY) listener, with real sockets: in
 * ALLOW_ANY mode a host no route names is reached directly (absolute-form requests and CONNECT,
 * names resolved off the event loop, connections pooled per address); REGISTRY_ONLY refuses it
 * with 502 NR; a name that does not resolve gets 503 DF.
 */
class PassthroughTest {
    final List<AutoCloseable> closeLater = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : closeLater.reversed()) c.close();
    }

    <T extends AutoCloseable> T later(T c) {
        closeLater.add(c);
        return c;
    }

    /** An outbound listener whose only route is for {@code known}; everything else is left to {@code policy}. */
    ProxyServer proxy(OutboundPolicy policy, FakeUpstream known) throws Exception {
        ProxySnapshot s = ProxySnapshot.builder("1")
                .listener(Snapshots.listener().withOutbound(policy))
                .routeTable(new RouteTable("main", List.of(new VirtualHost("known", List.of("known.shop"),
                        List.of(new Route("known", RouteMatch.ANY, RouteAction.Forward.to("known")))))))
                .cluster(ClusterConfig.of("known", Endpoint.of("127.0.0.1", known.port())))
                .build();
        return later(ProxyServer.builder().snapshot(s).concurrency(1).adminPort(-1).build().start());
    }

    /** A client that uses the proxy as its HTTP proxy, as an app with HTTP_PROXY does. */
    static HttpClient viaProxy(ProxyServer p) {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .proxy(ProxySelector.of(new InetSocketAddress("127.0.0.1", p.listenerPort("main")))).build();
    }

    @Test
    void allowAnySendsHostsOutsideTheRoutesStraightToThemAndReusesTheConnection() throws Exception {
        FakeUpstream known = later(FakeUpstream.start("known"));
        FakeUpstream outside = later(FakeUpstream.start("outside"));
        ProxyServer p = proxy(OutboundPolicy.ALLOW_ANY, known);
        HttpClient client = viaProxy(p);
        // by name (resolved on the resolver thread) and by address literal
        for (String host : List.of("localhost", "127.0.0.1", "localhost")) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://" + host + ":" + outside.port() + "/api/x?y=1")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("outside");
        }
        assertThat(outside.requestCount()).isEqualTo(3);
        assertThat(outside.seen().getLast().path()).as("origin-form upstream").isEqualTo("/api/x?y=1");
        assertThat(outside.connectionCount()).as("one pooled connection per destination address").isEqualTo(1);
        assertThat(known.requestCount()).isZero();
        assertThat(p.stats().cluster(Passthrough.CLUSTER).requests()).isEqualTo(3);
        // the routes still win for the hosts they name
        HttpResponse<String> k = client.send(HttpRequest.newBuilder(URI.create("http://known.shop/")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(k.body()).isEqualTo("known");
        // the mesh's peer metadata goes to the mesh's services, not to hosts outside it
        assertThat(known.seen().getLast().header("x-ficus-peer")).isNotNull();
        assertThat(outside.seen()).allSatisfy(seen -> assertThat(seen.header("x-ficus-peer")).isNull());
    }

    @Test
    void aRequestBodySentWhileTheNameResolvesReachesTheHost() throws Exception {
        FakeUpstream known = later(FakeUpstream.start("known"));
        FakeUpstream outside = later(FakeUpstream.start("outside"));
        ProxyServer p = proxy(OutboundPolicy.ALLOW_ANY, known);
        byte[] body = "x".repeat(200_000).getBytes(StandardCharsets.US_ASCII);
        HttpResponse<String> r = viaProxy(p).send(HttpRequest.newBuilder(URI.create("http://localhost:" + outside.port() + "/upload"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(outside.seen().getLast().bodyBytes()).isEqualTo(body.length);
    }

    /** Opens a CONNECT tunnel to {@code authority} (a {@link TcpEchoServer}) through the listener on {@code port}; a line goes through and back. */
    static void tunnelThrough(int port, String authority) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            out.write(("CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertThat(in.readLine()).isEqualTo("HTTP/1.1 200 Connection Established");
            for (String l; (l = in.readLine()) != null && !l.isEmpty(); ) { /* headers */ }
            out.write("through\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            assertThat(in.readLine()).isEqualTo("echo:through");
        }
    }

    @Test
    void allowAnyTunnelsConnectToAHostOutsideTheRoutes() throws Exception {
        FakeUpstream known = later(FakeUpstream.start("known"));
        TcpEchoServer echo = later(TcpEchoServer.start("echo"));
        ProxyServer p = proxy(OutboundPolicy.ALLOW_ANY, known);
        tunnelThrough(p.listenerPort("main"), "localhost:" + echo.port());
        assertThat(echo.connectionCount()).isEqualTo(1);
    }

    @Test
    void aHostThatIsTheProxysOwnListenerIsRefusedInsteadOfLoopingBackForever() throws Exception {
        // h2load -H 'Host: x' sends its own Host first: a request for the proxy's own address went
        // back to the proxy through the passthrough, again and again, until the heap ran out
        FakeUpstream known = later(FakeUpstream.start("known"));
        ProxyServer p = proxy(OutboundPolicy.ALLOW_ANY, known);
        int port = p.listenerPort("main");
        for (String host : List.of("127.0.0.1", "localhost")) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                s.setSoTimeout(10_000);
                s.getOutputStream().write(("GET /x HTTP/1.1\r\nHost: " + host + ":" + port + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                assertThat(in.readLine()).isEqualTo("HTTP/1.1 502 Bad Gateway");
                List<String> head = new ArrayList<>();
                for (String l; (l = in.readLine()) != null && !l.isEmpty(); ) head.add(l.toLowerCase(java.util.Locale.ROOT));
                assertThat(head).contains("x-ficus-error: nr");
            }
            try (Socket s = new Socket("127.0.0.1", port)) {
                s.setSoTimeout(10_000);
                String authority = host + ":" + port;
                s.getOutputStream().write(("CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                assertThat(new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)).readLine())
                        .isEqualTo("HTTP/1.1 502 Bad Gateway");
            }
        }
        assertThat(p.stats().cluster(Passthrough.CLUSTER).requests()).as("nothing went through the passthrough").isZero();
        assertThat(p.stats().listener("main").responses(ResponseFlag.NR)).isEqualTo(4);
    }

    @Test
    void aNameThatDoesNotResolveIs503DF() throws Exception {
        FakeUpstream known = later(FakeUpstream.start("known"));
        ProxyServer p = proxy(OutboundPolicy.ALLOW_ANY, known);
        // .invalid never resolves (RFC 2606)
        HttpResponse<String> r = viaProxy(p).send(HttpRequest.newBuilder(URI.create("http://nowhere.invalid/")).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.headers().firstValue("x-ficus-error")).hasValue("DF");
        await().atMost(Duration.ofSeconds(5)).until(() -> p.stats().listener("main").responses(ResponseFlag.DF) == 1);
    }

    @Test
    void registryOnlyRefusesHostsOutsideTheRoutesWith502NR() throws Exception {
        FakeUpstream known = later(FakeUpstream.start("known"));
        FakeUpstream outside = later(FakeUpstream.start("outside"));
        ProxyServer p = proxy(OutboundPolicy.REGISTRY_ONLY, known);
        HttpResponse<String> r = viaProxy(p).send(HttpRequest.newBuilder(URI.create("http://localhost:" + outside.port() + "/")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(502);
        assertThat(r.headers().firstValue("x-ficus-error")).hasValue("NR");
        assertThat(outside.requestCount()).isZero();
    }

    @Test
    void aListenerWithoutAPolicyAnswers404NR() throws Exception {
        FakeUpstream known = later(FakeUpstream.start("known"));
        FakeUpstream outside = later(FakeUpstream.start("outside"));
        ProxyServer p = proxy(null, known);
        HttpResponse<String> r = viaProxy(p).send(HttpRequest.newBuilder(URI.create("http://localhost:" + outside.port() + "/")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(outside.requestCount()).isZero();
    }

    /**
     * Istio's egress-control pair for {@code *.wild.test} and {@code *.0.0.1} (127.0.0.1 is one of
     * its hosts): a wildcard ServiceEntry with resolution NONE and one port of {@code protocol},
     * the VirtualService for the same hosts with {@code routes} (its route lists, indented as in
     * its spec), and a REGISTRY_ONLY Sidecar.
     */
    static String wildcardPair(int port, String protocol, String routes) {
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: wild, namespace: default}
                spec:
                  hosts: ["*.wild.test", "*.0.0.1"]
                  location: MESH_EXTERNAL
                  resolution: NONE
                  ports: [{number: %d, name: %s, protocol: %s}]
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: wild, namespace: default}
                spec:
                  hosts: ["*.wild.test", "*.0.0.1"]
                """.formatted(port, protocol.toLowerCase(java.util.Locale.ROOT), protocol) + routes + """
                ---
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata: {name: default, namespace: default}
                spec:
                  outboundTrafficPolicy: {mode: REGISTRY_ONLY}
                """;
    }

    /**
     * Istio's egress-control pair, YAML to sockets: a wildcard ServiceEntry with resolution NONE
     * and the VirtualService for the same wildcard host. The VirtualService's routes apply to the
     * service's hosts (a 403 for /blocked, which the ServiceEntry used to hide); what it forwards
     * to the service goes to the host and port the request names, through the passthrough cluster,
     * even with REGISTRY_ONLY (the host is in the registry): 127.0.0.1, a host of *.0.0.1, reaches
     * the upstream; b.wild.test, which does not resolve, gets 503 DF.
     */
    @Test
    void aWildcardServiceWithResolutionNoneTakesItsVirtualServiceRoutesAndForwardsToTheRequestedHost() throws Exception {
        FakeUpstream outside = later(FakeUpstream.start("outside"));
        String yaml = wildcardPair(outside.port(), "HTTP", """
                  http:
                  - match: [{uri: {prefix: /blocked}}]
                    directResponse: {status: 403}
                  - route: [{destination: {host: "*.wild.test"}}]
                """);
        ProxySnapshot snapshot = Snapshots.fromYaml(yaml, "client", "default");
        ProxyServer p = later(ProxyServer.builder().snapshot(snapshot).concurrency(1).adminPort(-1).build().start());
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .proxy(ProxySelector.of(new InetSocketAddress("127.0.0.1", p.listenerPort("outbound")))).build();

        HttpResponse<String> blocked = client.send(HttpRequest.newBuilder(URI.create("http://a.wild.test:" + outside.port() + "/blocked")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(blocked.statusCode()).isEqualTo(403);
        HttpResponse<String> forwarded = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + outside.port() + "/api")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(forwarded.statusCode()).isEqualTo(200);
        assertThat(forwarded.body()).startsWith("outside");
        HttpResponse<String> unresolved = client.send(HttpRequest.newBuilder(URI.create("http://b.wild.test:" + outside.port() + "/ok")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(unresolved.statusCode()).isEqualTo(503);
        assertThat(unresolved.headers().firstValue("x-ficus-error")).hasValue("DF");
        assertThat(p.stats().cluster(Passthrough.CLUSTER).requests()).isEqualTo(1); // counted once connected, as a cluster's request
        assertThat(outside.requestCount()).isEqualTo(1);
    }
    /**
     * As in Istio's sidecar, a service answers on the ports it declares: svcm declares 80 and 8080,
     * so Host svcm:8080 reaches its 8080 endpoint and svcm its 80 one, while svcm:81 names no
     * service and is passed through (here: 503 DF, the name does not resolve) instead of being
     * served by svcm's port 80. A CONNECT to svcm:81 likewise.
     */
    @Test
    void aPortTheServiceDoesNotDeclareIsNotServedByAnotherOfItsPorts() throws Exception {
        FakeUpstream on80 = later(FakeUpstream.start("svcm-80"));
        FakeUpstream on8080 = later(FakeUpstream.start("svcm-8080"));
        String yaml = """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: svcm, namespace: default}
                spec:
                  hosts: [svcm.example.internal]
                  location: MESH_EXTERNAL
                  resolution: STATIC
                  ports: [{number: 80, name: http, protocol: HTTP}, {number: 8080, name: http-alt, protocol: HTTP}]
                  endpoints: [{address: 127.0.0.1, ports: {http: %d, http-alt: %d}}]
                """.formatted(on80.port(), on8080.port());
        ProxySnapshot snapshot = Snapshots.fromYaml(yaml, "client", "default");
        ProxyServer p = later(ProxyServer.builder().snapshot(snapshot).concurrency(1).adminPort(-1).build().start());
        int port = p.listenerPort("outbound");
        for (String[] hostAndBody : new String[][] {{"svcm.example.internal", "svcm-80"}, {"svcm.example.internal:80", "svcm-80"}, {"svcm.example.internal:8080", "svcm-8080"}}) {
            String answer = dev.ficus.testing.RawHttp.exchange(port, "GET /x HTTP/1.1\r\nHost: " + hostAndBody[0] + "\r\nConnection: close\r\n\r\n", Duration.ofSeconds(5));
            assertThat(dev.ficus.testing.RawHttp.status(answer)).as(hostAndBody[0]).isEqualTo(200);
            assertThat(answer).as(hostAndBody[0]).endsWith(hostAndBody[1]);
        }
        String undeclared = dev.ficus.testing.RawHttp.exchange(port, "GET /x HTTP/1.1\r\nHost: svcm.example.internal:81\r\nConnection: close\r\n\r\n", Duration.ofSeconds(10));
        assertThat(dev.ficus.testing.RawHttp.status(undeclared)).isEqualTo(503);
        assertThat(undeclared).containsIgnoringCase("x-ficus-error: DF");
        String tunnel = dev.ficus.testing.RawHttp.exchange(port, "CONNECT svcm.example.internal:81 HTTP/1.1\r\nHost: svcm.example.internal:81\r\n\r\n", Duration.ofSeconds(10));
        assertThat(dev.ficus.testing.RawHttp.status(tunnel)).isEqualTo(503);
        assertThat(on80.requestCount()).isEqualTo(2);
        assertThat(on8080.requestCount()).isEqualTo(1);
    }
    /**
     * The same egress pair with {@code tls[]} routes, as an app with HTTPS_PROXY meets it: a
     * CONNECT to a host of the wildcard service takes the VirtualService's TLS route (matched by
     * the tunnel's host, as by SNI) and is tunnelled to the host and port it names, as Istio sends
     * it to the original destination (it used to get 503 UH: the service has no endpoints). A host
     * no TLS route matches takes the service's own route, to the host it names as well; a name
     * that does not resolve gets 503 DF either way.
     */
    @Test
    void aConnectTakesTheTlsRouteOfAWildcardServiceWithResolutionNoneToTheHostItNames() throws Exception {
        TcpEchoServer echo = later(TcpEchoServer.start("echo"));
        String yaml = wildcardPair(echo.port(), "TLS", """
                  tls:
                  - match: [{sniHosts: ["*.0.0.1", "b.wild.test"]}]
                    route: [{destination: {host: "*.wild.test"}}]
                """);
        ProxySnapshot snapshot = Snapshots.fromYaml(yaml, "client", "default");
        ProxyServer p = later(ProxyServer.builder().snapshot(snapshot).concurrency(1).adminPort(-1).build().start());
        tunnelThrough(p.listenerPort("outbound"), "127.0.0.1:" + echo.port());
        assertThat(echo.connectionCount()).isEqualTo(1);
        int port = p.listenerPort("outbound");
        String unrouted = dev.ficus.testing.RawHttp.exchange(port, "CONNECT a.wild.test:" + echo.port() + " HTTP/1.1\r\nHost: a.wild.test:" + echo.port() + "\r\n\r\n", Duration.ofSeconds(10));
        assertThat(dev.ficus.testing.RawHttp.status(unrouted)).as("no tls route: the service's own, to the host named too").isEqualTo(503);
        assertThat(unrouted).containsIgnoringCase("x-ficus-error: DF");
        String unresolved = dev.ficus.testing.RawHttp.exchange(port, "CONNECT b.wild.test:" + echo.port() + " HTTP/1.1\r\nHost: b.wild.test:" + echo.port() + "\r\n\r\n", Duration.ofSeconds(10));
        assertThat(dev.ficus.testing.RawHttp.status(unresolved)).isEqualTo(503);
        assertThat(unresolved).containsIgnoringCase("x-ficus-error: DF");
        assertThat(echo.connectionCount()).isEqualTo(1);
    }
}
