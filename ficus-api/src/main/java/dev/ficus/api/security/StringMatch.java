package dev.ficus.api.security;

import java.util.Locale;
import java.util.Optional;

/**
 * One value of an AuthorizationPolicy field in Istio's match forms: exact ({@code abc}), prefix
 * ({@code abc*}), suffix ({@code *abc}) or presence ({@code *}: any non-empty value). A {@code *}
 * anywhere else is not a wildcard in Istio and is refused by validation. Parsed once when a
 * snapshot is built; {@link #matches} runs per request on the proxy's event loop and allocates
 * nothing.
 */
public record StringMatch(Kind kind, String value) {

    public enum Kind { EXACT, PREFIX, SUFFIX, PRESENCE }

    public StringMatch {
        if (kind == null || value == null) throw new IllegalArgumentException("kind and value are required");
    }

    /**
     * Reads Istio's form. Empty when {@code text} is empty or has a {@code *} other than one
     * leading or trailing it.
     */
    public static Optional<StringMatch> parse(String text) {
        if (text == null || text.isEmpty()) return Optional.empty();
        if (text.equals("*")) return Optional.of(new StringMatch(Kind.PRESENCE, ""));
        if (text.startsWith("*")) {
            String rest = text.substring(1);
            return rest.contains("*") ? Optional.empty() : Optional.of(new StringMatch(Kind.SUFFIX, rest));
        }
        if (text.endsWith("*")) {
            String rest = text.substring(0, text.length() - 1);
            return rest.contains("*") ? Optional.empty() : Optional.of(new StringMatch(Kind.PREFIX, rest));
        }
        return text.contains("*") ? Optional.empty() : Optional.of(new StringMatch(Kind.EXACT, text));
    }

    /** Whether {@code candidate} matches; null (absent) never matches, presence needs a non-empty value. */
    public boolean matches(String candidate) {
        if (candidate == null) return false;
        return switch (kind) {
            case EXACT -> candidate.equals(value);
            case PREFIX -> candidate.startsWith(value);
            case SUFFIX -> candidate.endsWith(value);
            case PRESENCE -> !candidate.isEmpty();
        };
    }

    /** Case-insensitive match, as Istio matches {@code hosts}. */
    public boolean matchesIgnoreCase(String candidate) {
        if (candidate == null) return false;
        String c = candidate.toLowerCase(Locale.ROOT);
        String v = value.toLowerCase(Locale.ROOT);
        return switch (kind) {
            case EXACT -> c.equals(v);
            case PREFIX -> c.startsWith(v);
            case SUFFIX -> c.endsWith(v);
            case PRESENCE -> !c.isEmpty();
        };
    }

    /** Istio's spelling of this match. */
    @Override
    public String toString() {
        return switch (kind) {
            case EXACT -> value;
            case PREFIX -> value + "*";
            case SUFFIX -> "*" + value;
            case PRESENCE -> "*";
        };
    }
}
