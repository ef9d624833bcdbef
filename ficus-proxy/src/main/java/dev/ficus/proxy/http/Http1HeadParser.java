package dev.ficus.proxy.http;

import io.netty.buffer.ByteBuf;

/**
 * Parses an HTTP/1.x request head in place, in one pass, into an {@link Http1Head}, with the
 * framing rules ficus applies to downstream requests (RFC 9112; the same outcomes as Netty's
 * decoder in its strict settings followed by the obsolete-folding check and {@link RequestGuardHandler}
 * that ficus ran before its own codec, which a differential property test holds it to):
 * <ul>
 *   <li>empty lines before the request line are skipped (RFC 9112 section 2.2);</li>
 *   <li>lines end with CRLF; a CR elsewhere, a NUL or another control character in a line is an error;</li>
 *   <li>request line: a method token, one space, a target of visible ASCII, one space, {@code HTTP/1.0}
 *       or {@code HTTP/1.1};</li>
 *   <li>fields: a token name directly followed by a colon (whitespace before it is an error, RFC 9112
 *       section 5.1), a value of visible characters, obs-text, spaces and tabs, leading and trailing
 *       whitespace trimmed; a line starting with whitespace (obsolete folding) is an error;</li>
 *   <li>framing: Content-Length once, digits only; Transfer-Encoding only on HTTP/1.1, never with
 *       Content-Length, and ending with {@code chunked}; on HTTP/1.1 exactly one Host.</li>
 * </ul>
 * Errors say 400, or 431 for a header section over the limit; the reason is in {@link Http1Head#error()}.
 * Allocates nothing. Runs on the connection's event loop.
 */
public final class Http1HeadParser {
    /** {@link #parse} needs more bytes. */
    public static final int INCOMPLETE = 0;
    public static final int BAD_REQUEST = -400;
    public static final int HEADERS_TOO_LARGE = -431;

    private static final byte CR = '\r', LF = '\n', SP = ' ', HTAB = '\t', COLON = ':';
    /** RFC 9110 tchar (also what {@link Http1HeadHeaders} accepts in a name). */
    private static final boolean[] TCHAR = new boolean[256];

    static {
        for (char c = '0'; c <= '9'; c++) TCHAR[c] = true;
        for (char c = 'a'; c <= 'z'; c++) TCHAR[c] = true;
        for (char c = 'A'; c <= 'Z'; c++) TCHAR[c] = true;
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) TCHAR[c] = true;
    }

    /** Whether {@code c} may appear in a token (a method, a field name). */
    static boolean tchar(int c) { return c >= 0 && c < 256 && TCHAR[c]; }

    /** Whether {@code s} is an RFC 9110 token (a method, a field name): one or more tchars. */
    public static boolean isToken(CharSequence s) {
        if (s.isEmpty()) return false;
        for (int i = 0; i < s.length(); i++) if (!tchar(s.charAt(i))) return false;
        return true;
    }

    private final int maxRequestLine;
    private final int maxHeaderSection;

    public Http1HeadParser(Http1Limits limits) {
        this.maxRequestLine = limits.maxInitialLineLength();
        this.maxHeaderSection = limits.maxHeaderSize();
    }

    /**
     * Parses the request head that starts at {@code buf}'s reader index.
     *
     * @return the index just after the head's empty line when the head is complete and valid;
     *     {@link #INCOMPLETE} when the readable bytes hold no complete head yet (and no error so far);
     *     {@link #BAD_REQUEST} or {@link #HEADERS_TOO_LARGE} when it is refused
     */
    public int parse(ByteBuf buf, Http1Head head) {
        head.reset();
        int end = buf.writerIndex();
        int p = afterEmptyLines(buf, end);
        if (p >= end) return INCOMPLETE;

        // request line: method SP target SP version CRLF
        int lineStart = p;
        int lineLimit = Math.min(end, lineStart + maxRequestLine + 2);
        int q = p;
        while (q < lineLimit && TCHAR[buf.getByte(q) & 0xff]) q++;
        if (q == lineLimit) return q == end && q - lineStart <= maxRequestLine ? INCOMPLETE : fail(head, "request line too long");
        if (q == p || buf.getByte(q) != SP) return fail(head, "bad method");
        head.methodStart = p;
        head.methodEnd = q;
        p = ++q;
        while (q < lineLimit) {
            int b = buf.getByte(q) & 0xff;
            if (b < 0x21 || b > 0x7e) break;
            q++;
        }
        if (q == lineLimit) return q == end && q - lineStart <= maxRequestLine ? INCOMPLETE : fail(head, "request line too long");
        if (q == p || buf.getByte(q) != SP) return fail(head, "bad request target");
        head.targetStart = p;
        head.targetEnd = q;
        p = ++q;
        // HTTP/1.x CRLF: 10 bytes
        if (end - p < 10) {
            if (p + 10 - lineStart > maxRequestLine + 2) return fail(head, "request line too long");
            return prefixOf(buf, p, end) ? INCOMPLETE : fail(head, "bad version");
        }
        if (!prefixOf(buf, p, p + 8)) return fail(head, "bad version");
        int minor = buf.getByte(p + 7);
        if (minor != '0' && minor != '1') return fail(head, "unsupported version");
        if (buf.getByte(p + 8) != CR || buf.getByte(p + 9) != LF) return fail(head, "bad request line ending");
        if (p + 8 - lineStart > maxRequestLine) return fail(head, "request line too long");
        head.minorVersion = minor - '0';
        p += 10;

        return fields(buf, head, p, end, false);
    }

    /**
     * Parses the response head that starts at {@code buf}'s reader index: {@code HTTP/1.0} or
     * {@code HTTP/1.1}, one space, a three-digit status, optionally a space and a reason phrase,
     * CRLF; then fields as in a request. Framing: Content-Length once, digits only; Transfer-Encoding
     * only on HTTP/1.1 and never with Content-Length; {@code chunked}, where named, must be its last
     * coding (without it the body runs to the connection's end, RFC 9112 section 6.3).
     *
     * @return as {@link #parse}
     */
    public int parseResponse(ByteBuf buf, Http1Head head) {
        head.reset();
        int end = buf.writerIndex();
        int p = afterEmptyLines(buf, end);
        if (p >= end) return INCOMPLETE;
        int lineStart = p;
        // HTTP/1.x SP 3DIGIT
        if (end - p < 12) return prefixOf(buf, p, end) && (end - p <= 8 || statusPrefix(buf, p + 8, end)) ? INCOMPLETE : fail(head, "bad status line");
        if (!prefixOf(buf, p, p + 8)) return fail(head, "bad version");
        int minor = buf.getByte(p + 7);
        if (minor != '0' && minor != '1') return fail(head, "unsupported version");
        if (!statusPrefix(buf, p + 8, p + 12)) return fail(head, "bad status code");
        head.minorVersion = minor - '0';
        head.status = (buf.getByte(p + 9) - '0') * 100 + (buf.getByte(p + 10) - '0') * 10 + (buf.getByte(p + 11) - '0');
        p += 12;
        int lineLimit = Math.min(end, lineStart + maxRequestLine + 2);
        int reasonStart = p, reasonEnd = p;
        if (p < lineLimit && buf.getByte(p) == SP) {
            reasonStart = reasonEnd = ++p;
            while (p < lineLimit) {
                int b = buf.getByte(p) & 0xff;
                if (b == CR) break;
                if (b != HTAB && (b < 0x20 || b == 0x7f)) return fail(head, "bad character in reason phrase");
                p++;
                reasonEnd = p;
            }
        }
        if (p == lineLimit) return p == end && p - lineStart <= maxRequestLine ? INCOMPLETE : fail(head, "status line too long");
        if (buf.getByte(p) != CR) return fail(head, "bad status line");
        if (p + 1 >= end) return INCOMPLETE;
        if (buf.getByte(p + 1) != LF) return fail(head, "bad status line ending");
        head.reasonStart = reasonStart;
        head.reasonEnd = reasonEnd;
        return fields(buf, head, p + 2, end, true);
    }

    /** Where the start line begins: past the empty lines a message may follow (RFC 9112 section 2.2). */
    private static int afterEmptyLines(ByteBuf buf, int end) {
        int p = buf.readerIndex();
        while (p + 1 < end && buf.getByte(p) == CR && buf.getByte(p + 1) == LF) p += 2;
        return p;
    }

    /** Whether buf[from, to) is a prefix of " " followed by three digits, the first of them 1 to 9. */
    private static boolean statusPrefix(ByteBuf buf, int from, int to) {
        for (int i = from; i < to && i - from < 4; i++) {
            int b = buf.getByte(i);
            if (i == from ? b != SP : i == from + 1 ? b < '1' || b > '9' : b < '0' || b > '9') return false;
        }
        return true;
    }

    /** The field lines from {@code p} up to and including the empty line that ends the head. */
    private int fields(ByteBuf buf, Http1Head head, int p, int end, boolean response) {
        int sectionStart = p;
        while (true) {
            if (p - sectionStart > maxHeaderSection) return tooLarge(head);
            if (p >= end) return INCOMPLETE;
            byte first = buf.getByte(p);
            if (first == CR) {
                if (p + 1 >= end) return INCOMPLETE;
                if (buf.getByte(p + 1) != LF) return fail(head, "bad line ending");
                return response ? finishResponse(head, p + 2) : finish(head, p + 2);
            }
            if (first == SP || first == HTAB) return fail(head, "obsolete line folding");
            int nameStart = p;
            while (p < end && TCHAR[buf.getByte(p) & 0xff]) p++;
            if (p == end) return p - sectionStart > maxHeaderSection ? tooLarge(head) : INCOMPLETE;
            if (p == nameStart || buf.getByte(p) != COLON) return fail(head, "bad field name");
            int nameEnd = p++;
            while (p < end && isWhitespace(buf.getByte(p))) p++;
            int valueStart = p, valueEnd = p;
            while (p < end) {
                int b = buf.getByte(p) & 0xff;
                if (b == CR) break;
                if (b != HTAB && (b < 0x20 || b == 0x7f)) return fail(head, "bad character in field value");
                p++;
                if (b != SP && b != HTAB) valueEnd = p;
            }
            if (p - sectionStart > maxHeaderSection) return tooLarge(head);
            if (p + 1 >= end) return INCOMPLETE;
            if (buf.getByte(p + 1) != LF) return fail(head, "bad line ending");
            p += 2;
            head.addField(nameStart, nameEnd, valueStart, valueEnd);
            if (!framingField(buf, head, nameStart, nameEnd, valueStart, valueEnd)) return BAD_REQUEST;
        }
    }

    /** Reads Content-Length, Transfer-Encoding and Host as they pass; false (with the reason set) to refuse. */
    private static boolean framingField(ByteBuf buf, Http1Head head, int nameStart, int nameEnd, int valueStart, int valueEnd) {
        int len = nameEnd - nameStart;
        if (len == 4 && equalsLower(buf, nameStart, "host")) {
            head.hostCount++;
        } else if (len == 14 && equalsLower(buf, nameStart, "content-length")) {
            if (head.contentLength >= 0) return refuse(head, "more than one Content-Length");
            if (valueStart == valueEnd) return refuse(head, "empty Content-Length");
            long n = 0;
            for (int i = valueStart; i < valueEnd; i++) {
                int d = buf.getByte(i) - '0';
                if (d < 0 || d > 9) return refuse(head, "bad Content-Length");
                if (n > (Long.MAX_VALUE - d) / 10) return refuse(head, "Content-Length too large");
                n = n * 10 + d;
            }
            head.contentLength = n;
        } else if (len == 17 && equalsLower(buf, nameStart, "transfer-encoding")) {
            // the last coding of the last Transfer-Encoding field decides the framing; chunked only once, and last
            head.transferEncoding = true;
            for (int t = valueStart; t < valueEnd; ) {
                while (t < valueEnd && isWhitespace(buf.getByte(t))) t++;
                int c = t;
                while (c < valueEnd && buf.getByte(c) != ',') c++;
                int e = c;
                while (e > t && isWhitespace(buf.getByte(e - 1))) e--;
                if (e > t) { // empty list elements do not count (RFC 9110 section 5.6.1)
                    if (head.chunked) head.chunkedNotLast = true; // a coding after chunked, or chunked again
                    head.chunked = e - t == 7 && equalsLower(buf, t, "chunked");
                }
                t = c + 1;
            }
        }
        return true;
    }

    private static int finishResponse(Http1Head head, int headEnd) {
        if (head.transferEncoding) {
            if (head.minorVersion == 0) return fail(head, "Transfer-Encoding on HTTP/1.0");
            if (head.contentLength >= 0) return fail(head, "Content-Length with Transfer-Encoding");
            if (head.chunkedNotLast) return fail(head, "chunked is not the last transfer coding");
        }
        return headEnd;
    }

    private static int finish(Http1Head head, int headEnd) {
        if (head.transferEncoding) {
            if (head.minorVersion == 0) return fail(head, "Transfer-Encoding on HTTP/1.0");
            if (head.contentLength >= 0) return fail(head, "Content-Length with Transfer-Encoding");
            if (!head.chunked || head.chunkedNotLast) return fail(head, "Transfer-Encoding not ending with chunked");
        }
        if (head.minorVersion == 1 && head.hostCount != 1) return fail(head, head.hostCount == 0 ? "no Host" : "more than one Host");
        if (head.hostCount > 1) return fail(head, "more than one Host");
        return headEnd;
    }

    /** Whether buf[from, to) is a prefix of "HTTP/1." followed by a digit. */
    private static boolean prefixOf(ByteBuf buf, int from, int to) {
        String v = "HTTP/1.";
        for (int i = from; i < to && i - from < 8; i++) {
            int b = buf.getByte(i);
            if (i - from < 7 ? b != v.charAt(i - from) : b < '0' || b > '9') return false;
        }
        return true;
    }

    /** Case-insensitive comparison of ASCII bytes with a lower-case literal. */
    private static boolean equalsLower(ByteBuf buf, int at, String lower) {
        for (int i = 0; i < lower.length(); i++) {
            int b = buf.getByte(at + i);
            if (b >= 'A' && b <= 'Z') b += 'a' - 'A';
            if (b != lower.charAt(i)) return false;
        }
        return true;
    }

    private static boolean isWhitespace(byte b) { return b == SP || b == HTAB; }

    private static boolean refuse(Http1Head head, String why) {
        head.error = why;
        return false;
    }

    private static int fail(Http1Head head, String why) {
        head.error = why;
        return BAD_REQUEST;
    }

    private static int tooLarge(Http1Head head) {
        head.error = "header section too large";
        return HEADERS_TOO_LARGE;
    }
}
