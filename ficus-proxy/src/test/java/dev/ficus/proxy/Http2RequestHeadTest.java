package dev.ficus.proxy;

import dev.ficus.testing.FakeUpstream;
import dev.ficus.xds.snapshot.ProxySnapshot;
import dev.ficus.xds.snapshot.Route;
import dev.ficus.xds.snapshot.RouteAction;
import dev.ficus.xds.snapshot.RouteMatch;
import dev.ficus.xds.snapshot.RouteTable;
import dev.ficus.xds.snapshot.VirtualHost;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What ficus makes of an HTTP/2 request head before routing it.
 *
 * <p>An HTTP/2 request that carries a {@code host} field beside {@code :authority} (nghttp and h2load
 * send both when told {@code -H 'host: ...'}) is routed by {@code :authority}, and its Host field is
 * dropped: RFC 9113 section 8.3.1 forbids using Host for the target when {@code :authority} is present
 * and has an intermediary forward {@code :authority} as the HTTP/1.1 Host. Envoy does the same.
 *
 * <p>A head that cannot be carried on as HTTP/1.1 (a method that is not a token, a {@code :path} that
 * is not an absolute path) is answered at once with {@code 400} and {@code x-ficus-error: DPE}, and
 * counted, as the HTTP/1.1 guard does; the connection keeps serving.
 */
class Http2RequestHeadTest {
    final List<AutoCloseable> closeLater = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : closeLater.reversed()) c.close();
    }

    @Test
    void authorityRoutesAndIsTheOnlyHostForwarded() throws Exception {
        FakeUpstream shop = FakeUpstream.start("shop");
        closeLater.add(shop);
        ProxySnapshot s = ProxySnapshot.builder("1")
                .listener(Snapshots.listener())
                .routeTable(new RouteTable("main", List.of(
                        new VirtualHost("shop", List.of("shop"), List.of(new Route("to-shop", RouteMatch.ANY, RouteAction.Forward.to("shop")))),
                        new VirtualHost("elsewhere", List.of("elsewhere"), List.of(
                                new Route("e", RouteMatch.ANY, new RouteAction.DirectResponse(200, "elsewhere")))))))
                .cluster(Snapshots.cluster(shop))
                .build();
        ProxyServer p = ProxyServer.builder().snapshot(s).concurrency(1).adminPort(0).build().start();
        closeLater.add(p);
        int port = p.listenerPort("main");

        long t0 = System.nanoTime();
        assertThat(nghttp(port, "shop", "elsewhere")).isEqualTo("shop");
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).as("answered at once").isLessThan(5_000);
        assertThat(shop.seen()).singleElement().satisfies(seen -> assertThat(seen.header("host")).isEqualTo("shop"));
        assertThat(nghttp(port, "elsewhere", "shop")).isEqualTo("elsewhere");
        assertThat(nghttp(port, "shop", "shop")).isEqualTo("shop");
        assertThat(shop.seen()).hasSize(2).allSatisfy(seen -> assertThat(seen.header("host")).isEqualTo("shop"));

        String load = Http2RequestEndTest.h2load(port, "/items", 200, "-H", "host: elsewhere");
        assertThat(load).contains("200 succeeded").contains("200 2xx");
        assertThat(shop.requestCount()).isEqualTo(202);
    }

    @Test
    void headsHttp11CannotCarryAre400DpeAtOnce() throws Exception {
        ProxySnapshot s = Snapshots.withRoutes("1", List.of(new Route("hello", RouteMatch.ANY, new RouteAction.DirectResponse(200, "hello")))).build();
        ProxyServer p = ProxyServer.builder().snapshot(s).concurrency(1).adminPort(0).build().start();
        closeLater.add(p);
        int port = p.listenerPort("main");

        for (String[] head : List.of(new String[] {":method: G(ET"}, new String[] {":path: a"}, new String[] {":path: *"},
                new String[] {":method: POST", ":path: no-slash"})) {
            List<String> args = new ArrayList<>();
            for (String h : head) args.addAll(List.of("-H", h));
            long t0 = System.nanoTime();
            String out = run(port, "/", args);
            assertThat(out).as(String.join(" ", head)).contains(":status: 400").contains("x-ficus-error: DPE").doesNotContain("RST_STREAM");
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).as("answered at once").isLessThan(5_000);
        }
        assertThat(run(port, "/", List.of("-H", ":method: OPTIONS", "-H", ":path: *"))).contains(":status: 200");
        assertThat(run(port, "/ok", List.of())).contains(":status: 200");
        assertThat(p.stats().prometheus()).contains("ficus_listener_response_flags_total{listener=\"main\",flag=\"DPE\"} 4");
    }

    /** Request heads as large as HTTP/1.1 allows (60 KiB, Envoy's default for both) pass over HTTP/2 too. */
    @Test
    void largeHeadsPassAsOverHttp11() throws Exception {
        FakeUpstream shop = FakeUpstream.start("shop");
        closeLater.add(shop);
        ProxySnapshot s = Snapshots.withRoutes("1", List.of(new Route("to-shop", RouteMatch.ANY, RouteAction.Forward.to("shop"))))
                .cluster(Snapshots.cluster(shop)).build();
        ProxyServer p = ProxyServer.builder().snapshot(s).concurrency(1).adminPort(0).build().start();
        closeLater.add(p);
        String big = "b".repeat(40_000);
        String out = run(p.listenerPort("main"), "/big", List.of("-H", "x-big: " + big));
        assertThat(out).contains(":status: 200").doesNotContain("recv GOAWAY").doesNotContain("RST_STREAM");
        assertThat(shop.seen()).singleElement().satisfies(seen -> assertThat(seen.header("x-big")).isEqualTo(big));
    }

    /** A HEAD answered by ficus itself (a directResponse, a 503) ends with its HEADERS frame: no DATA follows. */
    @Test
    void aLocalReplyToHeadHasNoBody() throws Exception {
        ProxySnapshot s = Snapshots.withRoutes("1", List.of(new Route("hello", RouteMatch.ANY, new RouteAction.DirectResponse(200, "hello")))).build();
        ProxyServer p = ProxyServer.builder().snapshot(s).concurrency(1).adminPort(0).build().start();
        closeLater.add(p);
        String out = run(p.listenerPort("main"), "/", List.of("-H", ":method: HEAD"));
        assertThat(out).contains(":status: 200").contains("content-length: 5").doesNotContain("recv DATA frame").doesNotContain("RST_STREAM");
    }

    /**
     * An HTTP/1.1 upstream's informational response (103 Early Hints, 100 Continue) reaches an
     * HTTP/2 client as a HEADERS frame that leaves the stream open, and the final response follows.
     */
    @Test
    void informationalResponsesOfAnHttp11UpstreamReachHttp2Clients() throws Exception {
        java.net.ServerSocket server = new java.net.ServerSocket(0, 16, java.net.InetAddress.getLoopbackAddress());
        closeLater.add(server);
        Thread t = Thread.ofVirtual().start(() -> {
            for (int n = 0; n < 4; n++) {
                try (java.net.Socket c = server.accept()) {
                    c.setSoTimeout(10_000);
                    var in = c.getInputStream();
                    StringBuilder head = new StringBuilder();
                    for (int b; head.indexOf("\r\n\r\n") < 0 && (b = in.read()) >= 0 && head.length() < 65_536; ) head.append((char) b);
                    c.getOutputStream().write(("HTTP/1.1 103 Early Hints\r\nlink: </style.css>; rel=preload\r\n\r\n"
                            + "HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok").getBytes(StandardCharsets.US_ASCII));
                } catch (java.io.IOException e) {
                    return; // the test ended and closed the server
                }
            }
        });
        closeLater.add(t::interrupt);
        ProxySnapshot s = Snapshots.withRoutes("1", List.of(new Route("hints", RouteMatch.ANY, RouteAction.Forward.to("hints"))))
                .cluster(dev.ficus.xds.snapshot.ClusterConfig.of("hints", dev.ficus.xds.snapshot.Endpoint.of("127.0.0.1", server.getLocalPort()))).build();
        ProxyServer p = ProxyServer.builder().snapshot(s).concurrency(1).adminPort(0).build().start();
        closeLater.add(p);
        String out = run(p.listenerPort("main"), "/page", List.of());
        assertThat(out).contains(":status: 103").contains("link: </style.css>; rel=preload").contains(":status: 200")
                .doesNotContain("RST_STREAM");
        assertThat(out.indexOf(":status: 103")).isLessThan(out.indexOf(":status: 200"));
        // counted when the exchange ends on the proxy's loop, which may be just after nghttp has the answer
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).until(() -> p.stats().listener("main").responses(2) == 1);
    }

    static String nghttp(int port, String authority, String host) throws Exception {
        Process n = new ProcessBuilder("nghttp", "-H", ":authority: " + authority, "-H", "host: " + host, "http://127.0.0.1:" + port + "/")
                .redirectErrorStream(true).start();
        assertThat(n.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return new String(n.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    }

    /**
     * The server offers 1 MiB windows (SETTINGS_INITIAL_WINDOW_SIZE, and the connection's grown to
     * match once bytes are consumed): with HTTP/2's 64 KiB an upload waited for a WINDOW_UPDATE
     * every 32 KiB. A 200 KiB upload passes with the connection's window raised to 1 MiB.
     */
    @Test
    void uploadsGetOneMebibyteWindows() throws Exception {
        FakeUpstream shop = FakeUpstream.start("shop");
        closeLater.add(shop);
        ProxySnapshot s = Snapshots.withRoutes("1", List.of(new Route("to-shop", RouteMatch.ANY, RouteAction.Forward.to("shop"))))
                .cluster(Snapshots.cluster(shop)).build();
        ProxyServer p = ProxyServer.builder().snapshot(s).concurrency(1).adminPort(0).build().start();
        closeLater.add(p);
        java.nio.file.Path body = java.nio.file.Files.createTempFile("upload", ".bin");
        closeLater.add(() -> java.nio.file.Files.deleteIfExists(body));
        java.nio.file.Files.write(body, new byte[200 * 1024]);
        String out = run(p.listenerPort("main"), "/up", List.of("-d", body.toString()));
        assertThat(out).contains("SETTINGS_INITIAL_WINDOW_SIZE(0x04):1048576").contains(":status: 200")
                .contains("recv WINDOW_UPDATE frame <length=4, flags=0x00, stream_id=0>\n          (window_size_increment=");
        assertThat(shop.seen()).singleElement().satisfies(seen -> assertThat(seen.bodyBytes()).isEqualTo(200 * 1024));
    }

    /** {@code nghttp -v} with the given options: the frames it sent and received. */
    static String run(int port, String path, List<String> options) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("nghttp", "-v", "-t", "10"));
        cmd.addAll(options);
        cmd.add("http://127.0.0.1:" + port + path);
        Process n = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        assertThat(n.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return new String(n.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
}
