package dev.ficus.xds.snapshot;

import com.google.re2j.Pattern;
import java.util.Objects;

/**
 * How one string value (a path, a header value) is matched. Regexes use RE2 semantics (linear
 * time, no backtracking) and must match the whole value, as in Envoy's {@code safe_regex}; the
 * pattern is compiled when the record is built, never per request.
 */
public sealed interface StringMatch {
    /** True when {@code value} (never null) matches. */
    boolean matches(String value);

    /**
     * Like {@link #matches}, ignoring ASCII case for exact and prefix matches, as Envoy's
     * {@code case_sensitive: false} route matches do (Istio's {@code ignoreUriCase}); a regex is
     * unaffected. Allocates nothing.
     */
    default boolean matchesIgnoreCase(String value) { return matches(value); }

    record Exact(String value) implements StringMatch {
        public Exact { Objects.requireNonNull(value, "value"); }
        @Override public boolean matches(String v) { return value.equals(v); }
        @Override public boolean matchesIgnoreCase(String v) { return v.length() == value.length() && regionEqualsIgnoreAsciiCase(v, value, value.length()); }
    }

    record Prefix(String prefix) implements StringMatch {
        public Prefix { Objects.requireNonNull(prefix, "prefix"); }
        @Override public boolean matches(String v) { return v.startsWith(prefix); }
        @Override public boolean matchesIgnoreCase(String v) { return v.length() >= prefix.length() && regionEqualsIgnoreAsciiCase(v, prefix, prefix.length()); }
    }

    /** A whole-value RE2 match; {@code pattern} is derived from {@code regex}. */
    record Regex(String regex, Pattern pattern) implements StringMatch {
        public Regex {
            Objects.requireNonNull(regex, "regex");
            if (pattern == null) pattern = Pattern.compile(regex);
            else if (!pattern.pattern().equals(regex)) throw new IllegalArgumentException("pattern does not match regex");
        }
        public Regex(String regex) { this(regex, null); }
        @Override public boolean matches(String v) { return pattern.matches(v); }
        @Override public boolean equals(Object o) { return o instanceof Regex r && r.regex.equals(regex); }
        @Override public int hashCode() { return regex.hashCode(); }
    }

    /** Matches any value: used for "header is present". */
    record Present() implements StringMatch {
        @Override public boolean matches(String v) { return true; }
    }

    /** Whether the first {@code n} chars of {@code a} and {@code b} are equal when ASCII letters are folded (other chars must be equal). */
    private static boolean regionEqualsIgnoreAsciiCase(String a, String b, int n) {
        for (int i = 0; i < n; i++) {
            char x = a.charAt(i), y = b.charAt(i);
            if (x == y) continue;
            if (x >= 'A' && x <= 'Z') x += 'a' - 'A';
            if (y >= 'A' && y <= 'Z') y += 'a' - 'A';
            if (x != y || x < 'a' || x > 'z') return false;
        }
        return true;
    }
}
