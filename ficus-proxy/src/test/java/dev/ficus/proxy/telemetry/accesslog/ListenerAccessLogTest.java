package dev.ficus.proxy.telemetry.accesslog;

import dev.ficus.api.cel.CelFilter;
import dev.ficus.proxy.http.ResponseFlag;
import dev.ficus.proxy.telemetry.Exchange;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.io.OutputStream;
import java.time.Duration;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Sampling and filters on exchanges made by hand, without a proxy around them. */
class ListenerAccessLogTest {

    static Exchange exchange(String path, int status, ResponseFlag flag) {
        DefaultHttpRequest req = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, path);
        req.headers().add("x-user", "jason").add("accept", "a").add("accept", "b");
        Exchange ex = new Exchange();
        ex.begin(req, "HTTP/1.1", "10.0.0.7");
        ex.end(status, flag);
        return ex;
    }

    @Test
    void samplesTheShareItIsGiven() {
        try (AccessLogWriter w = new AccessLogWriter(OutputStream.nullOutputStream(), "nowhere", 1 << 15)) {
            ListenerAccessLog quarter = new ListenerAccessLog(w, null, 25, false);
            Exchange ex = exchange("/a", 200, null);
            int n = 20_000;
            for (int i = 0; i < n; i++) quarter.onEnd(ex);
            // the ring holds every line: none is dropped, so what the writer wrote is what was sampled
            await().atMost(Duration.ofSeconds(5)).until(() -> w.written() > (long) (n * 0.22));
            assertThat(w.dropped()).isZero();
            assertThat(w.written()).isBetween((long) (n * 0.22), (long) (n * 0.28));
        }
    }

    @Test
    void zeroPercentWritesNothingAndFiltersSeeTheExchange() {
        try (AccessLogWriter w = new AccessLogWriter(OutputStream.nullOutputStream(), "nowhere", 1024)) {
            new ListenerAccessLog(w, null, 0, false).onEnd(exchange("/a", 500, null));
            ListenerAccessLog filtered = new ListenerAccessLog(w, CelFilter.compile(
                    "request.url_path == '/api' && request.query == 'x=1' && request.headers['accept'] == 'a,b' && source.address.startsWith('10.')"
                            + " && 'x-user' in request.headers && response.code == 503 && !connection.mtls"), 100, true);
            filtered.onEnd(exchange("/api?x=1", 503, ResponseFlag.UH));
            filtered.onEnd(exchange("/api?x=2", 503, ResponseFlag.UH));
            filtered.onEnd(exchange("/api?x=1", 200, null));
            await().atMost(Duration.ofSeconds(5)).until(() -> w.written() == 1);
            assertThat(w.dropped() + w.failed()).isZero();
        }
    }
}
