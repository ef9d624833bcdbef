package dev.ficus.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
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
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * ficus's upstream HTTP/1 codec: responses decode as Netty's decoder decodes them (a differential
 * property over streams of responses with every kind of framing, cut into random pieces), bodies
 * follow the request's method, refused heads fail, and a head ficus decoded is sent on as it arrived.
 */
class Http1ClientCodecTest {

    /** What a decoder made of a stream (then of the connection's end), one line per message. */
    static List<String> decode(EmbeddedChannel ch, List<byte[]> pieces, boolean thenClose) {
        List<String> seen = new ArrayList<>();
        StringBuilder body = new StringBuilder();
        for (byte[] p : pieces) {
            ch.writeInbound(Unpooled.wrappedBuffer(p));
            drain(ch, seen, body);
        }
        if (thenClose) {
            ch.finish();
            drain(ch, seen, body);
        }
        if (!body.isEmpty()) seen.add("UNFINISHED " + body);
        return seen;
    }

    private static void drain(EmbeddedChannel ch, List<String> seen, StringBuilder body) {
        Object m;
        while ((m = ch.readInbound()) != null) {
            try {
                if (m instanceof HttpResponse r) {
                    if (r.decoderResult().isFailure()) { // a full response, as Netty's decoder makes it: no body of its own
                        seen.add("FAILED");
                        continue;
                    }
                    seen.add(r.protocolVersion() + " " + r.status().code() + " [" + r.status().reasonPhrase() + "] " + fields(r));
                }
                if (m instanceof HttpContent c) {
                    if (c.decoderResult().isFailure()) {
                        seen.add("BROKEN BODY");
                        continue;
                    }
                    body.append(c.content().toString(StandardCharsets.ISO_8859_1));
                    if (c instanceof LastHttpContent last) {
                        seen.add("BODY " + body + " TRAILERS " + last.trailingHeaders().entries());
                        body.setLength(0);
                    }
                } else if (m instanceof ByteBuf raw) {
                    seen.add("RAW " + raw.toString(StandardCharsets.ISO_8859_1));
                }
            } finally {
                ReferenceCountUtil.release(m);
            }
        }
    }

    static String fields(HttpResponse r) {
        StringBuilder b = new StringBuilder("[");
        for (Map.Entry<String, String> e : r.headers().entries()) b.append(e.getKey()).append('=').append(e.getValue()).append(';');
        return b.append(']').toString();
    }

    static EmbeddedChannel ficus() { return new EmbeddedChannel(new Http1ResponseDecoder(new Http1Limits(4096, 64 * 1024, 16 * 1024, java.time.Duration.ZERO), s -> Http1ResponseDecoder.Answer.BODY)); }

    static EmbeddedChannel netty() {
        return new EmbeddedChannel(new HttpResponseDecoder(new HttpDecoderConfig().setMaxInitialLineLength(4096).setMaxHeaderSize(64 * 1024).setMaxChunkSize(16 * 1024)));
    }

    // ---- the differential property

    Arbitrary<String> token() { return Arbitraries.strings().withChars("abcdefghijklmnopqrstuvwxyzABCXYZ0123456789-_.!#$%&'*+^`|~").ofMinLength(1).ofMaxLength(12); }

    Arbitrary<String> value() { return Arbitraries.strings().withChars("abcXYZ 019,;=/\"()\t\u00e9").ofMaxLength(20); }

    Arbitrary<String> field() {
        return Combinators.combine(token().filter(n -> !List.of("content-length", "transfer-encoding", "upgrade", "sec-websocket-accept").contains(n.toLowerCase())), value(), Arbitraries.of("", " ", "\t"))
                .as((n, v, ows) -> n + ":" + ows + v + ows + "\r\n");
    }

    Arbitrary<String> chunked() {
        Arbitrary<String> chunk = Combinators.combine(Arbitraries.strings().withChars("ab\r\n 0").ofMinLength(1).ofMaxLength(40), Arbitraries.of("", ";x", ";n=\"v\""))
                .as((data, ext) -> Integer.toHexString(data.length()) + ext + "\r\n" + data + "\r\n");
        Arbitrary<String> trailer = Combinators.combine(token().filter(n -> !List.of("content-length", "transfer-encoding", "trailer").contains(n.toLowerCase())), value())
                .as((n, v) -> n + ": " + v + "\r\n");
        return Combinators.combine(chunk.list().ofMaxSize(4), trailer.list().ofMaxSize(2))
                .as((chunks, trailers) -> "Transfer-Encoding: chunked\r\n\r\n" + String.join("", chunks) + "0\r\n" + String.join("", trailers) + "\r\n");
    }

    /** One response that ends by its own framing (not by the connection's end). */
    Arbitrary<String> response() {
        Arbitrary<String> statusLine = Arbitraries.of("HTTP/1.1 200 OK", "HTTP/1.1 404 Not Found", "HTTP/1.1 200 Fine Thanks", "HTTP/1.1 503",
                "HTTP/1.1 299 ", "HTTP/1.0 200 OK", "HTTP/1.1 100 Continue", "HTTP/1.1 103 Early Hints", "HTTP/1.1 204 No Content", "HTTP/1.1 304 Not Modified");
        Arbitrary<String> body = Arbitraries.strings().withChars("xy\r\n :").ofMaxLength(60).map(b -> "Content-Length: " + b.length() + "\r\n\r\n" + b);
        return Combinators.combine(statusLine, field().list().ofMaxSize(5), Arbitraries.oneOf(body, chunked()))
                .as((line, fs, b) -> {
                    boolean empty = line.contains(" 1") || line.contains(" 204") || line.contains(" 304");
                    boolean http10 = line.startsWith("HTTP/1.0");
                    String framing = empty ? "Content-Length: 7\r\n\r\n" : http10 && b.startsWith("Transfer") ? "Content-Length: 0\r\n\r\n" : b;
                    return line + "\r\n" + String.join("", fs) + framing;
                });
    }

    @Provide
    Arbitrary<String> stream() {
        Arbitrary<String> lastToClose = Combinators.combine(field().list().ofMaxSize(3), Arbitraries.strings().withChars("zq\r\n").ofMaxLength(30))
                .as((fs, b) -> "HTTP/1.1 200 OK\r\n" + String.join("", fs) + "\r\n" + b);
        return Combinators.combine(response().list().ofMinSize(1).ofMaxSize(4), Arbitraries.of(true, false), lastToClose)
                .as((rs, close, last) -> String.join("", rs) + (close ? last : ""));
    }

    @Property(tries = 500)
    void responsesDecodeAsNettyDecodesThemHoweverTheyAreCut(@ForAll("stream") String stream, @ForAll List<@IntRange(min = 0, max = 2000) Integer> cuts) {
        List<byte[]> pieces = Http1ServerCodecTest.cut(stream, cuts);
        EmbeddedChannel ours = ficus(), reference = netty();
        try {
            List<String> expected = decode(reference, pieces, true);
            assertThat(expected).noneMatch(s -> s.startsWith("FAILED") || s.startsWith("BROKEN"));
            assertThat(decode(ours, pieces, true)).isEqualTo(expected);
        } finally {
            ours.finishAndReleaseAll();
            reference.finishAndReleaseAll();
        }
    }

    // ---- examples

    static List<byte[]> bytes(String s) { return List.of(s.getBytes(StandardCharsets.ISO_8859_1)); }

    @Test
    void bodiesFollowTheRequestsMethod() {
        EmbeddedChannel ch = new EmbeddedChannel(new Http1ClientCodec(4096, 64 * 1024, 16 * 1024));
        ch.writeOutbound(new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.HEAD, "/"), LastHttpContent.EMPTY_LAST_CONTENT);
        ch.writeOutbound(new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/"), LastHttpContent.EMPTY_LAST_CONTENT);
        ch.writeOutbound(new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.CONNECT, "a:443"), LastHttpContent.EMPTY_LAST_CONTENT);
        ch.releaseOutbound();
        List<String> seen = decode(ch, bytes("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n" // HEAD: the length is a GET's, no body follows
                + "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"
                + "HTTP/1.1 200 Connection Established\r\n\r\nTLS bytes"), false);
        assertThat(seen).containsExactly(
                "HTTP/1.1 200 [OK] [Content-Length=5;]", "BODY  TRAILERS []",
                "HTTP/1.1 200 [OK] [Content-Length=2;]", "BODY hi TRAILERS []",
                "HTTP/1.1 200 [Connection Established] []", "BODY  TRAILERS []", "RAW TLS bytes");
        ch.finishAndReleaseAll();
    }

    @Test
    void a101IsFollowedByTheNewProtocolsBytes() {
        assertThat(decode(ficus(), bytes("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\u0081\u0002hi"), false))
                .containsExactly("HTTP/1.1 101 [Switching Protocols] [Upgrade=websocket;Connection=Upgrade;]", "BODY  TRAILERS []", "RAW \u0081\u0002hi");
    }

    @Test
    void refusedHeadsFail() {
        for (String bad : List.of("HTTP/1.1 200 OK\r\nX: a\r\n folded\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
                "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n", "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", "HTTP/2.0 200 OK\r\n\r\n", "HTTP/1.1 20 OK\r\n\r\n", "SSH-2.0-OpenSSH\r\n\r\n",
                "HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n", "HTTP/1.1 200 OK\nX: y\n\n")) {
            assertThat(decode(ficus(), bytes(bad + "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"), false)).as(bad).containsExactly("FAILED");
        }
    }

    @Test
    void aConnectionClosedWithinAHeadOrABodyIsNoResponse() {
        assertThat(decode(ficus(), bytes("HTTP/1.1 200 OK\r\nContent-Le"), true)).containsExactly("FAILED");
        assertThat(decode(ficus(), bytes("HTTP/1.1 20"), true)).isEmpty();
        assertThat(decode(ficus(), bytes("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab"), true)).containsExactly("HTTP/1.1 200 [OK] [Content-Length=5;]", "UNFINISHED ab");
        assertThat(decode(ficus(), bytes("HTTP/1.1 200 OK\r\n\r\nto the end"), true)).containsExactly("HTTP/1.1 200 [OK] []", "BODY to the end TRAILERS []");
    }

    @Test
    void aHeadFicusDecodedIsSentOnAsItArrivedWithTheEditsLast() {
        EmbeddedChannel server = new EmbeddedChannel(new Http1ServerCodec(Http1Limits.DEFAULT));
        server.writeInbound(Unpooled.copiedBuffer("GET /p?q HTTP/1.1\r\nHost: app\r\nX-Odd-Case:  spaced value \r\nConnection: keep-alive, X-Hop\r\nX-Hop: 1\r\naccept: */*\r\n\r\n", StandardCharsets.ISO_8859_1));
        HttpRequest req = server.readInbound();
        ReferenceCountUtil.release(server.readInbound());
        HopByHop.strip(req.headers());
        req.headers().set("x-request-id", "abc");
        EmbeddedChannel client = new EmbeddedChannel(new Http1ClientCodec(4096, 64 * 1024, 16 * 1024));
        client.writeOutbound(req, LastHttpContent.EMPTY_LAST_CONTENT);
        StringBuilder sent = new StringBuilder();
        ByteBuf b;
        while ((b = client.readOutbound()) != null) {
            sent.append(b.toString(StandardCharsets.ISO_8859_1));
            b.release();
        }
        assertThat(sent.toString()).isEqualTo("GET /p?q HTTP/1.1\r\nHost: app\r\nX-Odd-Case:  spaced value \r\naccept: */*\r\nx-request-id: abc\r\n\r\n");
        assertThat(req.headers().get(HttpHeaderNames.HOST)).isEqualTo("app");
        server.finishAndReleaseAll();
        client.finishAndReleaseAll();
    }
}
