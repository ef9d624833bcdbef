package dev.ficus.bench.load;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The response reader on an {@link EmbeddedChannel}: every framing, split at every byte. */
class ResponseParserTest {

    record Seen(int status, long headerBytes, long totalBytes) {
    }

    final List<Seen> seen = new ArrayList<>();
    final List<String> malformed = new ArrayList<>();

    EmbeddedChannel channel(boolean head) {
        return new EmbeddedChannel(new ResponseParser(head, new ResponseParser.Listener() {
            @Override
            public void onResponse(int status, long headerBytes, long totalBytes) {
                seen.add(new Seen(status, headerBytes, totalBytes));
            }

            @Override
            public void onMalformed(String why) {
                malformed.add(why);
            }
        }));
    }

    static final String LENGTH = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello";
    static final String CHUNKED = "HTTP/1.1 503 Service Unavailable\r\ntransfer-encoding: chunked\r\n\r\n"
            + "3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nx-trailer: 1\r\n\r\n";

    @Test
    void lengthAndChunkedResponsesSplitAnywhereGiveExactSizes() {
        String both = LENGTH + CHUNKED + LENGTH;
        for (int split = 1; split < both.length(); split++) {
            seen.clear();
            EmbeddedChannel ch = channel(false);
            ch.writeInbound(Unpooled.copiedBuffer(both.substring(0, split), StandardCharsets.US_ASCII));
            ch.writeInbound(Unpooled.copiedBuffer(both.substring(split), StandardCharsets.US_ASCII));
            assertThat(seen).as("split at %d", split).containsExactly(
                    new Seen(200, LENGTH.length() - 5, LENGTH.length()),
                    new Seen(503, "HTTP/1.1 503 Service Unavailable\r\ntransfer-encoding: chunked\r\n\r\n".length(), CHUNKED.length()),
                    new Seen(200, LENGTH.length() - 5, LENGTH.length()));
            assertThat(malformed).isEmpty();
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void headResponsesHaveNoBodyWhateverTheirLength() {
        EmbeddedChannel ch = channel(true);
        String head = "HTTP/1.1 200 OK\r\nContent-Length: 1024\r\n\r\n";
        ch.writeInbound(Unpooled.copiedBuffer(head + head, StandardCharsets.US_ASCII));
        assertThat(seen).hasSize(2).allMatch(s -> s.totalBytes() == head.length());
        ch.finishAndReleaseAll();
    }

    @Test
    void interimResponsesAreSkippedAndCloseDelimitedBodiesEndAtClose() {
        EmbeddedChannel ch = channel(false);
        ch.writeInbound(Unpooled.copiedBuffer("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.0 200 OK\r\n\r\nuntil the end",
                StandardCharsets.US_ASCII));
        assertThat(seen).isEmpty();
        ch.finish();
        assertThat(seen).containsExactly(new Seen(200, 19, 19 + 13));
    }

    @Test
    void garbageIsReportedOnce() {
        EmbeddedChannel ch = channel(false);
        ch.writeInbound(Unpooled.copiedBuffer("SSH-2.0-OpenSSH\r\nmore\r\n", StandardCharsets.US_ASCII));
        assertThat(malformed).containsExactly("not an HTTP/1.x status line");
        ch.writeInbound(Unpooled.copiedBuffer("HTTP/1.1 200 OK\r\n\r\n", StandardCharsets.US_ASCII));
        assertThat(malformed).hasSize(1);
        assertThat(seen).isEmpty();
        ch.finishAndReleaseAll();
    }

    @Test
    void badLengthsAreMalformed() {
        EmbeddedChannel ch = channel(false);
        ch.writeInbound(Unpooled.copiedBuffer("HTTP/1.1 200 OK\r\nContent-Length: 12a\r\n\r\n", StandardCharsets.US_ASCII));
        assertThat(malformed).containsExactly("bad Content-Length");
        ch.finishAndReleaseAll();
    }
}
