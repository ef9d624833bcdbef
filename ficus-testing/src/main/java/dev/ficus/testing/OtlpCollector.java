package dev.ficus.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPInputStream;

/**
 * A real OTLP/HTTP trace receiver on 127.0.0.1, port 0, like a collector's {@code :4318}: it
 * accepts {@code POST /v1/traces} with a protobuf {@code ExportTraceServiceRequest} (gzip or not)
 * and keeps every span it decoded, for tests of a tracing proxy.
 */
public final class OtlpCollector implements AutoCloseable {
    /** One span as received; ids in lower-case hex (parent empty for a root span), attribute values as strings. */
    public record ReceivedSpan(String traceId, String spanId, String parentSpanId, String name, String kind, String traceState,
                               Map<String, String> attributes, Map<String, String> resource, String status, long startNanos, long endNanos) {
        public String attr(String key) { return attributes.get(key); }
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final ConcurrentLinkedQueue<ReceivedSpan> spans = new ConcurrentLinkedQueue<>();
    private final AtomicInteger requests = new AtomicInteger();
    private volatile int failWith;

    private OtlpCollector() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(executor);
        server.createContext("/v1/traces", this::handle);
        server.start();
    }

    public static OtlpCollector start() { return new OtlpCollector(); }

    /** {@code http://127.0.0.1:PORT} (the base URL, as OTEL_EXPORTER_OTLP_ENDPOINT takes it). */
    public String baseUrl() { return "http://127.0.0.1:" + server.getAddress().getPort(); }

    /** The traces URL ({@code .../v1/traces}). */
    public String tracesUrl() { return baseUrl() + "/v1/traces"; }

    public List<ReceivedSpan> spans() { return List.copyOf(spans); }

    /** Export requests received, answered or not. */
    public int requests() { return requests.get(); }

    /** Answers every later export with {@code status} (0: accept again). */
    public void failWith(int status) { this.failWith = status; }

    private void handle(HttpExchange x) throws IOException {
        try (x) {
            requests.incrementAndGet();
            byte[] body;
            try (InputStream in = "gzip".equalsIgnoreCase(x.getRequestHeaders().getFirst("Content-Encoding"))
                    ? new GZIPInputStream(x.getRequestBody()) : x.getRequestBody()) {
                body = in.readAllBytes();
            }
            int fail = failWith;
            if (fail != 0) {
                x.sendResponseHeaders(fail, -1);
                return;
            }
            ExportTraceServiceRequest req = ExportTraceServiceRequest.parseFrom(body);
            for (ResourceSpans rs : req.getResourceSpansList()) {
                Map<String, String> resource = attributes(rs.getResource().getAttributesList());
                for (ScopeSpans ss : rs.getScopeSpansList()) {
                    for (Span s : ss.getSpansList()) spans.add(received(s, resource));
                }
            }
            byte[] ok = ExportTraceServiceResponse.getDefaultInstance().toByteArray();
            x.getResponseHeaders().set("Content-Type", "application/x-protobuf");
            x.sendResponseHeaders(200, ok.length == 0 ? -1 : ok.length);
            if (ok.length > 0) {
                try (OutputStream out = x.getResponseBody()) {
                    out.write(ok);
                }
            }
        }
    }

    private static ReceivedSpan received(Span s, Map<String, String> resource) {
        HexFormat hex = HexFormat.of();
        return new ReceivedSpan(hex.formatHex(s.getTraceId().toByteArray()), hex.formatHex(s.getSpanId().toByteArray()),
                hex.formatHex(s.getParentSpanId().toByteArray()), s.getName(), s.getKind().name(), s.getTraceState(),
                attributes(s.getAttributesList()), resource, s.getStatus().getCode().name(), s.getStartTimeUnixNano(), s.getEndTimeUnixNano());
    }

    private static Map<String, String> attributes(List<KeyValue> kvs) {
        Map<String, String> m = new LinkedHashMap<>();
        for (KeyValue kv : kvs) m.put(kv.getKey(), text(kv.getValue()));
        return m;
    }

    private static String text(AnyValue v) {
        return switch (v.getValueCase()) {
            case STRING_VALUE -> v.getStringValue();
            case BOOL_VALUE -> Boolean.toString(v.getBoolValue());
            case INT_VALUE -> Long.toString(v.getIntValue());
            case DOUBLE_VALUE -> Double.toString(v.getDoubleValue());
            default -> v.toString();
        };
    }

    @Override
    public void close() {
        server.stop(0);
        executor.close();
    }
}
