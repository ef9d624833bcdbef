package dev.ficus.cli;

import dev.ficus.testing.FakeUpstream;
import dev.ficus.testing.OtlpCollector;
import dev.ficus.testing.OtlpCollector.ReceivedSpan;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tracing as a user turns it on: {@code ficus proxy --tracing-endpoint URL}, and {@code ficus up}
 * with OTEL_EXPORTER_OTLP_ENDPOINT set (its proxies inherit the environment), each exporting to a
 * real OTLP/HTTP receiver, with a Telemetry resource sampling every trace.
 */
class TracingIT {
    private final List<AutoCloseable> cleanup = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : cleanup.reversed()) c.close();
    }

    <T extends AutoCloseable> T keep(T c) {
        cleanup.add(c);
        return c;
    }

    static final String TELEMETRY = """
            apiVersion: telemetry.istio.io/v1
            kind: Telemetry
            metadata: {name: mesh-default, namespace: istio-system}
            spec:
              tracing:
              - randomSamplingPercentage: 100
                customTags:
                  team: {literal: {value: storefront}}
                  user: {header: {name: x-user, defaultValue: anonymous}}
            """;

    static String reviews(int port) {
        return """
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: {name: reviews, namespace: shop}
                spec:
                  hosts: [reviews.shop.svc.cluster.local]
                  location: MESH_INTERNAL
                  resolution: STATIC
                  ports: [{number: 9080, name: http, protocol: HTTP}]
                  workloadSelector: {labels: {app: reviews}}
                ---
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: {name: reviews-v1, namespace: shop}
                spec: {address: 127.0.0.1, ports: {http: %d}, labels: {app: reviews, version: v1}}
                """.formatted(port);
    }

    static ReceivedSpan clientSpan(OtlpCollector collector) {
        await().atMost(Duration.ofSeconds(30)).until(() -> collector.spans().stream().anyMatch(s -> s.kind().equals("SPAN_KIND_CLIENT")));
        return collector.spans().stream().filter(s -> s.kind().equals("SPAN_KIND_CLIENT")).findFirst().orElseThrow();
    }

    @Test
    void aStandaloneProxyExportsTheSpansOfItsRequestsToTheTracingEndpoint(@TempDir Path dir) throws Exception {
        OtlpCollector collector = keep(OtlpCollector.start());
        FakeUpstream backend = keep(FakeUpstream.start("reviews"));
        Files.writeString(dir.resolve("mesh.yaml"), reviews(backend.port()) + "---\n" + TELEMETRY);
        FicusProcess proxy = keep(FicusProcess.start("proxy", "--config", dir.toString(), "--labels", "app=productpage,version=v2", "--namespace", "shop",
                "--admin-port", "0", "--outbound-port", "0", "--concurrency", "1", "--tracing-endpoint", collector.baseUrl()));
        int outbound = Integer.parseInt(proxy.await("outbound on 127\\.0\\.0\\.1:(\\d+)", Duration.ofSeconds(120)));
        assertThat(proxy.log()).anyMatch(l -> l.contains("tracing: spans go to " + collector.tracesUrl()));

        try (HttpConnection c = new HttpConnection(outbound)) {
            assertThat(c.get("reviews.shop.svc.cluster.local:9080", "/api/reviews/1", "x-user", "alice").status()).isEqualTo(200);
        }
        ReceivedSpan span = clientSpan(collector);
        assertThat(span.name()).isEqualTo("reviews.shop.svc.cluster.local:9080/*");
        assertThat(span.resource()).containsEntry("service.name", "productpage");
        assertThat(span.attributes()).containsEntry("istio.canonical_revision", "v2")
                .containsEntry("upstream_cluster", "outbound|9080||reviews.shop.svc.cluster.local")
                .containsEntry("team", "storefront")
                .containsEntry("user", "alice")
                .containsEntry("http.status_code", "200");
        assertThat(backend.seen().getFirst().header("traceparent")).isEqualTo("00-" + span.traceId() + "-" + span.spanId() + "-01");
    }

    @Test
    void withoutAnEndpointNoTracerRunsAndTraceHeadersPassUntouched(@TempDir Path dir) throws Exception {
        FakeUpstream backend = keep(FakeUpstream.start("reviews"));
        Files.writeString(dir.resolve("mesh.yaml"), reviews(backend.port()) + "---\n" + TELEMETRY);
        FicusProcess proxy = keep(FicusProcess.startWithEnv(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", ""),
                "proxy", "--config", dir.toString(), "--admin-port", "0", "--outbound-port", "0", "--concurrency", "1"));
        int outbound = Integer.parseInt(proxy.await("outbound on 127\\.0\\.0\\.1:(\\d+)", Duration.ofSeconds(120)));
        try (HttpConnection c = new HttpConnection(outbound)) {
            c.get("reviews.shop.svc.cluster.local:9080", "/", "b3", "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1");
        }
        FakeUpstream.Seen seen = backend.seen().getFirst();
        assertThat(seen.header("traceparent")).isNull();
        assertThat(seen.header("b3")).isEqualTo("80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1");
        assertThat(proxy.log()).noneMatch(l -> l.contains("tracing:"));
    }

    @Test
    void upPassesTheOtlpEndpointVariableToItsProxies(@TempDir Path dir, @TempDir Path caDir) throws Exception {
        OtlpCollector collector = keep(OtlpCollector.start());
        int app = UpCommandIT.freePort(), outbound = UpCommandIT.freePort();
        Path reviewsJava = FicusCommandIT.ROOT.resolve("examples/shop/apps/Reviews.java");
        Files.writeString(dir.resolve("mesh.yaml"), reviews(app) + """
                ---
                apiVersion: mesh.ficus.dev/v1alpha1
                kind: App
                metadata: {name: reviews-v1, namespace: shop}
                spec:
                  command: ["${FICUS_JAVA}", "%s"]
                  workload: reviews-v1
                  port: %d
                  env: {PORT: "%d", VERSION: v1}
                  readinessProbe: {tcpSocket: {}, periodSeconds: 1}
                ---
                """.formatted(reviewsJava, app, app) + TELEMETRY);
        FicusProcess up = keep(FicusProcess.startWithEnv(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", collector.baseUrl()),
                "up", dir.toString(), "--sync-port", "0", "--http-port", "0", "--ca-dir", caDir.toString(),
                "--admin-port", "0", "--outbound-port", Integer.toString(outbound)));
        up.await("^ficus up: ", Duration.ofSeconds(180));
        assertThat(up.log()).anyMatch(l -> l.contains("tracing: spans go to " + collector.tracesUrl()));
        try (HttpConnection c = new HttpConnection(outbound)) {
            assertThat(c.get("reviews.shop.svc.cluster.local:9080", "/api/reviews/1").body()).contains("\"source\":\"reviews-v1\"");
        }
        ReceivedSpan client = clientSpan(collector);
        assertThat(client.name()).isEqualTo("reviews.shop.svc.cluster.local:9080/*");
        // the proxy also serves reviews-v1: when the request crossed its inbound listener, that span is the client span's child
        collector.spans().stream().filter(s -> s.kind().equals("SPAN_KIND_SERVER"))
                .forEach(server -> assertThat(server.parentSpanId()).isEqualTo(client.spanId()));
    }
}
