package dev.ficus.proxy.cluster;

import dev.ficus.proxy.lb.EndpointRef;
import dev.ficus.proxy.lb.OutlierSink;
import dev.ficus.xds.snapshot.OutlierDetectionConfig;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Outlier detection of one cluster, the counting half: event loops report each outcome here and
 * bump the endpoint's consecutive-failure counters with atomics; the one report that reaches a
 * threshold hands the endpoint to the detector thread, where {@link ClusterManager} decides on
 * the ejection (maximum percent, panic) and publishes a new picker. Un-ejection is a timer on the
 * same thread. As Envoy counts them: any 5xx for {@code consecutive5xxErrors}; 502, 503 and 504
 * for {@code consecutiveGatewayErrors}; connect failures, resets and timeouts count as a 503
 * unless {@code splitExternalLocalOriginErrors}, then only for {@code consecutiveLocalOriginFailures}.
 */
final class OutlierDetector implements OutlierSink {
    /**
     * The one thread every proxy in this JVM makes ejection decisions on: they are rare, cheap
     * and must be serial per cluster. A daemon, so that it never holds the process up.
     */
    static final ScheduledExecutorService THREAD = newThread();

    interface Decider {
        void thresholdReached(EndpointRef endpoint);
    }

    private volatile OutlierDetectionConfig config;
    private final Decider decider;

    OutlierDetector(OutlierDetectionConfig config, Decider decider) {
        this.config = config;
        this.decider = decider;
    }

    OutlierDetectionConfig config() { return config; }

    void config(OutlierDetectionConfig c) { config = c; }

    @Override
    public void onStatus(EndpointRef ep, int status) {
        OutlierDetectionConfig c = config;
        if (c.splitExternalLocalOriginErrors()) clear(ep.consecutiveLocal());
        if (status < 500) {
            clear(ep.consecutive5xx());
            clear(ep.consecutiveGateway());
            return;
        }
        boolean trip = c.consecutive5xxErrors() > 0 && ep.consecutive5xx().incrementAndGet() == c.consecutive5xxErrors();
        if (status == 502 || status == 503 || status == 504) {
            trip |= c.consecutiveGatewayErrors() > 0 && ep.consecutiveGateway().incrementAndGet() == c.consecutiveGatewayErrors();
        } else {
            clear(ep.consecutiveGateway());
        }
        if (trip) hand(ep);
    }

    @Override
    public void onLocalOriginFailure(EndpointRef ep) {
        OutlierDetectionConfig c = config;
        if (!c.splitExternalLocalOriginErrors()) {
            onStatus(ep, 503);
            return;
        }
        if (c.consecutiveLocalOriginFailures() > 0 && ep.consecutiveLocal().incrementAndGet() == c.consecutiveLocalOriginFailures()) hand(ep);
    }

    private void hand(EndpointRef ep) {
        // rare (once per streak): the executor's queue lock is taken here, never per request
        THREAD.execute(() -> decider.thresholdReached(ep));
    }

    /** A write only when needed, so that steady success does not bounce the counter's cache line between loops. */
    private static void clear(java.util.concurrent.atomic.AtomicInteger n) {
        if (n.get() != 0) n.set(0);
    }

    private static ScheduledExecutorService newThread() {
        ScheduledThreadPoolExecutor e = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "ficus-outlier");
            t.setDaemon(true);
            return t;
        });
        e.setRemoveOnCancelPolicy(true);
        return e;
    }

    static void schedule(Runnable r, long nanos) { THREAD.schedule(r, nanos, TimeUnit.NANOSECONDS); }
}
