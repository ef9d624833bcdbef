package dev.ficus.proxy.http;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.AbstractScheduledEventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import io.netty.util.concurrent.Ticker;
import java.util.concurrent.TimeUnit;

/**
 * A re-armable timeout owned by one event loop. Arming only stores a deadline; one timer task is
 * scheduled per period and re-schedules itself while the deadline keeps moving, so a keep-alive
 * connection serving many short requests does not schedule and cancel a task per request.
 * Not thread-safe: every method runs on {@code loop}.
 */
public final class Deadline implements Runnable {
    private final EventLoop loop;
    private final Runnable onExpiry;
    private final Ticker ticker;
    private boolean armed;
    private long deadline;
    private ScheduledFuture<?> task;
    private long taskAt;

    public Deadline(EventLoop loop, Runnable onExpiry) {
        this.loop = loop;
        this.onExpiry = onExpiry;
        // the loop's own clock, so that tests driving a loop with fake time see deadlines expire
        this.ticker = loop instanceof AbstractScheduledEventExecutor s ? s.ticker() : Ticker.systemTicker();
    }

    public void arm(long timeoutNanos) {
        armed = true;
        deadline = ticker.nanoTime() + timeoutNanos;
        if (task != null && taskAt - deadline > 0) {
            task.cancel(false);
            task = null;
        }
        if (task == null) schedule(timeoutNanos);
    }

    public void disarm() { armed = false; }

    public boolean armed() { return armed; }

    /** Disarms and drops the timer task; call when the connection closes. */
    public void cancel() {
        armed = false;
        if (task != null) {
            task.cancel(false);
            task = null;
        }
    }

    private void schedule(long delayNanos) {
        taskAt = ticker.nanoTime() + delayNanos;
        task = loop.schedule(this, delayNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void run() {
        task = null;
        if (!armed) return;
        long left = deadline - ticker.nanoTime();
        if (left > 0) {
            schedule(left);
            return;
        }
        armed = false;
        onExpiry.run();
    }
}
