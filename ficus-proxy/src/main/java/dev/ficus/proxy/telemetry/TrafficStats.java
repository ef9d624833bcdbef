package dev.ficus.proxy.telemetry;

import dev.ficus.proxy.http.ResponseFlag;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters for one listener or one cluster. Every event loop updates them without locks
 * (LongAdder); the admin thread sums them when scraped. Kept across snapshot swaps by name.
 */
public final class TrafficStats {
    private final String name;
    private final LongAdder requests = new LongAdder();
    private final LongAdder connectionsActive = new LongAdder();
    private final LongAdder connectionsTotal = new LongAdder();
    private final LongAdder[] byClass = new LongAdder[6]; // index = status / 100; 0 = no response
    private final LongAdder[] byFlag = new LongAdder[ResponseFlag.values().length];
    // listeners with AuthorizationPolicies: decisions of the authz stage
    private final LongAdder authzAllowed = new LongAdder();
    private final LongAdder authzDenied = new LongAdder();
    private final LongAdder authzAudited = new LongAdder();
    // listeners that terminate TLS of their own (Gateway HTTPS): handshakes by result
    private final LongAdder tlsAccepted = new LongAdder();
    private final LongAdder tlsFailed = new LongAdder();
    private final LongAdder tlsRefused = new LongAdder();
    // clusters only: outlier ejections, changed on the detector thread
    private final java.util.concurrent.atomic.AtomicInteger ejectionsActive = new java.util.concurrent.atomic.AtomicInteger();
    private final LongAdder ejectionsTotal = new LongAdder();
    private final LongAdder mirrorsSkipped = new LongAdder();
    private final LongAdder retries = new LongAdder();
    /** Clusters only: what the circuit breakers hold now (connections, pending, requests, retries), read when scraped. */
    private volatile java.util.function.IntSupplier[] breakers;

    public TrafficStats(String name) {
        this.name = name;
        for (int i = 0; i < byClass.length; i++) byClass[i] = new LongAdder();
        for (int i = 0; i < byFlag.length; i++) byFlag[i] = new LongAdder();
    }

    public String name() { return name; }

    public void request() { requests.increment(); }

    /** Records one finished exchange; {@code status} 0 means no response was sent, {@code flag} may be null. */
    public void response(int status, ResponseFlag flag) {
        int c = status / 100;
        byClass[c >= 1 && c <= 5 ? c : 0].increment();
        if (flag != null) byFlag[flag.ordinal()].increment();
    }

    /** Records one finished exchange with two flags (e.g. UT and URX when the retries ran out); either may be null. */
    public void response(int status, ResponseFlag flag, ResponseFlag also) {
        response(status, flag);
        if (also != null && also != flag) byFlag[also.ordinal()].increment();
    }

    /** Counts one decision of the listener's AuthorizationPolicies; {@code audited}: an AUDIT policy matched. */
    public void authz(boolean allowed, boolean audited) {
        (allowed ? authzAllowed : authzDenied).increment();
        if (audited) authzAudited.increment();
    }

    public long authzAllowed() { return authzAllowed.sum(); }

    /** A TLS handshake of the listener's own servers: accepted, failed (bad hello, unknown CA, no certificate), or refused (a client certificate the settings reject). */
    public void tlsHandshake(boolean done, boolean refused) {
        if (refused) tlsRefused.increment();
        else if (done) tlsAccepted.increment();
        else tlsFailed.increment();
    }

    /** Handshakes by result: accepted, failed, refused. */
    public long[] tlsHandshakes() { return new long[]{tlsAccepted.sum(), tlsFailed.sum(), tlsRefused.sum()}; }

    public long authzDenied() { return authzDenied.sum(); }

    public long authzAudited() { return authzAudited.sum(); }

    public void connectionOpened() { connectionsActive.increment(); connectionsTotal.increment(); }

    public void connectionClosed() { connectionsActive.decrement(); }

    /** An endpoint of this cluster was ejected by outlier detection. */
    public void ejected() { ejectionsActive.incrementAndGet(); ejectionsTotal.increment(); }

    /** An ejected endpoint returned (or left the cluster). */
    public void unEjected() { ejectionsActive.decrementAndGet(); }

    public long ejectionsActive() { return ejectionsActive.get(); }

    public long ejectionsTotal() { return ejectionsTotal.sum(); }

    /** Counts a mirror copy not sent to this cluster: the request's body was larger than the proxy keeps for a copy. */
    public void mirrorSkipped() { mirrorsSkipped.increment(); }

    public long mirrorsSkipped() { return mirrorsSkipped.sum(); }

    /** Counts a retry attempt sent to this cluster (Envoy's upstream_rq_retry). */
    public void retried() { retries.increment(); }

    public long retries() { return retries.sum(); }

    /** Lets a scrape read the cluster's circuit-breaker counts; set once by the cluster manager. */
    public void breakers(java.util.function.IntSupplier connections, java.util.function.IntSupplier pending,
                         java.util.function.IntSupplier requests, java.util.function.IntSupplier retries) {
        this.breakers = new java.util.function.IntSupplier[] {connections, pending, requests, retries};
    }

    /** Circuit-breaker counts in the order of {@link #breakers}, or null when not a cluster. */
    public int[] breakerCounts() {
        java.util.function.IntSupplier[] b = breakers;
        if (b == null) return null;
        int[] out = new int[b.length];
        for (int i = 0; i < b.length; i++) out[i] = b[i].getAsInt();
        return out;
    }

    public long requests() { return requests.sum(); }

    /** Responses of class {@code c}xx (1..5), or without a response (0). */
    public long responses(int c) { return byClass[c].sum(); }

    public long responses(ResponseFlag flag) { return byFlag[flag.ordinal()].sum(); }

    public long connectionsActive() { return connectionsActive.sum(); }

    public long connectionsTotal() { return connectionsTotal.sum(); }
}
