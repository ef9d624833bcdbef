package dev.ficus.control.graph;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpServer;
import dev.ficus.control.ControlPlane;
import dev.ficus.xds.sync.Node;
import dev.ficus.xds.sync.SyncClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code GET /v1/graph} on a real control plane: a sync client announces its admin port, a real
 * HTTP server plays that admin port, and the graph comes back over the control plane's HTTP port
 * — without holding its event loop while the scrape is slow.
 */
class GraphApiTest {
    static final String CONFIG = """
            apiVersion: networking.istio.io/v1
            kind: WorkloadEntry
            metadata: {name: web, namespace: shop}
            spec: {address: 127.0.0.1, labels: {app: web}}
            """;
    static final String REVIEWS = "reviews.shop.svc.cluster.local";

    @TempDir
    Path dir;
    ControlPlane cp;
    SyncClient client;
    HttpServer admin;
    final AtomicReference<String> metrics = new AtomicReference<>("");
    final AtomicLong delayMs = new AtomicLong();
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    void start() throws Exception {
        Files.writeString(dir.resolve("mesh.yaml"), CONFIG);
        admin = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        admin.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        admin.createContext("/stats/prometheus", ex -> {
            try {
                Thread.sleep(delayMs.get());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            byte[] body = metrics.get().getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(body);
            }
        });
        admin.start();
        cp = ControlPlane.builder().config(List.of(dir.toString())).sync("127.0.0.1", 0).http("127.0.0.1", 0).watchInterval(null)
                .scrape(ScrapeConfig.DEFAULTS.withFresh(Duration.ZERO).withTimeout(Duration.ofSeconds(3))).build().start();
        client = SyncClient.start("127.0.0.1", cp.syncPort(), new Node("7@test", List.of("web"), "shop", Map.of(), "test", 0, admin.getAddress().getPort()),
                s -> { }, m -> { }, Duration.ofMillis(20), Duration.ofMillis(200));
        client.firstSnapshot().get(10, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() {
        if (client != null) client.close();
        if (cp != null) cp.close();
        if (admin != null) admin.stop(0);
        http.close();
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + cp.httpPort() + path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static String web(long requests) {
        return new IstioText().http(IstioText.source("shop/web", "shop/reviews-v1", REVIEWS), 200, "-", "unknown", requests, IstioText.all(requests, 5)).text();
    }

    @Test
    void theGraphComesFromTheAnnouncedAdminPort() throws Exception {
        start();
        metrics.set(web(0));
        await().atMost(Duration.ofSeconds(5)).until(() -> get("/v1/graph").body().contains("\"samples\":1"));
        metrics.set(web(90));
        HttpResponse<String> r = get("/v1/graph?window=1m");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
        JsonObject g = JsonParser.parseString(r.body()).getAsJsonObject();
        assertThat(g.get("window").getAsString()).isEqualTo("1m");
        JsonObject proxy = g.getAsJsonArray("proxies").get(0).getAsJsonObject();
        assertThat(proxy.get("id").getAsString()).isEqualTo("7@test");
        assertThat(proxy.get("admin").getAsString()).isEqualTo("127.0.0.1:" + admin.getAddress().getPort());
        assertThat(proxy.get("error").isJsonNull()).isTrue();
        JsonObject edge = g.getAsJsonArray("edges").get(0).getAsJsonObject();
        assertThat(edge.get("source").getAsString()).isEqualTo("shop/web");
        assertThat(edge.get("requests").getAsLong()).isEqualTo(90);
        double span = edge.get("spanSeconds").getAsDouble();
        assertThat(span).isPositive();
        assertThat(edge.get("rps").getAsDouble()).isCloseTo(90 / span, org.assertj.core.data.Percentage.withPercentage(0.001));
        assertThat(edge.get("security").getAsString()).isEqualTo("unknown (destination not scraped)");
    }

    @Test
    void aBadWindowIsRefusedWithTheFieldNamed() throws Exception {
        start();
        HttpResponse<String> bad = get("/v1/graph?window=5x");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).startsWith("{\"error\":\"invalid duration '5x'").endsWith(",\"field\":\"window\"}");
        assertThat(get("/v1/graph?window=11m").body()).isEqualTo("{\"error\":\"the window must be at most 10m (the history the control plane keeps of each proxy)\",\"field\":\"window\"}");
        assertThat(get("/v1/graph?window=0s").statusCode()).isEqualTo(400);
        HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + cp.httpPort() + "/v1/graph"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(405);
    }

    @Test
    void aSlowScrapeHoldsNeitherTheEventLoopNorTheOrderOfAnswers() throws Exception {
        start();
        metrics.set(web(1));
        delayMs.set(1500);
        CompletableFuture<HttpResponse<String>> slow = http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + cp.httpPort() + "/v1/graph"))
                .build(), HttpResponse.BodyHandlers.ofString());
        Thread.sleep(100); // the scrape is under way
        long t0 = System.nanoTime();
        assertThat(get("/healthz/ready").body()).isEqualTo("ready\n");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("another connection is served meanwhile").isLessThan(Duration.ofMillis(700));
        assertThat(slow.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);

        // two requests pipelined on one connection: the graph's answer comes first, as asked
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), cp.httpPort())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("GET /v1/graph HTTP/1.1\r\nHost: cp\r\n\r\nGET /healthz/ready HTTP/1.1\r\nHost: cp\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            String both = new String(readAll(s.getInputStream()), StandardCharsets.UTF_8);
            assertThat(both.indexOf("\"window\":\"30s\"")).isPositive().isLessThan(both.indexOf("ready\n"));
        }
    }

    private static byte[] readAll(InputStream in) throws IOException {
        return in.readAllBytes();
    }
}
