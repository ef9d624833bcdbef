package dev.ficus.xds.snapshot;

import java.util.Arrays;

/**
 * The parameters of a request target's query string, read as Envoy's route matching reads them
 * ({@code QueryParamsMulti::parseQueryString}): the text after the first {@code ?} (up to a
 * {@code #}, which Envoy strips before routing) is split at every {@code &}; a parameter's name
 * ends at its first {@code =}, and a parameter without one has the value {@code ""}; names and
 * values stay percent-encoded (Envoy matches the raw text, so {@code ?q=a%20b} has the value
 * {@code a%20b}); a name given twice has its first value.
 *
 * <p>One instance per connection, reset per request and used on that connection's event loop
 * only. {@link #reset} only remembers the target: the query is split at the first
 * {@link #first} call, so a request whose route has no query match never pays for it; the spans
 * are kept in an array reused across requests, and a lookup allocates only the value it returns.
 */
public final class QueryString {
    private static final int NOT_PARSED = -1;

    private String target = "";
    private int count = NOT_PARSED;
    // per parameter: start of its name, index of its first '=' (or -1), end (exclusive)
    private int[] spans = new int[24];

    /** Starts over with a request target ({@code /path?query}); nothing is parsed yet. */
    public QueryString reset(String target) {
        this.target = target == null ? "" : target;
        this.count = NOT_PARSED;
        return this;
    }

    /** The first value of parameter {@code name} (raw, not percent-decoded), or null when the query has no such name. */
    public String first(String name) {
        if (count == NOT_PARSED) parse();
        String t = target;
        int[] s = spans;
        for (int i = 0, n = count * 3; i < n; i += 3) {
            int start = s[i], eq = s[i + 1], end = s[i + 2];
            int nameEnd = eq < 0 ? end : eq;
            if (nameEnd - start == name.length() && t.regionMatches(start, name, 0, name.length())) {
                return eq < 0 ? "" : t.substring(eq + 1, end);
            }
        }
        return null;
    }

    /** How many parameters the query has (an empty piece between two {@code &} counts, as in Envoy). */
    public int size() {
        if (count == NOT_PARSED) parse();
        return count;
    }

    /** The first value of {@code name} in {@code target}'s query; for one-off lookups off the hot path. */
    public static String first(String target, String name) {
        return new QueryString().reset(target).first(name);
    }

    private void parse() {
        String t = target;
        int q = t.indexOf('?');
        int n = 0;
        if (q >= 0) {
            int limit = t.indexOf('#', q + 1);
            if (limit < 0) limit = t.length();
            int start = q + 1;
            int eq = -1;
            for (int i = start; i <= limit; i++) { // one pass: a query of many short pieces stays linear
                char c = i < limit ? t.charAt(i) : '&';
                if (c == '=' && eq < 0) {
                    eq = i;
                } else if (c == '&') {
                    if (i == limit && start == limit) break; // nothing after the last '&': Envoy adds no piece
                    if ((n + 1) * 3 > spans.length) spans = Arrays.copyOf(spans, spans.length * 2);
                    spans[n * 3] = start;
                    spans[n * 3 + 1] = eq;
                    spans[n * 3 + 2] = i;
                    n++;
                    start = i + 1;
                    eq = -1;
                }
            }
        }
        count = n;
    }
}
