package dev.ficus.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ficus.proxy.http.ResponseFlag;
import dev.ficus.testing.FakeUpstream;
import dev.ficus.testing.TcpEchoServer;
import dev.ficus.xds.snapshot.ClusterConfig;
import dev.ficus.xds.snapshot.ConnectionPoolLimits;
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
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * DestinationRule's {@code connectionPool.tcp} settings on real sockets: the idle timeout of
 * proxied TCP connections (TCP routes and CONNECT tunnels), the maximum duration of pooled HTTP
 * connections, and SO_KEEPALIVE on upstream sockets (seen in the kernel's own socket table).
 */
class UpstreamConnectionPolicyTest {
    final List<AutoCloseable> closeLater = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : closeLater.reversed()) c.close();
    }

    <T extends AutoCloseable> T later(T c) {
        closeLater.add(c);
        return c;
    }

    ProxyServer proxy(ProxySnapshot s) throws Exception {
        return later(ProxyServer.builder().snapshot(s).concurrency(1).adminPort(-1).build().start());
    }

    static ConnectionPoolLimits limits(Duration tcpIdle, Duration maxDuration, ConnectionPoolLimits.TcpKeepalive keepalive) {
        ConnectionPoolLimits d = ConnectionPoolLimits.DEFAULT;
        return new ConnectionPoolLimits(d.maxConnections(), d.maxPendingRequests(), d.maxRequests(), d.maxRequestsPerConnection(), d.maxRetries(),
                d.idleTimeout(), tcpIdle, maxDuration, keepalive);
    }

    static ProxySnapshot tcpSnapshot(int port, ConnectionPoolLimits limits) {
        ListenerConfig l = new ListenerConfig("main", new HostPort("127.0.0.1", 0), ListenerKind.OUTBOUND, ListenerProtocol.TCP, "main",
                new TcpRouteTable(List.of(new TcpRoute("all", List.of(), new RouteAction.Forward(List.of(new WeightedCluster("echo", 1)))))));
        return ProxySnapshot.builder("1").listener(l).cluster(ClusterConfig.of("echo", Endpoint.of("127.0.0.1", port)).withLimits(limits)).build();
    }

    static ProxySnapshot httpSnapshot(String cluster, int port, ConnectionPoolLimits limits) {
        return ProxySnapshot.builder("1")
                .listener(Snapshots.listener())
                .routeTable(new RouteTable("main", List.of(new VirtualHost("all", List.of("*"),
                        List.of(new Route("all", RouteMatch.ANY, RouteAction.Forward.to(cluster)))))))
                .cluster(ClusterConfig.of(cluster, Endpoint.of("127.0.0.1", port)).withLimits(limits))
                .build();
    }

    /** Reads one line; null when the far side closed. */
    static String line(BufferedReader in) throws Exception {
        return in.readLine();
    }

    @Test
    void anIdleTcpConnectionIsClosedOnBothSidesAfterTheIdleTimeout() throws Exception {
        TcpEchoServer echo = later(TcpEchoServer.start("echo"));
        ProxyServer p = proxy(tcpSnapshot(echo.port(), limits(Duration.ofMillis(400), null, null)));
        try (Socket s = new Socket("127.0.0.1", p.listenerPort("main"))) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            out.write("first\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            assertThat(line(in)).isEqualTo("echo:first");
            long idleSince = System.nanoTime();
            assertThat(in.read()).as("the proxy closes the idle connection").isEqualTo(-1);
            long idleMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - idleSince);
            assertThat(idleMs).isBetween(300L, 5_000L);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> p.stats().cluster("echo").connectionsActive() == 0);
    }

    /**
     * {@code tcp.maxConnections} holds for TCP routes as for HTTP pools: a connection over the limit
     * is closed at once and counted with the flag UO; once one ends, the next is served.
     */
    @Test
    void tcpConnectionsOverMaxConnectionsAreRefusedWithUo() throws Exception {
        TcpEchoServer echo = later(TcpEchoServer.start("echo"));
        ConnectionPoolLimits d = ConnectionPoolLimits.DEFAULT;
        ConnectionPoolLimits two = new ConnectionPoolLimits(2, d.maxPendingRequests(), d.maxRequests(), d.maxRequestsPerConnection(), d.maxRetries(),
                d.idleTimeout(), d.tcpIdleTimeout(), d.maxConnectionDuration(), d.keepalive());
        ProxyServer p = proxy(tcpSnapshot(echo.port(), two));
        int port = p.listenerPort("main");
        List<Socket> open = new ArrayList<>();
        try {
            for (int i = 0; i < 2; i++) {
                Socket s = new Socket("127.0.0.1", port);
                open.add(s);
                s.setSoTimeout(10_000);
                s.getOutputStream().write(("hello " + i + "\n").getBytes(StandardCharsets.UTF_8));
                assertThat(line(new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)))).isEqualTo("echo:hello " + i);
            }
            try (Socket third = new Socket("127.0.0.1", port)) {
                third.setSoTimeout(10_000);
                assertThat(third.getInputStream().read()).as("over the limit: closed").isEqualTo(-1);
            }
            assertThat(p.stats().listener("main").responses(ResponseFlag.UO)).isEqualTo(1);
            assertThat(echo.connectionCount()).isEqualTo(2);
            open.removeFirst().close();
            await().atMost(Duration.ofSeconds(5)).until(() -> p.stats().cluster("echo").connectionsActive() == 1);
            try (Socket again = new Socket("127.0.0.1", port)) {
                again.setSoTimeout(10_000);
                again.getOutputStream().write("again\n".getBytes(StandardCharsets.UTF_8));
                assertThat(line(new BufferedReader(new InputStreamReader(again.getInputStream(), StandardCharsets.UTF_8)))).isEqualTo("echo:again");
            }
        } finally {
            for (Socket s : open) s.close();
        }
    }

    @Test
    void aConnectionThatKeepsMovingBytesOutlivesTheIdleTimeout() throws Exception {
        TcpEchoServer echo = later(TcpEchoServer.start("echo"));
        ProxyServer p = proxy(tcpSnapshot(echo.port(), limits(Duration.ofMillis(500), null, null)));
        try (Socket s = new Socket("127.0.0.1", p.listenerPort("main"))) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            long start = System.nanoTime();
            int n = 0;
            // bytes every 100 ms for well over twice the idle timeout: never idle for 500 ms
            while (System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(1_500) && n < 100) {
                out.write(("line " + n + "\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
                assertThat(line(in)).isEqualTo("echo:line " + n);
                n++;
                Thread.sleep(100); // the pace of the client under test, not a wait for a condition
            }
            assertThat(n).isGreaterThan(5);
        }
        assertThat(echo.connectionCount()).isEqualTo(1);
    }

    @Test
    void aZeroIdleTimeoutKeepsAnIdleConnectionOpen() throws Exception {
        TcpEchoServer echo = later(TcpEchoServer.start("echo"));
        ProxyServer p = proxy(tcpSnapshot(echo.port(), limits(Duration.ZERO, null, null)));
        try (Socket s = new Socket("127.0.0.1", p.listenerPort("main"))) {
            s.setSoTimeout(1_000);
            OutputStream out = s.getOutputStream();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            out.write("first\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            assertThat(line(in)).isEqualTo("echo:first");
            try {
                int b = in.read();
                throw new AssertionError("expected no byte and no close within a second, got " + b);
            } catch (SocketTimeoutException expected) {
                // still open
            }
            s.setSoTimeout(10_000);
            out.write("second\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            assertThat(line(in)).isEqualTo("echo:second");
        }
    }

    @Test
    void anIdleConnectTunnelIsClosedAfterTheClustersIdleTimeout() throws Exception {
        TcpEchoServer echo = later(TcpEchoServer.start("echo"));
        ProxySnapshot s = ProxySnapshot.builder("1")
                .listener(Snapshots.listener())
                .routeTable(new RouteTable("main", List.of(new VirtualHost("tunnel", List.of("echo:9000"),
                        List.of(new Route("root", RouteMatch.prefix("/"), RouteAction.Forward.to("echo")))))))
                .cluster(ClusterConfig.of("echo", Endpoint.of("127.0.0.1", echo.port())).withLimits(limits(Duration.ofMillis(400), null, null)))
                .build();
        ProxyServer p = proxy(s);
        try (Socket sock = new Socket("127.0.0.1", p.listenerPort("main"))) {
            sock.setSoTimeout(10_000);
            OutputStream out = sock.getOutputStream();
            BufferedReader in = new BufferedReader(new InputStreamReader(sock.getInputStream(), StandardCharsets.UTF_8));
            out.write("CONNECT echo:9000 HTTP/1.1\r\nHost: echo:9000\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertThat(line(in)).isEqualTo("HTTP/1.1 200 Connection Established");
            for (String l; (l = line(in)) != null && !l.isEmpty(); ) { /* headers */ }
            out.write("hi\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            assertThat(line(in)).isEqualTo("echo:hi");
            long idleSince = System.nanoTime();
            assertThat(in.read()).isEqualTo(-1);
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - idleSince)).isBetween(300L, 5_000L);
        }
    }

    @Test
    void aPooledHttpConnectionOlderThanTheMaximumDurationIsNotReused() throws Exception {
        FakeUpstream up = later(FakeUpstream.start("up"));
        ProxyServer p = proxy(httpSnapshot("up", up.port(), limits(null, Duration.ofMillis(300), null)));
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        URI uri = URI.create("http://127.0.0.1:" + p.listenerPort("main") + "/x");
        // back to back, well inside the maximum duration: one upstream connection
        for (int i = 0; i < 3; i++) assertThat(client.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        assertThat(up.connectionCount()).isEqualTo(1);
        // once it is older than the maximum, the pool closes it (idle) and the next request opens another
        await().atMost(Duration.ofSeconds(5)).until(() -> p.stats().cluster("up").connectionsActive() == 0);
        assertThat(client.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        assertThat(up.connectionCount()).isEqualTo(2);
        assertThat(p.stats().cluster("up").connectionsTotal()).isEqualTo(2);
    }

    @Test
    void upstreamSocketsGetTheClustersKeepaliveSettings() throws Exception {
        TcpEchoServer echo = later(TcpEchoServer.start("echo"));
        var keepalive = new ConnectionPoolLimits.TcpKeepalive(4, Duration.ofSeconds(77), Duration.ofSeconds(9));
        ProxyServer p = proxy(tcpSnapshot(echo.port(), limits(null, null, keepalive)));
        try (Socket s = new Socket("127.0.0.1", p.listenerPort("main"))) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write("ka\n".getBytes(StandardCharsets.UTF_8));
            s.getOutputStream().flush();
            assertThat(new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)).readLine()).isEqualTo("echo:ka");
            // the kernel's view of the proxy's upstream socket: a keepalive timer counting down from 77 s
            String table = ss("dport = :" + echo.port());
            assertThat(table).contains("timer:(keepalive,1min"); // 77 s, shown as 1min17sec (or 1min16sec once it ticked)
        }
    }

    @Test
    void withoutKeepaliveSettingsUpstreamSocketsHaveNoKeepaliveTimer() throws Exception {
        TcpEchoServer echo = later(TcpEchoServer.start("echo"));
        ProxyServer p = proxy(tcpSnapshot(echo.port(), ConnectionPoolLimits.DEFAULT));
        try (Socket s = new Socket("127.0.0.1", p.listenerPort("main"))) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write("ka\n".getBytes(StandardCharsets.UTF_8));
            s.getOutputStream().flush();
            assertThat(new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)).readLine()).isEqualTo("echo:ka");
            String table = ss("dport = :" + echo.port());
            assertThat(table).contains(":" + echo.port()).doesNotContain("keepalive"); // the upstream socket, IPv4 or v4-mapped
        }
    }

    /** {@code ss -tno state established FILTER}: the kernel's established TCP sockets with their timers. */
    static String ss(String filter) throws Exception {
        Process pr = new ProcessBuilder("ss", "-tnoH", "state", "established", filter).redirectErrorStream(true).start();
        String out = new String(pr.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(pr.waitFor(10, TimeUnit.SECONDS)).isTrue();
        return out;
    }
}
