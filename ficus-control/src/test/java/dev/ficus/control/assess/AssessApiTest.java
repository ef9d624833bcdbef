package dev.ficus.control.assess;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.ficus.control.ControlPlane;
import dev.ficus.xds.sync.Node;
import dev.ficus.xds.sync.SyncClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code GET /v1/assess} on a real control plane with one connected proxy: the meshed flags follow the connection. */
class AssessApiTest {
    @TempDir
    Path dir;
    ControlPlane cp;
    SyncClient client;
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeEach
    void start() throws Exception {
        Files.writeString(dir.resolve("mesh.yaml"), AssessSamples.service("shop", "web", 1) + AssessSamples.service("shop", "legacy", 1));
        cp = ControlPlane.builder().config(List.of(dir.toString())).sync("127.0.0.1", 0).http("127.0.0.1", 0).watchInterval(null).build().start();
        // announces no admin port: the graph cannot read it, and the assessment says so
        client = SyncClient.start("127.0.0.1", cp.syncPort(), new Node("7@test", List.of("web-1"), "shop", Map.of(), "test", -1),
                s -> { }, m -> { }, Duration.ofMillis(20), Duration.ofMillis(200));
        client.firstSnapshot().get(10, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() {
        if (client != null) client.close();
        if (cp != null) cp.close();
        http.close();
    }

    HttpResponse<String> send(String method, String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + cp.httpPort() + path)).method(method, HttpRequest.BodyPublishers.noBody())
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theAssessmentFollowsConfigAndConnectedProxies() throws Exception {
        HttpResponse<String> r = send("GET", "/v1/assess");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
        Assessment a = AssessmentJson.read(r.body());
        assertThat(a.window()).isEqualTo(Duration.ofMinutes(5));
        assertThat(a.done()).containsExactly("web.shop.svc.cluster.local");
        assertThat(a.order()).extracting(Assessment.Step::services).containsExactly(List.of("legacy.shop.svc.cluster.local"));
        assertThat(a.workloads()).filteredOn(w -> w.id().equals("shop/web-1")).singleElement()
                .satisfies(w -> assertThat(w.proxyId()).isEqualTo("7@test"));
        assertThat(a.notes()).anySatisfy(n -> assertThat(n).startsWith("proxy 7@test (shop/web-1) could not be read: "));
        JsonObject o = JsonParser.parseString(send("GET", "/v1/assess?window=30s").body()).getAsJsonObject();
        assertThat(o.get("window").getAsString()).isEqualTo("30s");
    }

    @Test
    void badRequestsAreRefusedWithWhatIsWrong() throws Exception {
        HttpResponse<String> bad = send("GET", "/v1/assess?window=5x");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).startsWith("{\"error\":\"invalid duration '5x'").endsWith(",\"field\":\"window\"}");
        assertThat(send("GET", "/v1/assess?window=11m").body())
                .isEqualTo("{\"error\":\"the window must be at most 10m (the history the control plane keeps of each proxy)\",\"field\":\"window\"}");
        assertThat(send("GET", "/v1/assess?window=0s").statusCode()).isEqualTo(400);
        assertThat(send("POST", "/v1/assess").statusCode()).isEqualTo(405);
        assertThat(send("GET", "/v1/assessment").statusCode()).isEqualTo(404);
    }
}
