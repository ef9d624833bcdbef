package dev.ficus.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.ficus.testing.FakeUpstream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code ficus graph} on a real mesh: {@code ficus control} and two {@code ficus proxy}
 * processes on loopback. The client workload calls the backend through both proxies (auto mTLS),
 * a plaintext client calls the backend's inbound port directly (PERMISSIVE), and the client calls
 * a legacy system without a proxy; the graph shows the three edges with the requests sent, their
 * rates, errors, security and a p99 that reflects the backend's 30 ms.
 */
class GraphIT {
    private final List<AutoCloseable> cleanup = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : cleanup.reversed()) c.close();
    }

    private <T extends AutoCloseable> T keep(T c) {
        cleanup.add(c);
        return c;
    }

    static final String BACKEND = "backend.shop.svc.cluster.local";
    static final String LEGACY = "legacy.shop.svc.cluster.local";

    static String config(int inbound, int backend, int legacy) {
        return """
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: {name: client, namespace: shop}
                spec: {address: 127.0.0.1, labels: {app: client}, serviceAccount: client}
                ---
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata: {name: client, namespace: shop}
                spec:
                  workloadSelector: {labels: {app: client}}
                  egress: [{hosts: ["./*"]}]
                ---
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: backend, namespace: shop}
                spec:
                  hosts: [%4$s]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports: [{number: 9080, name: http, protocol: HTTP}]
                  workloadSelector: {labels: {app: backend}}
                ---
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: {name: backend-1, namespace: shop}
                spec:
                  address: 127.0.0.1
                  ports: {http: %1$d}
                  labels: {app: backend, security.istio.io/tlsMode: istio}
                  serviceAccount: backend
                ---
                apiVersion: networking.istio.io/v1
                kind: Sidecar
                metadata: {name: backend, namespace: shop}
                spec:
                  workloadSelector: {labels: {app: backend}}
                  ingress: [{port: {number: %1$d, protocol: HTTP, name: http}, bind: 127.0.0.1, defaultEndpoint: "127.0.0.1:%2$d"}]
                ---
                # a legacy system nobody put a proxy in front of
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: legacy, namespace: shop}
                spec:
                  hosts: [%5$s]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports: [{number: 9080, name: http, protocol: HTTP}]
                  endpoints: [{address: 127.0.0.1, ports: {http: %3$d}}]
                """.formatted(inbound, backend, legacy, BACKEND, LEGACY);
    }

    @TempDir
    Path caDir;

    @Test
    void theGraphShowsMeshPlaintextAndUnmeshedEdges(@TempDir Path dir) throws Exception {
        FakeUpstream backend = keep(FakeUpstream.start("backend"));
        FakeUpstream legacy = keep(FakeUpstream.start("legacy"));
        int inbound = UpCommandIT.freePort();
        Files.writeString(dir.resolve("mesh.yaml"), config(inbound, backend.port(), legacy.port()));

        // no periodic scrape during the test: every sample is one a graph request takes
        FicusProcess control = keep(FicusProcess.start("control", "--config", dir.toString(), "--sync-port", "0", "--http-port", "0",
                "--ca-dir", caDir.toString(), "--insecure-plaintext-ca", "--scrape-interval", "10m"));
        int sync = Integer.parseInt(control.await("ready: .*sync on 127\\.0\\.0\\.1:(\\d+)", Duration.ofSeconds(120)));
        String http = control.await("http://(127\\.0\\.0\\.1:\\d+)", Duration.ofSeconds(5));
        FicusProcess b = keep(FicusProcess.start("proxy", "--control", "127.0.0.1:" + sync, "--workload", "backend-1", "-n", "shop",
                "--outbound-port", "-1", "--admin-port", "0", "--concurrency", "1", "--drain-timeout", "1s"));
        FicusProcess a = keep(FicusProcess.start("proxy", "--control", "127.0.0.1:" + sync, "--workload", "client", "-n", "shop",
                "--outbound-port", "0", "--admin-port", "0", "--concurrency", "1", "--drain-timeout", "1s"));
        int outbound = Integer.parseInt(a.await("ready: .*outbound on 127\\.0\\.0\\.1:(\\d+)", Duration.ofSeconds(120)));
        int adminA = Integer.parseInt(a.await("admin on http://127\\.0\\.0\\.1:(\\d+)", Duration.ofSeconds(5)));
        int adminB = Integer.parseInt(b.await("ready: .*admin on http://127\\.0\\.0\\.1:(\\d+)", Duration.ofSeconds(120)));
        a.await("certificate issued for spiffe://cluster.local/ns/shop/sa/client", Duration.ofSeconds(10));
        b.await("certificate issued for spiffe://cluster.local/ns/shop/sa/backend", Duration.ofSeconds(10));

        try (HttpConnection mesh = new HttpConnection(outbound); HttpConnection plain = new HttpConnection(inbound)) {
            // the paths work before anything is counted
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).ignoreExceptions()
                    .until(() -> mesh.get(BACKEND + ":9080", "/warm-up").status() == 200);
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).ignoreExceptions()
                    .until(() -> mesh.get(LEGACY + ":9080", "/warm-up").status() == 200);
            assertThat(plain.get(BACKEND + ":9080", "/warm-up").status()).isEqualTo(200);
            awaitStable(adminA);
            awaitStable(adminB);

            // the baseline: a sample of each proxy taken now, after the warm-up (the history's oldest: a 5m window starts there)
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
                String body = get(http, "/v1/graph?window=5m");
                JsonArray proxies = JsonParser.parseString(body).getAsJsonObject().getAsJsonArray("proxies");
                assertThat(proxies).as(body).hasSize(2);
                assertThat(proxies.asList()).as(body).allSatisfy(p -> assertThat(p.getAsJsonObject().get("samples").getAsInt()).isPositive());
            });

            for (int i = 0; i < 40; i++) {
                HttpConnection.Response r = mesh.get(BACKEND + ":9080", i % 10 == 9 ? "/status/500" : "/delay/30");
                assertThat(r.status()).isEqualTo(i % 10 == 9 ? 500 : 200);
            }
            for (int i = 0; i < 10; i++) assertThat(plain.get(BACKEND + ":9080", "/delay/30").status()).isEqualTo(200);
            for (int i = 0; i < 6; i++) assertThat(mesh.get(LEGACY + ":9080", i % 3 == 2 ? "/status/500" : "/").status()).isEqualTo(i % 3 == 2 ? 500 : 200);
        }

        // the real command, as a user types it
        StringBuilder json = new StringBuilder();
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            json.setLength(0);
            assertThat(FicusProcess.runInProcess(json, "graph", "--control", http, "--window", "5m", "--format", "json")).isZero();
            JsonObject g = JsonParser.parseString(json.toString()).getAsJsonObject();
            assertThat(g.getAsJsonArray("edges")).hasSize(3);
            assertThat(edge(g, "shop/client", BACKEND).get("requests").getAsLong()).isEqualTo(40);
            assertThat(edge(g, "unknown", BACKEND).get("requests").getAsLong()).isEqualTo(10);
            assertThat(edge(g, "shop/client", LEGACY).get("requests").getAsLong()).isEqualTo(6);
        });
        JsonObject g = JsonParser.parseString(json.toString()).getAsJsonObject();
        assertThat(g.get("window").getAsString()).isEqualTo("5m");
        assertThat(g.getAsJsonArray("proxies").asList()).allSatisfy(p -> {
            assertThat(p.getAsJsonObject().get("samples").getAsInt()).isGreaterThanOrEqualTo(2);
            assertThat(p.getAsJsonObject().get("error").isJsonNull()).isTrue();
        });

        JsonObject viaMesh = edge(g, "shop/client", BACKEND);
        assertThat(viaMesh.get("destination").getAsString()).isEqualTo("shop/backend-1");
        assertThat(viaMesh.get("reporter").getAsString()).as("both proxies saw it; the destination's account wins").isEqualTo("destination");
        assertThat(viaMesh.get("security").getAsString()).isEqualTo("mutual_tls");
        assertThat(viaMesh.get("mtlsShare").getAsDouble()).isEqualTo(1.0);
        assertThat(viaMesh.get("serverErrors").getAsLong()).isEqualTo(4);
        assertThat(viaMesh.get("errorRate").getAsDouble()).isEqualTo(0.1);
        assertThat(viaMesh.get("flaggedRate").getAsDouble()).isZero();
        assertRate(viaMesh, 40);
        // 36 of 40 took the backend's 30 ms: the median and the p99 lie in (25, 50] unless the machine stalls
        assertThat(viaMesh.get("p50Ms").getAsDouble()).isBetween(25.0, 100.0);
        assertThat(viaMesh.get("p99Ms").getAsDouble()).isBetween(25.0, 1000.0);

        JsonObject plaintext = edge(g, "unknown", BACKEND);
        assertThat(plaintext.get("destination").getAsString()).isEqualTo("shop/backend-1");
        assertThat(plaintext.get("reporter").getAsString()).isEqualTo("destination");
        assertThat(plaintext.get("security").getAsString()).isEqualTo("plaintext");
        assertThat(plaintext.get("mtlsShare").getAsDouble()).isZero();
        assertThat(plaintext.get("serverErrors").getAsLong()).isZero();
        assertRate(plaintext, 10);
        assertThat(plaintext.get("p99Ms").getAsDouble()).isBetween(25.0, 1000.0);

        JsonObject unmeshed = edge(g, "shop/client", LEGACY);
        assertThat(unmeshed.get("destination").getAsString()).isEqualTo("unknown");
        assertThat(unmeshed.get("reporter").getAsString()).isEqualTo("source");
        assertThat(unmeshed.get("security").getAsString()).isEqualTo("unknown (destination not meshed)");
        assertThat(unmeshed.get("serverErrors").getAsLong()).isEqualTo(2);
        assertRate(unmeshed, 6);

        // the table, and DOT, from the real ./ficus launcher
        FicusProcess text = keep(FicusProcess.start("graph", "--control", http, "--window", "5m"));
        text.await("^3 edges over the last 5m from 2 of 2 proxies$", Duration.ofSeconds(60));
        assertThat(text.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(text.process().exitValue()).as(text.toString()).isZero();
        List<String> lines = text.log();
        assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("CALLER").contains("CALLEE", "RATE", "ERRORS", "P99 MS", "SECURITY"));
        assertThat(lines).anySatisfy(l -> assertThat(l).matches("shop/client +→ +" + Pattern.quote(BACKEND + " (shop/backend-1)") + " +http +[0-9.]+ rps +10\\.0% +0\\.0% .* mutual_tls"));
        assertThat(lines).anySatisfy(l -> assertThat(l).matches("unknown +→ +" + Pattern.quote(BACKEND + " (shop/backend-1)") + " +http +[0-9.]+ rps +0\\.0% .* plaintext"));
        assertThat(lines).anySatisfy(l -> assertThat(l).matches("shop/client +→ +" + Pattern.quote(LEGACY) + " +http +[0-9.]+ rps +33\\.3% .* unknown \\(destination not meshed\\)"));

        FicusProcess p = keep(FicusProcess.start("graph", "--control", http, "--window", "5m", "--format", "dot"));
        p.await("^}$", Duration.ofSeconds(60));
        assertThat(p.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.process().exitValue()).as(p.toString()).isZero();
        String dot = String.join("\n", p.log()) + "\n";
        assertStructurallyDot(dot);
        assertThat(dot).contains("\"u:unknown\" -> \"s:" + BACKEND + "\"").contains("color=red, style=dashed")
                .contains("\"w:shop/client\" -> \"s:" + BACKEND + "\"").contains("color=darkgreen, style=solid")
                .contains("\"s:" + BACKEND + "\" -> \"w:shop/backend-1\"");
        Optional<Path> graphviz = MeshSecurityIT.WrkLikeTools.find("dot");
        if (graphviz.isPresent()) { // Graphviz itself, when installed (.ci/run installs it)
            Process gv = new ProcessBuilder(graphviz.get().toString(), "-Tsvg").redirectErrorStream(true).start();
            gv.getOutputStream().write(dot.getBytes(StandardCharsets.UTF_8));
            gv.getOutputStream().close();
            String svg = new String(gv.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(gv.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(gv.exitValue()).as(svg).isZero();
            assertThat(svg).contains("<svg").contains("shop/backend&#45;1").contains("plaintext");
        }
    }

    /** rps is the count over the span the control plane measured between its two samples. */
    private static void assertRate(JsonObject edge, long requests) {
        double span = edge.get("spanSeconds").getAsDouble();
        assertThat(span).isPositive().isLessThan(300);
        assertThat(edge.get("rps").getAsDouble()).isCloseTo(requests / span, org.assertj.core.data.Percentage.withPercentage(0.0001));
    }

    private static JsonObject edge(JsonObject g, String source, String service) {
        List<JsonObject> found = new ArrayList<>();
        for (JsonElement e : g.getAsJsonArray("edges")) {
            JsonObject o = e.getAsJsonObject();
            if (o.get("source").getAsString().equals(source) && o.get("service").getAsString().equals(service)) found.add(o);
        }
        assertThat(found).as(source + " → " + service + " in " + g).hasSize(1);
        return found.getFirst();
    }

    /** Waits until two reads of a proxy's metrics, 100 ms apart, are equal: every exchange so far is counted. */
    private static void awaitStable(int admin) {
        String[] last = {""};
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100)).until(() -> {
            String now = get("127.0.0.1:" + admin, "/stats/prometheus");
            boolean same = now.equals(last[0]);
            last[0] = now;
            return same;
        });
    }

    private static String get(String hostPort, String path) throws Exception {
        try (HttpClient c = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build()) {
            HttpResponse<String> r = c.send(HttpRequest.newBuilder(URI.create("http://" + hostPort + path)).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
            return r.body();
        }
    }

    /** Every statement a node or an edge between declared nodes, in one {@code digraph}: what {@code dot} insists on. */
    static void assertStructurallyDot(String dot) {
        Pattern node = Pattern.compile("^  (\"(?:[^\"\\\\]|\\\\.)*\") \\[(.*)\\];$");
        Pattern edge = Pattern.compile("^  (\"(?:[^\"\\\\]|\\\\.)*\") -> (\"(?:[^\"\\\\]|\\\\.)*\") \\[(.*)\\];$");
        Set<String> declared = new HashSet<>();
        int edges = 0;
        String[] lines = dot.split("\n");
        assertThat(lines[0]).isEqualTo("digraph ficus {");
        assertThat(lines[lines.length - 1]).isEqualTo("}");
        for (int i = 1; i < lines.length - 1; i++) {
            Matcher e = edge.matcher(lines[i]), n = node.matcher(lines[i]);
            if (e.matches()) {
                assertThat(declared).as("an edge between declared nodes: " + lines[i]).contains(e.group(1), e.group(2));
                edges++;
            } else if (n.matches()) {
                declared.add(n.group(1));
            } else {
                assertThat(lines[i]).as("a graph attribute").matches("  (rankdir=LR|node \\[.*\\]|edge \\[.*\\]);");
            }
        }
        assertThat(declared).hasSize(5); // shop/client, unknown, shop/backend-1, and the two services
        assertThat(edges).isEqualTo(4); // three calls, one service → workload
    }

}
