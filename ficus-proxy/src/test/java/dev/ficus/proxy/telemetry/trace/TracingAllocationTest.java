package dev.ficus.proxy.telemetry.trace;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ficus.proxy.ProxyServer;
import dev.ficus.testing.FakeUpstream;
import dev.ficus.xds.snapshot.ListenerKind;
import dev.ficus.xds.snapshot.TelemetryPolicy;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What tracing allocates on the event loop per request, measured with the JVM's per-thread
 * allocation counters over thousands of keep-alive requests through one proxy: a listener whose
 * policy turns tracing off must cost nothing, an unsampled request only its trace id and the
 * context it sends upstream (no span object). Also prints the figures quoted in docs/telemetry.md.
 */
class TracingAllocationTest {
    static final int WARMUP = 2000, MEASURED = 3000;
    static final com.sun.management.ThreadMXBean THREADS = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /** Accepts and forgets every batch: the export thread's cost without a network. */
    static final class Discard implements SpanExporter {
        @Override public CompletableResultCode export(Collection<SpanData> spans) { return CompletableResultCode.ofSuccess(); }

        @Override public CompletableResultCode flush() { return CompletableResultCode.ofSuccess(); }

        @Override public CompletableResultCode shutdown() { return CompletableResultCode.ofSuccess(); }
    }

    record Cost(double loopBytes, double exportBytes, double loopCpuMicros) {}

    /** Bytes allocated per request by the proxy's event loop (and by the span export thread). */
    static Cost perRequest(FakeUpstream backend, Tracer tracer, TelemetryPolicy.Tracing tracing) throws Exception {
        TelemetryPolicy policy = TelemetryPolicy.DEFAULT.withTracing(tracing);
        ProxyServer.Builder b = ProxyServer.builder()
                .snapshot(TracingTest.snapshot("outbound", ListenerKind.OUTBOUND, TracingTest.OUT_CLUSTER, backend.port(), policy))
                .concurrency(1).adminPort(-1);
        if (tracer != null) b.observer(tracer);
        try (ProxyServer p = b.build().start();
             Socket s = new Socket(InetAddress.getLoopbackAddress(), p.listenerPort("outbound"))) {
            s.setTcpNoDelay(true);
            byte[] req = ("GET / HTTP/1.1\r\nHost: " + TracingTest.SERVICE + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
            for (int i = 0; i < WARMUP; i++) exchange(s, req);
            if (tracer != null) tracer.flush(5000);
            long loop0 = allocated("ficus-worker"), export0 = allocated("BatchSpanProcessor"), cpu0 = cpu("ficus-worker");
            for (int i = 0; i < MEASURED; i++) exchange(s, req);
            if (tracer != null) tracer.flush(5000);
            long loop1 = allocated("ficus-worker"), export1 = allocated("BatchSpanProcessor"), cpu1 = cpu("ficus-worker");
            return new Cost((loop1 - loop0) / (double) MEASURED, (export1 - export0) / (double) MEASURED, (cpu1 - cpu0) / 1000.0 / MEASURED);
        }
    }

    static long allocated(String threadPrefix) {
        long sum = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith(threadPrefix)) sum += Math.max(0, THREADS.getThreadAllocatedBytes(t.threadId()));
        }
        return sum;
    }

    static long cpu(String threadPrefix) {
        long sum = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith(threadPrefix)) sum += Math.max(0, THREADS.getThreadCpuTime(t.threadId()));
        }
        return sum;
    }

    /** Sends one request on the keep-alive connection and reads its response (headers, then Content-Length bytes). */
    static void exchange(Socket s, byte[] req) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(req);
        out.flush();
        InputStream in = s.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) throw new IOException("closed");
            head.append((char) c);
        }
        String h = head.toString().toLowerCase();
        int at = h.indexOf("content-length:");
        int len = Integer.parseInt(h.substring(at + 15, h.indexOf('\r', at)).trim());
        in.readNBytes(len);
    }

    @Test
    void unsampledTracingAllocatesLittleOnTheEventLoopAndATurnedOffListenerNothing() throws Exception {
        // the suite's PARANOID leak detection records a stack trace per buffer access: it would dwarf what is measured
        io.netty.util.ResourceLeakDetector.Level level = io.netty.util.ResourceLeakDetector.getLevel();
        io.netty.util.ResourceLeakDetector.setLevel(io.netty.util.ResourceLeakDetector.Level.DISABLED);
        try {
            measure();
        } finally {
            io.netty.util.ResourceLeakDetector.setLevel(level);
        }
    }

    void measure() throws Exception {
        try (FakeUpstream backend = FakeUpstream.start("reviews");
             dev.ficus.testing.OtlpCollector collector = dev.ficus.testing.OtlpCollector.start();
             Tracer discard = new Tracer(TracingConfig.defaults("bench").withScheduleDelay(java.time.Duration.ofMillis(100)), new Discard());
             Tracer otlp = Tracer.otlp(collector.tracesUrl(), Map.of(), TracingConfig.defaults("bench").withScheduleDelay(java.time.Duration.ofMillis(100)))) {
            Cost none = perRequest(backend, null, TelemetryPolicy.Tracing.DEFAULT);
            Cost off = perRequest(backend, discard, new TelemetryPolicy.Tracing(false, 100, Map.of()));
            Cost zero = perRequest(backend, discard, new TelemetryPolicy.Tracing(true, 0, Map.of()));
            Cost all = perRequest(backend, otlp, new TelemetryPolicy.Tracing(true, 100, Map.of()));
            Cost none2 = perRequest(backend, null, TelemetryPolicy.Tracing.DEFAULT);
            System.out.printf("event-loop bytes/request: no tracer %.0f (again %.0f), tracing off for the listener %.0f, 0%% sampled %.0f, 100%% sampled %.0f;"
                    + " OTLP export thread bytes/span at 100%%: %.0f%n", none.loopBytes, none2.loopBytes, off.loopBytes, zero.loopBytes, all.loopBytes, all.exportBytes);
            System.out.printf("event-loop CPU us/request (noisy on a shared machine): no tracer %.1f (again %.1f), tracing off %.1f, 0%% sampled %.1f, 100%% sampled %.1f%n",
                    none.loopCpuMicros, none2.loopCpuMicros, off.loopCpuMicros, zero.loopCpuMicros, all.loopCpuMicros);
            double baseline = Math.max(none.loopBytes, none2.loopBytes), noise = Math.abs(none.loopBytes - none2.loopBytes) + 64;
            assertThat(off.loopBytes).as("tracing off for the listener: no observer, no allocation").isLessThan(baseline + noise);
            assertThat(zero.loopBytes - baseline).as("unsampled: a trace id and a traceparent, no span").isLessThan(400 + noise);
            assertThat(all.loopBytes).as("a sampled request also hands over a span").isGreaterThan(zero.loopBytes);
            assertThat(all.exportBytes).as("the OTLP encoding happens on the export thread").isGreaterThan(100);
            assertThat(otlp.droppedSpans()).isZero();
            assertThat(collector.spans()).hasSizeGreaterThanOrEqualTo(WARMUP + MEASURED);
        }
    }
}
