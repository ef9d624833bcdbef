package dev.ficus.proxy.telemetry.trace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ficus.proxy.ProxyServer;
import dev.ficus.testing.FakeUpstream;
import dev.ficus.testing.OtlpCollector;
import dev.ficus.testing.OtlpCollector.ReceivedSpan;
import dev.ficus.testing.RawHttp;
import dev.ficus.xds.snapshot.ClusterConfig;
import dev.ficus.xds.snapshot.Endpoint;
import dev.ficus.xds.snapshot.HostPort;
import dev.ficus.xds.snapshot.ListenerConfig;
import dev.ficus.xds.snapshot.ListenerKind;
import dev.ficus.xds.snapshot.ListenerProtocol;
import dev.ficus.xds.snapshot.ProxySnapshot;
import dev.ficus.xds.snapshot.Route;
import dev.ficus.xds.snapshot.RouteAction;
import dev.ficus.xds.snapshot.RouteMatch;
import dev.ficus.xds.snapshot.RouteTable;
import dev.ficus.xds.snapshot.TelemetryPolicy;
import dev.ficus.xds.snapshot.TelemetryPolicy.CustomTag;
import dev.ficus.xds.snapshot.TelemetryPolicy.PeerWorkload;
import dev.ficus.xds.snapshot.TelemetryPolicy.ServiceRef;
import dev.ficus.xds.snapshot.VirtualHost;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two real proxies in a chain, as two sidecars: a client-side outbound listener (productpage's)
 * in front of a server-side inbound listener (reviews') in front of a real HTTP backend, each
 * with its own tracer exporting OTLP to a real receiver.
 */
class TracingTest {
    static final String SERVICE = "reviews.shop.svc.cluster.local";
    static final String OUT_CLUSTER = "outbound|9080||" + SERVICE;
    /** The workload listens on 8080 behind the service's port 9080 (a WorkloadEntry's {@code ports: {http: 8080}}). */
    static final String IN_CLUSTER = "inbound|8080||";
    static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    static final String PARENT = "00f067aa0ba902b7";

    final List<AutoCloseable> closeLater = new ArrayList<>();
    OtlpCollector collector;
    FakeUpstream backend;
    Tracer clientTracer, serverTracer;
    ProxyServer clientSide, serverSide;

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : closeLater.reversed()) c.close();
    }

    <T extends AutoCloseable> T later(T c) {
        closeLater.add(c);
        return c;
    }

    static TracingConfig config(String node) {
        return TracingConfig.defaults(node).withScheduleDelay(Duration.ofMillis(50))
                .withEnv(Map.of("CLUSTER_NAME", "east-1")::get);
    }

    /** The chain, both sides sampling new traces at {@code percent}; the client side also has custom tags. */
    void chain(double percent) throws Exception {
        chain(percent, OUT_CLUSTER);
    }

    /** The chain, with the client side's cluster named {@code outCluster}. */
    void chain(double percent, String outCluster) throws Exception {
        collector = later(OtlpCollector.start());
        backend = later(FakeUpstream.start("reviews"));
        serverTracer = later(Tracer.otlp(collector.tracesUrl(), Map.of(), config("sidecar~reviews-v1.shop")));
        clientTracer = later(Tracer.otlp(collector.tracesUrl(), Map.of(), config("sidecar~productpage-v1.shop")));
        TelemetryPolicy reviews = TelemetryPolicy.DEFAULT.withLocal(new PeerWorkload("reviews-v1", "shop", "reviews", "v1"))
                .withServices(List.of(new ServiceRef(SERVICE, "reviews", "shop")))
                .withTracing(new TelemetryPolicy.Tracing(true, percent, Map.of()));
        serverSide = later(ProxyServer.builder().snapshot(snapshot("inbound", ListenerKind.INBOUND, IN_CLUSTER, backend.port(), reviews))
                .observer(serverTracer).concurrency(1).adminPort(0).build().start());
        TelemetryPolicy productpage = TelemetryPolicy.DEFAULT.withLocal(new PeerWorkload("productpage-v1", "shop", "productpage", "v1"))
                .withTracing(new TelemetryPolicy.Tracing(true, percent, Map.of(
                        "team", new CustomTag(CustomTag.Kind.LITERAL, "storefront", null),
                        "user", new CustomTag(CustomTag.Kind.HEADER, "x-user", "anonymous"),
                        "tenant", new CustomTag(CustomTag.Kind.HEADER, "x-tenant", "none"),
                        "cluster", new CustomTag(CustomTag.Kind.ENVIRONMENT, "CLUSTER_NAME", "local"),
                        "region", new CustomTag(CustomTag.Kind.ENVIRONMENT, "REGION", "eu"))));
        clientSide = later(ProxyServer.builder().snapshot(snapshot("outbound", ListenerKind.OUTBOUND, outCluster, serverSide.listenerPort("inbound"), productpage))
                .observer(clientTracer).concurrency(1).adminPort(0).build().start());
    }

    static ProxySnapshot snapshot(String listener, ListenerKind kind, String cluster, int port, TelemetryPolicy telemetry) {
        return ProxySnapshot.builder("1")
                .listener(new ListenerConfig(listener, new HostPort("127.0.0.1", 0), kind, ListenerProtocol.HTTP, "routes").withTelemetry(telemetry))
                .routeTable(new RouteTable("routes", List.of(new VirtualHost("all", List.of("*"),
                        List.of(new Route("all", RouteMatch.ANY, RouteAction.Forward.to(cluster)))))))
                .cluster(ClusterConfig.of(cluster, Endpoint.of("127.0.0.1", port)))
                .build();
    }

    /** Sends one request to the client side's outbound listener; returns the raw response. */
    String get(String path, String... headers) {
        StringBuilder r = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: " + SERVICE + ":9080\r\nUser-Agent: tracing-test/1\r\n");
        for (String h : headers) r.append(h).append("\r\n");
        r.append("Connection: close\r\n\r\n");
        return RawHttp.exchange(clientSide.listenerPort("outbound"), r.toString(), Duration.ofSeconds(10));
    }

    List<ReceivedSpan> spans(int n) {
        await().atMost(Duration.ofSeconds(10)).until(() -> collector.spans().size() >= n);
        return collector.spans();
    }

    static ReceivedSpan kind(List<ReceivedSpan> spans, String kind) {
        return spans.stream().filter(s -> s.kind().equals(kind)).findFirst().orElseThrow(() -> new AssertionError("no " + kind + " span in " + spans));
    }

    /** Flushes both tracers, so that a span that should not exist would have arrived. */
    void flushed() {
        assertThat(clientTracer.flush(5000)).isTrue();
        assertThat(serverTracer.flush(5000)).isTrue();
    }

    @Test
    void oneRequestMakesAClientSpanAndItsServerChildInOneTraceWithIstioAttributes() throws Exception {
        chain(100);
        String response = get("/reviews/1?page=2", "x-user: alice");
        assertThat(RawHttp.status(response)).isEqualTo(200);

        List<ReceivedSpan> spans = spans(2);
        assertThat(spans).hasSize(2);
        ReceivedSpan client = kind(spans, "SPAN_KIND_CLIENT"), server = kind(spans, "SPAN_KIND_SERVER");
        assertThat(server.traceId()).isEqualTo(client.traceId()).hasSize(32).isNotEqualTo("0".repeat(32));
        assertThat(client.parentSpanId()).as("the client side started the trace").isEmpty();
        assertThat(server.parentSpanId()).as("the server span is the client span's child").isEqualTo(client.spanId());
        assertThat(client.name()).isEqualTo(SERVICE + ":9080/*");
        assertThat(server.name()).isEqualTo(SERVICE + ":9080/*");
        assertThat(server.startNanos()).isGreaterThanOrEqualTo(client.startNanos() - 1_000_000); // one clock, within a millisecond
        assertThat(client.endNanos()).isGreaterThan(client.startNanos());

        // the backend got this hop's context: the server span is the parent of what the app does next
        FakeUpstream.Seen seen = backend.seen().getFirst();
        assertThat(seen.header("traceparent")).isEqualTo("00-" + server.traceId() + "-" + server.spanId() + "-01");
        assertThat(seen.header("x-b3-traceid")).as("no B3 came in, none goes out").isNull();

        assertThat(client.attributes()).containsEntry("http.method", "GET")
                .containsEntry("http.url", "http://" + SERVICE + ":9080/reviews/1?page=2")
                .containsEntry("http.protocol", "HTTP/1.1")
                .containsEntry("http.status_code", "200")
                .containsEntry("upstream_cluster", OUT_CLUSTER)
                .containsEntry("upstream_cluster.name", OUT_CLUSTER)
                .containsEntry("upstream_address", "127.0.0.1:" + serverSide.listenerPort("inbound"))
                .containsEntry("node_id", "sidecar~productpage-v1.shop")
                .containsEntry("guid:x-request-id", seen.header("x-request-id"))
                .containsEntry("user_agent", "tracing-test/1")
                .containsEntry("request_size", "0")
                .containsEntry("response_size", Integer.toString("reviews".length()))
                .containsEntry("response_flags", "-")
                .containsEntry("peer.address", "127.0.0.1")
                .containsEntry("istio.canonical_service", "productpage")
                .containsEntry("istio.canonical_revision", "v1")
                .containsEntry("istio.namespace", "shop")
                .containsEntry("istio.mesh_id", "cluster.local")
                .containsEntry("component", "proxy")
                .doesNotContainKey("error");
        assertThat(client.resource()).containsEntry("service.name", "productpage").containsEntry("service.namespace", "shop");
        assertThat(client.status()).isEqualTo("STATUS_CODE_UNSET");

        assertThat(server.attributes()).containsEntry("upstream_cluster", IN_CLUSTER)
                .containsEntry("node_id", "sidecar~reviews-v1.shop")
                .containsEntry("istio.canonical_service", "reviews")
                .containsEntry("guid:x-request-id", seen.header("x-request-id"))
                .containsEntry("http.status_code", "200")
                .doesNotContainKeys("team", "user");
        assertThat(server.resource()).containsEntry("service.name", "reviews");
        assertThat(clientTracer.exportedSpans()).isEqualTo(1);
        assertThat(clientTracer.droppedSpans()).isZero();
    }

    @Test
    void aHostWithoutAPortStillNamesBothSpansWithThePortTheRequestReached() throws Exception {
        chain(100, "reviews"); // a cluster whose name carries no port, as the passthrough cluster's does not
        String response = RawHttp.exchange(clientSide.listenerPort("outbound"),
                "GET /reviews/1 HTTP/1.1\r\nHost: " + SERVICE + "\r\nConnection: close\r\n\r\n", Duration.ofSeconds(10));
        assertThat(RawHttp.status(response)).isEqualTo(200);
        List<ReceivedSpan> spans = spans(2);
        // client side: the cluster stands for the service (its destination_service) and the port is
        // the endpoint's the request went to; server side: the inbound cluster's (its listener is ephemeral here)
        assertThat(kind(spans, "SPAN_KIND_CLIENT").name()).isEqualTo("reviews:" + serverSide.listenerPort("inbound") + "/*");
        assertThat(kind(spans, "SPAN_KIND_SERVER").name()).isEqualTo(SERVICE + ":8080/*");
    }

    @Test
    void customTagsAreLiteralsHeaderValuesOrDefaultsAndEnvironmentVariablesOrDefaults() throws Exception {
        chain(100);
        get("/", "x-user: alice");
        ReceivedSpan client = kind(spans(2), "SPAN_KIND_CLIENT");
        assertThat(client.attributes()).containsEntry("team", "storefront")
                .containsEntry("user", "alice")
                .containsEntry("tenant", "none")
                .containsEntry("cluster", "east-1")
                .containsEntry("region", "eu");
    }

    @Test
    void anIncomingSampledTraceparentIsContinuedWithTheCallerAsParent() throws Exception {
        chain(0); // no new trace would be sampled: these spans exist because the caller sampled
        get("/", "traceparent: 00-" + TRACE + "-" + PARENT + "-01", "tracestate: congo=t61rcWkgMzE");
        List<ReceivedSpan> spans = spans(2);
        ReceivedSpan client = kind(spans, "SPAN_KIND_CLIENT"), server = kind(spans, "SPAN_KIND_SERVER");
        assertThat(client.traceId()).isEqualTo(TRACE);
        assertThat(client.parentSpanId()).isEqualTo(PARENT);
        assertThat(server.parentSpanId()).isEqualTo(client.spanId());
        assertThat(client.traceState()).isEqualTo("congo=t61rcWkgMzE");
        FakeUpstream.Seen seen = backend.seen().getFirst();
        assertThat(seen.header("traceparent")).isEqualTo("00-" + TRACE + "-" + server.spanId() + "-01");
        assertThat(seen.header("tracestate")).isEqualTo("congo=t61rcWkgMzE");
    }

    @Test
    void anIncomingUnsampledTraceparentIsRespectedAndPropagatedAsItCame() throws Exception {
        chain(100);
        String tp = "00-" + TRACE + "-" + PARENT + "-00";
        assertThat(RawHttp.status(get("/", "traceparent: " + tp))).isEqualTo(200);
        flushed();
        assertThat(collector.spans()).as("the caller decided: no span").isEmpty();
        assertThat(backend.seen().getFirst().header("traceparent")).isEqualTo(tp);
    }

    @Test
    void atZeroPercentANewTraceIsNotSampledButItsContextStillTravels() throws Exception {
        chain(0);
        get("/");
        get("/");
        flushed();
        assertThat(collector.spans()).isEmpty();
        List<String> sent = backend.seen().stream().map(s -> s.header("traceparent")).toList();
        assertThat(sent).hasSize(2).allMatch(tp -> tp != null && tp.matches("00-[0-9a-f]{32}-[0-9a-f]{16}-00"));
        assertThat(sent.get(0).substring(3, 35)).as("each request its own trace").isNotEqualTo(sent.get(1).substring(3, 35));
    }

    @Test
    void b3HeadersInMakeB3HeadersOutWithThisHopsSpan() throws Exception {
        chain(0);
        String trace64 = "a3ce929d0e0e4736";
        get("/", "X-B3-TraceId: " + trace64, "X-B3-SpanId: " + PARENT, "X-B3-Sampled: 1");
        List<ReceivedSpan> spans = spans(2);
        ReceivedSpan client = kind(spans, "SPAN_KIND_CLIENT"), server = kind(spans, "SPAN_KIND_SERVER");
        assertThat(client.traceId()).isEqualTo("0".repeat(16) + trace64);
        assertThat(client.parentSpanId()).isEqualTo(PARENT);
        assertThat(server.parentSpanId()).isEqualTo(client.spanId());
        FakeUpstream.Seen seen = backend.seen().getFirst();
        assertThat(seen.header("x-b3-traceid")).isEqualTo(trace64);
        assertThat(seen.header("x-b3-spanid")).isEqualTo(server.spanId());
        assertThat(seen.header("x-b3-parentspanid")).isEqualTo(client.spanId());
        assertThat(seen.header("x-b3-sampled")).isEqualTo("1");
        assertThat(seen.header("traceparent")).isEqualTo("00-" + client.traceId() + "-" + server.spanId() + "-01");
    }

    @Test
    void aSingleB3HeaderInMakesASingleB3HeaderOut() throws Exception {
        chain(0);
        get("/", "b3: " + TRACE + "-" + PARENT + "-1");
        List<ReceivedSpan> spans = spans(2);
        ReceivedSpan client = kind(spans, "SPAN_KIND_CLIENT"), server = kind(spans, "SPAN_KIND_SERVER");
        assertThat(client.traceId()).isEqualTo(TRACE);
        assertThat(client.parentSpanId()).isEqualTo(PARENT);
        assertThat(backend.seen().getFirst().header("b3")).isEqualTo(TRACE + "-" + server.spanId() + "-1-" + client.spanId());
    }

    @Test
    void anUnsampledB3ContextIsRespected() throws Exception {
        chain(100);
        get("/", "b3: " + TRACE + "-" + PARENT + "-0");
        flushed();
        assertThat(collector.spans()).isEmpty();
        assertThat(backend.seen().getFirst().header("b3")).isEqualTo(TRACE + "-" + PARENT + "-0");
    }

    @Test
    void malformedContextStartsANewTraceInsteadOfFailingTheRequest() throws Exception {
        chain(100);
        String response = get("/", "traceparent: 00-" + TRACE.toUpperCase() + "-" + PARENT + "-01", "b3: not-a-context", "x-b3-traceid: zz");
        assertThat(RawHttp.status(response)).isEqualTo(200);
        ReceivedSpan client = kind(spans(2), "SPAN_KIND_CLIENT");
        assertThat(client.traceId()).isNotEqualTo(TRACE);
        assertThat(client.parentSpanId()).isEmpty();
    }

    @Test
    void a5xxIsAnError() throws Exception {
        chain(100);
        assertThat(RawHttp.status(get("/status/503"))).isEqualTo(503);
        List<ReceivedSpan> spans = spans(2);
        assertThat(spans).allSatisfy(s -> {
            assertThat(s.attributes()).containsEntry("error", "true").containsEntry("http.status_code", "503");
            assertThat(s.status()).isEqualTo("STATUS_CODE_ERROR");
        });
    }

    @Test
    void aListenerWithTracingOffLeavesTheHeadersAlone() throws Exception {
        collector = later(OtlpCollector.start());
        backend = later(FakeUpstream.start("reviews"));
        Tracer tracer = later(Tracer.otlp(collector.tracesUrl(), Map.of(), config("n")));
        TelemetryPolicy off = TelemetryPolicy.DEFAULT.withTracing(new TelemetryPolicy.Tracing(false, 100, Map.of()));
        clientSide = later(ProxyServer.builder().snapshot(snapshot("outbound", ListenerKind.OUTBOUND, OUT_CLUSTER, backend.port(), off))
                .observer(tracer).concurrency(1).adminPort(0).build().start());
        get("/", "b3: " + TRACE + "-" + PARENT);
        assertThat(tracer.flush(5000)).isTrue();
        FakeUpstream.Seen seen = backend.seen().getFirst();
        assertThat(seen.header("traceparent")).isNull();
        assertThat(seen.header("b3")).isEqualTo(TRACE + "-" + PARENT);
        assertThat(collector.spans()).isEmpty();
    }

    @Test
    void spansBeyondAFullExportQueueAreDroppedAndCounted() throws Exception {
        backend = later(FakeUpstream.start("reviews"));
        CountDownLatch release = new CountDownLatch(1);
        List<SpanData> exported = new java.util.concurrent.CopyOnWriteArrayList<>();
        SpanExporter stuck = new SpanExporter() { // a collector that does not answer until told
            @Override
            public CompletableResultCode export(Collection<SpanData> spans) {
                CompletableResultCode r = new CompletableResultCode();
                Thread.ofVirtual().start(() -> {
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    exported.addAll(spans);
                    r.succeed();
                });
                return r;
            }

            @Override
            public CompletableResultCode flush() { return CompletableResultCode.ofSuccess(); }

            @Override
            public CompletableResultCode shutdown() { return CompletableResultCode.ofSuccess(); }
        };
        Tracer tracer = later(new Tracer(config("n").withQueue(2, 1).withScheduleDelay(Duration.ofMillis(10)), stuck));
        TelemetryPolicy all = TelemetryPolicy.DEFAULT.withTracing(new TelemetryPolicy.Tracing(true, 100, Map.of()));
        clientSide = later(ProxyServer.builder().snapshot(snapshot("outbound", ListenerKind.OUTBOUND, OUT_CLUSTER, backend.port(), all))
                .observer(tracer).concurrency(1).adminPort(0).build().start());
        clientSide.stats().register(tracer::prometheus);
        for (int i = 0; i < 6; i++) assertThat(RawHttp.status(get("/"))).isEqualTo(200);
        // one span in the hanging export, two in the queue: the others are dropped (a span ends just after its response)
        await().atMost(Duration.ofSeconds(5)).until(() -> tracer.droppedSpans() >= 3);
        release.countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> tracer.exportedSpans() + tracer.droppedSpans() == 6);
        assertThat(exported).hasSize((int) tracer.exportedSpans());
        String metrics = new String(java.net.URI.create("http://127.0.0.1:" + clientSide.adminPort() + "/stats/prometheus").toURL().openStream().readAllBytes(),
                java.nio.charset.StandardCharsets.UTF_8);
        assertThat(metrics).contains("ficus_tracing_spans_total{result=\"dropped\"} " + tracer.droppedSpans(),
                "ficus_tracing_spans_total{result=\"exported\"} " + tracer.exportedSpans());
    }
}
