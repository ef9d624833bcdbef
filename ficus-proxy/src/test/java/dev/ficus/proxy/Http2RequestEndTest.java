package dev.ficus.proxy;

import dev.ficus.testing.FakeUpstream;
import dev.ficus.xds.snapshot.ProxySnapshot;
import dev.ficus.xds.snapshot.Route;
import dev.ficus.xds.snapshot.RouteAction;
import dev.ficus.xds.snapshot.RouteMatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * HTTP/2 requests whose headers end the stream (a GET) reach the router as one message, head and
 * empty body together. Answered locally (a direct response, an unknown host) or forwarded, their
 * body buffer is released: {@link NettyLeakCheck} fails this class otherwise. A proxy that leaked
 * it ran out of direct memory after about 240,000 such requests.
 */
class Http2RequestEndTest {
    final List<AutoCloseable> closeLater = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : closeLater.reversed()) c.close();
    }

    @Test
    void getsOverH2cAnsweredLocallyOrForwardedLeaveNoBufferBehind() throws Exception {
        FakeUpstream a = FakeUpstream.start("a");
        closeLater.add(a);
        ProxySnapshot s = Snapshots.withRoutes("1", List.of(
                new Route("hello", RouteMatch.prefix("/hello"), new RouteAction.DirectResponse(200, "hello")),
                new Route("to-a", RouteMatch.ANY, RouteAction.Forward.to("a"))), Snapshots.cluster(a)).build();
        ProxyServer p = ProxyServer.builder().snapshot(s).concurrency(1).adminPort(0).build().start();
        closeLater.add(p);
        int port = p.listenerPort("main");

        assertThat(h2load(port, "/hello", 3000)).contains("3000 succeeded").contains("3000 2xx");
        assertThat(h2load(port, "/items", 300)).contains("300 succeeded").contains("300 2xx");
        assertThat(a.seen()).hasSize(300);
    }

    /**
     * A local reply before the request body is all in (a directResponse to a large upload): the
     * client gets the whole answer and the rest of its upload is declined with NO_ERROR (RFC 9113
     * section 8.1), so h2load counts every request as answered, none as errored.
     */
    @Test
    void anAnswerBeforeTheUploadEndsDeclinesTheRestWithoutError() throws Exception {
        ProxySnapshot s = Snapshots.withRoutes("1", List.of(new Route("no", RouteMatch.ANY, new RouteAction.DirectResponse(200, "thanks, that is enough\n")))).build();
        ProxyServer p = ProxyServer.builder().snapshot(s).concurrency(1).adminPort(-1).build().start();
        try {
            java.nio.file.Path body = java.nio.file.Files.createTempFile("upload", ".bin");
            try {
                java.nio.file.Files.write(body, new byte[2 * 1024 * 1024]);
                String out = h2load(p.listenerPort("main"), "/upload", 10, "-d", body.toString());
                assertThat(out).contains("10 succeeded, 0 failed, 0 errored").contains("10 2xx");
            } finally {
                java.nio.file.Files.delete(body);
            }
        } finally {
            p.close();
        }
    }

    static String h2load(int port, String path, int requests, String... more) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("h2load", "-n", Integer.toString(requests), "-c", "2", "-m", "10", "-H", ":authority: shop"));
        cmd.addAll(List.of(more));
        cmd.add("http://127.0.0.1:" + port + path);
        Process h = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        assertThat(h.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new String(h.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
}
