package dev.ficus.proxy.telemetry.trace;

import io.netty.util.AsciiString;

/**
 * The trace-context headers a proxy reads and writes: W3C Trace Context ({@code traceparent}; a
 * {@code tracestate} travels untouched) and Zipkin's B3, as several {@code x-b3-*} headers or one
 * {@code b3}. Values come from untrusted clients: a malformed one is ignored (the parse returns
 * false and leaves its target as it was), never an exception. Parsing allocates nothing; each
 * written value is one {@link AsciiString} over its own bytes. Called on the event loop.
 */
public final class TraceHeaders {
    private TraceHeaders() {}

    public static final AsciiString TRACEPARENT = AsciiString.cached("traceparent");
    public static final AsciiString TRACESTATE = AsciiString.cached("tracestate");
    public static final AsciiString B3 = AsciiString.cached("b3");
    public static final AsciiString X_B3_TRACEID = AsciiString.cached("x-b3-traceid");
    public static final AsciiString X_B3_SPANID = AsciiString.cached("x-b3-spanid");
    public static final AsciiString X_B3_PARENTSPANID = AsciiString.cached("x-b3-parentspanid");
    public static final AsciiString X_B3_SAMPLED = AsciiString.cached("x-b3-sampled");
    public static final AsciiString X_B3_FLAGS = AsciiString.cached("x-b3-flags");
    static final AsciiString ONE = AsciiString.cached("1");
    static final AsciiString ZERO = AsciiString.cached("0");

    /** A sampling decision carried by a header: none (the receiver decides), no, yes. */
    public static final byte UNDECIDED = -1, NOT_SAMPLED = 0, SAMPLED = 1;

    /**
     * What a parse found. Reused by the caller (one per connection); a parse that fails leaves it
     * as it was, so a caller can try the next header with the same target.
     */
    public static final class Context {
        /** The 128-bit trace id; high is 0 for a 64-bit B3 trace id. */
        public long traceHigh, traceLow;
        /** The caller's span id: the parent of this hop's span. 0 when the header carried a decision only. */
        public long spanId;
        /** {@link #SAMPLED}, {@link #NOT_SAMPLED} or {@link #UNDECIDED}. */
        public byte sampling = UNDECIDED;
        /** B3's debug flag: sampled, whatever the rate. */
        public boolean debug;

        /** Whether a trace id and span id were found (else at most a sampling decision). */
        public boolean hasIds() { return spanId != 0; }

        public void clear() {
            traceHigh = traceLow = spanId = 0;
            sampling = UNDECIDED;
            debug = false;
        }
    }

    // ---- W3C Trace Context

    /**
     * Reads {@code version-traceid-parentid-flags} (version 00 is exactly 55 characters; a later
     * version may append fields after a '-'). Lower-case hex only; all-zero ids and version ff are
     * invalid, as the specification says.
     */
    public static boolean parseTraceparent(CharSequence v, Context into) {
        if (v == null) return false;
        int n = v.length();
        if (n < 55 || v.charAt(2) != '-' || v.charAt(35) != '-' || v.charAt(52) != '-') return false;
        if (!lowerHex(v, 0, 2) || !lowerHex(v, 3, 32) || !lowerHex(v, 36, 16) || !lowerHex(v, 53, 2)) return false;
        int version = (int) hex(v, 0, 2);
        if (version == 0xff) return false;
        if (version == 0 ? n != 55 : n > 55 && v.charAt(55) != '-') return false;
        long hi = hex(v, 3, 16), lo = hex(v, 19, 16), span = hex(v, 36, 16);
        if ((hi | lo) == 0 || span == 0) return false;
        into.traceHigh = hi;
        into.traceLow = lo;
        into.spanId = span;
        into.sampling = (hex(v, 53, 2) & 1) != 0 ? SAMPLED : NOT_SAMPLED;
        into.debug = false;
        return true;
    }

    /** {@code 00-<trace id>-<span id>-<01|00>}. */
    public static AsciiString traceparent(long traceHigh, long traceLow, long spanId, boolean sampled) {
        byte[] b = new byte[55];
        b[0] = '0';
        b[1] = '0';
        b[2] = '-';
        put(b, 3, traceHigh);
        put(b, 19, traceLow);
        b[35] = '-';
        put(b, 36, spanId);
        b[52] = '-';
        b[53] = '0';
        b[54] = (byte) (sampled ? '1' : '0');
        return new AsciiString(b, false);
    }

    // ---- B3

    /**
     * Reads the single {@code b3} header: {@code <trace id>-<span id>[-<0|1|d>[-<parent span id>]]}
     * or a decision alone ({@code 0}, {@code 1}, {@code d}). Trace ids of 16 or 32 hex digits.
     */
    public static boolean parseB3(CharSequence v, Context into) {
        if (v == null) return false;
        int n = v.length();
        if (n == 1) {
            byte s = sampling(v.charAt(0));
            if (s == UNDECIDED) return false;
            into.traceHigh = into.traceLow = into.spanId = 0;
            into.sampling = s;
            into.debug = v.charAt(0) == 'd';
            return true;
        }
        int dash = n > 16 && v.charAt(16) == '-' ? 16 : n > 32 && v.charAt(32) == '-' ? 32 : -1;
        if (dash < 0 || !anyHex(v, 0, dash)) return false;
        int spanAt = dash + 1;
        if (n < spanAt + 16 || !anyHex(v, spanAt, 16)) return false;
        int at = spanAt + 16;
        byte s = UNDECIDED;
        boolean debug = false;
        if (at < n) { // -<sampling>[-<parent>]
            if (v.charAt(at) != '-' || at + 2 > n) return false;
            char c = v.charAt(at + 1);
            s = sampling(c);
            if (s == UNDECIDED) return false;
            debug = c == 'd';
            at += 2;
            if (at < n && (v.charAt(at) != '-' || n != at + 17 || !anyHex(v, at + 1, 16) || hex(v, at + 1, 16) == 0)) return false;
        }
        long hi = dash == 32 ? hex(v, 0, 16) : 0, lo = hex(v, dash - 16, 16), span = hex(v, spanAt, 16);
        if ((hi | lo) == 0 || span == 0) return false;
        into.traceHigh = hi;
        into.traceLow = lo;
        into.spanId = span;
        into.sampling = s;
        into.debug = debug;
        return true;
    }

    /**
     * Reads the {@code x-b3-*} headers (null when absent): ids with an optional decision, or a
     * decision alone ({@code x-b3-sampled: 0} asks for no sampling, {@code x-b3-flags: 1} is debug).
     */
    public static boolean parseB3Multi(CharSequence traceId, CharSequence spanId, CharSequence sampled, CharSequence flags, Context into) {
        boolean debug = flags != null && flags.length() == 1 && flags.charAt(0) == '1';
        byte s = debug ? SAMPLED : sampledHeader(sampled);
        if (traceId == null && spanId == null) {
            if (s == UNDECIDED) return false;
            into.traceHigh = into.traceLow = into.spanId = 0;
            into.sampling = s;
            into.debug = debug;
            return true;
        }
        if (traceId == null || spanId == null) return false;
        int tn = traceId.length();
        if ((tn != 16 && tn != 32) || !anyHex(traceId, 0, tn) || spanId.length() != 16 || !anyHex(spanId, 0, 16)) return false;
        long hi = tn == 32 ? hex(traceId, 0, 16) : 0, lo = hex(traceId, tn - 16, 16), span = hex(spanId, 0, 16);
        if ((hi | lo) == 0 || span == 0) return false;
        into.traceHigh = hi;
        into.traceLow = lo;
        into.spanId = span;
        into.sampling = s;
        into.debug = debug;
        return true;
    }

    /** A B3 trace id: 16 hex digits for a 64-bit id (high 0), else 32. */
    public static AsciiString b3TraceId(long traceHigh, long traceLow) {
        if (traceHigh == 0) return hex16(traceLow);
        byte[] b = new byte[32];
        put(b, 0, traceHigh);
        put(b, 16, traceLow);
        return new AsciiString(b, false);
    }

    /** {@code <trace id>-<span id>-<0|1|d>[-<parent span id>]}. */
    public static AsciiString b3(long traceHigh, long traceLow, long spanId, boolean sampled, boolean debug, long parentSpanId) {
        int t = traceHigh == 0 ? 16 : 32;
        byte[] b = new byte[t + 19 + (parentSpanId != 0 ? 17 : 0)];
        if (t == 32) put(b, 0, traceHigh);
        put(b, t - 16, traceLow);
        b[t] = '-';
        put(b, t + 1, spanId);
        b[t + 17] = '-';
        b[t + 18] = (byte) (debug ? 'd' : sampled ? '1' : '0');
        if (parentSpanId != 0) {
            b[t + 19] = '-';
            put(b, t + 20, parentSpanId);
        }
        return new AsciiString(b, false);
    }

    public static AsciiString hex16(long v) {
        byte[] b = new byte[16];
        put(b, 0, v);
        return new AsciiString(b, false);
    }

    /** The 32-digit W3C form of a trace id, as a String (the access log's and the exporter's). */
    public static String traceIdString(long traceHigh, long traceLow) {
        char[] c = new char[32];
        for (int i = 0; i < 16; i++) {
            c[i] = DIGITS[(int) (traceHigh >>> (60 - 4 * i)) & 0xf];
            c[16 + i] = DIGITS[(int) (traceLow >>> (60 - 4 * i)) & 0xf];
        }
        return new String(c);
    }

    public static String spanIdString(long spanId) {
        char[] c = new char[16];
        for (int i = 0; i < 16; i++) c[i] = DIGITS[(int) (spanId >>> (60 - 4 * i)) & 0xf];
        return new String(c);
    }

    // ---- helpers

    private static final char[] DIGITS = "0123456789abcdef".toCharArray();

    private static byte sampling(char c) {
        return switch (c) {
            case '1', 'd' -> SAMPLED;
            case '0' -> NOT_SAMPLED;
            default -> UNDECIDED;
        };
    }

    private static byte sampledHeader(CharSequence v) {
        if (v == null) return UNDECIDED;
        if (v.length() == 1) {
            char c = v.charAt(0);
            return c == '1' ? SAMPLED : c == '0' ? NOT_SAMPLED : UNDECIDED;
        }
        if (AsciiString.contentEqualsIgnoreCase(v, "true")) return SAMPLED;
        if (AsciiString.contentEqualsIgnoreCase(v, "false")) return NOT_SAMPLED;
        return UNDECIDED;
    }

    private static void put(byte[] b, int at, long v) {
        for (int i = 0; i < 16; i++) b[at + i] = (byte) DIGITS[(int) (v >>> (60 - 4 * i)) & 0xf];
    }

    private static boolean lowerHex(CharSequence v, int from, int len) {
        for (int i = from; i < from + len; i++) {
            char c = v.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) return false;
        }
        return true;
    }

    private static boolean anyHex(CharSequence v, int from, int len) {
        if (len <= 0 || from + len > v.length()) return false;
        for (int i = from; i < from + len; i++) {
            char c = v.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F')) return false;
        }
        return true;
    }

    /** Up to 16 hex digits already checked. */
    private static long hex(CharSequence v, int from, int len) {
        long r = 0;
        for (int i = from; i < from + len; i++) {
            char c = v.charAt(i);
            r = (r << 4) | (c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
        }
        return r;
    }
}
