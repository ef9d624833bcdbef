package dev.ficus.xds.snapshot;

import com.google.re2j.Matcher;
import com.google.re2j.Pattern;
import java.util.Objects;

/**
 * Path and authority rewrites of a route (Istio's {@code HTTPRewrite}), compiled once per
 * snapshot. As Istio: {@code uri} replaces the matched prefix when the route matched by prefix,
 * and the whole path otherwise; {@code uriRegexRewrite} replaces every RE2 match in the path
 * (Envoy's {@code regex_rewrite}). The query string is kept.
 *
 * @param matchedPrefix  the route's prefix match when {@code uri} replaces a prefix, else null
 * @param uri            the replacement path or prefix, or null
 * @param regex          RE2 pattern of a regex rewrite, or null
 * @param regexRewrite   its replacement in RE2J syntax ($1 references), or null
 * @param authority      the new {@code Host}, or null to keep it
 */
public record RouteRewrite(String matchedPrefix, String uri, Pattern regex, String regexRewrite, String authority) {
    public RouteRewrite {
        if ((regex == null) != (regexRewrite == null)) throw new IllegalArgumentException("a regex rewrite needs both a pattern and a replacement");
        if (uri != null && regex != null) throw new IllegalArgumentException("uri and uriRegexRewrite are exclusive");
    }

    /** A regex rewrite from Istio's form: {@code rewrite} may use {@code \1}-style capture references. */
    public static RouteRewrite regex(String match, String rewrite, String authority) {
        return new RouteRewrite(null, null, Pattern.compile(match), toRe2jReplacement(rewrite), authority);
    }

    public boolean rewritesPath() { return uri != null || regex != null; }

    /** The request target after the rewrite; {@code target} is the origin-form path with its query. */
    public String rewrite(String target) {
        if (!rewritesPath()) return target;
        int q = target.indexOf('?');
        String path = q < 0 ? target : target.substring(0, q);
        String rest = q < 0 ? "" : target.substring(q);
        String out;
        if (regex != null) {
            Matcher m = regex.matcher(path);
            out = m.replaceAll(regexRewrite);
        } else if (matchedPrefix != null && path.regionMatches(true, 0, matchedPrefix, 0, matchedPrefix.length())) { // the route may match ignoring case (ignoreUriCase): Envoy replaces the prefix's length either way
            out = uri + path.substring(matchedPrefix.length());
        } else {
            out = uri;
        }
        if (out.isEmpty()) out = "/";
        return out + rest;
    }

    /** Turns {@code \N} references into RE2J's {@code $N} and escapes literal {@code $}. */
    static String toRe2jReplacement(String rewrite) {
        StringBuilder b = new StringBuilder(rewrite.length() + 4);
        for (int i = 0; i < rewrite.length(); i++) {
            char c = rewrite.charAt(i);
            if (c == '\\' && i + 1 < rewrite.length() && Character.isDigit(rewrite.charAt(i + 1))) {
                b.append('$').append(rewrite.charAt(++i));
            } else if (c == '$') {
                b.append("\\$");
            } else if (c == '\\') {
                b.append("\\\\");
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    @Override public boolean equals(Object o) {
        return o instanceof RouteRewrite r && Objects.equals(r.matchedPrefix, matchedPrefix) && Objects.equals(r.uri, uri)
                && Objects.equals(r.regex == null ? null : r.regex.pattern(), regex == null ? null : regex.pattern())
                && Objects.equals(r.regexRewrite, regexRewrite) && Objects.equals(r.authority, authority);
    }
    @Override public int hashCode() { return Objects.hash(matchedPrefix, uri, regex == null ? null : regex.pattern(), regexRewrite, authority); }
}
