package dev.ficus.bench.load;

import org.HdrHistogram.SingleWriterRecorder;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * What one event loop has measured. Only that loop's thread writes; the run's coordinating thread
 * reads the recorders and counters while the run goes on (for progress) and everything after the
 * loop has finished. The recorders are wait-free for their single writer, so the request path
 * never takes a lock.
 */
final class LoopStats {
    /** Latencies in microseconds, 1 µs .. 60 s, 3 significant digits. */
    static final long LOWEST_US = 1;
    static final long HIGHEST_US = 60_000_000;
    static final int DIGITS = 3;

    /** Response time minus intended send time (corrected for coordinated omission). */
    final SingleWriterRecorder latency = new SingleWriterRecorder(LOWEST_US, HIGHEST_US, DIGITS);
    /** Response time minus actual send time (what a tool that omits the correction reports). */
    final SingleWriterRecorder serviceTime = new SingleWriterRecorder(LOWEST_US, HIGHEST_US, DIGITS);

    // Single writer: lazySet publishes without a fence on the request path.
    final AtomicLong sent = new AtomicLong();
    /** Every complete response, warm-up included: the live rate. */
    final AtomicLong completed = new AtomicLong();
    /** Responses that arrived inside the measured window: the achieved rate. */
    final AtomicLong inWindow = new AtomicLong();
    /** Measured requests that went out after their intended time because the connection was busy. */
    final AtomicLong late = new AtomicLong();
    final AtomicLong connectionsOpened = new AtomicLong();
    final AtomicLongArray errors = new AtomicLongArray(ErrorKind.values().length);

    // Read only after the loop is done (a task on the loop publishes them).
    final long[] statusCodes = new long[600];
    final SizeStats responseSizes = new SizeStats();
    final SizeStats headerSizes = new SizeStats();

    static void increment(AtomicLong counter) {
        counter.lazySet(counter.get() + 1);
    }

    void error(ErrorKind kind) {
        int i = kind.ordinal();
        errors.lazySet(i, errors.get(i) + 1);
    }

    static long clampMicros(long nanos) {
        long us = nanos / 1_000;
        return us < LOWEST_US ? LOWEST_US : Math.min(us, HIGHEST_US);
    }
}
