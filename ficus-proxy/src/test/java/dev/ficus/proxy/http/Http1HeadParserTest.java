package dev.ficus.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ficus.proxy.telemetry.TrafficStats;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/**
 * The head parser against RFC 9112's rules, and against what ficus does today with the same bytes
 * (Netty's decoder with {@link #nettyConfig}, {@link HeadScanHandler} and
 * {@link RequestGuardHandler}): same verdict, same parts.
 */
class Http1HeadParserTest {
    /**
     * Netty's decoder in the settings ficus ran it with before its own codec: RFC 9112
     * transfer-encoding rules (Content-Length with Transfer-Encoding, or Transfer-Encoding on
     * HTTP/1.0, an error instead of silently repaired), differing duplicate Content-Lengths
     * refused, strict line endings, validated names and values. The reference of the differential tests.
     */
    static HttpDecoderConfig nettyConfig(Http1Limits limits) {
        return new HttpDecoderConfig()
                .setMaxInitialLineLength(limits.maxInitialLineLength())
                .setMaxHeaderSize(limits.maxHeaderSize())
                .setMaxChunkSize(limits.maxChunkSize())
                .setValidateHeaders(true)
                .setAllowDuplicateContentLengths(false)
                .setUseRfc9112TransferEncoding(true)
                .setStrictLineParsing(true);
    }

    final Http1HeadParser parser = new Http1HeadParser(Http1Limits.DEFAULT);
    final Http1Head head = new Http1Head();

    /** The parser's verdict on {@code text}: "ok …parts" , "incomplete", or the status refused with. */
    String parse(String text) {
        ByteBuf buf = Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1);
        try {
            int r = parser.parse(buf, head);
            if (r == Http1HeadParser.INCOMPLETE) return "incomplete";
            if (r < 0) return Integer.toString(-r);
            assertThat(r).isEqualTo(buf.writerIndex()); // every generated input is exactly one head
            StringBuilder s = new StringBuilder("ok ").append(head.method(buf)).append(' ').append(head.target(buf))
                    .append(" 1.").append(head.minorVersion());
            for (int i = 0; i < head.fieldCount(); i++) s.append(" [").append(head.name(buf, i)).append(": ").append(head.value(buf, i)).append(']');
            return s.toString();
        } finally {
            buf.release();
        }
    }

    /** The parser's verdict and then the guard's check of the target's form, as the oracle's path runs both. */
    String parseAndGuard(String text) {
        String v = parse(text);
        if (!v.startsWith("ok")) return v;
        String[] parts = v.split(" ", 4);
        return RequestGuardHandler.targetForm(HttpMethod.valueOf(parts[1]), parts[2]) ? v : "400";
    }

    /** What ficus's current HTTP/1 path decides for the same bytes, in the same words. */
    static String oracle(String text) {
        TrafficStats stats = new TrafficStats("test");
        HeadScanHandler scan = new HeadScanHandler(() -> { });
        EmbeddedChannel ch = new EmbeddedChannel(scan, new HttpServerCodec(nettyConfig(Http1Limits.DEFAULT)), new RequestGuardHandler(Http1Limits.DEFAULT, stats));
        try {
            ch.writeInbound(Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1));
            String verdict = "incomplete";
            Object m;
            while ((m = ch.readInbound()) != null) {
                if (m instanceof HttpRequest req && verdict.equals("incomplete")) {
                    StringBuilder s = new StringBuilder("ok ").append(req.method().name()).append(' ').append(req.uri())
                            .append(" 1.").append(req.protocolVersion().minorVersion());
                    for (Map.Entry<String, String> e : req.headers()) s.append(" [").append(e.getKey()).append(": ").append(e.getValue()).append(']');
                    verdict = s.toString();
                }
                ReferenceCountUtil.release(m);
            }
            ByteBuf reply;
            while ((reply = ch.readOutbound()) != null) {
                String r = reply.toString(StandardCharsets.ISO_8859_1);
                reply.release();
                if (verdict.equals("incomplete") || verdict.startsWith("ok")) verdict = r.substring(9, 12);
            }
            return verdict;
        } finally {
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void parsesARequestHeadInPlace() {
        assertThat(parse("GET /a?b=c HTTP/1.1\r\nHost: example.com\r\nX-Empty:\r\nX-Pad: \t v a l \t\r\n\r\n"))
                .isEqualTo("ok GET /a?b=c 1.1 [Host: example.com] [X-Empty: ] [X-Pad: v a l]");
        assertThat(parse("\r\n\r\nPOST * HTTP/1.0\r\nContent-Length: 0012\r\n\r\n")).isEqualTo("ok POST * 1.0 [Content-Length: 0012]");
        assertThat(head.contentLength()).isEqualTo(12);
        assertThat(parse("PUT / HTTP/1.1\r\nhost: h\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n")).startsWith("ok");
        assertThat(head.chunked()).isTrue();
        assertThat(head.contentLength()).isEqualTo(-1);
    }

    @Test
    void waitsForTheRestOfAHead() {
        String full = "GET /x HTTP/1.1\r\nHost: h\r\nAccept: */*\r\n\r\n";
        for (int i = 0; i < full.length(); i++) assertThat(parse(full.substring(0, i))).as("first %d bytes", i).isEqualTo("incomplete");
        assertThat(parse(full)).startsWith("ok");
    }

    @Test
    void refusesWhatRfc9112Refuses() {
        Map<String, String> cases = Map.ofEntries(
                Map.entry("GET  / HTTP/1.1\r\nHost: h\r\n\r\n", "400"),                 // two spaces
                Map.entry("GET / HTTP/1.1\nHost: h\r\n\r\n", "400"),                   // bare LF
                Map.entry("GET / HTTP/2.0\r\nHost: h\r\n\r\n", "400"),
                Map.entry("G(T / HTTP/1.1\r\nHost: h\r\n\r\n", "400"),                 // not a token
                Map.entry("GET / HTTP/1.1\r\nHost : h\r\n\r\n", "400"),                // space before the colon
                Map.entry("GET / HTTP/1.1\r\nHost: h\r\n folded\r\n\r\n", "400"),      // obsolete folding
                Map.entry("GET / HTTP/1.1\r\nHost: h\r\nX: a\u0000b\r\n\r\n", "400"),  // NUL in a value
                Map.entry("GET / HTTP/1.1\r\nHost: h\r\nX: a\rb\r\n\r\n", "400"),      // CR in a value
                Map.entry("GET / HTTP/1.1\r\n\r\n", "400"),                            // no Host
                Map.entry("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", "400"),
                Map.entry("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n", "400"),
                Map.entry("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1, 1\r\n\r\n", "400"),
                Map.entry("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n", "400"),
                Map.entry("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999\r\n\r\n", "400"),
                Map.entry("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", "400"),
                Map.entry("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", "400"),
                Map.entry("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", "400"),
                Map.entry("GET / HTTP/1.1\r\nHost: h\r\nX: " + "a".repeat(61 * 1024) + "\r\n\r\n", "431"),
                Map.entry("GET /" + "a".repeat(9 * 1024) + " HTTP/1.1\r\nHost: h\r\n\r\n", "400"));
        cases.forEach((request, status) -> {
            assertThat(parse(request)).as(request.length() > 200 ? request.substring(0, 60) : request).isEqualTo(status);
            assertThat(head.error()).isNotNull();
        });
    }

    @Test
    void agreesWithTheCurrentPathOnTheseCases() {
        for (String request : List.of("GET / HTTP/1.1\r\nHost : h\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: h\r\n folded\r\n\r\n", "GET / HTTP/1.1\r\n\r\n", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
                "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: h\r\nX: " + "a".repeat(61 * 1024) + "\r\n\r\n")) {
            assertThat(parseAndGuard(request)).as(request.length() > 200 ? request.substring(0, 60) : request).isEqualTo(oracle(request));
        }
    }

    @Property(tries = 300)
    void validHeadsParseAsTheCurrentPathDecodesThem(@ForAll("heads") String request) {
        assertThat(parseAndGuard(request)).startsWith("ok").isEqualTo(oracle(request));
    }

    @Property(tries = 1000)
    void aChangedByteGetsTheSameVerdict(@ForAll("heads") String request, @ForAll("positions") double where,
                                        @ForAll("bytes") char b, @ForAll boolean insert) {
        int at = (int) (where * (request.length() - 4)); // the final empty line stays: the head stays complete
        String changed = request.substring(0, at) + b + request.substring(insert ? at : at + 1);
        String mine = parseAndGuard(changed), theirs = oracle(changed);
        String shown = changed.replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t");
        if (!mine.equals(theirs) && lenientRequestLine(changed)) {
            assertThat(mine).as("refused, read leniently before: %s", shown).isEqualTo("400");
            return;
        }
        assertThat(mine).as("%s", shown).isEqualTo(theirs);
    }

    /**
     * A request line that RFC 9112 section 3 lets a recipient read leniently (any whitespace as the
     * separator, whitespace before or around the parts) and Netty's decoder does: ficus's parser
     * refuses it, since recipients reading one message differently is how requests are smuggled.
     */
    static boolean lenientRequestLine(String text) {
        String t = text;
        while (t.startsWith("\r\n")) t = t.substring(2);
        int lf = t.indexOf('\n');
        String line = lf < 0 ? t : t.substring(0, lf + 1);
        return !line.matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+ [!-~]+ HTTP/1\\.[0-9]\r\n");
    }

    @Provide
    Arbitrary<Double> positions() { return Arbitraries.doubles().between(0, 1); }

    @Provide
    Arbitrary<Character> bytes() { return Arbitraries.of(' ', '\t', '\r', '\n', ':', '\u0000', '\u007f', 'a', 'Z', '\u00e9', '/', ',', '0'); }

    @Provide
    Arbitrary<String> heads() {
        Arbitrary<String> token = Arbitraries.strings().withChars("abcxyzABCXYZ019!#$%&'*+-.^_`|~").ofMinLength(1).ofMaxLength(10);
        Arbitrary<String> method = Arbitraries.oneOf(Arbitraries.of("GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH"),
                Arbitraries.strings().withChars("ABCDEFGHIJKLMNOPQRSTUVWXYZ").ofMinLength(1).ofMaxLength(8));
        Arbitrary<String> target = Arbitraries.strings().withCharRange('!', '~').ofMaxLength(30).map(s -> "/" + s);
        Arbitrary<String> value = Arbitraries.strings().withCharRange('!', '~').withChars(' ', '\t', '\u00e9', '\u00ff').ofMaxLength(20);
        Arbitrary<String> ows = Arbitraries.of("", " ", "\t", "  ", " \t");
        Arbitrary<String> field = Combinators.combine(token, ows, value, ows)
                .filter((n, a, v, b) -> !List.of("host", "content-length", "transfer-encoding", "connection", "expect", "upgrade", "te")
                        .contains(n.toLowerCase(java.util.Locale.ROOT)))
                .as((n, a, v, b) -> n + ":" + a + v + b);
        Arbitrary<List<String>> fields = field.list().ofMaxSize(8);
        Arbitrary<Integer> minor = Arbitraries.of(0, 1);
        Arbitrary<String> length = Arbitraries.longs().between(0, 1_000_000).map(n -> Long.toString(n)).injectNull(0.6);
        return Combinators.combine(method, target, minor, fields, length, Arbitraries.of("Host", "host", "HOST"), Arbitraries.of(0, 1)).as(
                (m, t, v, fs, len, hostName, hostOn10) -> {
                    List<String> lines = new ArrayList<>(fs);
                    if (v == 1 || hostOn10 == 1) lines.add(Math.min(lines.size(), 2), hostName + ": example.com");
                    if (len != null) lines.add("Content-Length: " + len);
                    StringBuilder s = new StringBuilder(m).append(' ').append(t).append(" HTTP/1.").append(v).append("\r\n");
                    for (String l : lines) s.append(l).append("\r\n");
                    return s.append("\r\n").toString();
                });
    }
}
