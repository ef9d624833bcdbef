package dev.ficus.proxy.http;

/**
 * Istio's default path normalization ({@code BASE}): what routing, authorization and the upstream
 * see is the request path with
 * <ul>
 *   <li>percent-encoded unreserved characters decoded once ({@code %61} → {@code a}; letters,
 *       digits, {@code - . _ ~}); every other escape kept as sent, {@code %2F} and {@code %5C}
 *       included;</li>
 *   <li>backslashes turned into slashes;</li>
 *   <li>dot segments resolved as RFC 3986 section 5.2.4 says ({@code /a/./b/../c} → {@code /a/c});
 *       a {@code ..} above the root stays at the root.</li>
 * </ul>
 * A path with {@code %00} is refused (400). The query is left as it is. Without it,
 * {@code /x/../admin} or {@code /%61dmin} would pass a route or policy written for {@code /admin}
 * and reach the application as {@code /admin} all the same. See
 * https://istio.io/latest/docs/reference/config/security/normalization/.
 */
public final class PathNormalization {
    private PathNormalization() {}

    /**
     * The normalized form of an origin-form target ({@code /path?query}): {@code target} itself
     * (the same instance) when nothing changes, which is the common case and allocates nothing;
     * null when the path must be refused. Targets that do not start with {@code /} ({@code *}, an
     * authority) are returned as they are.
     */
    public static String base(String target) {
        if (target.isEmpty() || target.charAt(0) != '/') return target;
        int end = target.indexOf('?');
        if (end < 0) end = target.length();
        if (plain(target, end)) return target;
        StringBuilder decoded = new StringBuilder(end);
        for (int i = 0; i < end; i++) {
            char c = target.charAt(i);
            if (c == '\\') {
                decoded.append('/');
            } else if (c == '%' && hex(target, i + 1, end) >= 0) {
                int v = hex(target, i + 1, end);
                if (v == 0) return null;
                if (unreserved(v)) decoded.append((char) v);
                else decoded.append(target, i, i + 3);
                i += 2;
            } else {
                decoded.append(c);
            }
        }
        String path = removeDotSegments(decoded);
        String out = end == target.length() ? path : path + target.substring(end);
        return out.equals(target) ? target : out;
    }

    /** True when the path has nothing to normalize: no escape, no backslash, no segment that starts with a dot. */
    private static boolean plain(String s, int end) {
        for (int i = 0; i < end; i++) {
            char c = s.charAt(i);
            if (c == '%' || c == '\\' || (c == '.' && s.charAt(i - 1) == '/')) return false;
        }
        return true;
    }

    /** The value of the two hex digits at {@code at}, or -1 when there are not two before {@code end}. */
    private static int hex(String s, int at, int end) {
        if (at + 1 >= end) return -1;
        int hi = Character.digit(s.charAt(at), 16), lo = Character.digit(s.charAt(at + 1), 16);
        return hi < 0 || lo < 0 ? -1 : hi << 4 | lo;
    }

    private static boolean unreserved(int c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    }

    /** RFC 3986 section 5.2.4 on a path that starts with "/". */
    static String removeDotSegments(CharSequence in) {
        String s = in.toString();
        int n = s.length();
        StringBuilder out = new StringBuilder(n);
        int i = 0;
        while (i < n) {
            if (s.startsWith("/./", i)) {
                i += 2; // "/./" → "/"
            } else if (i + 2 == n && s.startsWith("/.", i)) {
                out.append('/');
                i = n;
            } else if (s.startsWith("/../", i)) {
                i += 3; // "/../" → "/", and the last output segment goes
                dropLastSegment(out);
            } else if (i + 3 == n && s.startsWith("/..", i)) {
                dropLastSegment(out);
                out.append('/');
                i = n;
            } else {
                int next = s.indexOf('/', i + 1);
                if (next < 0) next = n;
                out.append(s, i, next);
                i = next;
            }
        }
        return out.isEmpty() ? "/" : out.toString();
    }

    private static void dropLastSegment(StringBuilder out) {
        int slash = out.lastIndexOf("/");
        out.setLength(Math.max(slash, 0));
    }
}
