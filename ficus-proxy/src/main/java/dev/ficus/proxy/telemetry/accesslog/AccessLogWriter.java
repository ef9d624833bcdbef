package dev.ficus.proxy.telemetry.accesslog;

import dev.ficus.proxy.telemetry.Exchange;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * The proxy's one access-log writer: event loops {@link #offer} exchanges, a daemon thread formats
 * them into a buffer and writes it to the destination when the buffer fills, when no line is
 * waiting, and at least every {@link #MAX_DELAY_NANOS}. When the ring is full (the destination
 * is slower than the traffic) a line is dropped and counted; the request never waits.
 *
 * <p>The writer sleeps when idle; a producer wakes it only if it announced that it sleeps, so a
 * busy proxy makes no wake-up call per line. Both sides use volatile accesses (the ring's
 * publish, {@code sleeping}) so that one of them always sees the other; the timed park bounds
 * the delay should that reasoning ever be wrong.
 */
final class AccessLogWriter implements AutoCloseable {
    /** A line waits at most this long in the buffer while the writer is busy. */
    static final long MAX_DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
    private static final int FLUSH_AT = 64 * 1024;

    private final EntryRing ring;
    private final OutputStream out;
    private final String destination;
    private final Thread thread;
    private final AtomicBoolean sleeping = new AtomicBoolean();
    private final LongAdder dropped = new LongAdder();
    private volatile long written, failed; // the writer thread's only
    private volatile boolean closing;
    private long lastFailureReport;

    /**
     * Starts the writer thread.
     *
     * @param out         where lines go; closed by {@link #close} unless it is {@code System.out}
     * @param destination how error messages name it ({@code stdout}, a path)
     * @param capacity    lines the ring holds while the writer is busy (a power of two)
     */
    AccessLogWriter(OutputStream out, String destination, int capacity) {
        this.ring = new EntryRing(capacity);
        this.out = out;
        this.destination = destination;
        this.thread = Thread.ofPlatform().daemon().name("ficus-access-log").unstarted(this::run);
        thread.start();
    }

    /** Event loop: queues one line for {@code ex}; false (and counted) when the writer is behind. */
    boolean offer(Exchange ex, boolean inbound) {
        long pos = ring.claim();
        if (pos < 0) {
            dropped.increment();
            return false;
        }
        ring.slot(pos).copyFrom(ex, inbound);
        ring.publish(pos);
        if (sleeping.get() && sleeping.compareAndSet(true, false)) LockSupport.unpark(thread);
        return true;
    }

    long written() { return written; }

    long dropped() { return dropped.sum(); }

    /** Lines lost because writing them failed (a full disk, a closed pipe). */
    long failed() { return failed; }

    private void run() {
        AccessLogFormat.Bytes buf = new AccessLogFormat.Bytes(FLUSH_AT + 4096);
        int lines = 0;
        long oldest = 0;
        while (true) {
            AccessLogEntry e = ring.peek();
            if (e != null) {
                if (lines == 0) oldest = System.nanoTime();
                AccessLogFormat.append(e, buf);
                e.clear();
                ring.release();
                lines++;
                if (buf.length() >= FLUSH_AT || (lines & 63) == 0 && System.nanoTime() - oldest > MAX_DELAY_NANOS) {
                    write(buf, lines);
                    lines = 0;
                }
                continue;
            }
            if (lines > 0) {
                write(buf, lines);
                lines = 0;
            }
            if (closing) return; // only here: the ring is empty
            sleeping.set(true);
            if (ring.peek() == null && !closing) LockSupport.parkNanos(this, MAX_DELAY_NANOS);
            sleeping.set(false);
        }
    }

    private void write(AccessLogFormat.Bytes buf, int lines) {
        try {
            out.write(buf.array(), 0, buf.length());
            out.flush();
            // a PrintStream (stdout) keeps its errors to itself: ask it
            if (out instanceof PrintStream p && p.checkError()) throw new IOException("the stream reports an error (closed?)");
            written += lines;
        } catch (IOException | RuntimeException ex) {
            failed += lines;
            long now = System.nanoTime();
            if (lastFailureReport == 0 || now - lastFailureReport > TimeUnit.MINUTES.toNanos(1)) {
                lastFailureReport = now;
                System.err.println("access log: cannot write to " + destination + " (" + ex.getMessage() + "); " + lines + " lines lost"
                        + " (counted in ficus_access_log_lines_total{result=\"failed\"})");
            }
        }
        buf.reset();
    }

    /** Writes what is queued, stops the thread and closes the destination (not stdout). */
    @Override
    public void close() {
        closing = true;
        LockSupport.unpark(thread);
        try {
            thread.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (out != System.out) {
            try {
                out.close();
            } catch (IOException e) {
                System.err.println("access log: closing " + destination + ": " + e.getMessage());
            }
        }
    }
}
