package dev.ficus.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The hop-by-hop fields go, on a head ficus decoded and on Netty's headers alike. */
class HopByHopTest {
    static final String FIELDS = "Host: h\r\nConnection: keep-alive, X-Secret\r\nX-Secret: s\r\nKeep-Alive: timeout=5\r\n"
            + "connection: Upgrade ,\tx-other , close\r\nUpgrade: websocket\r\nX-Other: o\r\nTE: trailers\r\nProxy-Connection: keep-alive\r\n"
            + "X-Kept: k\r\nkeep-alive-not: k\r\n";

    @Test
    void connectionAndTheFieldsItNamesGo() {
        for (HttpHeaders h : List.of(decoded(FIELDS), netty(FIELDS))) {
            HopByHop.strip(h);
            assertThat(names(h)).as(h.getClass().getSimpleName()).containsExactly(Map.entry("host", "h"), Map.entry("keep-alive-not", "k"), Map.entry("x-kept", "k"));
        }
    }

    @Test
    void theUsualConnectionValuesRemoveNothingElse() {
        for (String value : new String[] {"keep-alive", "close", "Keep-Alive", " CLOSE ", "close,keep-alive", ""}) {
            String fields = "Host: h\r\nConnection: " + value + "\r\nX-Kept: k\r\nClose: c\r\n";
            for (HttpHeaders h : List.of(decoded(fields), netty(fields))) {
                HopByHop.strip(h);
                assertThat(names(h)).as(value).containsOnlyKeys("host", "x-kept", "close");
            }
        }
    }

    static Map<String, String> names(HttpHeaders h) {
        Map<String, String> m = new TreeMap<>();
        for (Map.Entry<String, String> e : h) m.put(e.getKey().toLowerCase(), e.getValue());
        return m;
    }

    static HttpHeaders netty(String fields) {
        HttpHeaders h = new DefaultHttpHeaders();
        for (String line : fields.split("\r\n")) {
            int colon = line.indexOf(':');
            h.add(line.substring(0, colon), line.substring(colon + 1).strip());
        }
        return h;
    }

    /** The fields as ficus's decoder hands them on. */
    static HttpHeaders decoded(String fields) {
        String text = "GET / HTTP/1.1\r\n" + fields + "\r\n";
        ByteBuf buf = Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1);
        try {
            Http1Head head = new Http1Head();
            assertThat(new Http1HeadParser(Http1Limits.DEFAULT).parse(buf, head)).isEqualTo(text.length());
            return new Http1HeadHeaders(buf, 0, text.length(), head);
        } finally {
            buf.release();
        }
    }
}
