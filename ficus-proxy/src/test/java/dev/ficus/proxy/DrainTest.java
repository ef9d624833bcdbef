package dev.ficus.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ficus.testing.FakeUpstream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The drain of connections that had no router yet when it began (still detecting their
 * protocol, or in a TLS handshake): they must not hold the proxy for its whole drain timeout.
 * This is what made {@code ficus up} take 30 s to stop: the proxy's own pooled connection to its
 * inbound listener sat in protocol detection, never heard the drain, and the proxy waited for it.
 */
class DrainTest {
    final List<AutoCloseable> closeLater = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : closeLater.reversed()) c.close();
    }

    ProxyServer proxy(FakeUpstream u) throws Exception {
        ProxyServer p = ProxyServer.builder().snapshot(Snapshots.forwardAll("1", u)).concurrency(1).adminPort(-1)
                .drainTimeout(Duration.ofSeconds(30)).build().start();
        closeLater.add(p);
        return p;
    }

    FakeUpstream upstream() {
        FakeUpstream u = FakeUpstream.start("u");
        closeLater.add(u);
        return u;
    }

    Socket connect(ProxyServer p) throws Exception {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), p.listenerPort("main"));
        s.setSoTimeout(10_000);
        closeLater.add(s);
        await().atMost(Duration.ofSeconds(5)).until(() -> p.stats().listener("main").connectionsActive() == 1);
        return s;
    }

    @Test
    void aConnectionThatHasSentNothingClosesWhenTheDrainBegins() throws Exception {
        ProxyServer p = proxy(upstream());
        Socket s = connect(p);
        CompletableFuture<Void> drained = p.drain();
        assertThat(s.getInputStream().read()).as("closed, nothing sent").isEqualTo(-1);
        drained.get(5, TimeUnit.SECONDS); // not the 30 s drain timeout
    }

    @Test
    void aConnectionWhoseProtocolIsToldAfterTheDrainBeganIsClosedAfterItsExchange() throws Exception {
        FakeUpstream u = upstream();
        ProxyServer p = proxy(u);
        Socket s = connect(p);
        OutputStream out = s.getOutputStream();
        out.write("P".getBytes(StandardCharsets.ISO_8859_1)); // a request begun: PUT, or the h2c preface? Not known yet
        out.flush();
        bytesArrive();
        CompletableFuture<Void> drained = p.drain();
        out.write("UT /after HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        String reply = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        assertThat(reply).as("served, then closed").startsWith("HTTP/1.1 200").containsIgnoringCase("connection: close");
        assertThat(u.requestCount("/after")).isEqualTo(1);
        drained.get(5, TimeUnit.SECONDS);
    }

    @Test
    void anHttp2ConnectionWhoseProtocolIsToldAfterTheDrainBeganServesItsFirstStreamThenCloses() throws Exception {
        FakeUpstream u = upstream();
        ProxyServer p = proxy(u);
        Socket s = connect(p);
        OutputStream out = s.getOutputStream();
        out.write("PRI * HTTP/2.0\r\n".getBytes(StandardCharsets.ISO_8859_1)); // part of the h2c preface
        out.flush();
        bytesArrive();
        CompletableFuture<Void> drained = p.drain();
        await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(2)).until(() -> !drained.isDone());
        // the rest of the preface, an empty SETTINGS frame and a GET on stream 1 (HPACK: static :method GET,
        // :scheme http, :path /, and :authority "x" as a literal without indexing)
        byte[] rest = "\r\nSM\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
        byte[] settings = {0, 0, 0, 4, 0, 0, 0, 0, 0};
        byte[] block = {(byte) 0x82, (byte) 0x86, (byte) 0x84, 0x01, 0x01, 'x'};
        byte[] headers = new byte[9 + block.length];
        headers[2] = (byte) block.length;
        headers[3] = 1; // HEADERS
        headers[4] = 0x05; // END_STREAM | END_HEADERS
        headers[8] = 1; // stream 1
        System.arraycopy(block, 0, headers, 9, block.length);
        out.write(rest);
        out.write(settings);
        out.write(headers);
        out.flush();
        byte[] all = s.getInputStream().readAllBytes(); // the connection closes once stream 1 is answered
        assertThat(u.requestCount("/")).as("the first stream was served").isEqualTo(1);
        assertThat(containsFrame(all, 7)).as("GOAWAY").isTrue();
        assertThat(containsFrame(all, 1)).as("the response's HEADERS").isTrue();
        drained.get(5, TimeUnit.SECONDS);
    }

    /** Lets bytes just written reach the proxy's detect step, which shows nothing a test could wait on. */
    static void bytesArrive() {
        await().pollDelay(Duration.ofMillis(300)).atMost(Duration.ofSeconds(1)).until(() -> true);
    }

    /** Whether the server's frames (after its own preface, which is a SETTINGS frame) include one of {@code type}. */
    static boolean containsFrame(byte[] b, int type) {
        for (int i = 0; i + 9 <= b.length; ) {
            int len = ((b[i] & 0xff) << 16) | ((b[i + 1] & 0xff) << 8) | (b[i + 2] & 0xff);
            if ((b[i + 3] & 0xff) == type) return true;
            i += 9 + len;
        }
        return false;
    }
    /**
     * A drain whose timeout passes cuts what is still in flight: an HTTP/1.1 connection and an
     * HTTP/2 one (whose graceful close would otherwise wait for its stream) both close at once,
     * and the proxy says how many it cut. Here the upstream never answers.
     */
    @Test
    void aDrainTimeoutCutsWhatIsInFlightHttp2TooAndCountsIt() throws Exception {
        java.net.ServerSocket hole = new java.net.ServerSocket(0, 50, InetAddress.getLoopbackAddress()); // accepts (backlog), never answers
        closeLater.add(hole);
        ProxyServer p = ProxyServer.builder()
                .snapshot(Snapshots.withRoutes("1", List.of(new dev.ficus.xds.snapshot.Route("all", dev.ficus.xds.snapshot.RouteMatch.ANY,
                        dev.ficus.xds.snapshot.RouteAction.Forward.to("hole"))), dev.ficus.xds.snapshot.ClusterConfig.of("hole",
                        dev.ficus.xds.snapshot.Endpoint.of("127.0.0.1", hole.getLocalPort()))).build())
                .concurrency(1).adminPort(-1).drainTimeout(Duration.ofMillis(500)).build().start();
        closeLater.add(p);
        Socket s = new Socket(InetAddress.getLoopbackAddress(), p.listenerPort("main"));
        s.setSoTimeout(10_000);
        closeLater.add(s);
        s.getOutputStream().write("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        s.getOutputStream().flush();
        Process h2 = new ProcessBuilder("curl", "-s", "-o", "/dev/null", "-m", "30", "--http2-prior-knowledge", "-H", "Host: x",
                "http://127.0.0.1:" + p.listenerPort("main") + "/slow-h2").redirectErrorStream(true).start();
        closeLater.add(h2::destroy);
        await().atMost(Duration.ofSeconds(10)).until(() -> p.stats().listener("main").requests() == 2);

        long t0 = System.nanoTime();
        p.drain().get(10, TimeUnit.SECONDS);
        assertThat(p.cutByDrain()).isEqualTo(2);
        assertThat(s.getInputStream().read()).as("the HTTP/1.1 connection was closed").isEqualTo(-1);
        assertThat(h2.waitFor(5, TimeUnit.SECONDS)).as("the HTTP/2 connection was closed too").isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(4));
    }
}
