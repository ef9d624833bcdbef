package dev.ficus.proxy.telemetry.accesslog;

import dev.ficus.api.cel.CelFilter;
import dev.ficus.api.cel.CelParseException;
import dev.ficus.proxy.telemetry.ExchangeObserver;
import dev.ficus.xds.snapshot.ListenerConfig;
import dev.ficus.xds.snapshot.ListenerKind;
import dev.ficus.xds.snapshot.TelemetryPolicy;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * The access log of a proxy: registered with {@code ProxyServer.builder().observer(...)}, it makes
 * a {@link ListenerAccessLog} for every listener whose Telemetry policy (or, when the policy says
 * nothing, the proxy's {@link AccessLogConfig#logByDefault}) turns logging on, and owns the one
 * writer they share. The writer thread starts with the first listener that logs, so a proxy that
 * logs nothing runs no thread. Its counters join the admin port's {@code /stats/prometheus}
 * through {@link #prometheus}.
 */
public final class AccessLogger implements ExchangeObserver.Factory, AutoCloseable {
    private final AccessLogConfig config;
    private final OutputStream out;
    private final String destination;
    private AccessLogWriter writer; // guarded by this; started on first use
    private boolean closed;

    private AccessLogger(AccessLogConfig config, OutputStream out, String destination) {
        this.config = config;
        this.out = out;
        this.destination = destination;
    }

    /** Opens {@code config}'s file for appending (now, so that a bad path fails at startup), or stdout. */
    public static AccessLogger open(AccessLogConfig config) throws IOException {
        if (config.file() == null) return new AccessLogger(config, System.out, "stdout");
        return new AccessLogger(config, new FileOutputStream(config.file().toFile(), true), config.file().toString());
    }

    /** Writes to {@code out} (tests: a slow or failing destination). */
    public static AccessLogger to(OutputStream out, AccessLogConfig config) {
        return new AccessLogger(config, out, "the test stream");
    }

    public AccessLogConfig config() { return config; }

    /**
     * The observer of {@code l}, or null when it does not log. Off the event loop, once per
     * listener per snapshot. A filter the proxy cannot evaluate (validation refuses it, so only a
     * control plane of another version sends one) fails the snapshot, which is then refused.
     */
    @Override
    public ExchangeObserver forListener(ListenerConfig l) {
        TelemetryPolicy.AccessLog policy = l.telemetry().accessLog();
        if (!policy.enabled(config.logByDefault())) return null;
        CelFilter filter = null;
        if (policy.filter() != null) {
            try {
                filter = CelFilter.compile(policy.filter());
            } catch (CelParseException e) {
                throw new IllegalArgumentException("listener " + l.name() + ": access-log filter '" + policy.filter()
                        + "' cannot be evaluated: " + e.getMessage(), e);
            }
        }
        return new ListenerAccessLog(writer(), filter, config.samplePercent(), l.kind() == ListenerKind.INBOUND);
    }

    private synchronized AccessLogWriter writer() {
        if (closed) throw new IllegalStateException("access log closed");
        if (writer == null) writer = new AccessLogWriter(out, destination, config.capacity());
        return writer;
    }

    /** Lines written so far. */
    public synchronized long written() { return writer == null ? 0 : writer.written(); }

    /** Lines dropped because the writer was behind. */
    public synchronized long dropped() { return writer == null ? 0 : writer.dropped(); }

    /** Lines lost to failed writes. */
    public synchronized long failed() { return writer == null ? 0 : writer.failed(); }

    /** The access log's counters in the Prometheus text format, for the admin port. */
    public void prometheus(StringBuilder b) {
        long w, d, f;
        synchronized (this) {
            w = written();
            d = dropped();
            f = failed();
        }
        b.append("# HELP ficus_access_log_lines_total Access log lines: written, dropped (the writer was behind; the request was not slowed), failed (the write failed).\n")
                .append("# TYPE ficus_access_log_lines_total counter\n")
                .append("ficus_access_log_lines_total{result=\"written\"} ").append(w).append('\n')
                .append("ficus_access_log_lines_total{result=\"dropped\"} ").append(d).append('\n')
                .append("ficus_access_log_lines_total{result=\"failed\"} ").append(f).append('\n');
    }

    /** Writes the queued lines and closes the destination (not stdout). Listeners must be stopped first. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        if (writer != null) {
            writer.close();
        } else if (out != System.out) {
            try {
                out.close();
            } catch (IOException e) {
                System.err.println("access log: closing " + destination + ": " + e.getMessage());
            }
        }
    }
}
