package dev.ficus.proxy.telemetry.trace;

/**
 * The trace of the exchange in flight on one connection: the context the request came with and
 * the one this hop sends upstream. Kept on the connection's {@link dev.ficus.proxy.telemetry.Exchange}
 * and reset for each exchange, so that an unsampled request allocates no tracing object. Only
 * touched on that connection's event loop.
 */
final class ExchangeTrace {
    /** Formats of trace context the request carried; B3 ones are written back in kind. */
    static final int W3C = 1, B3_MULTI = 2, B3_SINGLE = 4;

    final TraceHeaders.Context in = new TraceHeaders.Context();
    /** The tracer that began this exchange and its start, so that a stale state is never ended twice. */
    ListenerTracer owner;
    long start;
    boolean ended;
    int formats;
    long traceHigh, traceLow;
    /** The caller's span (0: this hop starts the trace) and this hop's span. */
    long parentSpanId, spanId;
    boolean sampled, debug;
    /** The sampling decision was made here (a new trace, or a B3 context that left it to the receiver): tell upstream. */
    boolean decidedHere;
    /** The W3C form of the trace id, also on the exchange for the access log. */
    String traceId;

    void begin(ListenerTracer owner, long start) {
        this.owner = owner;
        this.start = start;
        ended = false;
        formats = 0;
        in.clear();
        traceHigh = traceLow = parentSpanId = spanId = 0;
        sampled = debug = decidedHere = false;
        traceId = null;
    }
}
