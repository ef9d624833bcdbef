package dev.ficus.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/**
 * ficus's encoders write a head and a body that fits beside it as one buffer ({@link OneBufferWrites}), and
 * what reaches the wire is byte for byte what Netty's encoders write for the same messages,
 * whatever the framing, piece sizes, promises and flushes.
 */
class OneBufferWritesTest {

    /** What a channel wrote: its buffers, in order. */
    record Written(List<String> buffers) {
        String bytes() { return String.join("", buffers); }
    }

    static Written written(EmbeddedChannel ch) {
        List<String> out = new ArrayList<>();
        for (Object m; (m = ch.readOutbound()) != null; ) {
            ByteBuf b = (ByteBuf) m;
            if (b.isReadable()) out.add(b.toString(StandardCharsets.ISO_8859_1));
            b.release();
        }
        return new Written(out);
    }

    static String body(int n, char c) { return String.valueOf(c).repeat(n); }

    @Test
    void aHeadAndASmallBodyAreOneBuffer() {
        EmbeddedChannel ch = new EmbeddedChannel(new Http1ServerCodec(Http1Limits.DEFAULT));
        DefaultHttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers().set(HttpHeaderNames.CONTENT_LENGTH, 5);
        ch.write(head, ch.voidPromise());
        assertThat(ch.outboundMessages()).as("held until the body comes").isEmpty();
        ch.write(new DefaultLastHttpContent(Unpooled.copiedBuffer("hello", StandardCharsets.US_ASCII)), ch.voidPromise());
        ch.flush();
        assertThat(written(ch).buffers()).containsExactly("HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello");
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void aBodyRequestWithoutBodyIsOneBufferWithNoEmptyPiece() {
        EmbeddedChannel ch = new EmbeddedChannel(new Http1ClientCodec(4096, 64 * 1024, 16 * 1024));
        ch.write(new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/a"), ch.voidPromise());
        ch.write(LastHttpContent.EMPTY_LAST_CONTENT, ch.voidPromise());
        ch.flush();
        Object first = ch.readOutbound();
        assertThat(first).isInstanceOf(ByteBuf.class);
        assertThat(((ByteBuf) first).toString(StandardCharsets.US_ASCII)).isEqualTo("GET /a HTTP/1.1\r\n\r\n");
        ((ByteBuf) first).release();
        assertThat(ch.outboundMessages()).as("no empty buffer after it").isEmpty();
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void aLargeBodyIsWrittenApartAfterItsHead() {
        EmbeddedChannel ch = new EmbeddedChannel(new Http1ServerCodec(Http1Limits.DEFAULT));
        int n = 20_000; // more than the head's buffer has room for
        DefaultHttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers().set(HttpHeaderNames.CONTENT_LENGTH, n);
        ch.write(head, ch.voidPromise());
        ch.write(new DefaultLastHttpContent(Unpooled.copiedBuffer(body(n, 'x'), StandardCharsets.US_ASCII)), ch.voidPromise());
        ch.flush();
        assertThat(written(ch).buffers()).containsExactly("HTTP/1.1 200 OK\r\ncontent-length: " + n + "\r\n\r\n", body(n, 'x'));
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void aWriteWithItsOwnPromiseIsCompletedAfterWhatWasHeld() {
        EmbeddedChannel ch = new EmbeddedChannel(new Http1ServerCodec(Http1Limits.DEFAULT));
        DefaultHttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        ch.write(head, ch.voidPromise());
        ch.write(new DefaultHttpContent(Unpooled.copiedBuffer("abc", StandardCharsets.US_ASCII)), ch.voidPromise());
        ChannelFuture last = ch.write(new DefaultLastHttpContent(Unpooled.copiedBuffer("de", StandardCharsets.US_ASCII)));
        ch.flush();
        assertThat(last.isSuccess()).isTrue();
        assertThat(written(ch).bytes()).isEqualTo("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
        assertThat(ch.finish()).isFalse();
    }

    @Test
    void whatIsHeldGoesOutWhenTheChannelCloses() {
        EmbeddedChannel ch = new EmbeddedChannel(new Http1ServerCodec(Http1Limits.DEFAULT));
        DefaultHttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        head.headers().set(HttpHeaderNames.CONTENT_LENGTH, 10);
        ch.write(head, ch.voidPromise());
        ch.close();
        // written before the close, it fails as any write not flushed by then (and is released, not leaked)
        assertThatThrownBy(ch::checkException).isInstanceOf(java.nio.channels.ClosedChannelException.class);
        assertThat(ch.outboundMessages()).isEmpty();
        assertThat(ch.finish()).isFalse();
    }

    // ---- the same bytes as Netty's encoders, whatever the messages ----

    /** One message's pieces: sizes of its body pieces, whether it is chunked, and which writes carry a promise of their own. */
    record Message(int status, boolean chunked, List<Integer> pieces, List<Boolean> ownPromise, boolean flushAfterHead) {}

    @Provide
    Arbitrary<List<Message>> messages() {
        Arbitrary<Integer> size = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(5, Arbitraries.integers().between(0, 2048)),
                net.jqwik.api.Tuple.of(2, Arbitraries.integers().between(100, 600)), // about the room a head's buffer has left
                net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(0, 20_000)));
        Arbitrary<Message> m = Combinators.combine(
                Arbitraries.of(200, 200, 404, 204, 304),
                Arbitraries.of(false, true),
                size.list().ofMaxSize(4),
                Arbitraries.of(false, false, false, true).list().ofSize(6),
                Arbitraries.of(false, true)).as(Message::new);
        return m.list().ofMinSize(1).ofMaxSize(4);
    }

    @Property(tries = 150)
    void responsesAreWrittenAsNettyWritesThem(@ForAll("messages") List<Message> messages) {
        Written ours = send(new Http1ServerCodec(Http1Limits.DEFAULT), messages, true);
        Written netty = send(new HttpResponseEncoder(), messages, true);
        assertThat(ours.bytes()).isEqualTo(netty.bytes());
        assertThat(ours.buffers().size()).isLessThanOrEqualTo(netty.buffers().size());
    }

    @Property(tries = 150)
    void requestsAreWrittenAsNettyWritesThem(@ForAll("messages") List<Message> messages) {
        Written ours = send(new Http1ClientCodec(4096, 64 * 1024, 16 * 1024), messages, false);
        Written netty = send(new HttpRequestEncoder(), messages, false);
        assertThat(ours.bytes()).isEqualTo(netty.bytes());
        assertThat(ours.buffers().size()).isLessThanOrEqualTo(netty.buffers().size());
    }

    private static Written send(ChannelHandler encoder, List<Message> messages, boolean responses) {
        EmbeddedChannel ch = new EmbeddedChannel(encoder);
        List<ChannelFuture> promised = new ArrayList<>();
        char fill = 'a';
        for (Message m : messages) {
            int total = m.pieces().stream().mapToInt(Integer::intValue).sum();
            Supplier<HttpMessage> head = () -> responses
                    ? new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(m.status()))
                    : new DefaultHttpRequest(HttpVersion.HTTP_1_1, m.status() == 200 ? HttpMethod.POST : HttpMethod.PUT, "/m" + m.status());
            HttpMessage h = head.get();
            if (m.chunked()) h.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            else h.headers().set(HttpHeaderNames.CONTENT_LENGTH, total);
            int w = 0;
            write(ch, h, m.ownPromise().get(w++), promised);
            if (m.flushAfterHead()) ch.flush();
            for (int i = 0; i < m.pieces().size(); i++) {
                ByteBuf b = Unpooled.copiedBuffer(body(m.pieces().get(i), fill++), StandardCharsets.US_ASCII);
                boolean lastPiece = i == m.pieces().size() - 1;
                write(ch, lastPiece ? new DefaultLastHttpContent(b) : new DefaultHttpContent(b), m.ownPromise().get(w++), promised);
            }
            if (m.pieces().isEmpty()) write(ch, LastHttpContent.EMPTY_LAST_CONTENT, m.ownPromise().get(w), promised);
        }
        ch.flush();
        Written out = written(ch);
        assertThat(promised).allMatch(ChannelFuture::isSuccess);
        assertThat(ch.finish()).isFalse();
        return out;
    }

    private static void write(EmbeddedChannel ch, Object msg, boolean ownPromise, List<ChannelFuture> promised) {
        if (ownPromise) promised.add(ch.write(msg));
        else ch.write(msg, ch.voidPromise());
    }
}
