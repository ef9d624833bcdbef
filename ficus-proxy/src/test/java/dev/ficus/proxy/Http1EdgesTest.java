package dev.ficus.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ficus.xds.snapshot.ClusterConfig;
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
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
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
        proxy = ProxyServer.builder().snapshot(Snapshots.withRoutes("1",
                        List.of(new Route("all", RouteMatch.ANY, RouteAction.Forward.to("app"))),
                        ClusterConfig.of("app", Endpoint.of("127.0.0.1", backend.getLocalPort()))).build())
                .concurrency(1).adminPort(-1).build().start();
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
}
