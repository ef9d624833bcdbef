package dev.ficus.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ficus.proxy.http.ResponseFlag;
import dev.ficus.proxy.tls.MeshTls;
import dev.ficus.testing.TcpEchoServer;
import dev.ficus.testing.TestCerts;
import dev.ficus.xds.ca.Pem;
import dev.ficus.xds.snapshot.ClusterConfig;
import dev.ficus.xds.snapshot.Endpoint;
import dev.ficus.xds.snapshot.HealthStatus;
import dev.ficus.xds.snapshot.HostPort;
import dev.ficus.xds.snapshot.ListenerConfig;
import dev.ficus.xds.snapshot.ListenerKind;
import dev.ficus.xds.snapshot.ListenerProtocol;
import dev.ficus.xds.snapshot.MtlsMode;
import dev.ficus.xds.snapshot.ProxySnapshot;
import dev.ficus.xds.snapshot.Route;
import dev.ficus.xds.snapshot.RouteAction;
import dev.ficus.xds.snapshot.RouteMatch;
import dev.ficus.xds.snapshot.RouteTable;
import dev.ficus.xds.snapshot.TcpRoute;
import dev.ficus.xds.snapshot.TcpRouteTable;
import dev.ficus.xds.snapshot.TelemetryPolicy;
import dev.ficus.xds.snapshot.UpstreamTls;
import dev.ficus.xds.snapshot.VirtualHost;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Upstream TLS on TCP routes and CONNECT tunnels, with real proxies, certificates and sockets: a
 * client-side proxy speaks mesh mTLS (or DestinationRule origination) to the endpoint of a TCP
 * route or a tunnel, exactly as it does for HTTP; a server-side proxy's STRICT TCP inbound port
 * terminates it in front of a line echo server.
 */
class UpstreamTlsTcpTest {
    static final TestCerts CA = TestCerts.authority("mesh root");
    static final String ECHO = "echo.shop.svc.cluster.local";
    static final String CLUSTER = "outbound|7000||" + ECHO;
    static final TelemetryPolicy.PeerWorkload WEB = new TelemetryPolicy.PeerWorkload("web-v1", "shop", "web", "v1");
    static final TelemetryPolicy.PeerWorkload ECHO_V1 = new TelemetryPolicy.PeerWorkload("echo-v1", "shop", "echo", "v1");
    final List<AutoCloseable> cleanup = new ArrayList<>();

    @TempDir
    Path dir;

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : cleanup.reversed()) c.close();
    }

    <T extends AutoCloseable> T later(T c) {
        cleanup.add(c);
        return c;
    }

    static MeshTls mesh(TestCerts ca, String sa) throws Exception {
        MeshTls t = new MeshTls();
        TestCerts.Leaf leaf = ca.spiffe("cluster.local", "shop", sa);
        t.update(new MeshTls.Credentials(leaf.key(), leaf.chain(), List.of(ca.root()), "cluster.local"));
        return t;
    }

    /** The server side: a TCP inbound port in {@code mode} in front of {@code app}. */
    ProxyServer server(TcpEchoServer app, MtlsMode mode) throws Exception {
        return server(app.host(), app.port(), ListenerProtocol.TCP, mode);
    }

    /** The server side: an inbound port of {@code protocol} (TCP route and, for HTTP and AUTO, a route table) in {@code mode}. */
    ProxyServer server(String host, int port, ListenerProtocol protocol, MtlsMode mode) throws Exception {
        ProxySnapshot s = ProxySnapshot.builder("s1")
                .listener(new ListenerConfig("inbound", new HostPort("127.0.0.1", 0), ListenerKind.INBOUND, protocol, "inbound",
                        new TcpRouteTable(List.of(new TcpRoute("in", List.of(), RouteAction.Forward.to("inbound|7000||")))), mode)
                        .withTelemetry(TelemetryPolicy.DEFAULT.withLocal(ECHO_V1).withServices(List.of(new TelemetryPolicy.ServiceRef(ECHO, "echo", "shop")))))
                .routeTable(new RouteTable("inbound", List.of(new VirtualHost("in", List.of("*"),
                        List.of(new Route("in", RouteMatch.ANY, RouteAction.Forward.to("inbound|7000||")))))))
                .cluster(ClusterConfig.of("inbound|7000||", Endpoint.of(host, port)).withTls(UpstreamTls.DISABLE))
                .build();
        return later(ProxyServer.builder().snapshot(s).meshTls(mesh(CA, "echo")).concurrency(1).adminPort(-1).build().start());
    }

    /**
     * The client side: TCP listener "tcp" (one TCP route) and HTTP listener "http" (CONNECT
     * {@code echo:7000}), both to one endpoint at {@code port} secured by {@code tls}.
     */
    ProxyServer client(int port, boolean labelled, UpstreamTls tls, MeshTls mesh) throws Exception {
        Endpoint e = new Endpoint(new HostPort("127.0.0.1", port), 1, labelled ? Map.of(UpstreamTls.TLS_MODE_LABEL, "istio") : Map.of(), HealthStatus.HEALTHY);
        TelemetryPolicy tel = TelemetryPolicy.DEFAULT.withLocal(WEB);
        ProxySnapshot s = ProxySnapshot.builder("c1")
                .listener(new ListenerConfig("tcp", new HostPort("127.0.0.1", 0), ListenerKind.OUTBOUND, ListenerProtocol.TCP, "tcp",
                        new TcpRouteTable(List.of(new TcpRoute("all", List.of(), RouteAction.Forward.to(CLUSTER))))).withTelemetry(tel))
                .listener(new ListenerConfig("http", new HostPort("127.0.0.1", 0), ListenerKind.OUTBOUND, ListenerProtocol.HTTP, "http").withTelemetry(tel))
                .routeTable(new RouteTable("http", List.of(new VirtualHost("echo", List.of("echo:7000"),
                        List.of(new Route("r", RouteMatch.ANY, RouteAction.Forward.to(CLUSTER)))))))
                .cluster(ClusterConfig.of(CLUSTER, e).withTls(tls))
                .build();
        return later(ProxyServer.builder().snapshot(s).meshTls(mesh).concurrency(1).adminPort(-1).build().start());
    }

    /** Writes {@code lines}, half-closes and reads every line until the far end closes; empty when it closed at once. */
    static List<String> echo(int port, String... lines) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            for (String line : lines) out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            s.shutdownOutput();
            return readAll(new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)));
        }
    }

    static List<String> readAll(BufferedReader in) throws Exception {
        List<String> got = new ArrayList<>();
        try {
            for (String l; (l = in.readLine()) != null; ) got.add(l);
        } catch (java.net.SocketException e) {
            // reset: the proxy closed with bytes unread
        }
        return got;
    }

    @Test
    void aTcpRouteSpeaksMeshMtlsToAStrictTcpPortWhichTerminatesIt() throws Exception {
        TcpEchoServer app = later(TcpEchoServer.start("echo"));
        ProxyServer server = server(app, MtlsMode.STRICT);
        ProxyServer client = client(server.listenerPort("inbound"), true, UpstreamTls.AUTO, mesh(CA, "web"));

        assertThat(echo(client.listenerPort("tcp"), "one", "two")).containsExactly("echo:one", "echo:two", "echo:bye");
        assertThat(server.mtlsCounters().get("inbound").accepted.sum()).isEqualTo(1);
        assertThat(app.connectionCount()).isEqualTo(1);

        // both reporters: the server saw mTLS from web; the client names the server's proven identity
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(line(server.stats().prometheus(), "istio_tcp_connections_opened_total", "reporter=\"destination\""))
                    .contains("source_principal=\"spiffe://cluster.local/ns/shop/sa/web\"")
                    .contains("destination_principal=\"spiffe://cluster.local/ns/shop/sa/echo\"")
                    .contains("destination_service=\"" + ECHO + "\"")
                    .contains("connection_security_policy=\"mutual_tls\"").endsWith(" 1");
            assertThat(line(server.stats().prometheus(), "istio_tcp_connections_closed_total", "reporter=\"destination\"")).endsWith(" 1");
            assertThat(line(client.stats().prometheus(), "istio_tcp_connections_opened_total", "reporter=\"source\""))
                    .contains("source_workload=\"web-v1\"")
                    .contains("source_principal=\"spiffe://cluster.local/ns/shop/sa/web\"")
                    .contains("destination_principal=\"spiffe://cluster.local/ns/shop/sa/echo\"")
                    .contains("destination_service=\"" + ECHO + "\"").endsWith(" 1");
            assertThat(line(client.stats().prometheus(), "istio_tcp_received_bytes_total", "reporter=\"source\"")).endsWith(" " + "one\ntwo\n".length());
            assertThat(line(client.stats().prometheus(), "istio_tcp_sent_bytes_total", "reporter=\"source\"")).endsWith(" " + "echo:one\necho:two\necho:bye\n".length());
        });
    }

    @Test
    void aConnectTunnelSpeaksMeshMtlsAndAnswers200OnlyOnceSecured() throws Exception {
        TcpEchoServer app = later(TcpEchoServer.start("echo"));
        ProxyServer server = server(app, MtlsMode.STRICT);
        ProxyServer client = client(server.listenerPort("inbound"), false, UpstreamTls.ISTIO_MUTUAL, mesh(CA, "web"));

        ConnectTunnelTest.Answer a = ConnectTunnelTest.exchange(client.listenerPort("http"), "CONNECT echo:7000 HTTP/1.1\r\nHost: echo:7000\r\n\r\n", "through", "the tunnel");
        assertThat(a.statusLine()).isEqualTo("HTTP/1.1 200 Connection Established");
        assertThat(a.rest()).containsExactly("echo:through", "echo:the tunnel", "echo:bye");
        assertThat(server.mtlsCounters().get("inbound").accepted.sum()).isEqualTo(1);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(line(server.stats().prometheus(), "istio_tcp_connections_opened_total", "reporter=\"destination\""))
                    .contains("source_principal=\"spiffe://cluster.local/ns/shop/sa/web\"").contains("connection_security_policy=\"mutual_tls\"").endsWith(" 1");
            assertThat(line(client.stats().prometheus(), "istio_requests_total", "reporter=\"source\""))
                    .contains("response_code=\"200\"").contains("destination_principal=\"spiffe://cluster.local/ns/shop/sa/echo\"").endsWith(" 1");
        });
    }

    @Test
    void aStrictAutoPortSniffsTheDecryptedBytesAsTcp() throws Exception {
        TcpEchoServer app = later(TcpEchoServer.start("echo"));
        ProxyServer server = server(app.host(), app.port(), ListenerProtocol.AUTO, MtlsMode.STRICT);
        ProxyServer client = client(server.listenerPort("inbound"), true, UpstreamTls.AUTO, mesh(CA, "web"));

        assertThat(echo(client.listenerPort("tcp"), "not http")).containsExactly("echo:not http", "echo:bye");
        assertThat(server.mtlsCounters().get("inbound").accepted.sum()).isEqualTo(1);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(line(server.stats().prometheus(), "istio_tcp_connections_opened_total", "reporter=\"destination\""))
                .contains("source_principal=\"spiffe://cluster.local/ns/shop/sa/web\"").contains("connection_security_policy=\"mutual_tls\"").endsWith(" 1"));
    }

    /** A server that answers any request with 101 and then echoes lines as {@code up:line}, on {@code factory}'s sockets. */
    int upgradingServer(javax.net.ServerSocketFactory factory) throws Exception {
        java.net.ServerSocket server = later(factory.createServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress()));
        Thread.ofVirtual().start(() -> {
            try (Socket s = server.accept()) {
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
                for (String l; (l = in.readLine()) != null && !l.isEmpty(); ) { /* the request head */ }
                OutputStream out = s.getOutputStream();
                out.write("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: lines\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                for (String l; (l = in.readLine()) != null; ) {
                    out.write(("up:" + l + "\n").getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                }
            } catch (java.io.IOException e) {
                // the test ended
            }
        });
        return server.getLocalPort();
    }

    /** An Upgrade on {@code s}: the 101, then one line each way through the new protocol; returns the line that came back. */
    static String upgradeThenOneLine(Socket s) throws Exception {
        s.setSoTimeout(10_000);
        OutputStream out = s.getOutputStream();
        out.write("GET /lines HTTP/1.1\r\nHost: echo:7000\r\nConnection: Upgrade\r\nUpgrade: lines\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
        assertThat(in.readLine()).startsWith("HTTP/1.1 101");
        for (String l; (l = in.readLine()) != null && !l.isEmpty(); ) { /* the response head */ }
        out.write("after the upgrade\n".getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        try {
            return in.readLine();
        } catch (java.io.IOException e) {
            return null;
        }
    }

    /**
     * After a 101 the splice keeps the TLS of both connections: the upstream's originated TLS (a
     * TLS server sees TLS records, not the plaintext), and the downstream's mesh mTLS (a mesh
     * client keeps talking TLS).
     */
    @Test
    void anUpgradeKeepsTheTlsOfBothConnectionsAfterThe101() throws Exception {
        Path caPem = Files.writeString(dir.resolve("ca.pem"), Pem.encode(CA.root()));
        int tlsPort = upgradingServer(serverTls(CA.dns("echo.example.com")).getServerSocketFactory());
        UpstreamTls simple = new UpstreamTls(UpstreamTls.Mode.SIMPLE, "echo.example.com", List.of(), caPem.toString(), null, null, false);
        ProxyServer client = client(tlsPort, false, simple, new MeshTls());
        try (Socket s = new Socket("127.0.0.1", client.listenerPort("http"))) {
            assertThat(upgradeThenOneLine(s)).isEqualTo("up:after the upgrade");
        }

        ProxyServer server = server("127.0.0.1", upgradingServer(javax.net.ServerSocketFactory.getDefault()), ListenerProtocol.HTTP, MtlsMode.STRICT);
        TestCerts.Leaf web = CA.spiffe("cluster.local", "shop", "web");
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("root", CA.root());
        javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext meshClient = SSLContext.getInstance("TLSv1.3");
        meshClient.init(keys(web).getKeyManagers(), tmf.getTrustManagers(), null);
        try (javax.net.ssl.SSLSocket s = (javax.net.ssl.SSLSocket) meshClient.getSocketFactory().createSocket("127.0.0.1", server.listenerPort("inbound"))) {
            javax.net.ssl.SSLParameters p = s.getSSLParameters();
            p.setApplicationProtocols(new String[]{MeshTls.ALPN_MESH});
            s.setSSLParameters(p);
            assertThat(upgradeThenOneLine(s)).isEqualTo("up:after the upgrade");
        }
        assertThat(server.mtlsCounters().get("inbound").accepted.sum()).isEqualTo(1);
    }

    @Test
    void plaintextToAStrictTcpPortIsRefused() throws Exception {
        TcpEchoServer app = later(TcpEchoServer.start("echo"));
        ProxyServer server = server(app, MtlsMode.STRICT);
        ProxyServer client = client(server.listenerPort("inbound"), true, UpstreamTls.DISABLE, mesh(CA, "web"));

        assertThat(echo(client.listenerPort("tcp"), "one")).isEmpty();
        ConnectTunnelTest.Answer a = ConnectTunnelTest.exchange(client.listenerPort("http"), "CONNECT echo:7000 HTTP/1.1\r\nHost: echo:7000\r\n\r\n", "one");
        assertThat(a.statusLine()).isEqualTo("HTTP/1.1 200 Connection Established"); // plaintext connects; the server closes the tunnel
        assertThat(a.rest()).isEmpty();
        await().atMost(Duration.ofSeconds(5)).until(() -> server.mtlsCounters().get("inbound").plaintextRefused.sum() == 2);
        assertThat(app.connectionCount()).isZero();
    }

    @Test
    void aServerWithAnotherIdentityIsAnUpstreamConnectFailure() throws Exception {
        TcpEchoServer app = later(TcpEchoServer.start("echo"));
        ProxyServer server = server(app, MtlsMode.STRICT);
        UpstreamTls onlyDb = new UpstreamTls(UpstreamTls.Mode.ISTIO_MUTUAL, null, List.of("spiffe://cluster.local/ns/shop/sa/db"), null, null, null, false);
        ProxyServer client = client(server.listenerPort("inbound"), false, onlyDb, mesh(CA, "web"));

        assertThat(echo(client.listenerPort("tcp"), "one")).isEmpty();
        await().atMost(Duration.ofSeconds(5)).until(() -> client.stats().listener("tcp").responses(ResponseFlag.UF) == 1);
        assertThat(client.stats().cluster(CLUSTER).connectionsTotal()).isZero();

        ConnectTunnelTest.Answer a = ConnectTunnelTest.exchange(client.listenerPort("http"), "CONNECT echo:7000 HTTP/1.1\r\nHost: echo:7000\r\n\r\n");
        assertThat(a.statusLine()).startsWith("HTTP/1.1 503");
        assertThat(a.rest()).anyMatch(h -> h.equalsIgnoreCase("x-ficus-error: UF"));
        await().atMost(Duration.ofSeconds(5)).until(() -> client.stats().listener("http").responses(ResponseFlag.UF) == 1);
        // the server's proxy finished its side of the handshake and may have connected to the app: no byte was sent there
        assertThat(client.stats().cluster(CLUSTER).connectionsTotal()).isZero();
    }

    @Test
    void anUntrustedServerIsAnUpstreamConnectFailure() throws Exception {
        TcpEchoServer app = later(TcpEchoServer.start("echo"));
        ProxyServer server = server(app, MtlsMode.STRICT);
        TestCerts other = TestCerts.authority("someone else");
        ProxyServer client = client(server.listenerPort("inbound"), true, UpstreamTls.AUTO, mesh(other, "web"));

        assertThat(echo(client.listenerPort("tcp"), "one")).isEmpty();
        await().atMost(Duration.ofSeconds(5)).until(() -> client.stats().listener("tcp").responses(ResponseFlag.UF) == 1);
        assertThat(app.connectionCount()).isZero();
    }

    @Test
    void autoMtlsFallsBackToPlaintextWhileTheProxyHasNoCertificate() throws Exception {
        TcpEchoServer app = later(TcpEchoServer.start("echo"));
        ProxyServer client = client(app.port(), true, UpstreamTls.AUTO, new MeshTls());
        assertThat(echo(client.listenerPort("tcp"), "plain")).containsExactly("echo:plain", "echo:bye");
        ConnectTunnelTest.Answer a = ConnectTunnelTest.exchange(client.listenerPort("http"), "CONNECT echo:7000 HTTP/1.1\r\nHost: echo:7000\r\n\r\n", "plain");
        assertThat(a.rest()).containsExactly("echo:plain", "echo:bye");

        // ISTIO_MUTUAL without a certificate: no connection at all, UF
        ProxyServer strict = client(app.port(), false, UpstreamTls.ISTIO_MUTUAL, new MeshTls());
        assertThat(echo(strict.listenerPort("tcp"), "one")).isEmpty();
        await().atMost(Duration.ofSeconds(5)).until(() -> strict.stats().listener("tcp").responses(ResponseFlag.UF) == 1);
        assertThat(ConnectTunnelTest.exchange(strict.listenerPort("http"), "CONNECT echo:7000 HTTP/1.1\r\nHost: echo:7000\r\n\r\n").statusLine()).startsWith("HTTP/1.1 503");
        assertThat(app.connectionCount()).isEqualTo(2);
    }

    @Test
    void aRefusedTcpConnectionIsCountedOpenedAndClosed() throws Exception {
        ProxySnapshot s = ProxySnapshot.builder("n1")
                .listener(new ListenerConfig("tcp", new HostPort("127.0.0.1", 0), ListenerKind.OUTBOUND, ListenerProtocol.TCP, "tcp", TcpRouteTable.EMPTY))
                .build();
        ProxyServer p = later(ProxyServer.builder().snapshot(s).concurrency(1).adminPort(-1).build().start());
        assertThat(echo(p.listenerPort("tcp"), "nowhere")).isEmpty();
        await().atMost(Duration.ofSeconds(5)).until(() -> p.stats().listener("tcp").responses(ResponseFlag.NR) == 1);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(p.stats().listener("tcp").connectionsTotal()).isEqualTo(1);
            assertThat(p.stats().listener("tcp").connectionsActive()).isZero();
        });
    }

    /** A line echo server speaking TLS with a certificate for {@code name} from {@code ca}. */
    TcpEchoServer tlsEcho(TestCerts ca, String name) throws Exception {
        return later(TcpEchoServer.start("tls-echo", null, serverTls(ca.dns(name)).getServerSocketFactory()));
    }

    /** A JDK TLS context presenting {@code leaf}. */
    static SSLContext serverTls(TestCerts.Leaf leaf) throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(keys(leaf).getKeyManagers(), null, null);
        return ctx;
    }

    static KeyManagerFactory keys(TestCerts.Leaf leaf) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("key", leaf.key(), new char[0], leaf.chain().toArray(Certificate[]::new));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, new char[0]);
        return kmf;
    }

    /** One line through {@code port} and its answer, without a half-close (a JDK TLS server wants close_notify). */
    static String oneLine(int port, String line) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
            s.getOutputStream().flush();
            try {
                return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)).readLine();
            } catch (java.net.SocketException | SocketTimeoutException e) {
                return null;
            }
        }
    }

    @Test
    void destinationRuleSimpleOriginatesTlsOnATcpRouteAndChecksTheServerName() throws Exception {
        TcpEchoServer tls = tlsEcho(CA, "echo.example.com");
        Path caPem = Files.writeString(dir.resolve("ca.pem"), Pem.encode(CA.root()));
        UpstreamTls simple = new UpstreamTls(UpstreamTls.Mode.SIMPLE, "echo.example.com", List.of(), caPem.toString(), null, null, false);
        ProxyServer client = client(tls.port(), false, simple, new MeshTls());
        assertThat(oneLine(client.listenerPort("tcp"), "secret")).isEqualTo("tls-echo:secret");
        ConnectTunnelTest.Answer a = ConnectTunnelTest.exchange(client.listenerPort("http"), "CONNECT echo:7000 HTTP/1.1\r\nHost: echo:7000\r\n\r\n");
        assertThat(a.statusLine()).isEqualTo("HTTP/1.1 200 Connection Established");

        // the certificate does not name the SNI: refused like a failed connect, nothing reaches the app
        int before = tls.connectionCount();
        UpstreamTls wrongName = new UpstreamTls(UpstreamTls.Mode.SIMPLE, "other.example.com", List.of(), caPem.toString(), null, null, false);
        ProxyServer wrong = client(tls.port(), false, wrongName, new MeshTls());
        assertThat(oneLine(wrong.listenerPort("tcp"), "secret")).isNull();
        await().atMost(Duration.ofSeconds(5)).until(() -> wrong.stats().listener("tcp").responses(ResponseFlag.UF) == 1);
        assertThat(tls.connectionCount()).isEqualTo(before + 1); // it connected, and the handshake failed
    }

    /**
     * A line echo server ({@code mtls:line}) speaking TLS with {@code leaf} that requires a client
     * certificate signed by {@code clientCa}; {@code protocol} pins the TLS version (null: the JDK's).
     * Each accepted client's DNS name lands in {@code presented}, each refused handshake counts in {@code refused}.
     */
    int mutualTlsServer(TestCerts.Leaf leaf, TestCerts clientCa, String protocol, List<String> presented, java.util.concurrent.atomic.AtomicInteger refused) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("clients", clientCa.root());
        javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(keys(leaf).getKeyManagers(), tmf.getTrustManagers(), null);
        javax.net.ssl.SSLServerSocket server = (javax.net.ssl.SSLServerSocket) ctx.getServerSocketFactory().createServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        server.setNeedClientAuth(true);
        if (protocol != null) server.setEnabledProtocols(new String[]{protocol});
        later(server);
        Thread.ofVirtual().start(() -> {
            while (!server.isClosed()) {
                try {
                    javax.net.ssl.SSLSocket s = (javax.net.ssl.SSLSocket) server.accept();
                    Thread.ofVirtual().start(() -> {
                        try (s) {
                            s.startHandshake();
                            var client = (java.security.cert.X509Certificate) s.getSession().getPeerCertificates()[0];
                            for (List<?> san : client.getSubjectAlternativeNames()) presented.add(String.valueOf(san.get(1)));
                            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
                            OutputStream out = s.getOutputStream();
                            for (String l; (l = in.readLine()) != null; ) {
                                out.write(("mtls:" + l + "\n").getBytes(StandardCharsets.UTF_8));
                                out.flush();
                            }
                        } catch (javax.net.ssl.SSLHandshakeException | javax.net.ssl.SSLPeerUnverifiedException e) {
                            refused.incrementAndGet();
                        } catch (Exception e) {
                            // the proxy went away
                        }
                    });
                } catch (java.io.IOException e) {
                    return;
                }
            }
        });
        return server.getLocalPort();
    }

    /**
     * DestinationRule {@code MUTUAL} on a TCP route (and a CONNECT tunnel): the proxy presents its
     * {@code clientCertificate} to a TLS server that requires one, and checks the server against
     * {@code caCertificates}. A server that refuses the client (no certificate, or one of a CA it
     * does not trust: TLS 1.2, where the server decides inside the handshake) or a server the proxy
     * does not trust is an upstream connect failure, UF, and no byte reaches the app.
     */
    @Test
    void destinationRuleMutualPresentsTheClientCertificateOnATcpRoute() throws Exception {
        TestCerts clientCa = TestCerts.authority("clients");
        TestCerts.Leaf web = clientCa.dns("web.example.com");
        Path caPem = Files.writeString(dir.resolve("ca.pem"), Pem.encode(CA.root()));
        Path certPem = Files.writeString(dir.resolve("web.pem"), Pem.encode(web.chain()));
        Path keyPem = Files.writeString(dir.resolve("web.key"), Pem.encode(web.key()));
        List<String> presented = new java.util.concurrent.CopyOnWriteArrayList<>();
        var refused = new java.util.concurrent.atomic.AtomicInteger();
        int tls13 = mutualTlsServer(CA.dns("db.example.com"), clientCa, null, presented, refused);
        UpstreamTls mutual = new UpstreamTls(UpstreamTls.Mode.MUTUAL, "db.example.com", List.of(), caPem.toString(), certPem.toString(), keyPem.toString(), false);

        ProxyServer client = client(tls13, false, mutual, new MeshTls());
        assertThat(oneLine(client.listenerPort("tcp"), "secret")).isEqualTo("mtls:secret");
        assertThat(presented).containsExactly("web.example.com");
        ConnectTunnelTest.Answer a = ConnectTunnelTest.exchange(client.listenerPort("http"), "CONNECT echo:7000 HTTP/1.1\r\nHost: echo:7000\r\n\r\n");
        assertThat(a.statusLine()).isEqualTo("HTTP/1.1 200 Connection Established");
        await().atMost(Duration.ofSeconds(5)).until(() -> presented.size() == 2);
        assertThat(refused.get()).isZero();
        assertThat(client.stats().listener("tcp").responses(ResponseFlag.UF)).isZero();

        // the proxy does not trust the server's CA: refused by the proxy itself, whatever the version
        Path otherCa = Files.writeString(dir.resolve("other-ca.pem"), Pem.encode(TestCerts.authority("someone else").root()));
        UpstreamTls untrusted = new UpstreamTls(UpstreamTls.Mode.MUTUAL, "db.example.com", List.of(), otherCa.toString(), certPem.toString(), keyPem.toString(), false);
        ProxyServer wrongCa = client(tls13, false, untrusted, new MeshTls());
        assertThat(oneLine(wrongCa.listenerPort("tcp"), "secret")).isNull();
        await().atMost(Duration.ofSeconds(5)).until(() -> wrongCa.stats().listener("tcp").responses(ResponseFlag.UF) == 1);
        ConnectTunnelTest.Answer refusedTunnel = ConnectTunnelTest.exchange(wrongCa.listenerPort("http"), "CONNECT echo:7000 HTTP/1.1\r\nHost: echo:7000\r\n\r\n");
        assertThat(refusedTunnel.statusLine()).startsWith("HTTP/1.1 503");
        assertThat(refusedTunnel.rest()).anyMatch(h -> h.equalsIgnoreCase("x-ficus-error: UF"));

        // the server refuses the client: a certificate of a CA it does not trust, or none (SIMPLE)
        int tls12 = mutualTlsServer(CA.dns("db.example.com"), clientCa, "TLSv1.2", presented, refused);
        TestCerts.Leaf stranger = TestCerts.authority("strangers").dns("web.example.com");
        Path strangerCert = Files.writeString(dir.resolve("stranger.pem"), Pem.encode(stranger.chain()));
        Path strangerKey = Files.writeString(dir.resolve("stranger.key"), Pem.encode(stranger.key()));
        UpstreamTls wrongClient = new UpstreamTls(UpstreamTls.Mode.MUTUAL, "db.example.com", List.of(), caPem.toString(), strangerCert.toString(), strangerKey.toString(), false);
        UpstreamTls noClient = new UpstreamTls(UpstreamTls.Mode.SIMPLE, "db.example.com", List.of(), caPem.toString(), null, null, false);
        int refusedBefore = refused.get();
        for (UpstreamTls t : List.of(wrongClient, noClient)) {
            ProxyServer p = client(tls12, false, t, new MeshTls());
            assertThat(oneLine(p.listenerPort("tcp"), "secret")).as(t.mode().name()).isNull();
            await().atMost(Duration.ofSeconds(5)).until(() -> p.stats().listener("tcp").responses(ResponseFlag.UF) == 1);
            assertThat(p.stats().cluster(CLUSTER).connectionsTotal()).isZero();
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> refused.get() == refusedBefore + 2);
        assertThat(presented).as("no other client got through").hasSize(2);

        // and the same refusal works with the proxy's good certificate over TLS 1.2
        ProxyServer ok12 = client(tls12, false, mutual, new MeshTls());
        assertThat(oneLine(ok12.listenerPort("tcp"), "twelve")).isEqualTo("mtls:twelve");
        assertThat(presented).hasSize(3).last().isEqualTo("web.example.com");
    }

    // ---- half-close over TLS

    /**
     * One end of a TLS connection (Netty with the JDK's TLS 1.3, which keeps writing after the
     * peer's close_notify): records what it reads and, in order, {@code close_notify} when the
     * peer's TLS said its end and {@code fin} when the TCP input ended. A server ({@code answer}
     * set) echoes each read prefixed with it, and on its input's end writes {@code bye} and closes.
     */
    @io.netty.channel.ChannelHandler.Sharable // a server's connections one after the other
    static final class TlsRecorder extends io.netty.channel.ChannelInboundHandlerAdapter {
        final StringBuffer read = new StringBuffer();
        final java.util.concurrent.BlockingQueue<String> events = new java.util.concurrent.LinkedBlockingQueue<>();
        final String answer;

        TlsRecorder(String answer) { this.answer = answer; }

        @Override
        public void channelRead(io.netty.channel.ChannelHandlerContext ctx, Object msg) {
            io.netty.buffer.ByteBuf b = (io.netty.buffer.ByteBuf) msg;
            String text = b.toString(StandardCharsets.UTF_8);
            b.release();
            read.append(text);
            if (answer != null) ctx.writeAndFlush(io.netty.buffer.Unpooled.copiedBuffer(answer + text, StandardCharsets.UTF_8));
        }

        @Override
        public void userEventTriggered(io.netty.channel.ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof io.netty.handler.ssl.SslCloseCompletionEvent e) events.add(e.isSuccess() ? "close_notify" : "close_notify failed: " + e.cause());
            if (evt instanceof io.netty.channel.socket.ChannelInputShutdownEvent) {
                events.add("fin");
                if (answer != null) ctx.writeAndFlush(io.netty.buffer.Unpooled.copiedBuffer("bye\n", StandardCharsets.UTF_8)).addListener(io.netty.channel.ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void exceptionCaught(io.netty.channel.ChannelHandlerContext ctx, Throwable cause) {
            events.add("error: " + cause);
            ctx.close();
        }

        /** The events so far, waiting up to 10 s for {@code n} of them. */
        List<String> awaitEvents(int n) throws InterruptedException {
            List<String> got = new ArrayList<>();
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
            while (got.size() < n) {
                String e = events.poll(Math.max(0, deadline - System.nanoTime()), java.util.concurrent.TimeUnit.NANOSECONDS);
                if (e == null) break;
                got.add(e);
            }
            return got;
        }
    }

    io.netty.channel.EventLoopGroup nettyGroup() {
        io.netty.channel.EventLoopGroup g = new io.netty.channel.MultiThreadIoEventLoopGroup(1, io.netty.channel.nio.NioIoHandler.newFactory());
        later(() -> g.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly());
        return g;
    }

    /** A TLS 1.3 server (the JDK's TLS in Netty) presenting {@code leaf}, on 127.0.0.1:0, that hands its connection to {@code recorder}. */
    int tlsRecorderServer(TestCerts.Leaf leaf, TlsRecorder recorder) throws Exception {
        io.netty.handler.ssl.SslContext ctx = io.netty.handler.ssl.SslContextBuilder.forServer(leaf.key(), leaf.chain().toArray(java.security.cert.X509Certificate[]::new))
                .sslProvider(io.netty.handler.ssl.SslProvider.JDK).protocols("TLSv1.3").build();
        io.netty.channel.Channel server = new io.netty.bootstrap.ServerBootstrap().group(nettyGroup())
                .channel(io.netty.channel.socket.nio.NioServerSocketChannel.class)
                .childOption(io.netty.channel.ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childHandler(new io.netty.channel.ChannelInitializer<io.netty.channel.socket.SocketChannel>() {
                    @Override
                    protected void initChannel(io.netty.channel.socket.SocketChannel ch) {
                        ch.pipeline().addLast(ctx.newHandler(ch.alloc()), recorder);
                    }
                })
                .bind("127.0.0.1", 0).sync().channel();
        later(() -> server.close().syncUninterruptibly());
        return ((java.net.InetSocketAddress) server.localAddress()).getPort();
    }

    /**
     * A client that half-closes a TCP route (or CONNECT tunnel) to a TLS server (SIMPLE
     * origination): the proxy sends {@code close_notify} before its FIN, so the server sees a clean
     * end of its input rather than a truncation, and its answer after that still reaches the client
     * (TLS 1.3's half-close).
     */
    @Test
    void aClientsHalfCloseReachesATlsServerAsCloseNotifyThenFinAndTheAnswerStillFlows() throws Exception {
        TlsRecorder server = new TlsRecorder("tls:");
        int port = tlsRecorderServer(CA.dns("echo.example.com"), server);
        Path caPem = Files.writeString(dir.resolve("ca.pem"), Pem.encode(CA.root()));
        UpstreamTls simple = new UpstreamTls(UpstreamTls.Mode.SIMPLE, "echo.example.com", List.of(), caPem.toString(), null, null, false);
        ProxyServer client = client(port, false, simple, new MeshTls());
        assertThat(echo(client.listenerPort("tcp"), "one")).containsExactly("tls:one", "bye");
        assertThat(server.awaitEvents(2)).containsExactly("close_notify", "fin");
        assertThat(server.read.toString()).isEqualTo("one\n");

        ConnectTunnelTest.Answer a = ConnectTunnelTest.exchange(client.listenerPort("http"), "CONNECT echo:7000 HTTP/1.1\r\nHost: echo:7000\r\n\r\n", "through");
        assertThat(a.rest()).as("the same through a CONNECT tunnel").containsExactly("tls:through", "bye");
        assertThat(server.awaitEvents(2)).containsExactly("close_notify", "fin");
    }

    /**
     * The other way round, on the downstream's TLS: a client of an HTTPS gateway upgrades to a byte
     * stream whose server greets and half-closes; the proxy sends the client {@code close_notify}
     * before its FIN, and the client's line sent after that still reaches the server.
     */
    @Test
    void anUpgradedServersHalfCloseReachesAnHttpsClientAsCloseNotifyThenFinAndTheClientCanStillSend() throws Exception {
        java.net.ServerSocket app = later(new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress()));
        var heard = new java.util.concurrent.LinkedBlockingQueue<String>();
        Thread.ofVirtual().start(() -> {
            try (Socket s = app.accept()) {
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
                for (String l; (l = in.readLine()) != null && !l.isEmpty(); ) { /* the request head */ }
                OutputStream out = s.getOutputStream();
                out.write("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: lines\r\n\r\ngreeting\n".getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                s.shutdownOutput();
                for (String l; (l = in.readLine()) != null; ) heard.add(l);
                heard.add("<end>");
            } catch (java.io.IOException e) {
                heard.add("<" + e + ">");
            }
        });
        TestCerts.Leaf leaf = CA.dns("a.example.com");
        Path cert = Files.writeString(dir.resolve("a.pem"), Pem.encode(leaf.chain()));
        Path key = Files.writeString(dir.resolve("a.key"), Pem.encode(leaf.key()));
        dev.ficus.xds.snapshot.ServerTls https = new dev.ficus.xds.snapshot.ServerTls(List.of("a.example.com"), "https", dev.ficus.xds.snapshot.ServerTls.Mode.SIMPLE,
                cert.toString(), key.toString(), null, List.of(), List.of(), List.of(), null, null, List.of(), "gw.yaml:7:5: Gateway/edge spec.servers[0].tls");
        ProxySnapshot snap = ProxySnapshot.builder("g1")
                .listener(new ListenerConfig("gateway:443", new HostPort("127.0.0.1", 0), ListenerKind.GATEWAY, ListenerProtocol.HTTP, "https").withTls(List.of(https)))
                .routeTable(new RouteTable("https", List.of(new VirtualHost("a", List.of("*"), List.of(new Route("a", RouteMatch.ANY, RouteAction.Forward.to("app")))))))
                .cluster(ClusterConfig.of("app", Endpoint.of("127.0.0.1", app.getLocalPort())).withTls(UpstreamTls.DISABLE))
                .build();
        ProxyServer gateway = later(ProxyServer.builder().snapshot(snap).concurrency(1).adminPort(-1).build().start());

        io.netty.handler.ssl.SslContext ctx = io.netty.handler.ssl.SslContextBuilder.forClient().trustManager(CA.root())
                .sslProvider(io.netty.handler.ssl.SslProvider.JDK).protocols("TLSv1.3")
                .applicationProtocolConfig(new io.netty.handler.ssl.ApplicationProtocolConfig(io.netty.handler.ssl.ApplicationProtocolConfig.Protocol.ALPN,
                        io.netty.handler.ssl.ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        io.netty.handler.ssl.ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, "http/1.1"))
                .build();
        TlsRecorder client = new TlsRecorder(null);
        int port = gateway.listenerPort("gateway:443");
        io.netty.channel.Channel ch = new io.netty.bootstrap.Bootstrap().group(nettyGroup())
                .channel(io.netty.channel.socket.nio.NioSocketChannel.class)
                .option(io.netty.channel.ChannelOption.ALLOW_HALF_CLOSURE, true)
                .handler(new io.netty.channel.ChannelInitializer<io.netty.channel.socket.SocketChannel>() {
                    @Override
                    protected void initChannel(io.netty.channel.socket.SocketChannel c) {
                        c.pipeline().addLast(ctx.newHandler(c.alloc(), "a.example.com", port), client);
                    }
                })
                .connect("127.0.0.1", port).sync().channel();
        later(() -> ch.close().syncUninterruptibly());
        ch.pipeline().get(io.netty.handler.ssl.SslHandler.class).handshakeFuture().sync();
        ch.writeAndFlush(io.netty.buffer.Unpooled.copiedBuffer("GET /lines HTTP/1.1\r\nHost: a.example.com\r\nConnection: Upgrade\r\nUpgrade: lines\r\n\r\n", StandardCharsets.ISO_8859_1)).sync();

        assertThat(client.awaitEvents(2)).containsExactly("close_notify", "fin");
        assertThat(client.read.toString()).startsWith("HTTP/1.1 101").endsWith("\r\n\r\ngreeting\n");
        ch.writeAndFlush(io.netty.buffer.Unpooled.copiedBuffer("still here\n", StandardCharsets.UTF_8)).sync();
        assertThat(heard.poll(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("still here");
        ch.pipeline().get(io.netty.handler.ssl.SslHandler.class).closeOutbound().sync();
        ((io.netty.channel.socket.SocketChannel) ch).shutdownOutput().sync();
        assertThat(heard.poll(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("<end>");
    }

    /** The first series of {@code metric} in {@code text} whose labels contain {@code has}, or "" when none does. */
    static String line(String text, String metric, String has) {
        for (String l : text.split("\n")) if (l.startsWith(metric + "{") && l.contains(has)) return l;
        return "";
    }
}
