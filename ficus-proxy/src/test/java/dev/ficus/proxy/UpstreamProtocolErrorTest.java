package dev.ficus.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ficus.proxy.http.ResponseFlag;
import dev.ficus.xds.snapshot.ClusterConfig;
import dev.ficus.xds.snapshot.Endpoint;
import dev.ficus.xds.snapshot.Route;
import dev.ficus.xds.snapshot.RouteAction;
import dev.ficus.xds.snapshot.RouteMatch;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * An upstream that answers something that is not HTTP (a TCP echo behind an HTTP port, a wrong
 * port), or HTTP whose framing cannot be trusted: the client gets Envoy's 502 with flag UPE, never the codec's placeholder status 999.
 */
class UpstreamProtocolErrorTest {
    ServerSocket garbage;
    ProxyServer proxy;
    final AtomicInteger connections = new AtomicInteger();

    @AfterEach
    void close() throws Exception {
        if (proxy != null) proxy.close();
        if (garbage != null) garbage.close();
    }

    /** Reads a request line and answers it with a line that is no HTTP status line. */
    void startGarbage() throws Exception { startGarbage(null); }

    /** Reads a request line and answers it with {@code answer}, or with its echo (no HTTP status line) when null. */
    void startGarbage(String answer) throws Exception {
        garbage = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(() -> {
            while (!garbage.isClosed()) {
                try {
                    Socket s = garbage.accept();
                    connections.incrementAndGet();
                    Thread.ofVirtual().start(() -> {
                        try (s) {
                            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
                            String line = in.readLine();
                            OutputStream out = s.getOutputStream();
                            out.write((answer != null ? answer : "echo " + line + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                            out.flush();
                            Thread.sleep(2_000);
                        } catch (Exception e) {
                            // the proxy closed it
                        }
                    });
                } catch (Exception e) {
                    return;
                }
            }
        });
    }

    @Test
    void aResponseThatIsNotHttpIs502UPE() throws Exception {
        startGarbage();
        expect502Upe();
    }

    /**
     * Responses whose framing cannot be trusted: obsolete line folding (RFC 9112 section 5.2 lets a
     * proxy answer 502 instead of unfolding), Content-Length with Transfer-Encoding, two
     * Content-Lengths, chunked not last, a control character in a value.
     */
    @ParameterizedTest
    @ValueSource(strings = {
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Folded: a\r\n b\r\n\r\nhi",
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nhi!",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n2\r\nhi\r\n0\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Bad: a\u0001b\r\n\r\nhi"})
    void aResponseThatBreaksFramingIs502UPE(String answer) throws Exception {
        startGarbage(answer);
        expect502Upe();
    }

    private void expect502Upe() throws Exception {
        proxy = ProxyServer.builder().snapshot(Snapshots.withRoutes("1",
                        List.of(new Route("all", RouteMatch.ANY, RouteAction.Forward.to("echo"))),
                        ClusterConfig.of("echo", Endpoint.of("127.0.0.1", garbage.getLocalPort()))).build())
                .concurrency(1).adminPort(-1).build().start();
        try (Socket s = new Socket("127.0.0.1", proxy.listenerPort("main"))) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write("GET / HTTP/1.1\r\nHost: echo\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            assertThat(in.readLine()).isEqualTo("HTTP/1.1 502 Bad Gateway");
            StringBuilder head = new StringBuilder();
            for (String l; (l = in.readLine()) != null && !l.isEmpty(); ) head.append(l.toLowerCase(java.util.Locale.ROOT)).append('\n');
            assertThat(head.toString()).contains("x-ficus-error: upe");
        }
        assertThat(proxy.stats().listener("main").responses(ResponseFlag.UPE)).isEqualTo(1);
    }
}
