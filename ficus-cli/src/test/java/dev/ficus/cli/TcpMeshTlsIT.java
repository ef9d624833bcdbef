package dev.ficus.cli;

import dev.ficus.testing.TcpEchoServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A TCP service behind a STRICT PeerAuthentication, as a user would run it under {@code ficus up}:
 * web reaches echo's TCP port through a CONNECT tunnel on its outbound (HTTP_PROXY) port and
 * through a Sidecar egress TCP listener; both speak mesh mTLS (auto mTLS: echo's WorkloadEntry has
 * the {@code tlsMode: istio} label), echo's inbound terminates it and the server side's
 * {@code istio_tcp_*} series say {@code mutual_tls} with web's identity. A VirtualService with only
 * a tcp route for the port routes the CONNECT too. A DestinationRule that turns TLS off makes the
 * STRICT port refuse web.
 */
class TcpMeshTlsIT {
    private final List<AutoCloseable> cleanup = new ArrayList<>();

    @TempDir
    Path caDir;

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : cleanup.reversed()) c.close();
    }

    static String config(int servicePort, int inbound, int app) {
        return """
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: {name: web, namespace: shop}
                spec: {address: 127.0.0.1, labels: {app: web}, serviceAccount: web}
                ---
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata: {name: web, namespace: shop}
                spec:
                  workloadSelector: {labels: {app: web}}
                  egress:
                  - port: {number: %1$d, protocol: TCP, name: echo}
                    bind: 127.0.0.1
                    hosts: ["./*"]
                  - hosts: ["./*"]
                ---
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: echo, namespace: shop}
                spec:
                  hosts: [echo.shop.svc.cluster.local]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports: [{number: %1$d, name: tcp, protocol: TCP}]
                  workloadSelector: {labels: {app: echo}}
                ---
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: {name: echo-v1, namespace: shop}
                spec:
                  address: 127.0.0.1
                  ports: {tcp: %2$d}
                  labels: {app: echo, version: v1, security.istio.io/tlsMode: istio}
                  serviceAccount: echo
                ---
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata: {name: echo, namespace: shop}
                spec:
                  workloadSelector: {labels: {app: echo}}
                  ingress: [{port: {number: %2$d, protocol: TCP, name: tcp}, bind: 127.0.0.1, defaultEndpoint: "127.0.0.1:%3$d"}]
                ---
                apiVersion: security.istio.io/v1
                kind: PeerAuthentication
                metadata: {name: default, namespace: shop}
                spec: {mtls: {mode: STRICT}}
                """.formatted(servicePort, inbound, app);
    }

    static final String TLS_OFF = """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: {name: echo, namespace: shop}
            spec:
              host: echo.shop.svc.cluster.local
              trafficPolicy: {tls: {mode: DISABLE}}
            """;

    static final String TCP_ONLY = """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: {name: echo, namespace: shop}
            spec:
              hosts: [echo]
              tcp:
              - match: [{port: %d}]
                route: [{destination: {host: echo, port: {number: %d}}}]
            """;

    @Test
    void aTcpRouteAndAConnectTunnelReachAStrictTcpServiceOverMeshMtls(@TempDir Path dir) throws Exception {
        TcpEchoServer echo = TcpEchoServer.start("echo");
        cleanup.add(echo);
        int service = UpCommandIT.freePort(), inbound = UpCommandIT.freePort(), outbound = UpCommandIT.freePort(), admin = UpCommandIT.freePort();
        Files.writeString(dir.resolve("mesh.yaml"), config(service, inbound, echo.port()));
        FicusProcess up = FicusProcess.start("up", dir.toString(), "--sync-port", "0", "--http-port", "0", "--ca-dir", caDir.toString(),
                "--admin-port", Integer.toString(admin), "--outbound-port", Integer.toString(outbound));
        cleanup.add(up);
        up.await("^ficus up: ", Duration.ofSeconds(120));
        up.await("certificate issued for spiffe://cluster.local/ns/shop/sa/(web|echo)", Duration.ofSeconds(10));

        // (a) a CONNECT tunnel through the outbound (HTTP_PROXY) port, routed by its authority: mesh
        // mTLS to echo's STRICT inbound port, the 200 only once the handshake is done
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).ignoreExceptions().alias("through a CONNECT tunnel; ficus up said\n" + up)
                .until(() -> lines(outbound, "echo.shop.svc.cluster.local:" + service, "through the tunnel"),
                        l -> l.equals(List.of("HTTP/1.1 200 Connection Established", "echo:through the tunnel", "echo:bye")));
        // (b) the Sidecar's egress TCP listener, with no VirtualService: as Istio's listener for the
        // service port, it goes to the one service of the egress hosts with that port
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).ignoreExceptions().alias("through the TCP route; ficus up said\n" + up)
                .until(() -> lines(service, null, "ping"), l -> l.equals(List.of("echo:ping", "echo:bye")));

        // the server side saw mesh mTLS from web on both; the client side names echo's proven identity
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            String prom = get(admin, "/stats/prometheus");
            assertThat(series(prom, "istio_tcp_connections_opened_total", "reporter=\"destination\""))
                    .contains("connection_security_policy=\"mutual_tls\"")
                    .contains("source_principal=\"spiffe://cluster.local/ns/shop/sa/web\"")
                    .contains("destination_principal=\"spiffe://cluster.local/ns/shop/sa/echo\"")
                    .matches(l -> value(l) >= 2, "at least the route's and the tunnel's connections");
            assertThat(series(prom, "istio_tcp_connections_opened_total", "reporter=\"source\""))
                    .contains("destination_principal=\"spiffe://cluster.local/ns/shop/sa/echo\"")
                    .contains("destination_service=\"echo.shop.svc.cluster.local\"");
        });

        // (c) a VirtualService with only a tcp route for the port: a CONNECT to echo's host:port takes
        // that route, as a connection to the port does (the VirtualService used to hide echo from the
        // HTTP route table, and the CONNECT went to passthrough: 503 DF)
        Files.writeString(dir.resolve("echo-vs.yaml"), TCP_ONLY.formatted(service, service));
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).alias("the VirtualService applied; ficus up said\n" + up)
                .until(() -> get(admin, "/config_dump").contains("echo.spec.tcp[0]"));
        for (String authority : List.of("echo.shop.svc.cluster.local:" + service, "echo.shop:" + service)) {
            assertThat(lines(outbound, authority, "routed by port")).as(authority)
                    .containsExactly("HTTP/1.1 200 Connection Established", "echo:routed by port", "echo:bye");
        }

        // DestinationRule tls DISABLE: web now speaks plaintext, which the STRICT port refuses
        Files.writeString(dir.resolve("tls-off.yaml"), TLS_OFF);
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() -> lines(service, null, "ping").isEmpty());
        int connections = echo.connectionCount();
        assertThat(lines(service, null, "again")).isEmpty();
        assertThat(echo.connectionCount()).as("nothing reached the app").isEqualTo(connections);

        up.process().destroy();
        assertThat(up.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
    }

    /**
     * One connection to {@code port}: with {@code connect} a CONNECT to that authority first (its
     * status line is the first line returned), then {@code line}, a half-close, and every line read
     * until the far end closes.
     */
    static List<String> lines(int port, String connect, String line) throws IOException {
        List<String> got = new ArrayList<>();
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            if (connect != null) {
                out.write(("CONNECT " + connect + " HTTP/1.1\r\nHost: " + connect + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                got.add(in.readLine());
                for (String h; (h = in.readLine()) != null && !h.isEmpty(); ) { /* the answer's head */ }
            }
            out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            s.shutdownOutput();
            try {
                for (String l; (l = in.readLine()) != null; ) got.add(l);
            } catch (java.net.SocketException e) {
                // reset: closed with bytes unread
            }
        }
        return got;
    }

    static String get(int port, String path) throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        }
    }

    /** The one series of {@code metric} whose labels contain {@code has}; "" when there is none. */
    static String series(String prom, String metric, String has) {
        List<String> found = prom.lines().filter(l -> l.startsWith(metric + "{") && l.contains(has)).toList();
        assertThat(found).as(metric + " with " + has).hasSizeLessThanOrEqualTo(1);
        return found.isEmpty() ? "" : found.getFirst();
    }

    static double value(String series) { return Double.parseDouble(series.substring(series.lastIndexOf(' ') + 1)); }
}
