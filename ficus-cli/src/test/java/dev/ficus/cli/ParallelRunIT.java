package dev.ficus.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./ficus proxy --config DIR} with a Rollout file of the parallelRun strategy: the proxy
 * copies GETs to the candidate and a secondary, the client sees stable's answers, and the admin
 * port's {@code /parallel-runs} says where the candidate differs.
 */
class ParallelRunIT {
    private final List<AutoCloseable> cleanup = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : cleanup.reversed()) c.close();
    }

    /** A JSON backend in this JVM; {@code sent} holds every body it answered with. */
    record Backend(HttpServer server, Set<String> sent, AtomicInteger posts) implements AutoCloseable {
        int port() { return server.getAddress().getPort(); }

        @Override public void close() { server.stop(0); }
    }

    Backend backend(Function<String, String> answer) throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        Set<String> sent = ConcurrentHashMap.newKeySet();
        AtomicInteger posts = new AtomicInteger();
        s.createContext("/", ex -> {
            try (ex) {
                ex.getRequestBody().readAllBytes();
                if (ex.getRequestMethod().equals("POST")) posts.incrementAndGet();
                String body = answer.apply(ex.getRequestURI().getPath());
                sent.add(body);
                byte[] b = body.getBytes(StandardCharsets.UTF_8);
                ex.getResponseHeaders().add("content-type", "application/json");
                ex.sendResponseHeaders(200, b.length);
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(b);
                }
            }
        });
        s.start();
        Backend b = new Backend(s, sent, posts);
        cleanup.add(b);
        return b;
    }

    static String price(String path, int price) {
        return "{\"requestId\":\"" + UUID.randomUUID() + "\",\"price\":" + price + ",\"path\":\"" + path + "\"}";
    }

    @Test
    void aRolloutFileRunsAParallelRunAndTheAdminPortReportsIt(@TempDir Path dir) throws Exception {
        Backend stable = backend(p -> price(p, 10));
        Backend secondary = backend(p -> price(p, 10));
        Backend candidate = backend(p -> price(p, p.startsWith("/changed") ? 12 : 10));
        Files.writeString(dir.resolve("shop.yaml"), """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: prices, namespace: shop}
                spec:
                  hosts: [prices.shop.svc.cluster.local]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports: [{number: 8080, name: http, protocol: HTTP}]
                  workloadSelector: {labels: {app: prices}}
                ---
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: {name: prices-v1, namespace: shop}
                spec: {address: 127.0.0.1, ports: {http: %d}, labels: {app: prices, track: stable}}
                ---
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: {name: prices-v1-copy, namespace: shop}
                spec: {address: 127.0.0.1, ports: {http: %d}, labels: {app: prices, track: secondary}}
                ---
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: {name: prices-v2, namespace: shop}
                spec: {address: 127.0.0.1, ports: {http: %d}, labels: {app: prices, track: candidate}}
                ---
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: {name: prices, namespace: shop}
                spec:
                  host: prices
                  subsets:
                  - {name: stable, labels: {track: stable}}
                  - {name: secondary, labels: {track: secondary}}
                  - {name: candidate, labels: {track: candidate}}
                ---
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: prices, namespace: shop}
                spec:
                  hosts: [prices]
                  http:
                  - route: [{destination: {host: prices, subset: stable}}]
                """.formatted(stable.port(), secondary.port(), candidate.port()));
        Files.writeString(dir.resolve("rollout.yaml"), """
                apiVersion: mesh.ficus.dev/v1alpha1
                kind: Rollout
                metadata: {name: prices-v2, namespace: shop}
                spec:
                  virtualService: prices
                  stable: {host: prices, subset: stable}
                  canary: {host: prices, subset: candidate}
                  strategy:
                    parallelRun:
                      secondary: {host: prices, subset: secondary}
                      compareHeaders: [content-type]
                      maxMismatchPercent: 1
                      minRequests: 10
                """);
        ProxyProcess proxy = ProxyProcess.start(dir);
        cleanup.add(proxy);
        ProxyProcess.Ports ports = proxy.ports();

        try (HttpConnection c = new HttpConnection(ports.outbound())) {
            for (int i = 0; i < 10; i++) {
                for (String path : List.of("/same/" + i, "/changed/" + i)) {
                    HttpConnection.Response r = c.get("prices:8080", path);
                    assertThat(r.status()).isEqualTo(200);
                    assertThat(stable.sent()).contains(r.body());
                }
            }
            assertThat(stable.sent()).contains(c.post("prices:8080", "/orders", "{}".getBytes(StandardCharsets.UTF_8)).body());
        }

        JsonObject[] run = new JsonObject[1];
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            try (HttpConnection admin = new HttpConnection(ports.admin())) {
                JsonArray runs = JsonParser.parseString(admin.get("127.0.0.1", "/parallel-runs").body()).getAsJsonObject().getAsJsonArray("runs");
                run[0] = runs.isEmpty() ? null : runs.get(0).getAsJsonObject();
                return run[0] != null && run[0].get("compared").getAsLong() == 20;
            }
        });
        assertThat(run[0].get("rollout").getAsString()).isEqualTo("shop/prices-v2");
        assertThat(run[0].get("mismatched").getAsLong()).isEqualTo(10);
        assertThat(run[0].get("noise").getAsLong()).isEqualTo(10);
        assertThat(run[0].getAsJsonObject("skippedBy").get("unsafeMethod").getAsLong()).isEqualTo(1);
        assertThat(run[0].getAsJsonArray("noisyPaths")).containsExactly(JsonParser.parseString("\"$.requestId\""));
        for (JsonElement s : run[0].getAsJsonArray("samples")) {
            JsonArray d = s.getAsJsonObject().getAsJsonArray("differences");
            assertThat(d).hasSize(1);
            assertThat(d.get(0).getAsJsonObject().get("path").getAsString()).isEqualTo("$.price");
        }
        assertThat(candidate.posts().get()).isZero();
        try (HttpConnection admin = new HttpConnection(ports.admin())) {
            assertThat(admin.get("127.0.0.1", "/stats/prometheus").body())
                    .contains("ficus_parallel_run_responses_total{rollout=\"shop/prices-v2\",result=\"mismatch\"} 10\n");
        }
    }
}
