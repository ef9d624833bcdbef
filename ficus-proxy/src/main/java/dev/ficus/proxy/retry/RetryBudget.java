package dev.ficus.proxy.retry;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Envoy's retry budget for one cluster: retries in flight may not exceed {@code max(3, 20% of
 * active requests)}, so that retries cannot multiply the load on a cluster that is already
 * failing. Lock-free; shared by every event loop routing to the cluster.
 */
public final class RetryBudget {
    /** Envoy's defaults: budget_percent 20, min_retry_concurrency 3. */
    static final int PERCENT = 20;
    static final int MIN_CONCURRENCY = 3;

    private final AtomicInteger active = new AtomicInteger();
    private final AtomicInteger retries = new AtomicInteger();

    public void requestStarted() { active.incrementAndGet(); }

    public void requestFinished() { active.decrementAndGet(); }

    /** Takes a slot for one retry, or returns false when the budget is spent. */
    public boolean tryAcquireRetry() {
        int limit = Math.max(MIN_CONCURRENCY, active.get() * PERCENT / 100);
        for (;;) {
            int r = retries.get();
            if (r >= limit) return false;
            if (retries.compareAndSet(r, r + 1)) return true;
        }
    }

    /** Returns a slot taken by {@link #tryAcquireRetry()} once that retry attempt ended. */
    public void retryFinished() { retries.decrementAndGet(); }

    public int activeRequests() { return active.get(); }

    public int retriesInFlight() { return retries.get(); }
}
