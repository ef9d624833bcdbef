package dev.ficus.control.graph;

import java.util.Arrays;

/**
 * The counters of one {@link EdgeKey} at one scrape, summed over its series (every status code,
 * flag and security value): immutable, and shared between samples while an edge is idle.
 *
 * @param requests         requests (HTTP, gRPC)
 * @param serverErrors     of them, answered 5xx (gRPC: or with a grpc-status other than OK)
 * @param flagged          of them, with an Envoy response flag (the proxy shaped the outcome)
 * @param mtls             requests (or TCP connections) over mutual TLS, as the destination saw them
 * @param plaintext        requests (or TCP connections) without TLS ({@code connection_security_policy="none"})
 * @param durationBuckets  cumulative counts of the request-duration histogram, aligned with the
 *                         sample's bucket bounds (the last one +Inf); empty when none was exported
 * @param tcpOpened        TCP connections opened
 * @param tcpSent          bytes sent to the downstream peer on TCP connections
 * @param tcpReceived      bytes received from it
 * @param unanswered       source reporter only: of the requests, those its proxy answered itself
 *                         because they never reached the destination's proxy (flags
 *                         {@link #UNANSWERED_FLAGS}); the destination does not count them
 * @param unansweredErrors of those, the ones answered 5xx
 */
public record EdgeCounters(long requests, long serverErrors, long flagged, long mtls, long plaintext, long[] durationBuckets,
                           long tcpOpened, long tcpSent, long tcpReceived, long unanswered, long unansweredErrors) {
    static final EdgeCounters ZERO = new EdgeCounters(0, 0, 0, 0, 0, new long[0], 0, 0, 0);

    /**
     * Envoy response flags with which a caller's proxy answers a request that never reached the
     * destination's proxy: no healthy host, connect failure, the connection ended (a STRICT port
     * refusing a plaintext caller), circuit-breaker overflow, no route, an injected abort, rate
     * limited, external authorization denied.
     */
    static final java.util.Set<String> UNANSWERED_FLAGS = java.util.Set.of("UH", "UF", "UC", "UO", "NR", "FI", "RL", "UAEX");

    public EdgeCounters {
        durationBuckets = durationBuckets.clone();
    }

    public EdgeCounters(long requests, long serverErrors, long flagged, long mtls, long plaintext, long[] durationBuckets,
                        long tcpOpened, long tcpSent, long tcpReceived) {
        this(requests, serverErrors, flagged, mtls, plaintext, durationBuckets, tcpOpened, tcpSent, tcpReceived, 0, 0);
    }

    @Override
    public long[] durationBuckets() { return durationBuckets.clone(); }

    long bucket(int i) { return durationBuckets[i]; }

    int buckets() { return durationBuckets.length; }

    /** Whether anything happened: an edge idle over a window is left out of the graph. */
    boolean isZero() {
        if ((requests | serverErrors | flagged | mtls | plaintext | tcpOpened | tcpSent | tcpReceived | unanswered | unansweredErrors) != 0) return false;
        for (long b : durationBuckets) if (b != 0) return false;
        return true;
    }

    /**
     * What happened since {@code base} (an earlier scrape of the same proxy; null: the edge did not
     * exist then, so it started from zero). A counter that went down means the proxy's counters
     * were reset (a restart under the same id): as Prometheus does, the whole current value is
     * taken as the increase.
     */
    EdgeCounters since(EdgeCounters base) {
        if (base == null) return this;
        if (base.durationBuckets.length != durationBuckets.length || decreasedFrom(base)) return this;
        long[] b = new long[durationBuckets.length];
        for (int i = 0; i < b.length; i++) b[i] = durationBuckets[i] - base.durationBuckets[i];
        return new EdgeCounters(requests - base.requests, serverErrors - base.serverErrors, flagged - base.flagged,
                mtls - base.mtls, plaintext - base.plaintext, b,
                tcpOpened - base.tcpOpened, tcpSent - base.tcpSent, tcpReceived - base.tcpReceived,
                unanswered - base.unanswered, unansweredErrors - base.unansweredErrors);
    }

    private boolean decreasedFrom(EdgeCounters base) {
        if (requests < base.requests || serverErrors < base.serverErrors || flagged < base.flagged || mtls < base.mtls
                || plaintext < base.plaintext || tcpOpened < base.tcpOpened || tcpSent < base.tcpSent || tcpReceived < base.tcpReceived
                || unanswered < base.unanswered || unansweredErrors < base.unansweredErrors) {
            return true;
        }
        for (int i = 0; i < durationBuckets.length; i++) if (durationBuckets[i] < base.durationBuckets[i]) return true;
        return false;
    }

    /** The sum of two edges' counters; their histograms must have the same buckets (or one none). */
    EdgeCounters plus(EdgeCounters o) {
        long[] b;
        if (o.durationBuckets.length == 0) b = durationBuckets;
        else if (durationBuckets.length == 0) b = o.durationBuckets;
        else {
            if (o.durationBuckets.length != durationBuckets.length) throw new IllegalArgumentException("histograms with different buckets");
            b = new long[durationBuckets.length];
            for (int i = 0; i < b.length; i++) b[i] = durationBuckets[i] + o.durationBuckets[i];
        }
        return new EdgeCounters(requests + o.requests, serverErrors + o.serverErrors, flagged + o.flagged, mtls + o.mtls,
                plaintext + o.plaintext, b, tcpOpened + o.tcpOpened, tcpSent + o.tcpSent, tcpReceived + o.tcpReceived,
                unanswered + o.unanswered, unansweredErrors + o.unansweredErrors);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EdgeCounters c && requests == c.requests && serverErrors == c.serverErrors && flagged == c.flagged
                && mtls == c.mtls && plaintext == c.plaintext && tcpOpened == c.tcpOpened && tcpSent == c.tcpSent
                && tcpReceived == c.tcpReceived && unanswered == c.unanswered && unansweredErrors == c.unansweredErrors && Arrays.equals(durationBuckets, c.durationBuckets);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(requests, serverErrors, flagged, mtls, plaintext, tcpOpened, tcpSent, tcpReceived, unanswered, unansweredErrors) * 31
                + Arrays.hashCode(durationBuckets);
    }

    @Override
    public String toString() {
        return "EdgeCounters[requests=" + requests + ", 5xx=" + serverErrors + ", flagged=" + flagged + ", mtls=" + mtls
                + ", plaintext=" + plaintext + ", buckets=" + Arrays.toString(durationBuckets) + ", tcp=" + tcpOpened + "/"
                + tcpSent + "/" + tcpReceived + (unanswered == 0 ? "" : ", unanswered=" + unanswered + "/" + unansweredErrors) + "]";
    }
}
