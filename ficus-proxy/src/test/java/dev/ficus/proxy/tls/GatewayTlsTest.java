package dev.ficus.proxy.tls;

import dev.ficus.proxy.ProxyServer;
import dev.ficus.testing.FakeUpstream;
import dev.ficus.testing.TestCerts;
import dev.ficus.xds.ca.Pem;
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
import dev.ficus.xds.snapshot.ServerTls;
import dev.ficus.xds.snapshot.TcpRoute;
import dev.ficus.xds.snapshot.TcpRouteTable;
import dev.ficus.xds.snapshot.UpstreamTls;
import dev.ficus.xds.snapshot.VirtualHost;
import dev.ficus.xds.snapshot.WeightedCluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Gateway TLS on real sockets with real clients: curl against SIMPLE, SNI picking, MUTUAL with and
 * without a client certificate, OPTIONAL_MUTUAL, pins, httpsRedirect; openssl s_client through a
 * passthrough listener; a changed certificate file served without a config change; a broken one refused.
 */
class GatewayTlsTest {
    static final TestCerts CA = TestCerts.authority("edge-ca");
    static final TestCerts OTHER_CA = TestCerts.authority("someone-else");

    @TempDir Path dir;
    final List<AutoCloseable> cleanup = new ArrayList<>();
    FakeUpstream webA, webB;
    Path caPem;

    @BeforeEach
    void apps() throws Exception {
        webA = FakeUpstream.start("web-a");
        webB = FakeUpstream.start("web-b");
        cleanup.add(webA);
        cleanup.add(webB);
        caPem = write("ca.pem", Pem.encode(CA.root()));
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : cleanup.reversed()) c.close();
    }

    Path write(String name, String text) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    /** Writes {@code leaf} as name.pem and name.key; returns the certificate's path. */
    Path writeLeaf(String name, TestCerts.Leaf leaf) throws Exception {
        write(name + ".key", Pem.encode(leaf.key()));
        return write(name + ".pem", Pem.encode(leaf.chain()));
    }

    ServerTls server(String host, ServerTls.Mode mode, String table, List<String> sans, List<String> spki) {
        return new ServerTls(List.of(host), table, mode, dir.resolve(host + ".pem").toString(), dir.resolve(host + ".key").toString(),
                mode == ServerTls.Mode.SIMPLE ? null : caPem.toString(), sans, spki, List.of(), null, null, List.of(), "gw.yaml:7:5: Gateway/edge spec.servers[0].tls");
    }

    static RouteTable table(String name, String cluster) {
        return new RouteTable(name, List.of(new VirtualHost(name, List.of("*"), List.of(new Route(name, RouteMatch.ANY, RouteAction.Forward.to(cluster)))))) ;
    }

    ProxySnapshot snapshot(String version, ServerTls... servers) {
        return ProxySnapshot.builder(version)
                .listener(new ListenerConfig("gateway:443", new HostPort("127.0.0.1", 0), ListenerKind.GATEWAY, ListenerProtocol.HTTP, "https-a")
                        .withTls(List.of(servers)))
                .routeTable(table("https-a", "web-a"))
                .routeTable(table("https-b", "web-b"))
                .cluster(ClusterConfig.of("web-a", Endpoint.of(webA.host(), webA.port())).withTls(UpstreamTls.DISABLE))
                .cluster(ClusterConfig.of("web-b", Endpoint.of(webB.host(), webB.port())).withTls(UpstreamTls.DISABLE))
                .build();
    }

    ProxyServer start(ProxySnapshot s) throws Exception {
        ProxyServer p = ProxyServer.builder().snapshot(s).concurrency(1).adminPort(-1).tlsReloadInterval(Duration.ofMillis(100)).build().start();
        cleanup.add(p::close);
        return p;
    }

    /** Runs a command; returns its exit code and output (stdout then stderr). */
    static Result run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(false).start();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }

    record Result(int code, String out, String err) {
    }

    Result curl(String host, int port, String... extra) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--max-time", "10", "--cacert", caPem.toString(),
                "--resolve", host + ":" + port + ":127.0.0.1", "-w", " %{http_code} %{http_version}"));
        cmd.addAll(List.of(extra));
        cmd.add("https://" + host + ":" + port + "/");
        return run(cmd.toArray(String[]::new));
    }

    @Test
    void simpleTerminatesWithTheCertificateTheSniPicksAndRoutesByThatServersTable() throws Exception {
        writeLeaf("a.example.com", CA.dns("a.example.com"));
        writeLeaf("b.example.com", CA.dns("b.example.com"));
        ProxyServer p = start(snapshot("v1", server("a.example.com", ServerTls.Mode.SIMPLE, "https-a", List.of(), List.of()),
                server("b.example.com", ServerTls.Mode.SIMPLE, "https-b", List.of(), List.of())));
        int port = p.listenerPort("gateway:443");
        // curl checks the certificate's name against the SNI it sent: each host gets its own certificate and routes
        assertThat(curl("a.example.com", port)).satisfies(r -> assertThat(r.out()).isEqualTo("web-a 200 2"));
        assertThat(curl("b.example.com", port)).satisfies(r -> assertThat(r.out()).isEqualTo("web-b 200 2"));
        assertThat(curl("b.example.com", port, "--http1.1").out()).isEqualTo("web-b 200 1.1");
        assertThat(webB.seen()).extracting(s -> s.header("x-forwarded-proto")).as("TLS ended at the gateway").containsOnly("https");
        // no SNI (an IP address): the first server
        assertThat(peerCertificate(port, null)).isEqualTo(Files.readString(dir.resolve("a.example.com.pem")));
        // plaintext on the TLS port is refused
        Result plain = run("curl", "-sS", "--max-time", "10", "http://127.0.0.1:" + port + "/");
        assertThat(plain.code()).isNotZero();
    }

    @Test
    void mutualNeedsAClientCertificateTheCaSignedAndTheSettingsAccept() throws Exception {
        writeLeaf("b.example.com", CA.dns("b.example.com"));
        Path good = writeLeaf("client", CA.dns("client.example.com"));
        Path foreign = writeLeaf("foreign", OTHER_CA.dns("client.example.com"));
        Path otherName = writeLeaf("other-name", CA.dns("other.example.com"));
        ProxyServer p = start(snapshot("v1", server("b.example.com", ServerTls.Mode.MUTUAL, "https-b", List.of("client.example.com"), List.of())));
        int port = p.listenerPort("gateway:443");
        assertThat(curl("b.example.com", port, "--cert", good.toString(), "--key", dir.resolve("client.key").toString()).out()).isEqualTo("web-b 200 2");
        Result none = curl("b.example.com", port);
        assertThat(none.code()).as(none.err()).isNotZero();
        assertThat(none.out()).doesNotContain("web-b");
        Result untrusted = curl("b.example.com", port, "--cert", foreign.toString(), "--key", dir.resolve("foreign.key").toString());
        assertThat(untrusted.code()).isNotZero();
        Result wrongSan = curl("b.example.com", port, "--cert", otherName.toString(), "--key", dir.resolve("other-name.key").toString());
        assertThat(wrongSan.code()).isNotZero();
        assertThat(wrongSan.out()).doesNotContain("web-b");
        assertThat(webB.requestCount()).isEqualTo(1);
        assertThat(p.stats().prometheus())
                .contains("ficus_listener_tls_handshakes_total{listener=\"gateway:443\",result=\"accepted\"} 1")
                .contains("ficus_listener_tls_handshakes_total{listener=\"gateway:443\",result=\"refused\"} 1");
        assertThat(p.stats().prometheus()).doesNotContain("result=\"failed\"} 0");
    }

    /**
     * Istio's gateway default for x-forwarded-client-cert, SANITIZE_SET: a client's own header is
     * dropped (it used to reach the backend, so any client could claim an identity to it), and a
     * client that proved a certificate on a MUTUAL server is described by its hash, subject, URI
     * and DNS names. Its URI SAN is also the principal authorization policies match.
     */
    @Test
    void aGatewaySetsTheVerifiedClientCertificateInXfccAndDropsAClaimedOne() throws Exception {
        writeLeaf("a.example.com", CA.dns("a.example.com"));
        writeLeaf("b.example.com", CA.dns("b.example.com"));
        TestCerts.Leaf clientLeaf = CA.spiffe("cluster.local", "edge", "client");
        Path client = writeLeaf("client", clientLeaf);
        ProxyServer p = start(snapshot("v1", server("a.example.com", ServerTls.Mode.SIMPLE, "https-a", List.of(), List.of()),
                server("b.example.com", ServerTls.Mode.MUTUAL, "https-b", List.of(), List.of())));
        int port = p.listenerPort("gateway:443");
        String claimed = "x-forwarded-client-cert: By=spiffe://cluster.local/ns/default/sa/web;URI=spiffe://cluster.local/ns/prod/sa/admin";
        assertThat(curl("a.example.com", port, "-H", claimed).out()).isEqualTo("web-a 200 2");
        assertThat(webA.seen()).singleElement().satisfies(s -> assertThat(s.header("x-forwarded-client-cert")).as("the claim is dropped").isNull());
        assertThat(curl("b.example.com", port, "-H", claimed, "--cert", client.toString(), "--key", dir.resolve("client.key").toString()).out())
                .isEqualTo("web-b 200 2");
        String hash = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(clientLeaf.chain().getFirst().getEncoded()));
        assertThat(webB.seen()).singleElement().satisfies(s -> assertThat(s.header("x-forwarded-client-cert"))
                .startsWith("Hash=" + hash + ";Subject=\"")
                .endsWith(";URI=spiffe://cluster.local/ns/edge/sa/client"));
        assertThat(PeerAuth.ofClientCertificate(clientLeaf.chain().getFirst()))
                .isEqualTo(new PeerAuth(true, "cluster.local/ns/edge/sa/client", "edge"));
    }

    @Test
    void optionalMutualServesWithoutACertificateAndChecksOneThatIsSentAgainstItsPins() throws Exception {
        writeLeaf("b.example.com", CA.dns("b.example.com"));
        TestCerts.Leaf pinned = CA.dns("client.example.com");
        Path good = writeLeaf("client", pinned);
        Path unpinned = writeLeaf("unpinned", CA.dns("client.example.com"));
        String spki = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(pinned.certificate().getPublicKey().getEncoded()));
        ProxyServer p = start(snapshot("v1", server("b.example.com", ServerTls.Mode.OPTIONAL_MUTUAL, "https-b", List.of(), List.of(spki))));
        int port = p.listenerPort("gateway:443");
        assertThat(curl("b.example.com", port).out()).isEqualTo("web-b 200 2");
        assertThat(curl("b.example.com", port, "--cert", good.toString(), "--key", dir.resolve("client.key").toString()).out()).isEqualTo("web-b 200 2");
        Result refused = curl("b.example.com", port, "--cert", unpinned.toString(), "--key", dir.resolve("unpinned.key").toString());
        assertThat(refused.code()).isNotZero();
        assertThat(refused.out()).doesNotContain("web-b");
    }

    @Test
    void aChangedCertificateFileIsServedWithoutAConfigChangeAndABrokenOneIsRefusedWithItsField() throws Exception {
        writeLeaf("a.example.com", CA.dns("a.example.com"));
        ProxyServer p = start(snapshot("v1", server("a.example.com", ServerTls.Mode.SIMPLE, "https-a", List.of(), List.of())));
        int port = p.listenerPort("gateway:443");
        String first = peerCertificate(port, "a.example.com");
        writeLeaf("a.example.com", CA.dns("a.example.com")); // renewed in place
        String renewed = Files.readString(dir.resolve("a.example.com.pem"));
        assertThat(renewed).isNotEqualTo(first);
        await().atMost(Duration.ofSeconds(10)).until(() -> peerCertificate(port, "a.example.com").equals(renewed));

        // half a renewal (a new key written, its certificate not yet): refused, the pair in use stays
        String keyInUse = Files.readString(dir.resolve("a.example.com.key"));
        write("a.example.com.key", Pem.encode(CA.dns("a.example.com").key()));
        assertThatThrownBy(p::reloadTlsFiles).hasMessageContaining("spec.servers[0].tls.privateKey: " + dir.resolve("a.example.com.key")
                + " is not the key of the certificate in " + dir.resolve("a.example.com.pem"));
        assertThat(peerCertificate(port, "a.example.com")).isEqualTo(renewed);
        write("a.example.com.key", keyInUse);

        // a snapshot naming a missing file is refused with the YAML position and field; the old one keeps serving
        ServerTls missing = new ServerTls(List.of("a.example.com"), "https-a", ServerTls.Mode.SIMPLE, dir.resolve("nope.pem").toString(),
                dir.resolve("a.example.com.key").toString(), null, List.of(), List.of(), List.of(), null, null, List.of(), "gw.yaml:7:5: Gateway/edge spec.servers[0].tls");
        assertThatThrownBy(() -> p.update(snapshot("v2", missing)))
                .hasMessageContaining("gw.yaml:7:5: Gateway/edge spec.servers[0].tls.serverCertificate: cannot read " + dir.resolve("nope.pem"));
        assertThat(p.snapshot().version()).isEqualTo("v1");
        assertThat(curl("a.example.com", port).out()).isEqualTo("web-a 200 2");

        // a file broken in place: the certificates in use stay
        Files.writeString(dir.resolve("a.example.com.key"), "not a key");
        assertThatThrownBy(p::reloadTlsFiles).hasMessageContaining("spec.servers[0].tls.privateKey: " + dir.resolve("a.example.com.key") + " is not a usable PEM file");
        assertThat(peerCertificate(port, "a.example.com")).isEqualTo(renewed);
    }

    @Test
    void versionsOutsideTheRangeAreRefused() throws Exception {
        writeLeaf("a.example.com", CA.dns("a.example.com"));
        ServerTls only13 = new ServerTls(List.of("a.example.com"), "https-a", ServerTls.Mode.SIMPLE, dir.resolve("a.example.com.pem").toString(),
                dir.resolve("a.example.com.key").toString(), null, List.of(), List.of(), List.of(), "TLSv1.3", null, List.of(), "");
        ProxyServer p = start(snapshot("v1", only13));
        int port = p.listenerPort("gateway:443");
        assertThat(curl("a.example.com", port, "--tlsv1.2", "--tls-max", "1.2").code()).isNotZero();
        assertThat(curl("a.example.com", port, "--tlsv1.3").out()).isEqualTo("web-a 200 2");
    }

    @Test
    void cipherSuitesLimitTls12() throws Exception {
        writeLeaf("a.example.com", CA.dns("a.example.com"));
        ServerTls one = new ServerTls(List.of("a.example.com"), "https-a", ServerTls.Mode.SIMPLE, dir.resolve("a.example.com.pem").toString(),
                dir.resolve("a.example.com.key").toString(), null, List.of(), List.of(), List.of(), null, null, List.of("ECDHE-ECDSA-AES128-GCM-SHA256"), "");
        ProxyServer p = start(snapshot("v1", one));
        int port = p.listenerPort("gateway:443");
        assertThat(curl("a.example.com", port, "--tls-max", "1.2", "--ciphers", "ECDHE-ECDSA-CHACHA20-POLY1305").code()).isNotZero();
        assertThat(curl("a.example.com", port, "--tls-max", "1.2", "--ciphers", "ECDHE-ECDSA-AES128-GCM-SHA256").out()).isEqualTo("web-a 200 2");
    }

    @Test
    void httpsRedirectAnswers301ToTheSameHostAndPathOverHttps() throws Exception {
        ProxySnapshot s = ProxySnapshot.builder("v1")
                .listener(new ListenerConfig("gateway:80", new HostPort("127.0.0.1", 0), ListenerKind.GATEWAY, ListenerProtocol.HTTP, "http"))
                .routeTable(new RouteTable("http", List.of(new VirtualHost("a", List.of("a.example.com"),
                        List.of(new Route("https-redirect", RouteMatch.ANY, new RouteAction.Redirect("https", null, null, 301)))))))
                .build();
        ProxyServer p = start(s);
        int port = p.listenerPort("gateway:80");
        Result r = run("curl", "-sS", "--max-time", "10", "-o", "/dev/null", "-w", "%{http_code} %{redirect_url}",
                "-H", "Host: a.example.com", "http://127.0.0.1:" + port + "/shop?x=1");
        assertThat(r.out()).isEqualTo("301 https://a.example.com/shop?x=1");
    }

    @Test
    void passthroughForwardsTheTlsBytesToTheServerTheSniPicks() throws Exception {
        writeLeaf("a.example.com", CA.dns("a.example.com"));
        ProxyServer terminating = start(snapshot("v1", server("a.example.com", ServerTls.Mode.SIMPLE, "https-a", List.of(), List.of())));
        int backend = terminating.listenerPort("gateway:443");
        ProxySnapshot edge = ProxySnapshot.builder("e1")
                .listener(new ListenerConfig("gateway:8443", new HostPort("127.0.0.1", 0), ListenerKind.GATEWAY, ListenerProtocol.TCP, "gateway:8443",
                        new TcpRouteTable(List.of(new TcpRoute("a", List.of("a.example.com"), new RouteAction.Forward(List.of(new WeightedCluster("a", 100))))))))
                .cluster(ClusterConfig.of("a", Endpoint.of("127.0.0.1", backend)).withTls(UpstreamTls.DISABLE))
                .build();
        ProxyServer p = start(edge);
        int port = p.listenerPort("gateway:8443");
        Process s = new ProcessBuilder("openssl", "s_client", "-quiet", "-connect", "127.0.0.1:" + port, "-servername", "a.example.com",
                "-CAfile", caPem.toString(), "-verify_return_error", "-alpn", "http/1.1").start();
        s.getOutputStream().write("GET / HTTP/1.1\r\nHost: a.example.com\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        s.waitFor(20, TimeUnit.SECONDS);
        assertThat(answer).startsWith("HTTP/1.1 200").endsWith("web-a");
        // an SNI no route names gets no connection to the backend
        Process other = new ProcessBuilder("openssl", "s_client", "-quiet", "-connect", "127.0.0.1:" + port, "-servername", "b.example.com").start();
        other.getOutputStream().close();
        assertThat(new String(other.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).doesNotContain("web-a");
        other.waitFor(20, TimeUnit.SECONDS);
    }

    @Test
    void istioMutualTerminatesMeshMtlsFromAnotherProxyAndRefusesClientsWithoutAMeshCertificate() throws Exception {
        ServerTls mesh = new ServerTls(List.of("*"), "https-a", ServerTls.Mode.ISTIO_MUTUAL, null, null, null,
                List.of(), List.of(), List.of(), null, null, List.of(), "");
        ProxyServer gw = ProxyServer.builder().snapshot(snapshot("v1", mesh)).concurrency(1).adminPort(-1)
                .meshTls(MeshMtlsTest.mesh(MeshMtlsTest.CA, MeshMtlsTest.CA.spiffe("cluster.local", "istio-system", "ingressgateway"))).build().start();
        cleanup.add(gw::close);
        int port = gw.listenerPort("gateway:443");
        // a sidecar whose DestinationRule says ISTIO_MUTUAL reaches the gateway's routes
        HandshakeEdgesTest edges = new HandshakeEdgesTest();
        ProxyServer client = edges.client(port, MeshMtlsTest.mesh(MeshMtlsTest.CA, MeshMtlsTest.CA.spiffe("cluster.local", "shop", "frontend")));
        cleanup.add(() -> edges.stop());
        Result via = run("curl", "-sS", "--max-time", "10", "-w", " %{http_code}", "http://127.0.0.1:" + client.listenerPort("out") + "/");
        assertThat(via.out()).as(via.err()).isEqualTo("web-a 200");
        // a client without a mesh certificate is refused
        Result direct = run("curl", "-sS", "--max-time", "10", "-k", "--resolve", "a.example.com:" + port + ":127.0.0.1", "https://a.example.com:" + port + "/");
        assertThat(direct.code()).isNotZero();
        assertThat(direct.out()).doesNotContain("web-a");
    }

    @Test
    void sidecarIngressTlsTerminatesWithItsFilesInsteadOfMeshMtls() throws Exception {
        writeLeaf("a.example.com", CA.dns("a.example.com"));
        ProxySnapshot s = ProxySnapshot.builder("v1")
                .listener(new ListenerConfig("inbound:9443", new HostPort("127.0.0.1", 0), ListenerKind.INBOUND, ListenerProtocol.HTTP, "https-a")
                        .withMtls(dev.ficus.xds.snapshot.MtlsMode.PERMISSIVE)
                        .withTls(List.of(server("a.example.com", ServerTls.Mode.SIMPLE, "https-a", List.of(), List.of()))))
                .routeTable(table("https-a", "web-a"))
                .cluster(ClusterConfig.of("web-a", Endpoint.of(webA.host(), webA.port())).withTls(UpstreamTls.DISABLE))
                .build();
        ProxyServer p = ProxyServer.builder().snapshot(s).concurrency(1).adminPort(-1)
                .meshTls(MeshMtlsTest.mesh(MeshMtlsTest.CA, MeshMtlsTest.CA.spiffe("cluster.local", "shop", "web"))).build().start();
        cleanup.add(p::close);
        int port = p.listenerPort("inbound:9443");
        assertThat(curl("a.example.com", port).out()).isEqualTo("web-a 200 2");
        assertThat(run("curl", "-sS", "--max-time", "10", "http://127.0.0.1:" + port + "/").code()).as("no plaintext beside it").isNotZero();
    }

    /** The PEM of the certificate the listener presents for {@code sni} (none: connect by IP, no SNI). */
    static String peerCertificate(int port, String sni) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setCertificateEntry("ca", CA.root());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port)) {
            SSLParameters params = s.getSSLParameters();
            params.setServerNames(sni == null ? List.of() : List.of(new SNIHostName(sni)));
            s.setSSLParameters(params);
            s.setSoTimeout(10_000);
            s.startHandshake();
            return Pem.encode((X509Certificate) s.getSession().getPeerCertificates()[0]);
        }
    }
}
