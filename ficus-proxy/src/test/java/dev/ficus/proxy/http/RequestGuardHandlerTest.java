package dev.ficus.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ficus.proxy.telemetry.TrafficStats;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** ficus's HTTP/1 codec plus the guard, driven as a client would. */
class RequestGuardHandlerTest {
    final TrafficStats stats = new TrafficStats("test");

    EmbeddedChannel channel(Http1Limits limits) {
        return new EmbeddedChannel(new Http1ServerCodec(limits), new RequestGuardHandler(limits, stats));
    }

    /** Writes {@code request} and returns the reply the guard wrote, or null when it let the request pass. */
    String send(EmbeddedChannel ch, String request) {
        ch.writeInbound(Unpooled.copiedBuffer(request, StandardCharsets.ISO_8859_1));
        Object passed;
        while ((passed = ch.readInbound()) != null) ReferenceCountUtil.release(passed);
        StringBuilder out = new StringBuilder();
        ByteBuf b;
        while ((b = ch.readOutbound()) != null) {
            out.append(b.toString(StandardCharsets.ISO_8859_1));
            b.release();
        }
        return out.isEmpty() ? null : out.toString();
    }

    @Test
    void aValidRequestPasses() {
        EmbeddedChannel ch = channel(Http1Limits.DEFAULT);
        ch.writeInbound(Unpooled.copiedBuffer("POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi", StandardCharsets.ISO_8859_1));
        Object first = ch.readInbound();
        assertThat(first).isInstanceOf(HttpRequest.class);
        ReferenceCountUtil.release(first);
        Object m;
        while ((m = ch.readInbound()) != null) ReferenceCountUtil.release(m);
        Object out = ch.readOutbound();
        assertThat(out).isNull();
        assertThat(ch.isActive()).isTrue();
        ch.finishAndReleaseAll();
    }

    @Test
    void contentLengthWithTransferEncodingIsRefused() {
        EmbeddedChannel ch = channel(Http1Limits.DEFAULT);
        String r = send(ch, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
        assertThat(r).startsWith("HTTP/1.1 400").contains("x-ficus-error: DPE").contains("connection: close");
        assertThat(ch.isActive()).isFalse();
        assertThat(stats.responses(ResponseFlag.DPE)).isEqualTo(1);
    }

    @Test
    void differingDuplicateContentLengthsAreRefused() {
        String r = send(channel(Http1Limits.DEFAULT), "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 5\r\n\r\nabcde");
        assertThat(r).startsWith("HTTP/1.1 400");
    }

    @Test
    void transferEncodingOnHttp10IsRefused() {
        String r = send(channel(Http1Limits.DEFAULT), "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
        assertThat(r).startsWith("HTTP/1.1 400");
    }

    @Test
    void obsoleteLineFoldingIsRefused() {
        String r = send(channel(Http1Limits.DEFAULT), "GET / HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n b\r\n\r\n");
        assertThat(r).startsWith("HTTP/1.1 400");
    }

    @Test
    void foldLikeBytesInABodyAndInTheNextRequestAreNotMistakenForFolding() {
        EmbeddedChannel ch = channel(Http1Limits.DEFAULT);
        assertThat(send(ch, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 8\r\n\r\nab\r\n cd\n")).isNull();
        ch.pipeline().fireUserEventTriggered(ExchangeEvent.IDLE); // as the router says once it answered
        assertThat(send(ch, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")).isNull();
        ch.pipeline().fireUserEventTriggered(ExchangeEvent.IDLE);
        assertThat(send(ch, "GET / HTTP/1.1\r\nHost: x\r\n\tfolded\r\n\r\n")).startsWith("HTTP/1.1 400");
    }

    @Test
    void aMissingHostOnHttp11IsRefused() {
        assertThat(send(channel(Http1Limits.DEFAULT), "GET / HTTP/1.1\r\n\r\n")).startsWith("HTTP/1.1 400");
    }

    @Test
    void targetsThatNameNoResourceAreRefused() {
        for (String line : new String[] {"GET a", "GET * ", "POST *", "GET ?q=1", "GET ://x/", "GET 1http://x/", "GET www.example.com:80"}) {
            String r = send(channel(Http1Limits.DEFAULT), line.strip() + " HTTP/1.1\r\nHost: a\r\n\r\n");
            assertThat(r).as(line).startsWith("HTTP/1.1 400").contains("x-ficus-error: DPE");
        }
        for (String line : new String[] {"GET /", "GET /a?b", "OPTIONS *", "GET http://reviews:9080/x", "GET HTTPS://reviews", "CONNECT reviews:443"}) {
            assertThat(send(channel(Http1Limits.DEFAULT), line + " HTTP/1.1\r\nHost: a\r\n\r\n")).as(line).isNull();
        }
    }

    @Test
    void twoHostHeadersAreRefused() {
        // RFC 9112 3.2: which host is meant is ambiguous (h2load -H 'Host: x' sends its own Host first)
        String r = send(channel(Http1Limits.DEFAULT), "GET / HTTP/1.1\r\nHost: 127.0.0.1:15001\r\nhost: reviews\r\n\r\n");
        assertThat(r).startsWith("HTTP/1.1 400").contains("x-ficus-error: DPE");
        assertThat(send(channel(Http1Limits.DEFAULT), "GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n")).startsWith("HTTP/1.1 400");
        assertThat(send(channel(Http1Limits.DEFAULT), "GET / HTTP/1.1\r\nHost: a\r\n\r\n")).isNull();
    }

    @Test
    void oversizedHeadersGet431AndAnOversizedRequestLine400() {
        Http1Limits small = new Http1Limits(256, 1024, 8192, Duration.ofSeconds(5));
        String big = "x".repeat(2000);
        assertThat(send(channel(small), "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + big + "\r\n\r\n")).startsWith("HTTP/1.1 431");
        assertThat(send(channel(small), "GET /" + big + " HTTP/1.1\r\nHost: x\r\n\r\n")).startsWith("HTTP/1.1 400");
    }

    @Test
    void aSlowRequestHeadGets408() throws Exception {
        Http1Limits fast = Http1Limits.DEFAULT.withRequestHeadersTimeout(Duration.ofMillis(50));
        EmbeddedChannel ch = channel(fast);
        assertThat(send(ch, "GET / HTTP/1.1\r\nHost: x\r\n")).isNull();
        // EmbeddedChannel runs scheduled tasks only when asked; advance its clock past the deadline
        ch.advanceTimeBy(100, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        ByteBuf b = ch.readOutbound();
        assertThat(b).isNotNull();
        assertThat(b.toString(StandardCharsets.ISO_8859_1)).startsWith("HTTP/1.1 408").contains("x-ficus-error: RT");
        b.release();
        assertThat(ch.isActive()).isFalse();
    }
}
