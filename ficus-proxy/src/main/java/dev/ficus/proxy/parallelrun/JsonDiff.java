package dev.ficus.proxy.parallelrun;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonIOException;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import com.google.gson.stream.JsonWriter;
import dev.ficus.xds.snapshot.JsonPath;
import java.io.IOException;
import java.io.Writer;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;

/**
 * Structural comparison of two JSON values, as a parallel run compares bodies: object members by
 * name whatever their order, array elements by position, numbers by value ({@code 1}, {@code 1.0}
 * and {@code 1e0} are equal), everything else by equality. Paths in the ignore list (and what is
 * below them) are never compared. Runs on the comparer thread; stateless.
 */
public final class JsonDiff {
    /** Values in a difference are cut to this many characters. */
    public static final int MAX_VALUE_CHARS = 120;

    private JsonDiff() {}

    /**
     * Appends to {@code out} where {@code stable} and {@code other} differ, in document order
     * (members of {@code stable} first, then those only {@code other} has), until {@code out}
     * holds {@code max} differences.
     */
    public static void diff(JsonElement stable, JsonElement other, List<JsonPath> ignore, int max, List<Difference> out) {
        for (JsonPath p : ignore) if (p.steps().isEmpty()) return; // "$": the whole body is ignored
        new Walk(max, out).compare(stable, other, ignore);
    }

    /** The differences of two values with no ignore list and no limit but a generous one; for tests and tools. */
    public static List<Difference> diff(JsonElement stable, JsonElement other) {
        List<Difference> out = new ArrayList<>();
        diff(stable, other, List.of(), 10_000, out);
        return out;
    }

    private static final class Walk {
        final int max;
        final List<Difference> out;
        final List<JsonPath.Step> path = new ArrayList<>();

        Walk(int max, List<Difference> out) {
            this.max = max;
            this.out = out;
        }

        /** @param alive the ignore paths whose steps so far match {@link #path} */
        void compare(JsonElement a, JsonElement b, List<JsonPath> alive) {
            if (out.size() >= max) return;
            if (a instanceof JsonObject x && b instanceof JsonObject y) {
                for (var e : x.entrySet()) {
                    JsonElement other = y.get(e.getKey());
                    child(new JsonPath.Field(e.getKey()), e.getValue(), other, other == null, alive, false);
                }
                for (var e : y.entrySet()) {
                    if (!x.has(e.getKey())) child(new JsonPath.Field(e.getKey()), null, e.getValue(), true, alive, true);
                }
            } else if (a instanceof JsonArray x && b instanceof JsonArray y) {
                int n = Math.max(x.size(), y.size());
                for (int i = 0; i < n && out.size() < max; i++) {
                    boolean inA = i < x.size(), inB = i < y.size();
                    child(new JsonPath.Index(i), inA ? x.get(i) : null, inB ? y.get(i) : null, !(inA && inB), alive, !inA);
                }
            } else if (!same(a, b)) {
                add(a, b);
            }
        }

        private void child(JsonPath.Step step, JsonElement a, JsonElement b, boolean absent, List<JsonPath> alive, boolean onlyInB) {
            if (out.size() >= max) return;
            List<JsonPath> next = List.of();
            if (!alive.isEmpty()) {
                int depth = path.size();
                List<JsonPath> kept = null;
                for (JsonPath p : alive) {
                    if (!matches(p.steps().get(depth), step)) continue;
                    if (p.steps().size() == depth + 1) return; // ignored, with everything below it
                    if (kept == null) kept = new ArrayList<>(2);
                    kept.add(p);
                }
                if (kept != null) next = kept;
            }
            path.add(step);
            if (absent) add(onlyInB ? null : a, onlyInB ? b : null);
            else compare(a, b, next);
            path.removeLast();
        }

        private void add(JsonElement a, JsonElement b) {
            StringBuilder concrete = new StringBuilder("$");
            StringBuilder general = new StringBuilder("$");
            List<String> keys = new ArrayList<>(path.size() + 1);
            keys.add("$");
            for (JsonPath.Step s : path) {
                JsonPath.append(concrete, s);
                JsonPath.append(general, s instanceof JsonPath.Index ? new JsonPath.Wildcard() : s);
                keys.add(general.toString());
            }
            out.add(new Difference(concrete.toString(), keys, render(a), render(b)));
        }
    }

    private static boolean matches(JsonPath.Step pattern, JsonPath.Step step) {
        return pattern instanceof JsonPath.Wildcard || pattern.equals(step);
    }

    /** Equal JSON values: numbers by value, other primitives and nulls by equality; containers are walked, not compared here. */
    static boolean same(JsonElement a, JsonElement b) {
        if (a.isJsonNull() || b.isJsonNull()) return a.isJsonNull() && b.isJsonNull();
        if (a instanceof JsonPrimitive x && b instanceof JsonPrimitive y) {
            if (x.isNumber() && y.isNumber()) {
                BigDecimal m = number(x), n = number(y);
                return m != null && n != null ? m.compareTo(n) == 0 : x.getAsString().equals(y.getAsString());
            }
            return x.equals(y) && x.isNumber() == y.isNumber();
        }
        return false;
    }

    private static BigDecimal number(JsonPrimitive p) {
        try {
            return p.getAsBigDecimal();
        } catch (NumberFormatException e) { // not from a strict parse; compared as text then
            return null;
        }
    }

    private static final Gson WRITER = new GsonBuilder().serializeNulls().disableHtmlEscaping().create();

    /** A value's JSON text, cut to {@link #MAX_VALUE_CHARS}; null for an absent value. */
    static String render(JsonElement e) {
        if (e == null) return null;
        Bounded w = new Bounded(MAX_VALUE_CHARS);
        try {
            WRITER.toJson(e, new JsonWriter(w));
        } catch (JsonIOException full) { // the bounded writer stopped it
            return w.text() + "…";
        }
        return w.text();
    }

    /** A writer that stops the JSON writer once it holds enough text. */
    private static final class Bounded extends Writer {
        static final class Full extends IOException {
            Full() { super("enough text"); }
        }

        private final StringBuilder b = new StringBuilder();
        private final int max;

        Bounded(int max) { this.max = max; }

        String text() { return b.length() > max ? b.substring(0, max) : b.toString(); }

        @Override public void write(char[] c, int off, int len) throws IOException {
            b.append(c, off, Math.min(len, max + 1 - Math.min(b.length(), max + 1)));
            if (b.length() > max) throw new Full();
        }

        @Override public void write(String s, int off, int len) throws IOException {
            b.append(s, off, off + Math.min(len, max + 1 - Math.min(b.length(), max + 1)));
            if (b.length() > max) throw new Full();
        }

        @Override public void flush() {}

        @Override public void close() {}
    }
}
