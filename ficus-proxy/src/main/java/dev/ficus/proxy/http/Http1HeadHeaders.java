package dev.ficus.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.DateFormatter;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.nio.charset.StandardCharsets;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Date;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The fields of a parsed head ({@link Http1Head}) seen as Netty {@link HttpHeaders}, without
 * decoding them into objects: reads scan the field positions and compare bytes, edits mark original
 * fields removed and keep added ones aside, and {@link #encode(ByteBuf)} copies every untouched
 * original line as it arrived and writes only what changed. Behaves as {@link DefaultHttpHeaders}
 * does for every operation the router uses (a differential property test holds it to that): names
 * match case-insensitively, iteration keeps the original order with added fields last, and names and
 * values added are validated as Netty validates them.
 *
 * <p>Part of ficus's own HTTP/1 codec: {@link Http1RequestDecoder} builds one per request from
 * what {@link Http1HeadParser} found, and the upstream encoder ({@link Http1ClientCodec}) writes it
 * with {@link #encode(ByteBuf)}. The head's bytes are copied once, so the request may outlive the
 * connection's buffer (retries, mirrors, queued pipelined requests). One instance per request, on
 * the connection's event loop.
 */
public final class Http1HeadHeaders extends HttpHeaders {
    /** The head's bytes, copied out of the connection's buffer: the request may outlive that buffer's reuse. */
    private final byte[] bytes;
    /**
     * Five ints per original field: name start, name end, value start, value end, line end; indexes
     * into {@link #bytes}. A removed field's name end is {@link #REMOVED}.
     */
    private final int[] fields;
    private final int count;
    /** The original fields' values as strings, made on first read; null until then. */
    private String[] values;
    private int removedCount;
    /** Bit (length mod 64) set for each original field's name length: most lookups of a name the head lacks end here. */
    private final long nameLengths;
    /** Added fields: name, value, name, value ... */
    private final ArrayList<String> added = new ArrayList<>(4);

    /**
     * The fields of {@code head}, parsed from {@code buf}, whose head occupies {@code buf[start, end)}:
     * copies those bytes and the positions (the buffer is reused or released, the head object is reused).
     */
    public Http1HeadHeaders(ByteBuf buf, int start, int end, Http1Head head) {
        this(copy(buf, start, end), start, head);
    }

    private static byte[] copy(ByteBuf buf, int start, int end) {
        byte[] b = new byte[end - start];
        buf.getBytes(start, b);
        return b;
    }

    private static final int W = 5;
    private static final int REMOVED = -1;

    /** The fields of {@code head}, whose positions are those of {@code bytes[0]} at {@code base}; keeps {@code bytes}. */
    Http1HeadHeaders(byte[] bytes, int base, Http1Head head) {
        this.bytes = bytes;
        this.count = head.fieldCount;
        int[] f = new int[W * count];
        long lengths = 0;
        for (int i = 0; i < count; i++) {
            int o = W * i;
            for (int k = 0; k < 4; k++) f[o + k] = head.fields[4 * i + k] - base;
            lengths |= 1L << (f[o + 1] - f[o]);
            int p = f[o + 3];
            while (bytes[p] != '\n') p++;
            f[o + 4] = p + 1;
        }
        this.fields = f;
        this.nameLengths = lengths;
    }

    private boolean removed(int field) { return fields[W * field + 1] == REMOVED; }

    /** False when no original field can have {@code name} (its length matches none). */
    private boolean mayHave(CharSequence name) { return (nameLengths & (1L << name.length())) != 0; }

    // reads

    /** False for a removed field: its name end is {@link #REMOVED}, below its start. */
    private boolean nameIs(int field, CharSequence name) {
        int start = fields[W * field], len = fields[W * field + 1] - start;
        if (len != name.length()) return false;
        for (int i = 0; i < len; i++) {
            int a = bytes[start + i], b = name.charAt(i);
            if (a != b && toLower(a) != toLower(b)) return false;
        }
        return true;
    }

    private static int toLower(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

    private String value(int field) {
        String[] vs = values;
        if (vs == null) vs = values = new String[count];
        String v = vs[field];
        if (v == null) {
            int start = fields[W * field + 2];
            v = vs[field] = new String(bytes, start, fields[W * field + 3] - start, StandardCharsets.ISO_8859_1);
        }
        return v;
    }

    private String name(int field) {
        int start = fields[W * field];
        return new String(bytes, start, fields[W * field + 1] - start, StandardCharsets.ISO_8859_1);
    }

    @Override
    public String get(String name) { return get((CharSequence) name); }

    @Override
    public String get(CharSequence name) {
        if (mayHave(name)) for (int i = 0; i < count; i++) if (nameIs(i, name)) return value(i);
        for (int i = 0; i < added.size(); i += 2) if (AsciiString.contentEqualsIgnoreCase(added.get(i), name)) return added.get(i + 1);
        return null;
    }

    @Override
    public Integer getInt(CharSequence name) {
        String v = get(name);
        if (v == null) return null;
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    @Override
    public int getInt(CharSequence name, int defaultValue) {
        Integer v = getInt(name);
        return v == null ? defaultValue : v;
    }

    @Override
    public Short getShort(CharSequence name) {
        String v = get(name);
        if (v == null) return null;
        try {
            return Short.parseShort(v);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    @Override
    public short getShort(CharSequence name, short defaultValue) {
        Short v = getShort(name);
        return v == null ? defaultValue : v;
    }

    @Override
    public Long getTimeMillis(CharSequence name) {
        String v = get(name);
        if (v == null) return null;
        Date d = DateFormatter.parseHttpDate(v);
        return d == null ? null : d.getTime();
    }

    @Override
    public long getTimeMillis(CharSequence name, long defaultValue) {
        Long v = getTimeMillis(name);
        return v == null ? defaultValue : v;
    }

    @Override
    public List<String> getAll(String name) { return getAll((CharSequence) name); }

    @Override
    public List<String> getAll(CharSequence name) {
        List<String> all = new ArrayList<>(2);
        if (mayHave(name)) for (int i = 0; i < count; i++) if (nameIs(i, name)) all.add(value(i));
        for (int i = 0; i < added.size(); i += 2) if (AsciiString.contentEqualsIgnoreCase(added.get(i), name)) all.add(added.get(i + 1));
        return all;
    }

    @Override
    public List<Map.Entry<String, String>> entries() {
        List<Map.Entry<String, String>> all = new ArrayList<>(size());
        for (int i = 0; i < count; i++) if (!removed(i)) all.add(new AbstractMap.SimpleImmutableEntry<>(name(i), value(i)));
        for (int i = 0; i < added.size(); i += 2) all.add(new AbstractMap.SimpleImmutableEntry<>(added.get(i), added.get(i + 1)));
        return all;
    }

    /** How many fields named {@code name} the head has now; allocates nothing. */
    public int occurrences(CharSequence name) {
        int n = 0;
        if (mayHave(name)) for (int i = 0; i < count; i++) if (nameIs(i, name)) n++;
        for (int i = 0; i < added.size(); i += 2) if (AsciiString.contentEqualsIgnoreCase(added.get(i), name)) n++;
        return n;
    }

    @Override
    public boolean contains(String name) { return contains((CharSequence) name); }

    @Override
    public boolean contains(CharSequence name) {
        if (mayHave(name)) for (int i = 0; i < count; i++) if (nameIs(i, name)) return true;
        for (int i = 0; i < added.size(); i += 2) if (AsciiString.contentEqualsIgnoreCase(added.get(i), name)) return true;
        return false;
    }

    /** As {@link HttpHeaders#containsValue}: whether an element of a comma-separated value of {@code name}, trimmed, is {@code value}; allocates nothing. */
    @Override
    public boolean containsValue(CharSequence name, CharSequence value, boolean ignoreCase) {
        if (mayHave(name)) {
            for (int i = 0; i < count; i++) {
                if (nameIs(i, name) && hasElement(fields[W * i + 2], fields[W * i + 3], value, ignoreCase)) return true;
            }
        }
        for (int i = 0; i < added.size(); i += 2) {
            if (AsciiString.contentEqualsIgnoreCase(added.get(i), name) && super.containsValue(added.get(i), value, ignoreCase)) return true;
        }
        return false;
    }

    /** Netty's comma-separated, trimmed comparison over {@code bytes[from, to)}. */
    private boolean hasElement(int from, int to, CharSequence expected, boolean ignoreCase) {
        int begin = from;
        for (int comma = indexOfComma(begin, to); comma >= 0; comma = indexOfComma(begin, to)) {
            if (trimmedEquals(begin, comma, expected, ignoreCase)) return true;
            begin = comma + 1;
        }
        return (begin == from || begin < to) && trimmedEquals(begin, to, expected, ignoreCase);
    }

    private int indexOfComma(int from, int to) {
        for (int i = from; i < to; i++) if (bytes[i] == ',') return i;
        return -1;
    }

    private boolean trimmedEquals(int from, int to, CharSequence expected, boolean ignoreCase) {
        while (from < to && (bytes[from] & 0xff) <= ' ') from++;
        while (to > from && (bytes[to - 1] & 0xff) <= ' ') to--;
        if (to - from != expected.length()) return false;
        for (int i = 0; i < to - from; i++) {
            int a = bytes[from + i] & 0xff, b = expected.charAt(i);
            if (a != b && (!ignoreCase || toLower(a) != toLower(b))) return false;
        }
        return true;
    }

    /** Deprecated in Netty for {@link #iteratorCharSequence()}; kept because HttpHeaders is Iterable. */
    @Override
    @Deprecated
    public Iterator<Map.Entry<String, String>> iterator() { return entries().iterator(); }

    @Override
    @SuppressWarnings({"unchecked", "rawtypes"})
    public Iterator<Map.Entry<CharSequence, CharSequence>> iteratorCharSequence() { return (Iterator) entries().iterator(); }

    @Override
    public boolean isEmpty() { return size() == 0; }

    @Override
    public int size() { return count - removedCount + added.size() / 2; }

    @Override
    public Set<String> names() {
        Set<String> names = new LinkedHashSet<>();
        for (Map.Entry<String, String> e : entries()) names.add(e.getKey());
        return names;
    }

    // edits

    @Override
    public HttpHeaders add(String name, Object value) { return add((CharSequence) name, value); }

    @Override
    public HttpHeaders add(CharSequence name, Object value) {
        String n = validName(name), v = validValue(value); // both before the list changes: a refused value adds nothing
        added.add(n);
        added.add(v);
        return this;
    }

    @Override
    public HttpHeaders add(String name, Iterable<?> values) {
        for (Object v : values) add(name, v);
        return this;
    }

    @Override
    public HttpHeaders addInt(CharSequence name, int value) { return add(name, Integer.toString(value)); }

    @Override
    public HttpHeaders addShort(CharSequence name, short value) { return add(name, Short.toString(value)); }

    @Override
    public HttpHeaders set(String name, Object value) { return set((CharSequence) name, value); }

    @Override
    public HttpHeaders set(CharSequence name, Object value) {
        String n = validName(name), v = validValue(value);
        remove(n);
        added.add(n);
        added.add(v);
        return this;
    }

    @Override
    public HttpHeaders set(String name, Iterable<?> values) {
        // as DefaultHttpHeaders: the old values go first, then each new one is checked as it is added
        // (a refused value leaves those before it), and a null ends the values
        String n = validName(name);
        remove(n);
        for (Object v : values) {
            if (v == null) break;
            String valid = validValue(v);
            added.add(n);
            added.add(valid);
        }
        return this;
    }

    @Override
    public HttpHeaders setInt(CharSequence name, int value) { return set(name, Integer.toString(value)); }

    @Override
    public HttpHeaders setShort(CharSequence name, short value) { return set(name, Short.toString(value)); }

    @Override
    public HttpHeaders remove(String name) { return remove((CharSequence) name); }

    @Override
    public HttpHeaders remove(CharSequence name) {
        for (int i = 0; mayHave(name) && i < count; i++) {
            if (nameIs(i, name)) {
                fields[W * i + 1] = REMOVED;
                removedCount++;
            }
        }
        for (int i = added.size() - 2; i >= 0; i -= 2) {
            if (AsciiString.contentEqualsIgnoreCase(added.get(i), name)) {
                added.remove(i + 1);
                added.remove(i);
            }
        }
        return this;
    }

    @Override
    public HttpHeaders clear() {
        for (int i = 0; i < count; i++) fields[W * i + 1] = REMOVED;
        removedCount = count;
        added.clear();
        return this;
    }

    /**
     * Writes the field lines: each untouched original line as it arrived (runs of them in one copy),
     * then the added fields as {@code name: value}. The empty line that ends a head is the caller's.
     */
    public void encode(ByteBuf out) {
        int i = 0;
        while (i < count) {
            if (removed(i)) {
                i++;
                continue;
            }
            int start = fields[W * i], j = i;
            while (j + 1 < count && !removed(j + 1)) j++;
            out.writeBytes(bytes, start, fields[W * j + 4] - start);
            i = j + 1;
        }
        for (int k = 0; k < added.size(); k += 2) {
            out.writeCharSequence(added.get(k), StandardCharsets.ISO_8859_1);
            out.writeByte(':').writeByte(' ');
            out.writeCharSequence(added.get(k + 1), StandardCharsets.ISO_8859_1);
            out.writeByte('\r').writeByte('\n');
        }
    }

    // validation, as Netty's default headers factory validates

    private static String validName(CharSequence name) {
        if (name == null || name.length() == 0) throw new IllegalArgumentException("empty header name");
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!Http1HeadParser.tchar(c)) throw new IllegalArgumentException("invalid header name: " + name);
        }
        return name.toString();
    }

    private static String validValue(Object value) {
        if (value == null) throw new NullPointerException("value");
        String v = value instanceof Date d ? DateFormatter.format(d) : value.toString();
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            // as Netty: a field-vchar first (no leading whitespace), then no control character but HTAB
            if (c > 0xff || (c < 0x20 && (c != '\t' || i == 0)) || c == 0x7f || (i == 0 && c == ' ')) throw new IllegalArgumentException("invalid header value: " + v);
        }
        return v;
    }
}
