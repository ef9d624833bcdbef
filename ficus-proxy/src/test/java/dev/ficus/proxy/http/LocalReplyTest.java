package dev.ficus.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class LocalReplyTest {
    @Test
    void statusLinesNameRegisteredCodesNettyHasNoNameFor() {
        assertThat(statusLine(418)).isEqualTo("HTTP/1.1 418 I'm a teapot");
        assertThat(statusLine(451)).isEqualTo("HTTP/1.1 451 Unavailable For Legal Reasons");
        assertThat(statusLine(425)).isEqualTo("HTTP/1.1 425 Too Early");
        assertThat(statusLine(503)).isEqualTo("HTTP/1.1 503 Service Unavailable");
        assertThat(statusLine(299)).isEqualTo("HTTP/1.1 299 Success (299)"); // unregistered: Netty's class name
    }

    @Test
    void aFlaggedReplyCarriesItsFlagAndDescription() {
        FullHttpResponse r = LocalReply.of(UnpooledByteBufAllocator.DEFAULT, 503, ResponseFlag.UO, null, true);
        try {
            assertThat(r.headers().get("x-ficus-error")).isEqualTo("UO");
            assertThat(r.headers().get("connection")).isEqualTo("close");
            assertThat(r.content().toString(StandardCharsets.UTF_8)).isEqualTo(ResponseFlag.UO.description() + "\n");
        } finally {
            r.release();
        }
    }

    static String statusLine(int code) {
        EmbeddedChannel ch = new EmbeddedChannel(new HttpResponseEncoder());
        ch.writeOutbound(LocalReply.of(UnpooledByteBufAllocator.DEFAULT, code, null, "x", false));
        StringBuilder s = new StringBuilder();
        for (ByteBuf b; (b = ch.readOutbound()) != null; b.release()) s.append(b.toString(StandardCharsets.ISO_8859_1));
        ch.finishAndReleaseAll();
        return s.substring(0, s.indexOf("\r\n"));
    }
}
