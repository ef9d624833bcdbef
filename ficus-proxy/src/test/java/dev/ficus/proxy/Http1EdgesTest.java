package dev.ficus.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ficus.proxy.http.ResponseFlag;
import dev.ficus.proxy.telemetry.accesslog.AccessLogConfig;
import dev.ficus.proxy.telemetry.accesslog.AccessLogger;
import dev.ficus.xds.snapshot.AuthzPolicies;
import dev.ficus.xds.snapshot.ClusterConfig;
import dev.ficus.xds.snapshot.HostPort;
import dev.ficus.xds.snapshot.JwtPolicies;
import dev.ficus.xds.snapshot.ListenerConfig;
import dev.ficus.xds.snapshot.ListenerKind;
import dev.ficus.xds.snapshot.ListenerProtocol;
import dev.ficus.xds.snapshot.MtlsMode;
import dev.ficus.xds.snapshot.ProxySnapshot;
import dev.ficus.xds.snapshot.RoutePolicies;
import dev.ficus.xds.snapshot.RouteRetry;
import dev.ficus.xds.snapshot.RouteTable;
import dev.ficus.xds.snapshot.TcpRouteTable;
import dev.ficus.xds.snapshot.TelemetryPolicy;
import dev.ficus.xds.snapshot.VirtualHost;
import dev.ficus.xds.snapshot.Endpoint;
import dev.ficus.xds.snapshot.Route;
import dev.ficus.xds.snapshot.RouteAction;
import dev.ficus.xds.snapshot.RouteMatch;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * HTTP/1.1 edge cases over real sockets, with hand-written bytes on both sides of the proxy where
 * a real client or server would not send them.
 */
class Http1EdgesTest {
    ServerSocket backend;
    ProxyServer proxy;
    final AtomicInteger accepted = new AtomicInteger();

    @AfterEach
    void close() throws Exception {
        if (proxy != null) proxy.close();
        if (log != null) log.close();
        if (backend != null) backend.close();
    }

    @FunctionalInterface
    interface Conversation { void serve(Socket s) throws Exception; }

    /** A backend on 127.0.0.1:0 that holds {@code c} with each connection, on a virtual thread. */
    void startBackend(Conversation c) throws IOException {
        backend = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(() -> {
            while (!backend.isClosed()) {
                try {
                    Socket s = backend.accept();
                    accepted.incrementAndGet();
                    Thread.ofVirtual().start(() -> {
                        try (s) {
                            c.serve(s);
                        } catch (Exception e) {
                            // the proxy closed it
                        }
                    });
                } catch (IOException e) {
                    return;
                }
            }
        });
    }

    void startProxy() throws Exception {
        startProxy(RoutePolicies.NONE);
    }

    /**
     * A proxy whose listener "main" sends everything to the backend with {@code policies}, counts
     * Istio's metrics and writes every exchange to {@link #accessLog}.
     */
    void startProxy(RoutePolicies policies) throws Exception {
        ListenerConfig l = new ListenerConfig("main", new HostPort("127.0.0.1", 0), ListenerKind.OUTBOUND, ListenerProtocol.HTTP, "main",
                TcpRouteTable.EMPTY, AuthzPolicies.NONE, MtlsMode.DISABLE, null, JwtPolicies.NONE,
                TelemetryPolicy.DEFAULT.withAccessLog(TelemetryPolicy.AccessLog.ALL));
        Route all = new Route("all", RouteMatch.ANY, RouteAction.Forward.to("app")).withPolicies(policies);
        ProxySnapshot s = ProxySnapshot.builder("1").listener(l)
                .routeTable(new RouteTable("main", List.of(new VirtualHost("all", List.of("*"), List.of(all)))))
                .cluster(ClusterConfig.of("app", Endpoint.of("127.0.0.1", backend.getLocalPort())))
                .build();
        log = AccessLogger.to(accessLog, AccessLogConfig.TELEMETRY_ONLY);
        proxy = ProxyServer.builder().snapshot(s).observer(log).concurrency(1).adminPort(-1).build().start();
    }

    final java.io.ByteArrayOutputStream accessLog = new java.io.ByteArrayOutputStream() {
        @Override public synchronized String toString() { return super.toString(StandardCharsets.UTF_8); }
    };
    AccessLogger log;

    /** The access log's lines so far. */
    List<String> accessLogLines() {
        return accessLog.toString().lines().toList();
    }

    /** Reads up to and including the empty line that ends a head. */
    static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int n = 0;
        while (n < 4) {
            int c = in.read();
            if (c < 0) break;
            b.write(c);
            n = (c == '\r' && (n == 0 || n == 2)) || (c == '\n' && (n == 1 || n == 3)) ? n + 1 : 0;
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    static String readExactly(InputStream in, int len) throws IOException {
        return new String(in.readNBytes(len), StandardCharsets.ISO_8859_1);
    }

    static void write(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    // ---- 101 Switching Protocols

    /**
     * A 101 ends at its head whatever it says: Netty's codec would read a Hixie-76 body after
     * {@code Upgrade: websocket} without {@code Sec-WebSocket-Accept} (to the connection's end, or 16
     * bytes with the Hixie {@code Sec-WebSocket-Location}). Bytes the backend sends in the same
     * write as the 101 (a greeting) are the new protocol's and reach the client after the 101.
     */
    @ParameterizedTest(name = "{0} greeting={1}")
    @CsvSource({
            "'Upgrade: websocket', ''",
            "'Upgrade: websocket', 'hello-from-the-backend'",
            "'Upgrade: websocket\r\nSec-WebSocket-Origin: http://app\r\nSec-WebSocket-Location: ws://app/ws', ''",
            "'Upgrade: websocket\r\nSec-WebSocket-Origin: http://app\r\nSec-WebSocket-Location: ws://app/ws', 'sixteen-bytes-ok+more'",
            "'Upgrade: websocket\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=', 'hello'",
            "'Upgrade: echo/1', ''",
            "'Upgrade: echo/1', 'hello'",
    })
    void a101EndsAtItsHeadAndTheBytesAfterItAreTheNewProtocols(String upgradeFields, String greeting) throws Exception {
        startBackend(s -> {
            InputStream in = s.getInputStream();
            readHead(in);
            OutputStream out = s.getOutputStream();
            write(out, "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n" + upgradeFields + "\r\n\r\n" + greeting);
            byte[] buf = new byte[1024];
            for (int r; (r = in.read(buf)) > 0; ) { // an echo of the new protocol
                out.write(buf, 0, r);
                out.flush();
            }
        });
        startProxy();
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), proxy.listenerPort("main"))) {
            s.setSoTimeout(10_000);
            InputStream in = s.getInputStream();
            write(s.getOutputStream(), "GET /ws HTTP/1.1\r\nHost: app\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
            String head = readHead(in);
            assertThat(head).startsWith("HTTP/1.1 101 Switching Protocols\r\n").endsWith("\r\n\r\n");
            assertThat(head.toLowerCase(java.util.Locale.ROOT)).contains("connection: upgrade").doesNotContain("transfer-encoding").doesNotContain("content-length");
            assertThat(readExactly(in, greeting.length())).isEqualTo(greeting);
            write(s.getOutputStream(), "ping-1\n");
            assertThat(readExactly(in, 7)).isEqualTo("ping-1\n");
            write(s.getOutputStream(), "ping-2\n");
            assertThat(readExactly(in, 7)).isEqualTo("ping-2\n");
        }
        assertThat(proxy.stats().listener("main").responses(1)).isEqualTo(1); // 1xx
    }

    /**
     * A 101 to a request that asked for no upgrade is refused as Envoy refuses it: the client gets
     * 502 with flag UPE (never the 101, nor the bytes after it), the upstream connection is closed
     * (its bytes are no HTTP any more) and the client's connection keeps serving.
     */
    @ParameterizedTest(name = "{0} greeting={1}")
    @CsvSource({
            "'Connection: Upgrade\r\nUpgrade: websocket', ''",
            "'Connection: Upgrade\r\nUpgrade: websocket', 'new-protocol-bytes'",
            "'', ''",
            "'Content-Length: 5', 'hello'",
    })
    void anUnsolicited101Is502UpeAndClosesTheUpstreamConnection(String fields, String greeting) throws Exception {
        CountDownLatch upstreamClosed = new CountDownLatch(1);
        AtomicInteger switched = new AtomicInteger();
        startBackend(s -> {
            InputStream in = s.getInputStream();
            String request = readHead(in);
            if (request.startsWith("GET /switch ")) {
                switched.incrementAndGet();
                write(s.getOutputStream(), "HTTP/1.1 101 Switching Protocols\r\n" + (fields.isEmpty() ? "" : fields + "\r\n") + "\r\n" + greeting);
                try {
                    while (in.read() >= 0) {
                        // whatever the proxy sends, until it closes
                    }
                } catch (IOException reset) {
                    // as good as a close
                }
                upstreamClosed.countDown();
            } else {
                write(s.getOutputStream(), "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
                readHead(in); // holds the connection until the proxy closes it
            }
        });
        startProxy();
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), proxy.listenerPort("main"))) {
            s.setSoTimeout(10_000);
            InputStream in = s.getInputStream();
            write(s.getOutputStream(), "GET /switch HTTP/1.1\r\nHost: app\r\n\r\n");
            String head = readHead(in);
            assertThat(head).startsWith("HTTP/1.1 502 Bad Gateway\r\n");
            assertThat(head.toLowerCase(java.util.Locale.ROOT)).contains("x-ficus-error: upe\r\n").doesNotContain("upgrade");
            String body = readExactly(in, contentLength(head));
            if (!greeting.isEmpty()) assertThat(body).doesNotContain(greeting);
            assertThat(upstreamClosed.await(10, TimeUnit.SECONDS)).as("the upstream connection was closed").isTrue();

            write(s.getOutputStream(), "GET /next HTTP/1.1\r\nHost: app\r\n\r\n"); // the client's connection goes on
            String next = readHead(in);
            assertThat(next).startsWith("HTTP/1.1 200 OK\r\n");
            assertThat(readExactly(in, 2)).isEqualTo("ok");
        }
        assertThat(switched.get()).as("not retried: Istio's default retryOn has no reset").isEqualTo(1);
        var main = proxy.stats().listener("main");
        await().atMost(java.time.Duration.ofSeconds(5)).until(() -> main.responses(ResponseFlag.UPE) == 1);
        assertThat(main.responses(1)).as("no 1xx reached the client").isZero();
        assertThat(main.responses(5)).isEqualTo(1);
        await().atMost(java.time.Duration.ofSeconds(5)).until(() -> accessLogLines().size() == 2);
        assertThat(accessLogLines().getFirst()).contains("\"response_code\":502").contains("\"response_flags\":\"UPE\"");
    }

    /**
     * {@code Upgrade: h2c} is not forwarded (Envoy strips it too): the upstream gets a plain
     * HTTP/1.1 request, without Upgrade, HTTP2-Settings or Connection: upgrade, so a 101 it sends
     * anyway is refused (502 UPE) and never turns the connection into HTTP/2 past the routes and
     * policies (h2c smuggling). Beside h2c, another protocol asked for is still forwarded alone.
     */
    @Test
    void anH2cUpgradeIsNotForwardedSoNoConnectionSwitchesToIt() throws Exception {
        List<String> heads = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        startBackend(s -> {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            for (String head; !(head = readHead(in)).isEmpty(); ) {
                heads.add(head.toLowerCase(java.util.Locale.ROOT));
                write(out, "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: " + (head.contains("echo/1") ? "echo/1" : "h2c") + "\r\n\r\n");
                if (head.contains("echo/1")) {
                    byte[] buf = new byte[1024];
                    for (int r; (r = in.read(buf)) > 0; ) {
                        out.write(buf, 0, r);
                        out.flush();
                    }
                }
            }
        });
        startProxy();
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), proxy.listenerPort("main"))) {
            s.setSoTimeout(10_000);
            InputStream in = s.getInputStream();
            write(s.getOutputStream(), "GET /smuggle HTTP/1.1\r\nHost: app\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
                    + "HTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n");
            String head = readHead(in);
            assertThat(head).startsWith("HTTP/1.1 502 Bad Gateway\r\n");
            assertThat(head.toLowerCase(java.util.Locale.ROOT)).contains("x-ficus-error: upe\r\n");
        }
        assertThat(heads).first().satisfies(h -> assertThat(h).startsWith("get /smuggle ").doesNotContain("upgrade").doesNotContain("http2-settings"));
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), proxy.listenerPort("main"))) {
            s.setSoTimeout(10_000);
            InputStream in = s.getInputStream();
            write(s.getOutputStream(), "GET /both HTTP/1.1\r\nHost: app\r\nConnection: Upgrade\r\nUpgrade: h2c, echo/1\r\n\r\n");
            assertThat(readHead(in)).startsWith("HTTP/1.1 101 Switching Protocols\r\n");
            write(s.getOutputStream(), "ping\n");
            assertThat(readExactly(in, 5)).isEqualTo("ping\n");
        }
        assertThat(heads.getLast()).startsWith("get /both ").contains("upgrade: echo/1\r\n").doesNotContain("h2c");
    }

    // ---- a request body that breaks framing after its head was forwarded

    static final String CHUNKED_HEAD = "POST /upload HTTP/1.1\r\nHost: app\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n";
    static final String BAD_CHUNK = "zz\r\nbroken\r\n";

    /**
     * The backend reads the forwarded head, then (when {@code answerFirst}) starts a chunked
     * response, and counts down {@code closed} once the proxy closed its connection.
     */
    void startUploadBackend(CountDownLatch headSeen, CountDownLatch closed, boolean answerFirst) throws IOException {
        startBackend(s -> {
            InputStream in = s.getInputStream();
            readHead(in);
            if (answerFirst) write(s.getOutputStream(), "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n");
            headSeen.countDown();
            byte[] buf = new byte[1024];
            try {
                while (in.read(buf) >= 0) {
                    // the body, until the proxy resets the request
                }
            } catch (IOException reset) {
                // as good as a close
            }
            closed.countDown();
        });
    }

    @Test
    void aMalformedChunkSizeBeforeTheResponseIs400DpeAndResetsTheUpstreamRequest() throws Exception {
        CountDownLatch headSeen = new CountDownLatch(1);
        CountDownLatch upstreamClosed = new CountDownLatch(1);
        startUploadBackend(headSeen, upstreamClosed, false);
        startProxy();
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), proxy.listenerPort("main"))) {
            s.setSoTimeout(10_000);
            write(s.getOutputStream(), CHUNKED_HEAD);
            assertThat(headSeen.await(10, TimeUnit.SECONDS)).as("the head was forwarded").isTrue();
            write(s.getOutputStream(), BAD_CHUNK);
            InputStream in = s.getInputStream();
            String head = readHead(in);
            assertThat(head).startsWith("HTTP/1.1 400 Bad Request\r\n");
            assertThat(head.toLowerCase(java.util.Locale.ROOT)).contains("x-ficus-error: dpe").contains("connection: close");
            in.readNBytes(contentLength(head));
            assertThat(in.read()).as("the connection is closed after the 400").isEqualTo(-1);
        }
        assertThat(upstreamClosed.await(10, TimeUnit.SECONDS)).as("the upstream request was reset").isTrue();
        var main = proxy.stats().listener("main");
        await().atMost(java.time.Duration.ofSeconds(5)).until(() -> main.responses(ResponseFlag.DPE) == 1);
        assertThat(main.responses(ResponseFlag.DC)).isZero();
        assertThat(main.responses(4)).isEqualTo(1);
        await().atMost(java.time.Duration.ofSeconds(5)).until(() -> accessLogLines().size() == 1);
        assertThat(accessLogLines().getFirst()).contains("\"response_code\":400").contains("\"response_flags\":\"DPE\"");
        assertThat(proxy.stats().prometheus()).containsPattern("istio_requests_total\\{[^}]*response_code=\"400\"[^}]*response_flags=\"DPE\"[^}]*\\} 1");
    }

    @Test
    void aMalformedChunkSizeAfterTheResponseStartedClosesBothConnections() throws Exception {
        CountDownLatch headSeen = new CountDownLatch(1);
        CountDownLatch upstreamClosed = new CountDownLatch(1);
        startUploadBackend(headSeen, upstreamClosed, true);
        startProxy();
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), proxy.listenerPort("main"))) {
            s.setSoTimeout(10_000);
            write(s.getOutputStream(), CHUNKED_HEAD);
            InputStream in = s.getInputStream();
            String head = readHead(in);
            assertThat(head).startsWith("HTTP/1.1 200 OK\r\n");
            assertThat(readExactly(in, 8)).isEqualTo("3\r\nabc\r\n");
            write(s.getOutputStream(), BAD_CHUNK);
            assertThat(in.read()).as("closed, without a 400 inside the 200's body").isEqualTo(-1);
        }
        assertThat(upstreamClosed.await(10, TimeUnit.SECONDS)).as("the upstream request was reset").isTrue();
        var main = proxy.stats().listener("main");
        await().atMost(java.time.Duration.ofSeconds(5)).until(() -> main.responses(ResponseFlag.DPE) == 1);
        assertThat(main.responses(ResponseFlag.DC)).isZero();
        await().atMost(java.time.Duration.ofSeconds(5)).until(() -> accessLogLines().size() == 1);
        assertThat(accessLogLines().getFirst()).contains("\"response_code\":200").contains("\"response_flags\":\"DPE\"");
    }

    // ---- response flags

    /**
     * Every attempt outlives its per-try timeout: the retries are spent on timeouts, and as in
     * Envoy (which sets the timeout's flag and URX) the client gets 504 with both flags, written
     * the same way in the header, the access log and Istio's metric.
     */
    @Test
    void perTryTimeoutsThatSpendTheRetriesAre504WithUtAndUrx() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        startBackend(s -> {
            readHead(s.getInputStream());
            attempts.incrementAndGet();
            Thread.sleep(1_000); // a second late, past each 300 ms try
            write(s.getOutputStream(), "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nlate");
        });
        startProxy(RoutePolicies.NONE.withRetry(new RouteRetry(2, java.time.Duration.ofMillis(300), RouteRetry.ON_5XX, new int[0], java.time.Duration.ofMillis(5))));
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), proxy.listenerPort("main"))) {
            s.setSoTimeout(10_000);
            write(s.getOutputStream(), "GET /slow HTTP/1.1\r\nHost: app\r\n\r\n");
            String head = readHead(s.getInputStream());
            assertThat(head).startsWith("HTTP/1.1 504 Gateway Timeout\r\n");
            assertThat(head.toLowerCase(java.util.Locale.ROOT)).contains("x-ficus-error: ut,urx\r\n");
        }
        assertThat(attempts.get()).as("the first try and two retries").isEqualTo(3);
        var main = proxy.stats().listener("main");
        await().atMost(java.time.Duration.ofSeconds(5)).until(() -> main.responses(ResponseFlag.URX) == 1);
        assertThat(main.responses(ResponseFlag.UT)).isEqualTo(1);
        await().atMost(java.time.Duration.ofSeconds(5)).until(() -> accessLogLines().size() == 1);
        assertThat(accessLogLines().getFirst()).contains("\"response_code\":504").contains("\"response_flags\":\"UT,URX\"");
        assertThat(proxy.stats().prometheus()).containsPattern("istio_requests_total\\{[^}]*response_code=\"504\"[^}]*response_flags=\"UT,URX\"[^}]*\\} 1");
    }

    /** Without retries a per-try timeout is UT alone. */
    @Test
    void aPerTryTimeoutWithoutRetriesIsUtAlone() throws Exception {
        startBackend(s -> {
            readHead(s.getInputStream());
            Thread.sleep(1_000);
            write(s.getOutputStream(), "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nlate");
        });
        startProxy(RoutePolicies.NONE.withRetry(new RouteRetry(0, java.time.Duration.ofMillis(300), RouteRetry.ON_5XX, new int[0], java.time.Duration.ofMillis(5))));
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), proxy.listenerPort("main"))) {
            s.setSoTimeout(10_000);
            write(s.getOutputStream(), "GET /slow HTTP/1.1\r\nHost: app\r\n\r\n");
            String head = readHead(s.getInputStream());
            assertThat(head).startsWith("HTTP/1.1 504 Gateway Timeout\r\n");
            assertThat(head.toLowerCase(java.util.Locale.ROOT)).contains("x-ficus-error: ut\r\n");
        }
        await().atMost(java.time.Duration.ofSeconds(5)).until(() -> accessLogLines().size() == 1);
        assertThat(accessLogLines().getFirst()).contains("\"response_flags\":\"UT\"");
        assertThat(proxy.stats().listener("main").responses(ResponseFlag.URX)).isZero();
    }

    static int contentLength(String head) {
        for (String line : head.split("\r\n")) {
            int c = line.indexOf(':');
            if (c > 0 && line.substring(0, c).trim().equalsIgnoreCase("content-length")) return Integer.parseInt(line.substring(c + 1).trim());
        }
        return 0;
    }
}
