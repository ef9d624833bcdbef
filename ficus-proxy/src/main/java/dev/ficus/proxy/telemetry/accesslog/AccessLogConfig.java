package dev.ficus.proxy.telemetry.accesslog;

import java.nio.file.Path;

/**
 * How a proxy writes access logs ({@code ficus proxy --access-log}, {@code --access-log-sample}).
 *
 * @param file          the file lines are appended to; null: standard output
 * @param logByDefault  true: listeners that no Telemetry turns off log (Istio's {@code accessLogFile});
 *                      false: only listeners a Telemetry turns on
 * @param samplePercent share of the exchanges that pass the filter which are written, 0..100
 * @param capacity      lines queued while the writer is busy before lines are dropped (a power of two)
 */
public record AccessLogConfig(Path file, boolean logByDefault, double samplePercent, int capacity) {
    /** Lines queued by default: at about 600 bytes a line, 8192 lines hold 5 MB for a slow disk. */
    public static final int DEFAULT_CAPACITY = 8192;

    /** Nothing by default; stdout for the listeners a Telemetry turns on; every line; the default queue. */
    public static final AccessLogConfig TELEMETRY_ONLY = new AccessLogConfig(null, false, 100, DEFAULT_CAPACITY);

    public AccessLogConfig {
        if (!(samplePercent >= 0 && samplePercent <= 100)) throw new IllegalArgumentException("sample percent must be within 0..100: " + samplePercent);
        if (capacity < 2 || Integer.bitCount(capacity) != 1) throw new IllegalArgumentException("capacity must be a power of two >= 2: " + capacity);
    }

    /** {@code --access-log DEST}: {@code -} for standard output, else a file path. */
    public static AccessLogConfig logAll(String destination, double samplePercent) {
        return new AccessLogConfig(destination.equals("-") ? null : Path.of(destination), true, samplePercent, DEFAULT_CAPACITY);
    }

    public AccessLogConfig withCapacity(int c) { return new AccessLogConfig(file, logByDefault, samplePercent, c); }

    public AccessLogConfig withSamplePercent(double p) { return new AccessLogConfig(file, logByDefault, p, capacity); }
}
