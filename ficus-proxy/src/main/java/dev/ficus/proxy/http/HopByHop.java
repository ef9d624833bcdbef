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

    /** Strips the hop-by-hop fields in place; allocates only when {@code Connection} names extra fields. */
    public static void strip(HttpHeaders h) {
        if (h.isEmpty()) return;
        List<String> connection = h.contains(HttpHeaderNames.CONNECTION) ? h.getAll(HttpHeaderNames.CONNECTION) : List.of();
        for (int i = 0, n = connection.size(); i < n; i++) {
            String v = connection.get(i);
            int start = 0;
            while (start < v.length()) {
                int comma = v.indexOf(',', start);
                int end = comma < 0 ? v.length() : comma;
                String token = v.substring(start, end).trim();
                if (!token.isEmpty() && !token.equalsIgnoreCase("close") && !token.equalsIgnoreCase("keep-alive")) h.remove(token);
                start = end + 1;
            }
        }
        h.remove(HttpHeaderNames.CONNECTION);
        h.remove(KEEP_ALIVE);
        h.remove(PROXY_CONNECTION);
        h.remove(HttpHeaderNames.TE);
        h.remove(HttpHeaderNames.TRANSFER_ENCODING);
        h.remove(HttpHeaderNames.UPGRADE);
    }
}
