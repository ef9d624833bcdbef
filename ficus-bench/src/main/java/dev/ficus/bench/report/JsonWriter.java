package dev.ficus.bench.report;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * A minimal streaming JSON writer: objects, arrays, strings, numbers, booleans. Written by hand to
 * keep the bench module free of a JSON library. Commas are placed for the caller; misuse (a value
 * without a name inside an object) fails fast.
 */
public final class JsonWriter {
    private final StringBuilder sb = new StringBuilder(1024);
    /** One entry per open container: true for an object; the count tells whether a comma is due. */
    private final Deque<boolean[]> open = new ArrayDeque<>();
    private final Deque<int[]> counts = new ArrayDeque<>();
    private boolean nameWritten;

    public JsonWriter beginObject() {
        beforeValue();
        sb.append('{');
        open.push(new boolean[]{true});
        counts.push(new int[]{0});
        return this;
    }

    public JsonWriter endObject() {
        close('}', true);
        return this;
    }

    public JsonWriter beginArray() {
        beforeValue();
        sb.append('[');
        open.push(new boolean[]{false});
        counts.push(new int[]{0});
        return this;
    }

    public JsonWriter endArray() {
        close(']', false);
        return this;
    }

    public JsonWriter name(String name) {
        if (open.isEmpty() || !open.peek()[0] || nameWritten) {
            throw new IllegalStateException("a name belongs directly inside an object");
        }
        if (counts.peek()[0]++ > 0) sb.append(',');
        string(name);
        sb.append(':');
        nameWritten = true;
        return this;
    }

    public JsonWriter value(String s) {
        beforeValue();
        if (s == null) sb.append("null");
        else string(s);
        return this;
    }

    public JsonWriter value(long n) {
        beforeValue();
        sb.append(n);
        return this;
    }

    /** Non-finite numbers have no JSON form: written as null. */
    public JsonWriter value(double d) {
        beforeValue();
        if (Double.isFinite(d)) {
            if (d == Math.rint(d) && Math.abs(d) < 1e15) sb.append((long) d);
            else sb.append(d);
        } else {
            sb.append("null");
        }
        return this;
    }

    public JsonWriter value(boolean b) {
        beforeValue();
        sb.append(b);
        return this;
    }

    public JsonWriter field(String name, String v) { return name(name).value(v); }
    public JsonWriter field(String name, long v) { return name(name).value(v); }
    public JsonWriter field(String name, double v) { return name(name).value(v); }
    public JsonWriter field(String name, boolean v) { return name(name).value(v); }

    @Override
    public String toString() {
        if (!open.isEmpty()) throw new IllegalStateException("unclosed object or array");
        return sb.toString();
    }

    private void beforeValue() {
        if (open.isEmpty()) {
            if (!sb.isEmpty()) throw new IllegalStateException("one top-level value only");
            return;
        }
        if (open.peek()[0]) {
            if (!nameWritten) throw new IllegalStateException("a value inside an object needs a name");
            nameWritten = false;
        } else if (counts.peek()[0]++ > 0) {
            sb.append(',');
        }
    }

    private void close(char c, boolean object) {
        if (open.isEmpty() || open.peek()[0] != object || nameWritten) {
            throw new IllegalStateException("mismatched " + c);
        }
        open.pop();
        counts.pop();
        sb.append(c);
    }

    private void string(String s) {
        dev.ficus.api.JsonText.quote(sb, s);
    }
}
