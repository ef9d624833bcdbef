package dev.ficus.proxy.router;

import dev.ficus.proxy.cluster.ClusterRuntime;
import dev.ficus.proxy.parallelrun.AnswerCapture;
import dev.ficus.proxy.parallelrun.ParallelRunState;
import dev.ficus.proxy.parallelrun.ParallelRuns;
import dev.ficus.proxy.pool.LoopPools;
import dev.ficus.proxy.route.RuntimeSnapshot;
import dev.ficus.xds.snapshot.RouteParallelRun;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One sampled request of a parallel run, on the event loop of its exchange: gathers stable's
 * answer (fed by the router as it streams to the client, never holding it back), sends copies to
 * the candidate and the secondary once the request is complete, gathers their answers, and when
 * all are in (or the route's timeout passed) hands the comparison to the run's comparer thread.
 * What it keeps is bounded by the run's body limit and reserved from the proxy's budget up front;
 * it holds no buffer of the exchange. Only called on the event loop.
 */
final class ParallelRunExchange implements Runnable {
    private final ParallelRunState state;
    private final RouteParallelRun run;
    private final String method;
    private final String path;
    private final long reservedBytes;
    private final AnswerCapture stable;
    private AnswerCapture candidate;
    private AnswerCapture secondary;
    private boolean stableDone, candidateDone, secondaryDone; // a whole answer came
    private boolean candidateTimedOut;
    private int pending = 1; // answers awaited: stable's, then the copies' once sent
    private boolean started;
    private ScheduledFuture<?> timer;
    private boolean done;

    private ParallelRunExchange(ParallelRunState state, RouteParallelRun run, HttpRequest req, long reservedBytes) {
        this.state = state;
        this.run = run;
        this.method = req.method().name();
        String uri = req.uri();
        int q = uri.indexOf('?');
        this.path = q < 0 ? uri : uri.substring(0, q); // the query may carry what a sample should not show
        this.reservedBytes = reservedBytes;
        this.stable = new AnswerCapture(run.compareHeaders(), run.maxBodyBytes());
    }

    /**
     * Takes part in a run with a request whose head just arrived: reserves room for its answers.
     * Null when the proxy's budget for parallel runs is spent (the skip is counted).
     */
    static ParallelRunExchange begin(ParallelRunState state, RouteParallelRun run, HttpRequest req) {
        long bytes = (long) run.maxBodyBytes() * (run.secondaryCluster() == null ? 2 : 3);
        if (!state.runs().reserve(bytes)) {
            state.skip(ParallelRunState.Skip.OVERLOADED);
            return null;
        }
        return new ParallelRunExchange(state, run, req, bytes);
    }

    /** The largest request body copied. */
    int maxRequestBytes() { return run.maxBodyBytes(); }

    /**
     * The request is complete: sends the copies. Their answers are awaited at most
     * {@code timeoutNanos} (the route's timeout) from now.
     *
     * @param body the request body kept by the router, or null; each copy takes a retained duplicate
     */
    void start(LoopPools pools, RuntimeSnapshot snap, HttpRequest head, ByteBuf body, long timeoutNanos, EventExecutor loop) {
        if (done) return;
        started = true;
        ClusterRuntime c = snap.cluster(run.candidateCluster());
        ClusterRuntime s = run.secondaryCluster() == null ? null : snap.cluster(run.secondaryCluster());
        candidate = new AnswerCapture(run.compareHeaders(), run.maxBodyBytes());
        pending++;
        if (s != null) {
            secondary = new AnswerCapture(run.compareHeaders(), run.maxBodyBytes());
            pending++;
        }
        if (c == null) candidateSink.failed(false); // the snapshot checked the name; a run racing a swap
        else MirrorExchange.copy(pools, c, head, duplicate(body), timeoutNanos, run.id(), candidateSink);
        if (s != null) MirrorExchange.copy(pools, s, head, duplicate(body), timeoutNanos, run.id(), secondarySink);
        if (!done && timeoutNanos > 0) timer = loop.schedule(this, timeoutNanos, TimeUnit.NANOSECONDS);
    }

    private static ByteBuf duplicate(ByteBuf body) {
        return body != null && body.isReadable() ? body.retainedDuplicate() : null;
    }

    /** Gives up before sending the copies (the request body was too large to copy). */
    void abandon(ParallelRunState.Skip reason) {
        if (done) return;
        done = true;
        state.skip(reason);
        state.runs().release(reservedBytes);
    }

    // ---- stable, fed by the router

    /** Stable's response head, before it is edited for the client. */
    void stableHead(HttpResponse r) {
        if (!done) stable.head(r);
    }

    /** Stable's body bytes, before they are written to the client; not retained. */
    void stableContent(ByteBuf b) {
        if (!done) stable.content(b);
    }

    /** Stable's answer ended. */
    void stableEnd() {
        if (done) return;
        stableDone = stable.answered();
        answered();
    }

    /** The user's exchange ended without a whole answer from stable. */
    void stableFailed() {
        if (done) return;
        if (!started) {
            abandon(ParallelRunState.Skip.STABLE_ERROR);
            return;
        }
        finish(false); // stable is not done: counted as its failure
    }

    // ---- the copies

    private final MirrorExchange.Sink candidateSink = new MirrorExchange.Sink() {
        @Override public void head(HttpResponse r) { if (!done) candidate.head(r); }
        @Override public void content(ByteBuf b) { if (!done) candidate.content(b); }
        @Override public void end() {
            if (done) return;
            candidateDone = true;
            answered();
        }
        @Override public void failed(boolean timedOut) {
            if (done) return;
            candidateTimedOut = timedOut;
            answered();
        }
    };

    private final MirrorExchange.Sink secondarySink = new MirrorExchange.Sink() {
        @Override public void head(HttpResponse r) { if (!done) secondary.head(r); }
        @Override public void content(ByteBuf b) { if (!done) secondary.content(b); }
        @Override public void end() {
            if (done) return;
            secondaryDone = true;
            answered();
        }
        @Override public void failed(boolean timedOut) {
            if (!done) answered(); // compared without the secondary: only noise learned before applies
        }
    };

    private void answered() {
        if (--pending == 0 && started) finish(false);
    }

    /** The route's timeout passed with answers missing. */
    @Override
    public void run() {
        timer = null;
        finish(true);
    }

    private void finish(boolean timedOut) {
        if (done) return;
        done = true;
        if (timer != null) timer.cancel(false);
        ParallelRuns runs = state.runs();
        ParallelRunState.Skip skip = null;
        if (!stableDone) skip = timedOut ? ParallelRunState.Skip.TIMEOUT : ParallelRunState.Skip.STABLE_ERROR;
        else if (!candidateDone) skip = timedOut || candidateTimedOut ? ParallelRunState.Skip.TIMEOUT : ParallelRunState.Skip.CANDIDATE_ERROR;
        if (skip != null) {
            state.skip(skip);
            runs.release(reservedBytes);
            return;
        }
        // handed over: nothing on this loop touches the captures any more (done is set)
        AnswerCapture s = stable, c = candidate, sec = secondaryDone ? secondary : null;
        ParallelRunState st = state;
        RouteParallelRun r = run;
        String m = method, p = path;
        long bytes = reservedBytes;
        boolean queued = runs.submit(() -> {
            try {
                st.compare(r, m, p, s.answer(), c.answer(), sec == null ? null : sec.answer());
            } finally {
                runs.release(bytes);
            }
        });
        if (!queued) {
            state.skip(ParallelRunState.Skip.OVERLOADED);
            runs.release(reservedBytes);
        }
    }
}
