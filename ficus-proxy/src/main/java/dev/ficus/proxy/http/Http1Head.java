package dev.ficus.proxy.http;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * An HTTP/1.x request or response head as {@link Http1HeadParser} found it: positions in the buffer that holds
 * the head, nothing copied. The start line's parts and every field's name and value (optional
 * whitespace trimmed) are absolute indexes into that buffer, valid while it is neither released nor
 * moved; the framing fields (Content-Length, Transfer-Encoding, Host) are summarised as they pass.
 * One instance per connection, reused for each head; read and written on the connection's event loop.
 *
 * <p>This is the first piece of ficus's own HTTP/1 codec (docs/performance.md, "What a Netty proxy
 * costs before ficus does anything"): a head parsed once, in place, that later stages read and copy
 * by byte range instead of decoding it into header objects and encoding it again.
 */
public final class Http1Head {
    int methodStart, methodEnd, targetStart, targetEnd;
    /** A response's status code and reason phrase. */
    int status, reasonStart, reasonEnd;
    /** 0 for HTTP/1.0, 1 for HTTP/1.1. */
    int minorVersion;
    /** Four ints per field: name start, name end, value start, value end. */
    int[] fields = new int[4 * 16];
    int fieldCount;
    /** -1 when the head has no Content-Length. */
    long contentLength;
    boolean chunked;
    boolean transferEncoding;
    /** A Transfer-Encoding named chunked before another coding (or twice): never valid framing. */
    boolean chunkedNotLast;
    int hostCount;
    /** Why the last parse refused the head (a constant string), or null. */
    String error;

    void reset() {
        fieldCount = 0;
        contentLength = -1;
        chunked = false;
        transferEncoding = false;
        chunkedNotLast = false;
        hostCount = 0;
        error = null;
    }

    void addField(int nameStart, int nameEnd, int valueStart, int valueEnd) {
        int i = 4 * fieldCount;
        if (i == fields.length) fields = Arrays.copyOf(fields, fields.length * 2);
        fields[i] = nameStart;
        fields[i + 1] = nameEnd;
        fields[i + 2] = valueStart;
        fields[i + 3] = valueEnd;
        fieldCount++;
    }

    public int minorVersion() { return minorVersion; }

    public int status() { return status; }

    /** The reason phrase as a string (allocates: for tests and slow paths). */
    public String reason(ByteBuf buf) { return text(buf, reasonStart, reasonEnd); }

    public int fieldCount() { return fieldCount; }

    public long contentLength() { return contentLength; }

    public boolean chunked() { return chunked; }

    public int hostCount() { return hostCount; }

    public String error() { return error; }

    public int methodStart() { return methodStart; }

    public int methodEnd() { return methodEnd; }

    public int targetStart() { return targetStart; }

    public int targetEnd() { return targetEnd; }

    public int nameStart(int field) { return fields[4 * field]; }

    public int nameEnd(int field) { return fields[4 * field + 1]; }

    public int valueStart(int field) { return fields[4 * field + 2]; }

    public int valueEnd(int field) { return fields[4 * field + 3]; }

    /** The method as a string (allocates: for tests and slow paths). */
    public String method(ByteBuf buf) { return text(buf, methodStart, methodEnd); }

    /** The request target as a string (allocates: for tests and slow paths). */
    public String target(ByteBuf buf) { return text(buf, targetStart, targetEnd); }

    /** A field's name as it was sent (allocates: for tests and slow paths). */
    public String name(ByteBuf buf, int field) { return text(buf, nameStart(field), nameEnd(field)); }

    /** A field's value, optional whitespace trimmed (allocates: for tests and slow paths). */
    public String value(ByteBuf buf, int field) { return text(buf, valueStart(field), valueEnd(field)); }

    private static String text(ByteBuf buf, int start, int end) { return buf.toString(start, end - start, StandardCharsets.ISO_8859_1); }
}
