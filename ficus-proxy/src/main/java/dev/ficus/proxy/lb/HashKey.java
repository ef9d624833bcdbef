package dev.ficus.proxy.lb;

import dev.ficus.xds.snapshot.HashPolicy;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Computes a request's consistent-hash key from a {@link HashPolicy} by scanning the header,
 * cookie or query string in place (no substring, no allocation). A request without the key gets a
 * random one, so it is spread like RANDOM, as Envoy does. Immutable; any event loop.
 */
final class HashKey {
    private final HashPolicy policy;
    private final AsciiString header;
    private final String name;
    private final String cookieSuffix;

    HashKey(HashPolicy policy) {
        this.policy = policy;
        this.header = policy instanceof HashPolicy.Header h ? AsciiString.cached(h.name().toLowerCase(java.util.Locale.ROOT)) : null;
        this.name = switch (policy) {
            case HashPolicy.Header h -> h.name();
            case HashPolicy.Cookie c -> c.name();
            case HashPolicy.QueryParameter q -> q.name();
            case HashPolicy.SourceIp s -> null;
        };
        this.cookieSuffix = policy instanceof HashPolicy.Cookie c ? cookieAttributes(c) : null;
    }

    long hash(PickContext ctx) {
        if (ctx == null || ctx.request() == null) return ThreadLocalRandom.current().nextLong();
        HttpHeaders h = ctx.request().headers();
        switch (policy) {
            case HashPolicy.Header x -> {
                String v = h.get(header);
                if (v != null) return Hashing.hash(v);
            }
            case HashPolicy.SourceIp x -> {
                if (ctx.sourceIp() != null) return Hashing.hash(ctx.sourceIp());
            }
            case HashPolicy.QueryParameter x -> {
                String uri = ctx.request().uri();
                int q = uri.indexOf('?');
                if (q >= 0) {
                    long r = findParam(uri, q + 1, '&', name);
                    if (r != NOT_FOUND) return r;
                }
            }
            case HashPolicy.Cookie c -> {
                String cookies = h.get(HttpHeaderNames.COOKIE); // HTTP/1.1 clients send one Cookie field
                if (cookies != null) {
                    long r = findParam(cookies, 0, ';', name);
                    if (r != NOT_FOUND) return r;
                }
                if (c.ttl() != null) {
                    // Envoy's way: a value derived from the peer, returned to the client, hashed like a received one
                    String value = HexFormat.of().toHexDigits(Hashing.hash(ctx.peer() != null ? ctx.peer() : Long.toString(ThreadLocalRandom.current().nextLong())));
                    ctx.setCookie(name + "=\"" + value + "\"" + cookieSuffix);
                    return Hashing.hash(value);
                }
            }
        }
        return ThreadLocalRandom.current().nextLong();
    }

    private static final long NOT_FOUND = 0x8000_0000_0000_0000L;

    /**
     * The hash of the value of {@code key} in {@code s} from {@code from}, in a list of
     * {@code key=value} pairs split by {@code sep} (spaces around pairs ignored, one pair of
     * double quotes around the value stripped), or NOT_FOUND.
     */
    static long findParam(String s, int from, char sep, String key) {
        int n = s.length();
        int i = from;
        while (i < n) {
            while (i < n && s.charAt(i) == ' ') i++;
            int end = s.indexOf(sep, i);
            if (end < 0) end = n;
            int k = key.length();
            if (end - i > k && s.charAt(i + k) == '=' && s.regionMatches(i, key, 0, k)) {
                int vs = i + k + 1, ve = end;
                while (ve > vs && s.charAt(ve - 1) == ' ') ve--;
                if (ve - vs >= 2 && s.charAt(vs) == '"' && s.charAt(ve - 1) == '"') {
                    vs++;
                    ve--;
                }
                long r = Hashing.hash(s, vs, ve);
                return r == NOT_FOUND ? r + 1 : r;
            }
            i = end + 1;
        }
        return NOT_FOUND;
    }

    private static String cookieAttributes(HashPolicy.Cookie c) {
        StringBuilder b = new StringBuilder();
        if (c.ttl() != null && !c.ttl().isZero()) b.append("; Max-Age=").append(Math.max(1, c.ttl().toSeconds()));
        if (c.path() != null && !c.path().isEmpty()) b.append("; Path=").append(c.path());
        b.append("; HttpOnly");
        return b.toString();
    }
}
