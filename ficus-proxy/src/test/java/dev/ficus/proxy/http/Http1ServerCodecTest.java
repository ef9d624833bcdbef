package dev.ficus.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
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
 * ficus's HTTP/1 server codec: requests decode as Netty's decoder decodes them (a differential
 * property over pipelined streams of heads with fixed and chunked bodies, extensions and trailers,
 * cut into random pieces), and responses are encoded knowing their request's method.
 */
class Http1ServerCodecTest {

    /** What a decoder made of a stream, one line per request: head, fields, body bytes, trailers. */
    static List<String> decode(EmbeddedChannel ch, List<byte[]> pieces) {
        List<String> seen = new ArrayList<>();
        StringBuilder body = new StringBuilder();
        for (byte[] p : pieces) {
            ch.writeInbound(Unpooled.wrappedBuffer(p));
            Object m;
            while ((m = ch.readInbound()) != null) {
                try {
                    if (m instanceof HttpRequest r) {
                        seen.add(r.decoderResult().isFailure() ? "FAILED " + r.decoderResult().cause().getClass().getSimpleName()
                                : r.method() + " " + r.uri() + " " + r.protocolVersion() + " " + fields(r.headers()));
                    }
                    if (m instanceof HttpContent c) {
                        if (c.decoderResult().isFailure()) {
                            seen.add("BROKEN BODY");
                            continue;
                        }
                        body.append(c.content().toString(StandardCharsets.ISO_8859_1));
                        if (c instanceof LastHttpContent last) {
                            seen.add("BODY " + body + " TRAILERS " + fields(last.trailingHeaders()));
                            body.setLength(0);
                        }
                    }
                } finally {
                    ReferenceCountUtil.release(m);
                }
            }
        }
        return seen;
    }

    static String fields(HttpHeaders h) {
        StringBuilder b = new StringBuilder("[");
        for (Map.Entry<String, String> e : h.entries()) b.append(e.getKey()).append('=').append(e.getValue()).append(';');
        return b.append(']').toString();
    }

    static EmbeddedChannel ficus() { return new EmbeddedChannel(new Http1ServerCodec(Http1Limits.DEFAULT)); }

    static EmbeddedChannel netty() { return new EmbeddedChannel(new HttpRequestDecoder(Http1HeadParserTest.nettyConfig(Http1Limits.DEFAULT))); }

    static List<byte[]> cut(String stream, List<Integer> cuts) {
        byte[] all = stream.getBytes(StandardCharsets.ISO_8859_1);
        List<byte[]> pieces = new ArrayList<>();
        int from = 0;
        for (int c : cuts.stream().map(x -> x % (all.length + 1)).sorted().distinct().toList()) {
            pieces.add(java.util.Arrays.copyOfRange(all, from, c));
            from = c;
        }
        pieces.add(java.util.Arrays.copyOfRange(all, from, all.length));
        return pieces;
    }

    // ---- the differential property

    @Provide
    Arbitrary<String> token() { return Arbitraries.strings().withChars("abcdefghijklmnopqrstuvwxyzABCXYZ0123456789-_.!#$%&'*+^`|~").ofMinLength(1).ofMaxLength(12); }

    @Provide
    Arbitrary<String> value() { return Arbitraries.strings().withChars("abcXYZ 019,;=/\"()\t\u00e9").ofMaxLength(20); }

    Arbitrary<String> field() {
        return Combinators.combine(token().filter(n -> !List.of("host", "content-length", "transfer-encoding").contains(n.toLowerCase())), value(), Arbitraries.of("", " ", "  ", "\t"))
                .as((n, v, ows) -> n + ":" + ows + v + ows + "\r\n");
    }

    Arbitrary<String> chunkedBody() {
        Arbitrary<String> chunk = Combinators.combine(Arbitraries.strings().withChars("ab\r\n 0").ofMinLength(1).ofMaxLength(40), Arbitraries.of("", ";x", ";name=\"v\"", " ;a=b"), Arbitraries.of(true, false))
                .as((data, ext, upper) -> {
                    String size = Integer.toHexString(data.length());
                    return (upper ? size.toUpperCase() : size) + ext + "\r\n" + data + "\r\n";
                });
        Arbitrary<String> trailer = Combinators.combine(token().filter(n -> !List.of("content-length", "transfer-encoding", "trailer").contains(n.toLowerCase())), value())
                .as((n, v) -> n + ": " + v + "\r\n");
        return Combinators.combine(chunk.list().ofMaxSize(4), trailer.list().ofMaxSize(2))
                .as((chunks, trailers) -> String.join("", chunks) + "0\r\n" + String.join("", trailers) + "\r\n");
    }

    Arbitrary<String> request() {
        Arbitrary<String> method = Arbitraries.of("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "PURGE");
        Arbitrary<String> target = Arbitraries.of("/", "/a/b?c=d&e", "http://x.example:8080/p", "*", "/%20x");
        Arbitrary<String> body = Arbitraries.oneOf(
                Arbitraries.just(""),
                Arbitraries.strings().withChars("xy\r\n :").ofMaxLength(60).map(b -> "Content-Length: " + b.length() + "\r\n\r\n" + b),
                chunkedBody().map(b -> "Transfer-Encoding: chunked\r\n\r\n" + b));
        return Combinators.combine(method, target, field().list().ofMaxSize(6), Arbitraries.integers().between(0, 6), body)
                .as((m, t, fs, hostAt, b) -> {
                    List<String> lines = new ArrayList<>(fs);
                    lines.add(Math.min(hostAt, lines.size()), "Host: app.example\r\n");
                    String framing = b.isEmpty() ? "\r\n" : b;
                    return m + " " + t + " HTTP/1.1\r\n" + String.join("", lines) + framing;
                });
    }

    @Provide
    Arbitrary<String> stream() { return request().list().ofMinSize(1).ofMaxSize(4).map(rs -> String.join("", rs)); }

    @Property(tries = 500)
    void pipelinedRequestsDecodeAsNettyDecodesThemHoweverTheyAreCut(@ForAll("stream") String stream, @ForAll List<@net.jqwik.api.constraints.IntRange(min = 0, max = 2000) Integer> cuts) {
        List<byte[]> pieces = cut(stream, cuts);
        EmbeddedChannel ours = ficus(), reference = netty();
        try {
            List<String> expected = decode(reference, pieces);
            assertThat(expected).noneMatch(s -> s.startsWith("FAILED") || s.startsWith("BROKEN")); // the generator makes valid streams
            assertThat(decode(ours, pieces)).isEqualTo(expected);
        } finally {
            ours.finishAndReleaseAll();
            reference.finishAndReleaseAll();
        }
    }

    // ---- examples

    @Test
    void aChunkedBodyWithExtensionsAndTrailersIsHandedOnPieceByPiece() {
        EmbeddedChannel ch = ficus();
        List<String> seen = decode(ch, List.of(("POST /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
                + "5;ext=\"q\"\r\nhello\r\nA\r\n0123456789\r\n0\r\nx-checksum: abc \r\nContent-Length: 9\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1)));
        assertThat(seen).containsExactly("POST /up HTTP/1.1 [Host=a;Transfer-Encoding=gzip, chunked;]", "BODY hello0123456789 TRAILERS [x-checksum=abc;]");
        assertThat(ch.finishAndReleaseAll()).isFalse();
    }

    @Test
    void bodyPiecesAreSlicesOfTheReadBufferNotCopies() {
        EmbeddedChannel ch = ficus();
        String head = "PUT / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\n";
        ByteBuf read = Unpooled.directBuffer().writeBytes((head + "abcd").getBytes(StandardCharsets.ISO_8859_1));
        long address = read.memoryAddress();
        ch.writeInbound(read);
        HttpRequest r = ch.readInbound();
        assertThat(r.headers()).isInstanceOf(Http1HeadHeaders.class);
        HttpContent c = ch.readInbound();
        try {
            assertThat(c).isInstanceOf(LastHttpContent.class);
            assertThat(c.content().memoryAddress()).isEqualTo(address + head.length()); // the read buffer's own memory
        } finally {
            c.release();
        }
        assertThat(read.refCnt()).isZero();
        ch.finishAndReleaseAll();
    }

    @Test
    void malformedChunksBreakTheBodyAndEverythingAfterIsDiscarded() {
        for (String bad : List.of("zz\r\nbroken\r\n", "5\r\nhelloXX", "5\nhello\r\n", "5 x\r\nhello\r\n", "5;a\u0001\r\nhello\r\n", "0\r\nbad trailer\r\n\r\n", "FFFFFFFFFFFFFFFFF\r\n")) {
            EmbeddedChannel ch = ficus();
            List<String> seen = decode(ch, List.of(("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" + bad + "GET / HTTP/1.1\r\nHost: a\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1)));
            assertThat(seen).as(bad).endsWith("BROKEN BODY").hasSize(2);
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void refusedHeadsFailAndTooLargeOnesSay431() {
        EmbeddedChannel ch = ficus();
        assertThat(decode(ch, List.of("GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1))))
                .containsExactly("FAILED IllegalArgumentException");
        ch.finishAndReleaseAll();
        EmbeddedChannel small = new EmbeddedChannel(new Http1ServerCodec(new Http1Limits(64, 256, 1024, java.time.Duration.ofSeconds(5))));
        List<byte[]> trickle = new ArrayList<>();
        for (byte b : ("GET / HTTP/1.1\r\nHost: a\r\nX: " + "v".repeat(400) + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1)) trickle.add(new byte[] {b});
        assertThat(decode(small, trickle)).containsExactly("FAILED " + TooLongHttpHeaderException.class.getSimpleName());
        small.finishAndReleaseAll();
    }

    @Test
    void aLongHeadArrivingByteByByteIsParsedOnceItsEndArrives() {
        EmbeddedChannel ch = ficus();
        String head = "GET / HTTP/1.1\r\nHost: a\r\nX-Long: " + "v".repeat(1500) + "\r\n\r\n";
        List<byte[]> trickle = new ArrayList<>();
        for (byte b : head.getBytes(StandardCharsets.ISO_8859_1)) trickle.add(new byte[] {b});
        assertThat(decode(ch, trickle)).hasSize(2).first().asString().startsWith("GET / HTTP/1.1 [Host=a;X-Long=vvv");
        ch.finishAndReleaseAll();
    }

    @Test
    void emptyLinesBeforeARequestAreSkippedAndCannotPileUp() {
        EmbeddedChannel ch = ficus();
        List<byte[]> pieces = new ArrayList<>();
        for (int i = 0; i < 50_000; i++) pieces.add("\r\n".getBytes(StandardCharsets.ISO_8859_1));
        pieces.add("GET / HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        assertThat(decode(ch, pieces)).containsExactly("GET / HTTP/1.1 [Host=a;]", "BODY  TRAILERS []");
        ch.finishAndReleaseAll();
    }

    @Test
    void tooManyPipelinedRequestsCloseTheConnection() {
        EmbeddedChannel ch = ficus();
        String many = "GET / HTTP/1.1\r\nHost: a\r\n\r\n".repeat(Http1ServerCodec.MAX_PIPELINED + 1);
        try {
            decode(ch, List.of(many.getBytes(StandardCharsets.ISO_8859_1)));
            org.assertj.core.api.Assertions.fail("expected the decoder to refuse request " + (Http1ServerCodec.MAX_PIPELINED + 1));
        } catch (io.netty.handler.codec.DecoderException expected) {
            assertThat(expected).hasMessageContaining("too many pipelined requests");
        }
        ch.finishAndReleaseAll();
    }

    /** Writes one response and returns the bytes the encoder produced. */
    static String respond(EmbeddedChannel ch, Object... messages) {
        for (Object m : messages) ch.writeOutbound(m);
        StringBuilder out = new StringBuilder();
        ByteBuf b;
        while ((b = ch.readOutbound()) != null) {
            out.append(b.toString(StandardCharsets.ISO_8859_1));
            b.release();
        }
        return out.toString();
    }

    @Test
    void responsesAreEncodedKnowingTheirRequestsMethod() {
        EmbeddedChannel ch = ficus();
        decode(ch, List.of("HEAD /a HTTP/1.1\r\nHost: a\r\n\r\nGET /b HTTP/1.1\r\nHost: a\r\n\r\nCONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1)));
        // HEAD: the fields say chunked, yet no body and no last chunk
        DefaultHttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers().set(HttpHeaderNames.TRANSFER_ENCODING, "chunked");
        assertThat(respond(ch, head, LastHttpContent.EMPTY_LAST_CONTENT)).isEqualTo("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n");
        // a 100 Continue answers no request yet: the GET's response after it still has its body
        assertThat(respond(ch, new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE))).isEqualTo("HTTP/1.1 100 Continue\r\n\r\n");
        DefaultFullHttpResponse get = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.copiedBuffer("hi", StandardCharsets.ISO_8859_1));
        get.headers().set(HttpHeaderNames.CONTENT_LENGTH, 2);
        assertThat(respond(ch, get)).isEqualTo("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nhi");
        // CONNECT: a tunnel follows, so no Transfer-Encoding
        DefaultHttpResponse connect = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        connect.headers().set(HttpHeaderNames.TRANSFER_ENCODING, "chunked");
        assertThat(respond(ch, connect)).isEqualTo("HTTP/1.1 200 OK\r\n\r\n");
        ch.finishAndReleaseAll();
    }
}
