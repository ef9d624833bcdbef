package dev.ficus.xds.snapshot;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A JSON path from a body's root, as a parallel run's {@code ignore} list spells it
 * ({@code $.generatedAt}, {@code $.items[*].id}, {@code $['a key'][0]}), parsed once when the
 * snapshot is built: the comparison off the event loop walks steps, never text. Also the form in
 * which a comparison reports where two bodies differ.
 *
 * <p>Grammar: {@code $} then steps: {@code .name} (a name without {@code . [ ] ' "}), {@code .*},
 * {@code ['name']} or {@code ["name"]} (backslash escapes the quote and itself), {@code [N]} and
 * {@code [*]}. A wildcard matches any member of an object or any element of an array.
 *
 * @param steps from the root down; empty for the root itself
 */
public record JsonPath(List<Step> steps) {
    /** The root, {@code $}. */
    public static final JsonPath ROOT = new JsonPath(List.of());

    public JsonPath {
        steps = List.copyOf(Objects.requireNonNull(steps, "steps"));
    }

    /** One step down a JSON value. */
    public sealed interface Step {
    }

    /** A member of an object. */
    public record Field(String name) implements Step {
        public Field {
            Objects.requireNonNull(name, "name");
        }
    }

    /** An element of an array. */
    public record Index(int index) implements Step {
        public Index {
            if (index < 0) throw new IllegalArgumentException("an array index is not negative: " + index);
        }
    }

    /** Any member of an object or any element of an array ({@code *}). */
    public record Wildcard() implements Step {
    }

    /**
     * Parses {@code text}.
     *
     * @throws IllegalArgumentException with the offset and what was expected, when {@code text}
     *                                  is not a path of this grammar
     */
    public static JsonPath parse(String text) {
        Objects.requireNonNull(text, "text");
        if (!text.startsWith("$")) throw bad(text, 0, "a path starts with $");
        List<Step> out = new ArrayList<>();
        int i = 1;
        int n = text.length();
        while (i < n) {
            char c = text.charAt(i);
            if (c == '.') {
                int start = ++i;
                if (i < n && text.charAt(i) == '*') {
                    out.add(new Wildcard());
                    i++;
                    continue;
                }
                while (i < n && ".[]'\"".indexOf(text.charAt(i)) < 0) i++;
                if (i == start) throw bad(text, start, "a name after '.'");
                out.add(new Field(text.substring(start, i)));
            } else if (c == '[') {
                i++;
                if (i >= n) throw bad(text, i, "a name, an index or * after '['");
                char d = text.charAt(i);
                if (d == '*') {
                    out.add(new Wildcard());
                    i++;
                } else if (d == '\'' || d == '"') {
                    StringBuilder name = new StringBuilder();
                    i++;
                    while (true) {
                        if (i >= n) throw bad(text, i, "the closing " + d);
                        char e = text.charAt(i);
                        if (e == '\\' && i + 1 < n) {
                            name.append(text.charAt(i + 1));
                            i += 2;
                        } else if (e == d) {
                            i++;
                            break;
                        } else {
                            name.append(e);
                            i++;
                        }
                    }
                    out.add(new Field(name.toString()));
                } else if (d >= '0' && d <= '9') {
                    int start = i;
                    while (i < n && text.charAt(i) >= '0' && text.charAt(i) <= '9') i++;
                    if (i - start > 9) throw bad(text, start, "an index under 1000000000");
                    out.add(new Index(Integer.parseInt(text, start, i, 10)));
                } else {
                    throw bad(text, i, "a quoted name, an index or * after '['");
                }
                if (i >= n || text.charAt(i) != ']') throw bad(text, i, "']'");
                i++;
            } else {
                throw bad(text, i, "'.' or '['");
            }
        }
        return new JsonPath(out);
    }

    private static IllegalArgumentException bad(String text, int at, String expected) {
        return new IllegalArgumentException("'" + text + "' is not a JSON path: expected " + expected + " at offset " + at);
    }

    /** This path with one more step. */
    public JsonPath then(Step s) {
        List<Step> l = new ArrayList<>(steps.size() + 1);
        l.addAll(steps);
        l.add(s);
        return new JsonPath(l);
    }

    /** The text form, which {@link #parse} reads back to an equal path. */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("$");
        for (Step s : steps) append(b, s);
        return b.toString();
    }

    /** Appends one step in the text form: {@code .name} when the name reads plainly, else {@code ['name']}. */
    public static void append(StringBuilder b, Step s) {
        switch (s) {
            case Field f when plain(f.name()) -> b.append('.').append(f.name());
            case Field f -> {
                b.append("['");
                for (int i = 0; i < f.name().length(); i++) {
                    char c = f.name().charAt(i);
                    if (c == '\'' || c == '\\') b.append('\\');
                    b.append(c);
                }
                b.append("']");
            }
            case Index x -> b.append('[').append(x.index()).append(']');
            case Wildcard w -> b.append("[*]");
        }
    }

    private static boolean plain(String name) {
        if (name.isEmpty()) return false;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = c == '_' || c == '-' || c == '$' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
            if (!ok) return false;
        }
        return true;
    }
}
