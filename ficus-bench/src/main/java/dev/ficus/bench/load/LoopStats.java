package dev.ficus.bench.load;

import org.HdrHistogram.Histogram;
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
    /**
     * Open loop, measured window: how late each request went out whose slot was free at its due
     * time (µs, 1 for on time). Nothing but the generator delays those: its timer, its thread
     * waiting for a CPU, its JVM's pauses. Sends delayed by a busy connection are {@link #late}.
     */
    final Histogram ownLateness = new Histogram(LOWEST_US, HIGHEST_US, DIGITS);
    /** Of those, the ones at least {@link LoadResult#OWN_LATE_NANOS} late. */
    long ownLate;
    /** The loop thread's run-queue wait (schedstat) when the schedule began; -1 when unknown. */
    long runDelayAtBegin = -1;
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

    /**
     * The calling thread's time runnable but waiting for a CPU (the second field of
     * {@code /proc/thread-self/schedstat}), ns; -1 without it (not Linux, no schedstats). Read on
     * the loop at the schedule's start and after its end: a file read, never on the request path.
     */
    static long threadRunDelayNanos() {
        try {
            String[] f = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/thread-self/schedstat"),
                    java.nio.charset.StandardCharsets.US_ASCII).trim().split(" ");
            return f.length >= 2 ? Long.parseLong(f[1]) : -1;
        } catch (java.io.IOException | RuntimeException e) {
            return -1;
        }
    }

    static long clampMicros(long nanos) {
        long us = nanos / 1_000;
        return us < LOWEST_US ? LOWEST_US : Math.min(us, HIGHEST_US);
    }
}
