package dev.ficus.proxy.authz;

import dev.ficus.api.security.IpBlock;
import dev.ficus.api.security.StringMatch;

/**
 * Istio's value matching for AuthorizationPolicy, allocation-free: the match forms of
 * {@link StringMatch} (exact, prefix {@code x*}, suffix {@code *x}, {@code *} for any non-empty
 * value), hosts case-insensitively and with or without their port, addresses by CIDR. Called on
 * event loops per request; stateless.
 */
public final class Matchers {
    private Matchers() {}

    /** An Istio form against a value; an absent (null) value never matches. */
    public static boolean matches(StringMatch m, String value) {
        return value != null && region(m, value, value.length(), false);
    }

    /**
     * A {@code hosts} entry against a request's {@code Host}: case-insensitive, and a host sent
     * with a port also matches entries written without one ({@code example.com} matches
     * {@code EXAMPLE.com:8080}).
     */
    public static boolean matchesHost(StringMatch m, String host) {
        if (host == null) return false;
        int len = host.length();
        if (region(m, host, len, true)) return true;
        int end = portStart(host);
        return end < len && region(m, host, end, true);
    }

    /** Where the {@code :port} of a host begins ({@code [::1]:80}, {@code a:80}), or its length when it has none. */
    static int portStart(String host) {
        int len = host.length();
        if (!host.isEmpty() && host.charAt(0) == '[') {
            int close = host.indexOf(']');
            return close > 0 && close + 1 < len && host.charAt(close + 1) == ':' ? close + 1 : len;
        }
        int colon = host.lastIndexOf(':');
        if (colon < 0 || host.indexOf(':') != colon) return len; // none, or an IPv6 literal without brackets
        for (int i = colon + 1; i < len; i++) {
            char c = host.charAt(i);
            if (c < '0' || c > '9') return len;
        }
        return colon;
    }

    /** Whether the first {@code len} characters of {@code s} match. */
    private static boolean region(StringMatch m, String s, int len, boolean ignoreCase) {
        String v = m.value();
        int n = v.length();
        return switch (m.kind()) {
            case EXACT -> len == n && s.regionMatches(ignoreCase, 0, v, 0, n);
            case PREFIX -> len >= n && s.regionMatches(ignoreCase, 0, v, 0, n);
            case SUFFIX -> len >= n && s.regionMatches(ignoreCase, len - n, v, 0, n);
            case PRESENCE -> len > 0;
        };
    }

    /** Whether any of {@code blocks} holds {@code address} (4 or 16 bytes); an absent address never matches. */
    public static boolean inAny(IpBlock[] blocks, byte[] address) {
        if (address == null) return false;
        for (IpBlock b : blocks) {
            if (b.contains(address)) return true;
        }
        return false;
    }

    /** Istio's form of {@code text}, which validation and the snapshot already checked. */
    static StringMatch form(String text) {
        return StringMatch.parse(text).orElseThrow(() -> new IllegalArgumentException("not an Istio match form: '" + text + "'"));
    }
}
