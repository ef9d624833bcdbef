package dev.ficus.proxy.telemetry;

import com.sun.net.httpserver.HttpServer;
import dev.ficus.proxy.ProxyServer;
import dev.ficus.testing.RawHttp;
import dev.ficus.xds.snapshot.HostPort;
import dev.ficus.xds.snapshot.ListenerConfig;
import dev.ficus.xds.snapshot.ListenerKind;
import dev.ficus.xds.snapshot.ListenerProtocol;
import dev.ficus.xds.snapshot.ProxySnapshot;
import dev.ficus.xds.snapshot.RouteTable;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The merged metrics port (Istio's 15020): the proxy's metrics, then the app's, from one scrape. */
class MergedMetricsTest {
    ProxyServer proxy;
    HttpServer app;

    @AfterEach
    void stop() {
        if (proxy != null) proxy.close();
        if (app != null) app.stop(0);
    }

    static ProxySnapshot snapshot() {
        return ProxySnapshot.builder("m1")
                .listener(new ListenerConfig("out", new HostPort("127.0.0.1", 0), ListenerKind.OUTBOUND, ListenerProtocol.HTTP, "out"))
                .routeTable(new RouteTable("out", List.of()))
                .build();
    }

    static String scrape(int port) {
        return RawHttp.exchange(port, "GET /stats/prometheus HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", Duration.ofSeconds(10));
    }

    @Test
    void theAppsMetricsFollowTheProxys() throws Exception {
        app = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        app.createContext("/metrics", x -> {
            byte[] b = "# TYPE app_orders_total counter\napp_orders_total 3".getBytes(StandardCharsets.UTF_8);
            x.sendResponseHeaders(200, b.length);
            x.getResponseBody().write(b);
            x.close();
        });
        app.start();
        proxy = ProxyServer.builder().snapshot(snapshot()).concurrency(1).adminPort(-1)
                .mergedMetrics(0, URI.create("http://127.0.0.1:" + app.getAddress().getPort() + "/metrics")).build().start();
        String r = scrape(proxy.metricsPort());
        assertThat(RawHttp.status(r)).isEqualTo(200);
        assertThat(r).contains("ficus_listener_requests_total{listener=\"out\"} 0").contains("ficus_app_metrics_scrape_failures_total 0")
                .endsWith("app_orders_total 3\n");
        assertThat(r.indexOf("ficus_listener_requests_total")).isLessThan(r.indexOf("app_orders_total"));
    }

    @Test
    void anAppThatDoesNotAnswerLeavesTheProxysMetricsAndIsCounted() throws Exception {
        int dead;
        try (var s = new java.net.ServerSocket(0)) {
            dead = s.getLocalPort();
        }
        proxy = ProxyServer.builder().snapshot(snapshot()).concurrency(1).adminPort(-1)
                .mergedMetrics(0, URI.create("http://127.0.0.1:" + dead + "/metrics")).build().start();
        String r = scrape(proxy.metricsPort());
        assertThat(RawHttp.status(r)).isEqualTo(200);
        assertThat(r).as("this scrape's failure is counted in it").contains("ficus_listener_requests_total{listener=\"out\"} 0")
                .contains("ficus_app_metrics_scrape_failures_total 1");
        assertThat(scrape(proxy.metricsPort())).contains("ficus_app_metrics_scrape_failures_total 2");
        assertThat(RawHttp.status(RawHttp.exchange(proxy.metricsPort(), "GET /other HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", Duration.ofSeconds(5)))).isEqualTo(404);
    }
}
