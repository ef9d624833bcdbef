package dev.ficus.proxy.telemetry.trace;

import dev.ficus.proxy.telemetry.ExchangeObserver;
import dev.ficus.xds.snapshot.ListenerConfig;
import io.opentelemetry.api.metrics.MeterProvider;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporterBuilder;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * A proxy's tracer: makes the tracing observer of each listener whose Telemetry policy turns
 * tracing on, and exports the spans they finish. Spans go through the OpenTelemetry SDK's
 * {@link BatchSpanProcessor}: the event loop only offers a finished span to its lock-free bounded
 * queue; turning it into OTLP and sending it happen on the processor's own thread. A span that
 * finds the queue full is dropped and counted ({@code ficus_tracing_spans_total{result="dropped"}}).
 * Built once per process; {@link #close} flushes what is queued.
 */
public final class Tracer implements ExchangeObserver.Factory, AutoCloseable {
    private final TracingConfig config;
    private final BatchSpanProcessor processor;
    /** Spans handed to the processor and not yet given to the exporter: never more than its queue holds. */
    private final AtomicInteger pending = new AtomicInteger();
    private final LongAdder exported = new LongAdder(), failed = new LongAdder(), dropped = new LongAdder();
    private volatile Anchor anchor = Anchor.now();

    public Tracer(TracingConfig config, SpanExporter exporter) {
        this.config = config;
        this.processor = BatchSpanProcessor.builder(new Counting(exporter))
                .setMaxQueueSize(config.maxQueueSize())
                .setMaxExportBatchSize(config.maxBatchSize())
                .setScheduleDelay(config.scheduleDelay())
                .setExporterTimeout(config.exportTimeout())
                .setMeterProvider(MeterProvider::noop)
                .build();
    }

    /**
     * A tracer that sends OTLP over HTTP/protobuf to {@code tracesUrl} (a collector's
     * {@code http://HOST:4318/v1/traces}) with the JDK's HTTP client.
     */
    public static Tracer otlp(String tracesUrl, Map<String, String> headers, TracingConfig config) {
        OtlpHttpSpanExporterBuilder b = OtlpHttpSpanExporter.builder()
                .setEndpoint(tracesUrl)
                .setTimeout(config.exportTimeout())
                .setMeterProvider(MeterProvider::noop);
        headers.forEach(b::addHeader);
        return new Tracer(config, b.build());
    }

    public TracingConfig config() { return config; }

    /** The listener's observer; null when its Telemetry policy turns tracing off (its requests then pass untouched). */
    @Override
    public ExchangeObserver forListener(ListenerConfig listener) {
        if (!listener.telemetry().tracing().enabled()) return null;
        return new ListenerTracer(this, listener);
    }

    /** Hands a finished span to the batch processor, or drops it when the queue is full. Event loop; never blocks. */
    void submit(FinishedSpan span) {
        if (pending.incrementAndGet() > config.maxQueueSize()) {
            pending.decrementAndGet();
            dropped.increment();
            return;
        }
        processor.onEnd(span);
    }

    /** Wall-clock nanoseconds of a {@link System#nanoTime} reading (re-anchored every minute against drift). */
    long epochNanos(long nanoTime) {
        Anchor a = anchor;
        if (nanoTime - a.nanoTime > 60_000_000_000L) anchor = a = Anchor.now(); // a benign race: any fresh anchor will do
        return a.epochNanos + (nanoTime - a.nanoTime);
    }

    private record Anchor(long epochNanos, long nanoTime) {
        static Anchor now() {
            Instant i = Instant.now();
            return new Anchor(i.getEpochSecond() * 1_000_000_000L + i.getNano(), System.nanoTime());
        }
    }

    public long exportedSpans() { return exported.sum(); }

    public long droppedSpans() { return dropped.sum(); }

    public long failedSpans() { return failed.sum(); }

    /** Writes the span counters; register with {@code ProxyServer.stats().register(tracer::prometheus)}. */
    public void prometheus(StringBuilder b) {
        b.append("# HELP ficus_tracing_spans_total Finished spans by fate: exported, failed (the collector refused or was away), dropped (the export queue was full).\n")
                .append("# TYPE ficus_tracing_spans_total counter\n")
                .append("ficus_tracing_spans_total{result=\"exported\"} ").append(exported.sum()).append('\n')
                .append("ficus_tracing_spans_total{result=\"failed\"} ").append(failed.sum()).append('\n')
                .append("ficus_tracing_spans_total{result=\"dropped\"} ").append(dropped.sum()).append('\n');
    }

    /** Exports what is queued now; waits up to {@code timeoutMillis}. */
    public boolean flush(long timeoutMillis) {
        return processor.forceFlush().join(timeoutMillis, TimeUnit.MILLISECONDS).isSuccess();
    }

    /** Exports what is queued (up to the export timeout), then stops the processor's thread. */
    @Override
    public void close() {
        processor.shutdown().join(config.exportTimeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
    }

    /** Counts what the processor hands over, so that {@link #pending} stays within the processor's queue. */
    private final class Counting implements SpanExporter {
        private final SpanExporter delegate;

        Counting(SpanExporter delegate) { this.delegate = delegate; }

        @Override
        public CompletableResultCode export(Collection<SpanData> spans) {
            int n = spans.size();
            pending.addAndGet(-n);
            CompletableResultCode r = delegate.export(spans);
            r.whenComplete(() -> (r.isSuccess() ? exported : failed).add(n));
            return r;
        }

        @Override
        public CompletableResultCode flush() { return delegate.flush(); }

        @Override
        public CompletableResultCode shutdown() { return delegate.shutdown(); }
    }
}
