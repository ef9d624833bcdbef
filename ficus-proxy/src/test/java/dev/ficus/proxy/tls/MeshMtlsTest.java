package dev.ficus.proxy.tls;

import dev.ficus.proxy.ProxyServer;
import dev.ficus.testing.FakeUpstream;
import dev.ficus.testing.RawHttp;
import dev.ficus.testing.TestCerts;
import dev.ficus.xds.snapshot.AuthzPolicies;
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
import dev.ficus.xds.snapshot.UpstreamTls;
import dev.ficus.xds.snapshot.VirtualHost;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Two real proxies: a client-side proxy whose cluster speaks mesh mTLS to a server-side proxy's
 * inbound listener, which terminates it in front of a real upstream. Real certificates from a test
 * CA, real handshakes (BoringSSL when it loads).
 */
class MeshMtlsTest {
    static final TestCerts CA = TestCerts.authority("mesh root");
    final List<AutoCloseable> cleanup = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : cleanup.reversed()) c.close();
    }

    static MeshTls mesh(TestCerts ca, TestCerts.Leaf leaf) throws Exception {
        MeshTls t = new MeshTls();
        t.update(new MeshTls.Credentials(leaf.key(), leaf.chain(), List.of(ca.root()), "cluster.local"));
        return t;
    }

    /** The server side: inbound listener "inbound:0" → the upstream, in {@code mode}. */
    ProxyServer server(FakeUpstream app, MtlsMode mode, MeshTls tls) throws Exception {
        ProxySnapshot s = ProxySnapshot.builder("s1")
                .listener(new ListenerConfig("inbound", new HostPort("127.0.0.1", 0), ListenerKind.INBOUND, ListenerProtocol.HTTP, "inbound", null, AuthzPolicies.NONE, mode))
                .routeTable(new RouteTable("inbound", List.of(new VirtualHost("in", List.of("*"),
                        List.of(new Route("in", RouteMatch.ANY, RouteAction.Forward.to("inbound|app")))))))
                .cluster(ClusterConfig.of("inbound|app", Endpoint.of(app.host(), app.port())).withTls(UpstreamTls.DISABLE))
                .build();
        ProxyServer p = ProxyServer.builder().snapshot(s).meshTls(tls).concurrency(1).adminPort(-1).build().start();
        cleanup.add(p::close);
        return p;
    }

    /** The client side: outbound listener → one endpoint (the server proxy), labelled as meshed. */
    ProxyServer client(int serverPort, UpstreamTls tls, MeshTls mesh, boolean labelled) throws Exception {
        Endpoint e = new Endpoint(new HostPort("127.0.0.1", serverPort), 1,
                labelled ? Map.of(UpstreamTls.TLS_MODE_LABEL, "istio") : Map.of(), HealthStatus.HEALTHY);
        ProxySnapshot s = ProxySnapshot.builder("c1")
                .listener(new ListenerConfig("out", new HostPort("127.0.0.1", 0), ListenerKind.OUTBOUND, ListenerProtocol.HTTP, "out"))
                .routeTable(new RouteTable("out", List.of(new VirtualHost("all", List.of("*"),
                        List.of(new Route("all", RouteMatch.ANY, RouteAction.Forward.to("outbound|reviews")))))))
                .cluster(ClusterConfig.of("outbound|reviews", e).withTls(tls))
                .build();
        ProxyServer p = ProxyServer.builder().snapshot(s).meshTls(mesh).concurrency(1).adminPort(-1).build().start();
        cleanup.add(p::close);
        return p;
    }

    FakeUpstream app() {
        FakeUpstream u = FakeUpstream.start("reviews");
        cleanup.add(u);
        return u;
    }

    /** The status of a GET through {@code port}; -1 when the connection closed without an answer. */
    static int status(int port) {
        String r = RawHttp.exchange(port, "GET /hello HTTP/1.1\r\nHost: reviews\r\nConnection: close\r\n\r\n", Duration.ofSeconds(5));
        return RawHttp.status(r);
    }

    @Test
    void autoMtlsReachesAStrictServerAndThePeerIsTheClientsSpiffeId() throws Exception {
        FakeUpstream app = app();
        ProxyServer server = server(app, MtlsMode.STRICT, mesh(CA, CA.spiffe("cluster.local", "shop", "reviews")));
        ProxyServer client = client(server.listenerPort("inbound"), UpstreamTls.AUTO, mesh(CA, CA.spiffe("cluster.local", "shop", "web")), true);
        assertThat(status(client.listenerPort("out"))).isEqualTo(200);
        assertThat(app.requestCount()).isEqualTo(1);
        assertThat(server.mtlsCounters().get("inbound").accepted.sum()).isEqualTo(1);
    }

    /** Sends {@code bytes} on a new connection, then nothing more, and reads until the server closes it; returns what it sent back (an alert, or nothing). */
    static byte[] sendRaw(int port, byte[] bytes) throws Exception {
        try (java.net.Socket sock = new java.net.Socket("127.0.0.1", port)) {
            sock.setSoTimeout(5000);
            sock.getOutputStream().write(bytes);
            sock.getOutputStream().flush();
            sock.shutdownOutput(); // the client sends no more: a hello cut short stays cut short
            return sock.getInputStream().readAllBytes(); // returns at the server's close; a timeout fails the test
        }
    }

    @Test
    void malformedClientHellosAreRefusedCountedAndTheListenerKeepsServing() throws Exception {
        FakeUpstream app = app();
        ProxyServer server = server(app, MtlsMode.PERMISSIVE, mesh(CA, CA.spiffe("cluster.local", "shop", "reviews")));
        int port = server.listenerPort("inbound");
        java.util.Random rnd = new java.util.Random(42);
        byte[] garbage = new byte[300];
        rnd.nextBytes(garbage);
        byte[][] hellos = {
                // a handshake record whose ClientHello body is random bytes
                concat(new byte[]{0x16, 0x03, 0x01, 0x01, 0x2c}, garbage),
                // a ClientHello that claims a length far past what follows, then the client gives up
                concat(new byte[]{0x16, 0x03, 0x01, 0x00, 0x40, 0x01, 0x00, (byte) 0xff, (byte) 0xff, 0x03, 0x03}, new byte[20]),
                // a record length over TLS's 2^14 + 2048 limit
                concat(new byte[]{0x16, 0x03, 0x03, (byte) 0xff, (byte) 0xff}, garbage),
        };
        for (int i = 0; i < hellos.length; i++) {
            byte[] answer = sendRaw(port, hellos[i]);
            // nothing, or a TLS alert record (type 21): never an HTTP answer, never the app
            if (answer.length > 0) assertThat(answer[0]).as("hello " + i + ": a TLS alert").isEqualTo((byte) 0x15);
        }
        // TLS's first byte, then not a TLS record: not TLS, so plaintext, which HTTP refuses
        String notTls = RawHttp.exchange(port, "\u0016GET / HTTP/1.1\r\nHost: x\r\n\r\n", Duration.ofSeconds(5));
        assertThat(notTls).satisfiesAnyOf(r -> assertThat(r).isEmpty(), r -> assertThat(r).startsWith("HTTP/1.1 400"));
        assertThat(app.requestCount()).as("no malformed hello reached the app").isZero();
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(server.mtlsCounters().get("inbound").failed.sum()).as("failed handshakes; plaintext refused " + server.mtlsCounters().get("inbound").plaintextRefused.sum()).isEqualTo(2)); // the random hello and the oversized record; the one cut short ended before it could be told
        // the listener still serves mesh mTLS and plaintext (PERMISSIVE)
        ProxyServer client = client(port, UpstreamTls.ISTIO_MUTUAL, mesh(CA, CA.spiffe("cluster.local", "shop", "web")), false);
        assertThat(status(client.listenerPort("out"))).isEqualTo(200);
        assertThat(status(port)).isEqualTo(200);
        assertThat(server.mtlsCounters().get("inbound").accepted.sum()).isEqualTo(1);
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void strictRefusesPlaintextAndPermissiveServesIt() throws Exception {
        FakeUpstream app = app();
        ProxyServer strict = server(app, MtlsMode.STRICT, mesh(CA, CA.spiffe("cluster.local", "shop", "reviews")));
        assertThat(status(strict.listenerPort("inbound"))).as("closed without an answer").isEqualTo(-1);
        assertThat(app.requestCount()).isZero();
        await().atMost(Duration.ofSeconds(2)).until(() -> strict.mtlsCounters().get("inbound").plaintextRefused.sum() == 1);

        ProxyServer permissive = server(app, MtlsMode.PERMISSIVE, mesh(CA, CA.spiffe("cluster.local", "shop", "reviews")));
        assertThat(status(permissive.listenerPort("inbound"))).isEqualTo(200);
        // ... and mTLS on the same port
        ProxyServer client = client(permissive.listenerPort("inbound"), UpstreamTls.ISTIO_MUTUAL, mesh(CA, CA.spiffe("cluster.local", "shop", "web")), false);
        assertThat(status(client.listenerPort("out"))).isEqualTo(200);
        assertThat(permissive.mtlsCounters().get("inbound").accepted.sum()).isEqualTo(1);

        // the migration view names both callers, and says STRICT would refuse the plaintext one
        String view = permissive.mtlsJson(15);
        assertThat(view).contains("\"mode\":\"PERMISSIVE\"").contains("\"strictWouldRefuse\":1")
                .contains("\"security\":\"plaintext\",\"principal\":null")
                .contains("\"security\":\"mutual_tls\",\"principal\":\"cluster.local/ns/shop/sa/web\"")
                .contains("\"certificate\":\"spiffe://cluster.local/ns/shop/sa/reviews\"");
    }

    @Test
    void theAppLearnsItsCallerFromXfccAndAForgedOneIsRemoved() throws Exception {
        FakeUpstream app = app();
        ProxyServer server = server(app, MtlsMode.PERMISSIVE, mesh(CA, CA.spiffe("cluster.local", "shop", "reviews")));
        ProxyServer client = client(server.listenerPort("inbound"), UpstreamTls.AUTO, mesh(CA, CA.spiffe("cluster.local", "shop", "web")), true);
        assertThat(status(client.listenerPort("out"))).isEqualTo(200);
        assertThat(app.seen().getLast().header("x-forwarded-client-cert"))
                .isEqualTo("By=spiffe://cluster.local/ns/shop/sa/reviews;URI=spiffe://cluster.local/ns/shop/sa/web");

        String forged = RawHttp.exchange(server.listenerPort("inbound"), "GET / HTTP/1.1\r\nHost: reviews\r\n"
                + "x-forwarded-client-cert: URI=spiffe://cluster.local/ns/shop/sa/admin\r\nConnection: close\r\n\r\n", Duration.ofSeconds(5));
        assertThat(RawHttp.status(forged)).isEqualTo(200);
        assertThat(app.seen().getLast().header("x-forwarded-client-cert")).as("a plaintext client's claim is not passed on").isNull();
    }

    @Test
    void autoMtlsSpeaksPlaintextToEndpointsWithoutAProxy() throws Exception {
        FakeUpstream app = app();
        ProxyServer client = client(app.port(), UpstreamTls.AUTO, mesh(CA, CA.spiffe("cluster.local", "shop", "web")), false);
        assertThat(status(client.listenerPort("out"))).isEqualTo(200);
    }

    @Test
    void anUntrustedCaAForeignTrustDomainAndAnExpiredCertificateAreRefused() throws Exception {
        FakeUpstream app = app();
        ProxyServer server = server(app, MtlsMode.STRICT, mesh(CA, CA.spiffe("cluster.local", "shop", "reviews")));
        int port = server.listenerPort("inbound");

        TestCerts other = TestCerts.authority("someone else");
        ProxyServer untrusted = client(port, UpstreamTls.ISTIO_MUTUAL, mesh(other, other.spiffe("cluster.local", "shop", "web")), false);
        assertThat(status(untrusted.listenerPort("out"))).isEqualTo(503); // UF: the handshake failed

        ProxyServer foreign = client(port, UpstreamTls.ISTIO_MUTUAL, mesh(CA, CA.spiffe("evil.example", "shop", "web")), false);
        assertThat(status(foreign.listenerPort("out"))).isEqualTo(503);

        ProxyServer expired = client(port, UpstreamTls.ISTIO_MUTUAL, mesh(CA, CA.expiredSpiffe("cluster.local", "shop", "web")), false);
        assertThat(status(expired.listenerPort("out"))).isEqualTo(503);

        assertThat(app.requestCount()).isZero();
        await().atMost(Duration.ofSeconds(2)).until(() -> server.mtlsCounters().get("inbound").failed.sum() >= 3);
    }

    @Test
    void anApplicationsOwnTlsClientIsNotTakenForTheMesh() throws Exception {
        FakeUpstream app = app();
        ProxyServer server = server(app, MtlsMode.PERMISSIVE, mesh(CA, CA.spiffe("cluster.local", "shop", "reviews")));
        // a JDK TLS client without the mesh ALPN and without a client certificate
        SslContext plainTls = SslContextBuilder.forClient().trustManager(CA.root()).build();
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        trust.setCertificateEntry("root", CA.root());
        var tmf = javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        var ctx = javax.net.ssl.SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        assertThat(plainTls).isNotNull();
        try (Socket s = ctx.getSocketFactory().createSocket("127.0.0.1", server.listenerPort("inbound"))) {
            s.setSoTimeout(5000);
            assertThatThrownBy(() -> {
                ((SSLSocket) s).startHandshake();
                s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                InputStream in = s.getInputStream();
                if (in.read() < 0) throw new IOException("closed");
            }).isInstanceOf(IOException.class);
        }
        assertThat(app.requestCount()).isZero();
    }
    /**
     * A Sidecar ingress port without a protocol (sniffed per connection) under PERMISSIVE: TLS that
     * is not the mesh's (an application's own TLS client) passes through to the application, as
     * Istio passes it, instead of being refused for want of a TLS route.
     */
    @Test
    void anApplicationsOwnTlsOnASniffedInboundPortReachesTheApplication() throws Exception {
        TestCerts.Leaf appCert = CA.dns("app.local");
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry("app", appCert.key(), new char[0], appCert.chain().toArray(new java.security.cert.Certificate[0]));
        var kmf = javax.net.ssl.KeyManagerFactory.getInstance(javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, new char[0]);
        var serverCtx = javax.net.ssl.SSLContext.getInstance("TLS");
        serverCtx.init(kmf.getKeyManagers(), null, null);
        var appServer = (javax.net.ssl.SSLServerSocket) serverCtx.getServerSocketFactory().createServerSocket(0, 8, java.net.InetAddress.getLoopbackAddress());
        cleanup.add(appServer::close);
        Thread app = Thread.ofVirtual().start(() -> {
            try (Socket c = appServer.accept()) {
                c.setSoTimeout(5000);
                var in = new java.io.BufferedReader(new java.io.InputStreamReader(c.getInputStream(), StandardCharsets.UTF_8));
                c.getOutputStream().write(("app-tls:" + in.readLine() + "\n").getBytes(StandardCharsets.UTF_8));
                c.getOutputStream().flush();
            } catch (IOException e) {
                // the test failed or ended first: its assertions say why
            }
        });
        cleanup.add(app::interrupt);
        ProxySnapshot s = ProxySnapshot.builder("s1")
                .listener(new ListenerConfig("inbound", new HostPort("127.0.0.1", 0), ListenerKind.INBOUND, ListenerProtocol.AUTO, "inbound",
                        new dev.ficus.xds.snapshot.TcpRouteTable(List.of(new dev.ficus.xds.snapshot.TcpRoute("in", List.of(), RouteAction.Forward.to("inbound|app")))),
                        AuthzPolicies.NONE, MtlsMode.PERMISSIVE))
                .routeTable(new RouteTable("inbound", List.of(new VirtualHost("in", List.of("*"),
                        List.of(new Route("in", RouteMatch.ANY, RouteAction.Forward.to("inbound|app")))))))
                .cluster(ClusterConfig.of("inbound|app", Endpoint.of("127.0.0.1", appServer.getLocalPort())).withTls(UpstreamTls.DISABLE))
                .build();
        ProxyServer server = ProxyServer.builder().snapshot(s).meshTls(mesh(CA, CA.spiffe("cluster.local", "shop", "reviews"))).concurrency(1).adminPort(-1).build().start();
        cleanup.add(server::close);

        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        trust.setCertificateEntry("root", CA.root());
        var tmf = javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        var clientCtx = javax.net.ssl.SSLContext.getInstance("TLS");
        clientCtx.init(null, tmf.getTrustManagers(), null);
        try (SSLSocket c = (SSLSocket) clientCtx.getSocketFactory().createSocket("127.0.0.1", server.listenerPort("inbound"))) {
            c.setSoTimeout(5000);
            c.startHandshake();
            assertThat(((java.security.cert.X509Certificate) c.getSession().getPeerCertificates()[0]).getSubjectAlternativeNames())
                    .as("the application's own certificate").anySatisfy(san -> assertThat(san.get(1)).isEqualTo("app.local"));
            c.getOutputStream().write("hello\n".getBytes(StandardCharsets.UTF_8));
            c.getOutputStream().flush();
            assertThat(new java.io.BufferedReader(new java.io.InputStreamReader(c.getInputStream(), StandardCharsets.UTF_8)).readLine()).isEqualTo("app-tls:hello");
        }
    }
}
