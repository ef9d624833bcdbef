package dev.ficus.cli;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.ficus.testing.FakeUpstream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code ./ficus proxy --access-log} as a user runs it: JSON lines in a file or on stdout, a
 * Telemetry filter choosing which requests are logged, the counters on the admin port.
 */
class AccessLogIT {
    private final List<AutoCloseable> cleanup = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : cleanup.reversed()) c.close();
    }

    private ProxyProcess start(Path config, String... args) throws Exception {
        ProxyProcess p = ProxyProcess.start(config, args);
        cleanup.add(p);
        return p;
    }

    private FakeUpstream upstream(String name) {
        FakeUpstream u = FakeUpstream.start(name);
        cleanup.add(u);
        return u;
    }

    static List<JsonObject> json(List<String> lines) {
        return lines.stream().filter(l -> l.startsWith("{\"authority\"")).map(l -> JsonParser.parseString(l).getAsJsonObject()).toList();
    }

    @Test
    void everyRequestGoesToTheFileAndATelemetryFilterNarrowsIt(@TempDir Path dir) throws Exception {
        FakeUpstream v1 = upstream("v1");
        FakeUpstream v2 = upstream("v2");
        Path config = Files.createDirectory(dir.resolve("config"));
        Files.writeString(config.resolve("shop.yaml"), ProxyCommandIT.shop(v1, v2, 100));
        Path file = dir.resolve("access.log");
        ProxyProcess p = start(config, "--access-log", file.toString());

        try (HttpConnection c = new HttpConnection(p.ports().outbound())) {
            assertThat(c.get("reviews:9080", "/reviews/1", "x-request-id", "first").status()).isEqualTo(200);
            assertThat(c.get("nowhere.invalid:80", "/").status()).isEqualTo(503); // passed through (ALLOW_ANY); the name does not resolve
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(file) && json(Files.readAllLines(file)).size() == 2);
        List<JsonObject> lines = json(Files.readAllLines(file));
        JsonObject ok = lines.get(0);
        assertThat(ok.get("response_code").getAsInt()).isEqualTo(200);
        assertThat(ok.get("authority").getAsString()).isEqualTo("reviews:9080");
        assertThat(ok.get("path").getAsString()).isEqualTo("/reviews/1");
        assertThat(ok.get("request_id").getAsString()).isEqualTo("first");
        assertThat(ok.get("upstream_cluster").getAsString()).isEqualTo("outbound|9080|v1|reviews.shop.svc.cluster.local");
        assertThat(ok.get("upstream_host").getAsString()).isEqualTo("127.0.0.1:" + v1.port());
        assertThat(lines.get(1).get("response_flags").getAsString()).isEqualTo("DF");

        // a Telemetry for this workload's client side: only errors from now on (a live config change)
        Files.writeString(config.resolve("telemetry.yaml"), """
                apiVersion: telemetry.istio.io/v1
                kind: Telemetry
                metadata: {name: errors-only, namespace: shop}
                spec:
                  accessLogging:
                  - match: {mode: CLIENT}
                    filter: {expression: "response.code >= 400"}
                """);
        await().atMost(Duration.ofSeconds(10)).until(() -> p.log().stream().anyMatch(l -> l.contains("config version") && l.contains("applied")));
        try (HttpConnection c = new HttpConnection(p.ports().outbound())) {
            assertThat(c.get("reviews:9080", "/reviews/2").status()).isEqualTo(200);
            assertThat(c.get("reviews:9080", "/status/503").status()).isEqualTo(503);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> json(Files.readAllLines(file)).size() == 3);
        assertThat(json(Files.readAllLines(file)).get(2).get("path").getAsString()).isEqualTo("/status/503");

        try (HttpClient http = HttpClient.newHttpClient()) {
            String prom = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + p.ports().admin() + "/stats/prometheus")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertThat(prom).contains("ficus_access_log_lines_total{result=\"written\"} 3\n", "ficus_access_log_lines_total{result=\"dropped\"} 0\n");
        }
    }

    @Test
    void dashWritesToStdoutAndAFilterValidationCannotPassStopsTheStart(@TempDir Path dir) throws Exception {
        FakeUpstream v1 = upstream("v1");
        FakeUpstream v2 = upstream("v2");
        Files.writeString(dir.resolve("shop.yaml"), ProxyCommandIT.shop(v1, v2, 100));
        ProxyProcess p = start(dir, "--access-log", "-", "--access-log-sample", "100");
        try (HttpConnection c = new HttpConnection(p.ports().outbound())) {
            assertThat(c.get("reviews:9080", "/reviews/1", "user-agent", "it/1").status()).isEqualTo(200);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> json(List.copyOf(p.log())).size() == 1);
        assertThat(json(List.copyOf(p.log())).getFirst().get("user_agent").getAsString()).isEqualTo("it/1");

        Path bad = Files.createDirectory(dir.resolve("bad"));
        Files.writeString(bad.resolve("telemetry.yaml"), """
                apiVersion: telemetry.istio.io/v1
                kind: Telemetry
                metadata: {name: logs, namespace: shop}
                spec:
                  accessLogging:
                  - filter:
                      expression: response.code >= "400"
                """);
        FicusProcess f = FicusProcess.start("proxy", "--config", bad.toString(), "--admin-port", "-1", "--outbound-port", "0");
        cleanup.add(f::close);
        assertThat(f.process().waitFor()).isEqualTo(1);
        await().atMost(Duration.ofSeconds(5)).until(() -> f.log().stream().anyMatch(l -> l.contains(
                "telemetry.yaml:7:7: error: Telemetry/logs spec.accessLogging[0].filter.expression: ficus cannot evaluate 'response.code >= \"400\"': at column 15")));
    }
}
