package dev.ficus.proxy.tls;

import dev.ficus.xds.snapshot.HostPort;
import dev.ficus.proxy.ProxyServer;
import dev.ficus.testing.FakeUpstream;
import dev.ficus.testing.RawHttp;
import dev.ficus.testing.TestCerts;
import dev.ficus.xds.ca.Pem;
import dev.ficus.xds.snapshot.AuthzPolicies;
import dev.ficus.xds.snapshot.ClusterConfig;
import dev.ficus.xds.snapshot.Endpoint;
import dev.ficus.xds.snapshot.HealthStatus;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The edges of mesh TLS on a real inbound listener: session resumption between proxies, the
 * detection timeout of an HTTP port (a client that sends part of a hello, or nothing, and waits),
 * and ClientHellos that offer the mesh's ALPN but are not TLS a server can finish.
 */
class HandshakeEdgesTest {
    static final Duration DETECT = Duration.ofMillis(400);
    final List<AutoCloseable> cleanup = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : cleanup.reversed()) c.close();
    }

    FakeUpstream app() {
        FakeUpstream u = FakeUpstream.start("reviews");
        cleanup.add(u);
        return u;
    }

    /** An inbound HTTP listener in {@code mode} in front of {@code app}, with a short detection timeout. */
    ProxyServer server(FakeUpstream app, MtlsMode mode) throws Exception {
        ProxySnapshot s = ProxySnapshot.builder("s1")
                .listener(new ListenerConfig("inbound", new HostPort("127.0.0.1", 0), ListenerKind.INBOUND, ListenerProtocol.HTTP, "inbound", null, AuthzPolicies.NONE, mode))
                .routeTable(new RouteTable("inbound", List.of(new VirtualHost("in", List.of("*"),
                        List.of(new Route("in", RouteMatch.ANY, RouteAction.Forward.to("inbound|app")))))))
                .cluster(ClusterConfig.of("inbound|app", Endpoint.of(app.host(), app.port())).withTls(UpstreamTls.DISABLE))
                .build();
        ProxyServer p = ProxyServer.builder().snapshot(s).meshTls(MeshMtlsTest.mesh(MeshMtlsTest.CA, MeshMtlsTest.CA.spiffe("cluster.local", "shop", "reviews")))
                .httpDetectTimeout(DETECT).concurrency(1).adminPort(-1).build().start();
        cleanup.add(p::close);
        return p;
    }

    /** A client-side proxy whose one endpoint is {@code serverPort}, speaking mesh mTLS with {@code mesh}. */
    ProxyServer client(int serverPort, MeshTls mesh) throws Exception {
        Endpoint e = new Endpoint(new HostPort("127.0.0.1", serverPort), 1, Map.of(), HealthStatus.HEALTHY);
        ProxySnapshot s = ProxySnapshot.builder("c1")
                .listener(new ListenerConfig("out", new HostPort("127.0.0.1", 0), ListenerKind.OUTBOUND, ListenerProtocol.HTTP, "out"))
                .routeTable(new RouteTable("out", List.of(new VirtualHost("all", List.of("*"),
                        List.of(new Route("all", RouteMatch.ANY, RouteAction.Forward.to("outbound|reviews")))))))
                .cluster(ClusterConfig.of("outbound|reviews", e).withTls(UpstreamTls.ISTIO_MUTUAL))
                .build();
        ProxyServer p = ProxyServer.builder().snapshot(s).meshTls(mesh).concurrency(1).adminPort(-1).build().start();
        cleanup.add(p::close);
        return p;
    }

    /** Writes {@code leaf}'s chain and key as PEM files under {@code dir}; returns {cert, key, root}. */
    static Path[] pem(Path dir, String name, TestCerts.Leaf leaf) throws Exception {
        Path cert = Files.writeString(dir.resolve(name + "-cert.pem"), Pem.encode(leaf.chain()));
        Path key = Files.writeString(dir.resolve(name + "-key.pem"), Pem.encode(leaf.key()));
        Path root = Files.writeString(dir.resolve("root.pem"), Pem.encode(MeshMtlsTest.CA.root()));
        return new Path[]{cert, key, root};
    }

    static int freePort() throws Exception {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    static boolean hasOpenssl() {
        try {
            return new ProcessBuilder("openssl", "version").start().waitFor() == 0;
        } catch (Exception e) {
            return false;
        }
    }

    /**
     * The proxy's side: openssl s_server, with a mesh certificate and the mesh ALPN, stands for the
     * upstream proxy; its {@code -www} page says whether each connection was "New" or "Reused".
     */
    @Test
    void aSecondConnectionToTheSameEndpointResumesTheSession(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(hasOpenssl(), "openssl is needed");
        Path[] reviews = pem(dir, "reviews", MeshMtlsTest.CA.spiffe("cluster.local", "shop", "reviews"));
        int port = freePort();
        Process server = new ProcessBuilder("openssl", "s_server", "-accept", "127.0.0.1:" + port, "-cert", reviews[0].toString(),
                "-key", reviews[1].toString(), "-CAfile", reviews[2].toString(), "-Verify", "1", "-tls1_3", "-alpn", MeshTls.ALPN_MESH, "-www")
                .redirectErrorStream(true).redirectOutput(dir.resolve("s_server.log").toFile()).start();
        cleanup.add(server::destroy);
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() -> {
            try (Socket s = new Socket("127.0.0.1", port)) {
                return s.isConnected();
            } catch (java.io.IOException e) {
                return false;
            }
        });
        MeshTls web = MeshMtlsTest.mesh(MeshMtlsTest.CA, MeshMtlsTest.CA.spiffe("cluster.local", "shop", "web"));
        // two proxies with one certificate holder: one client context, one session cache, two upstream connections
        ProxyServer first = client(port, web);
        ProxyServer second = client(port, web);

        String one = RawHttp.exchange(first.listenerPort("out"), "GET / HTTP/1.1\r\nHost: reviews\r\nConnection: close\r\n\r\n", Duration.ofSeconds(5));
        String two = RawHttp.exchange(second.listenerPort("out"), "GET / HTTP/1.1\r\nHost: reviews\r\nConnection: close\r\n\r\n", Duration.ofSeconds(5));

        assertThat(one).contains("New, TLSv1.3");
        assertThat(two).as("the second connection resumed the first one's session").contains("Reused, TLSv1.3");
    }

    /** The inbound side: openssl s_client keeps the session ticket of a first connection and offers it on a second. */
    @Test
    void anInboundPortResumesTheSessionOfAReturningClient(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(hasOpenssl(), "openssl is needed");
        ProxyServer server = server(app(), MtlsMode.STRICT);
        Path[] web = pem(dir, "web", MeshMtlsTest.CA.spiffe("cluster.local", "shop", "web"));
        Path session = dir.resolve("session.pem");
        String request = "GET /hello HTTP/1.1\r\nHost: reviews\r\nConnection: close\r\n\r\n";
        List<String> base = List.of("openssl", "s_client", "-connect", "127.0.0.1:" + server.listenerPort("inbound"), "-alpn", MeshTls.ALPN_MESH,
                "-cert", web[0].toString(), "-key", web[1].toString(), "-CAfile", web[2].toString(), "-ign_eof");

        String first = openssl(base, List.of("-sess_out", session.toString()), request);
        String second = openssl(base, List.of("-sess_in", session.toString()), request);

        assertThat(first).contains("New, TLSv1.3").contains("HTTP/1.1 200");
        assertThat(second).as("the returning client resumed").contains("Reused, TLSv1.3").contains("HTTP/1.1 200");
        assertThat(server.mtlsCounters().get("inbound").accepted.sum()).isEqualTo(2);
    }

    static String openssl(List<String> base, List<String> more, String stdin) throws Exception {
        List<String> cmd = new ArrayList<>(base);
        cmd.addAll(more);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().write(stdin.getBytes(StandardCharsets.US_ASCII));
        p.getOutputStream().close();
        assertThat(p.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    /** Sends {@code bytes}, keeps the connection open without sending more, and waits for the server to close it. */
    static Duration heldUntilClosed(int port, byte[] bytes) throws Exception {
        try (Socket sock = new Socket("127.0.0.1", port)) {
            sock.setSoTimeout(10_000);
            long start = System.nanoTime();
            sock.getOutputStream().write(bytes);
            sock.getOutputStream().flush();
            InputStream in = sock.getInputStream();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            try {
                in.transferTo(got); // returns when the server closes; a hang past the timeout fails the test
            } catch (SocketTimeoutException e) {
                throw new AssertionError("the listener held the connection for 10 s without deciding", e);
            }
            return Duration.ofNanos(System.nanoTime() - start);
        }
    }

    @Test
    void aPartialClientHelloIsRefusedAtTheDetectionTimeoutAndCounted() throws Exception {
        FakeUpstream app = app();
        ProxyServer server = server(app, MtlsMode.PERMISSIVE);
        int port = server.listenerPort("inbound");
        // the first 11 bytes of a ClientHello whose record says 512 bytes follow
        byte[] partial = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, (byte) 0xfc, 0x03, 0x03};

        Duration held = heldUntilClosed(port, partial);

        assertThat(held).isBetween(DETECT.minusMillis(50), Duration.ofSeconds(5));
        var counters = server.mtlsCounters().get("inbound");
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(counters.failed.sum()).isEqualTo(1));
        assertThat(app.requestCount()).isZero();
        assertThat(MeshMtlsTest.status(port)).as("the listener keeps serving").isEqualTo(200);
    }

    @Test
    void aSilentClientProceedsAsPlaintextOnAPermissivePortAndIsRefusedOnAStrictOne() throws Exception {
        FakeUpstream app = app();
        ProxyServer permissive = server(app, MtlsMode.PERMISSIVE);
        try (Socket sock = new Socket("127.0.0.1", permissive.listenerPort("inbound"))) {
            sock.setSoTimeout(5_000);
            // silent past the detection timeout (a client that connects ahead of its first request)
            await().pollDelay(DETECT.multipliedBy(2)).atMost(DETECT.multipliedBy(3)).until(() -> true);
            sock.getOutputStream().write("GET /late HTTP/1.1\r\nHost: reviews\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            String answer = new String(sock.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertThat(RawHttp.status(answer)).isEqualTo(200);
        }
        assertThat(permissive.mtlsCounters().get("inbound").plaintextRefused.sum()).isZero();

        ProxyServer strict = server(app, MtlsMode.STRICT);
        Duration held = heldUntilClosed(strict.listenerPort("inbound"), new byte[0]);
        assertThat(held).isBetween(DETECT.minusMillis(50), Duration.ofSeconds(5));
        assertThat(strict.mtlsCounters().get("inbound").plaintextRefused.sum()).isEqualTo(1);
    }

    /** A ClientHello record: TLS 1.2 legacy version, no session id, {@code suites}, null compression, {@code extensions}. */
    static byte[] clientHello(byte[] suites, byte[]... extensions) {
        ByteArrayOutputStream ext = new ByteArrayOutputStream();
        for (byte[] e : extensions) ext.writeBytes(e);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(new byte[]{0x03, 0x03});
        body.writeBytes(new byte[32]); // random
        body.write(0); // session id
        body.write(suites.length >> 8);
        body.write(suites.length);
        body.writeBytes(suites);
        body.writeBytes(new byte[]{0x01, 0x00}); // compression: null
        body.write(ext.size() >> 8);
        body.write(ext.size());
        body.writeBytes(ext.toByteArray());
        byte[] b = body.toByteArray();
        ByteArrayOutputStream record = new ByteArrayOutputStream();
        int hs = b.length + 4;
        record.writeBytes(new byte[]{0x16, 0x03, 0x01, (byte) (hs >> 8), (byte) hs, 0x01, 0, (byte) (b.length >> 8), (byte) b.length});
        record.writeBytes(b);
        return record.toByteArray();
    }

    static byte[] extension(int type, byte[] data) {
        byte[] out = new byte[4 + data.length];
        out[0] = (byte) (type >> 8);
        out[1] = (byte) type;
        out[2] = (byte) (data.length >> 8);
        out[3] = (byte) data.length;
        System.arraycopy(data, 0, out, 4, data.length);
        return out;
    }

    static byte[] meshAlpn() {
        byte[] name = MeshTls.ALPN_MESH_BYTES;
        byte[] list = new byte[3 + name.length];
        list[1] = (byte) (1 + name.length);
        list[2] = (byte) name.length;
        System.arraycopy(name, 0, list, 3, name.length);
        return extension(0x0010, list);
    }

    @Test
    void malformedHellosOfferingTheMeshAlpnAreRefusedCountedAndTheListenerKeepsServing() throws Exception {
        FakeUpstream app = app();
        ProxyServer server = server(app, MtlsMode.PERMISSIVE);
        int port = server.listenerPort("inbound");
        byte[][] hellos = {
                // the mesh ALPN, but only a TLS 1.2 RSA suite and no supported_versions: nothing the TLS 1.3-only server can agree to
                clientHello(new byte[]{0x00, 0x2f}, meshAlpn()),
                // TLS 1.3 by its supported_versions, then a key_share whose list claims more bytes than it holds
                clientHello(new byte[]{0x13, 0x01}, meshAlpn(), extension(0x002b, new byte[]{0x02, 0x03, 0x04}),
                        extension(0x0033, new byte[]{0x00, (byte) 0xff, 0x00, 0x1d, 0x00, 0x20})),
        };
        for (byte[] hello : hellos) heldUntilClosed(port, hello);

        var counters = server.mtlsCounters().get("inbound");
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(counters.failed.sum()).isEqualTo(2));
        assertThat(counters.accepted.sum()).isZero();
        assertThat(app.requestCount()).isZero();
        // still serving mesh mTLS and plaintext
        ProxyServer client = client(port, MeshMtlsTest.mesh(MeshMtlsTest.CA, MeshMtlsTest.CA.spiffe("cluster.local", "shop", "web")));
        assertThat(MeshMtlsTest.status(client.listenerPort("out"))).isEqualTo(200);
        assertThat(MeshMtlsTest.status(port)).isEqualTo(200);
        assertThat(counters.accepted.sum()).isEqualTo(1);
    }
}
