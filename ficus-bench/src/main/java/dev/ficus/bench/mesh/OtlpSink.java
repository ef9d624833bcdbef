package dev.ficus.bench.mesh;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.LongAdder;
import java.util.zip.GZIPInputStream;

/**
 * The trace collector of {@code ficus-2hop-mtls-tracing}: an OTLP/HTTP receiver inside the
 * benchmark's JVM that accepts {@code POST /v1/traces}, counts the spans of each export request
 * and discards them, answering 200 with an empty response, so that what the run measures is the
 * proxies' side of tracing and not a collector's. Served by one pool thread; the proxies' export
 * threads call it, never their event loops.
 */
final class OtlpSink implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService pool;
    private final LongAdder requests = new LongAdder(), spans = new LongAdder(), bytes = new LongAdder(), malformed = new LongAdder();

    OtlpSink() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        pool = Executors.newFixedThreadPool(1, r -> {
            Thread t = new Thread(r, "mesh-otlp-sink");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(pool);
        server.createContext("/v1/traces", this::export);
        server.start();
    }

    /** Where the proxies send: {@code --tracing-endpoint}. */
    String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1/traces";
    }

    long spans() { return spans.sum(); }

    long requests() { return requests.sum(); }

    long bytes() { return bytes.sum(); }

    /** Export requests whose body was not a well-formed ExportTraceServiceRequest (their spans are not counted). */
    long malformed() { return malformed.sum(); }

    private void export(HttpExchange x) throws IOException {
        try (x) {
            if (!x.getRequestMethod().equals("POST")) {
                x.sendResponseHeaders(405, -1);
                return;
            }
            byte[] body;
            try (InputStream in = x.getRequestBody()) {
                body = in.readAllBytes();
            }
            bytes.add(body.length);
            if ("gzip".equalsIgnoreCase(x.getRequestHeaders().getFirst("Content-Encoding"))) {
                try (InputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(body))) {
                    body = in.readAllBytes();
                }
            }
            requests.increment();
            long n = countSpans(body);
            if (n < 0) malformed.increment();
            else spans.add(n);
            x.getResponseHeaders().set("Content-Type", "application/x-protobuf");
            x.sendResponseHeaders(200, -1);
        }
    }

    /**
     * Spans in an ExportTraceServiceRequest: {@code resource_spans} (field 1) → {@code scope_spans}
     * (field 2) → {@code spans} (field 2), counted without decoding them; -1 when the protobuf is
     * malformed.
     */
    static long countSpans(byte[] request) {
        try {
            long n = 0;
            for (Field rs : fields(request, 0, request.length, 1)) {
                for (Field ss : fields(request, rs.from(), rs.to(), 2)) n += fields(request, ss.from(), ss.to(), 2).size();
            }
            return n;
        } catch (IllegalArgumentException e) {
            return -1;
        }
    }

    private record Field(int from, int to) {
    }

    /** The length-delimited fields numbered {@code number} in {@code b[from, to)}; other fields are skipped. */
    private static java.util.List<Field> fields(byte[] b, int from, int to, int number) {
        java.util.List<Field> out = new java.util.ArrayList<>();
        int[] at = {from};
        while (at[0] < to) {
            long key = varint(b, at, to);
            int wire = (int) (key & 7);
            long field = key >>> 3;
            switch (wire) {
                case 0 -> varint(b, at, to);
                case 1 -> at[0] += 8;
                case 5 -> at[0] += 4;
                case 2 -> {
                    long len = varint(b, at, to);
                    if (len < 0 || len > to - at[0]) throw new IllegalArgumentException("length past the end");
                    if (field == number) out.add(new Field(at[0], at[0] + (int) len));
                    at[0] += (int) len;
                }
                default -> throw new IllegalArgumentException("wire type " + wire);
            }
            if (at[0] > to) throw new IllegalArgumentException("field past the end");
        }
        return out;
    }

    private static long varint(byte[] b, int[] at, int to) {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (at[0] >= to) throw new IllegalArgumentException("varint past the end");
            byte x = b[at[0]++];
            v |= (long) (x & 0x7f) << shift;
            if (x >= 0) return v;
        }
        throw new IllegalArgumentException("varint too long");
    }

    @Override
    public void close() {
        server.stop(0);
        pool.shutdownNow();
    }
}
