package dev.ficus.proxy.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.List;

/**
 * Removes the hop-by-hop fields of RFC 9110 section 7.6.1 before a message crosses the proxy:
 * {@code Connection} and every field it names, {@code Keep-Alive}, {@code Proxy-Connection},
 * {@code TE}, {@code Transfer-Encoding} and {@code Upgrade}. Framing is re-established by the
 * caller for the next hop. Upgrades are not forwarded yet: dropping {@code Upgrade} is allowed,
 * a server may always ignore it.
 */
public final class HopByHop {
    private static final AsciiString PROXY_CONNECTION = AsciiString.cached("proxy-connection");
    private static final AsciiString KEEP_ALIVE = AsciiString.cached("keep-alive");

    private HopByHop() {}

    /**
     * Strips the hop-by-hop fields in place. Allocates nothing for the usual {@code Connection:
     * keep-alive} or {@code close} of a head ficus decoded; a field {@code Connection} names is
     * removed by a name cut out of the value.
     */
    public static void strip(HttpHeaders h) {
        if (h.isEmpty()) return;
        String first = h.get(HttpHeaderNames.CONNECTION);
        if (first != null) {
            if (h instanceof Http1HeadHeaders hh && hh.occurrences(HttpHeaderNames.CONNECTION) == 1) {
                removeNamed(h, first);
            } else {
                List<String> all = h.getAll(HttpHeaderNames.CONNECTION);
                for (int i = 0, n = all.size(); i < n; i++) removeNamed(h, all.get(i));
            }
        }
        h.remove(HttpHeaderNames.CONNECTION);
        h.remove(KEEP_ALIVE);
        h.remove(PROXY_CONNECTION);
        h.remove(HttpHeaderNames.TE);
        h.remove(HttpHeaderNames.TRANSFER_ENCODING);
        h.remove(HttpHeaderNames.UPGRADE);
    }

    /** Removes each field named by the comma-separated tokens of {@code v} other than close and keep-alive. */
    private static void removeNamed(HttpHeaders h, String v) {
        int start = 0, len = v.length();
        while (start < len) {
            int comma = v.indexOf(',', start);
            int end = comma < 0 ? len : comma;
            int a = start, b = end;
            while (a < b && (v.charAt(a) == ' ' || v.charAt(a) == '\t')) a++;
            while (b > a && (v.charAt(b - 1) == ' ' || v.charAt(b - 1) == '\t')) b--;
            int n = b - a;
            boolean usual = (n == 5 && v.regionMatches(true, a, "close", 0, 5)) || (n == 10 && v.regionMatches(true, a, "keep-alive", 0, 10));
            if (n > 0 && !usual) h.remove(v.substring(a, b));
            start = end + 1;
        }
    }
}
