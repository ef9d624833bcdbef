package dev.ficus.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/** The parsed head's fields as HttpHeaders, held to what DefaultHttpHeaders does with the same calls. */
class Http1HeadHeadersTest {
    static final List<String> NAMES = List.of("X-A", "x-a", "X-B", "Accept", "ACCEPT", "Cookie", "num");
    static final List<String> VALUES = List.of("v1", "1", "42", "a b", "\u00e9t\u00e9", "", "x,y", "Tue, 15 Nov 1994 08:12:31 GMT", "close, Upgrade", "X,, y ,", "\tv1\t,x");

    /** One call on both implementations; what it returns is compared, and so is every field after it. */
    record Op(String shown, Function<HttpHeaders, Object> call) {
        @Override
        public String toString() { return shown; }
    }

    static final class Parsed implements AutoCloseable {
        final ByteBuf buf;
        final Http1HeadHeaders headers;

        Parsed(String fieldLines) {
            buf = Unpooled.copiedBuffer("GET / HTTP/1.0\r\n" + fieldLines + "\r\n", StandardCharsets.ISO_8859_1);
            Http1Head head = new Http1Head();
            int end = new Http1HeadParser(Http1Limits.DEFAULT).parse(buf, head);
            assertThat(end).as(head.error()).isPositive();
            headers = new Http1HeadHeaders(buf, buf.readerIndex(), end, head);
        }

        @Override
        public void close() { buf.release(); }
    }

    static List<String> pairs(HttpHeaders h) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, String> e : h) out.add(e.getKey() + "=" + e.getValue());
        return out;
    }

    @Test
    void readsAndEditsTheParsedFields() {
        try (Parsed p = new Parsed("Host: example.com\r\nAccept:  */*  \r\nX-Twice: 1\r\nx-twice: 2\r\nContent-Length: 12\r\n")) {
            HttpHeaders h = p.headers;
            assertThat(h.get("host")).isEqualTo("example.com");
            assertThat(h.get("ACCEPT")).isEqualTo("*/*");
            assertThat(h.getAll("x-twice")).containsExactly("1", "2");
            assertThat(h.getInt("content-length")).isEqualTo(12);
            assertThat(h.size()).isEqualTo(5);
            h.remove("X-TWICE").set("Accept", "text/plain").add("Via", "1.1 ficus");
            assertThat(pairs(h)).containsExactly("Host=example.com", "Content-Length=12", "Accept=text/plain", "Via=1.1 ficus");
            ByteBuf out = Unpooled.buffer();
            p.headers.encode(out);
            // the untouched lines are copied as they arrived, whitespace and all
            assertThat(out.toString(StandardCharsets.ISO_8859_1))
                    .isEqualTo("Host: example.com\r\nContent-Length: 12\r\nAccept: text/plain\r\nVia: 1.1 ficus\r\n");
            out.release();
        }
    }

    @Test
    void readsDates() {
        try (Parsed p = new Parsed("Date: Tue, 15 Nov 1994 08:12:31 GMT\r\nX: soon\r\n")) {
            assertThat(p.headers.getTimeMillis("date")).isEqualTo(784887151000L);
            assertThat(p.headers.getTimeMillis("x")).isNull(); // DefaultHttpHeaders throws here; nothing in ficus asks
            assertThat(p.headers.getTimeMillis("x", 7)).isEqualTo(7);
        }
    }

    @Test
    void refusesNamesAndValuesNettyRefuses() {
        try (Parsed p = new Parsed("Host: h\r\n")) {
            for (HttpHeaders h : List.of(p.headers, new DefaultHttpHeaders())) {
                assertThatThrownBy(() -> h.add("Bad Name", "v")).isInstanceOf(IllegalArgumentException.class);
                assertThatThrownBy(() -> h.set("X", "a\r\nInjected: 1")).isInstanceOf(IllegalArgumentException.class);
                assertThatThrownBy(() -> h.add("X", "a\u0000b")).isInstanceOf(IllegalArgumentException.class);
            }
        }
    }

    @Property(tries = 500)
    void behavesAsDefaultHttpHeaders(@ForAll("fieldLines") List<String> original, @ForAll("ops") List<Op> ops) {
        String lines = String.join("", original.stream().map(l -> l + "\r\n").toList());
        try (Parsed p = new Parsed(lines)) {
            HttpHeaders mine = p.headers, theirs = new DefaultHttpHeaders();
            for (Map.Entry<String, String> e : p.headers) theirs.add(e.getKey(), e.getValue()); // as Netty's decoder fills them
            for (Op op : ops) {
                assertThat(outcome(op, mine)).as("%s", op).isEqualTo(outcome(op, theirs));
                assertThat(pairs(mine)).as("after %s", op).isEqualTo(pairs(theirs));
                assertThat(mine.size()).isEqualTo(theirs.size());
                assertThat(mine.names()).isEqualTo(theirs.names());
            }
            // what encode writes reads back as the same fields
            ByteBuf out = Unpooled.buffer();
            p.headers.encode(out);
            try (Parsed again = new Parsed(out.toString(StandardCharsets.ISO_8859_1))) {
                assertThat(pairs(again.headers)).isEqualTo(pairs(theirs));
            } finally {
                out.release();
            }
        }
    }

    /** What a call returned, or the kind of exception it threw (a refused name or value). */
    static Object outcome(Op op, HttpHeaders h) {
        try {
            return op.call().apply(h);
        } catch (IllegalArgumentException e) {
            return "refused";
        }
    }

    @Provide
    Arbitrary<List<String>> fieldLines() {
        Arbitrary<String> ows = Arbitraries.of("", " ", "\t", "  ");
        return Combinators.combine(Arbitraries.of(NAMES), ows, Arbitraries.of(VALUES), ows)
                .as((n, a, v, b) -> n + ":" + a + v + b).list().ofMaxSize(8);
    }

    @Provide
    Arbitrary<List<Op>> ops() {
        Arbitrary<String> name = Arbitraries.of(NAMES);
        Arbitrary<String> value = Arbitraries.of(VALUES);
        Arbitrary<Op> op = Arbitraries.oneOf(
                Combinators.combine(name, value).as((n, v) -> new Op("add " + n + " " + v, h -> { h.add(n, v); return null; })),
                Combinators.combine(name, value).as((n, v) -> new Op("set " + n + " " + v, h -> { h.set(n, v); return null; })),
                Combinators.combine(name, value, value).as((n, v, w) -> new Op("set " + n + " [" + v + ", " + w + "]", h -> { h.set(n, List.of(v, w)); return null; })),
                Combinators.combine(name, Arbitraries.integers().between(-5, 500)).as((n, i) -> new Op("addInt " + n + " " + i, h -> { h.addInt(n, i); return null; })),
                name.map(n -> new Op("remove " + n, h -> { h.remove(n); return null; })),
                name.map(n -> new Op("get " + n, h -> h.get(n))),
                name.map(n -> new Op("getAll " + n, h -> h.getAll(n))),
                name.map(n -> new Op("contains " + n, h -> h.contains(n))),
                name.map(n -> new Op("getInt " + n, h -> h.getInt(n))),
                Combinators.combine(name, value).as((n, v) -> new Op("contains " + n + " " + v + " ignoring case", h -> h.contains(n, v, true))),
                Combinators.combine(name, Arbitraries.of("x", "X", "y", "v1", "", "upgrade", "Upgrade", "a b", "\u00c9t\u00e9"), Arbitraries.of(true, false))
                        .as((n, v, ic) -> new Op("containsValue " + n + " " + v + (ic ? " ignoring case" : ""), h -> h.containsValue(n, v, ic))),
                Arbitraries.just(new Op("isEmpty", HttpHeaders::isEmpty)),
                Arbitraries.just(new Op("clear", h -> { h.clear(); return null; })));
        return op.list().ofMaxSize(12);
    }
}
