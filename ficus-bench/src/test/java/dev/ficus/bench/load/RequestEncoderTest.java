package dev.ficus.bench.load;

import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class RequestEncoderTest {

    static String encode(LoadConfig.Builder b) {
        return new String(RequestEncoder.encode(b.build()), StandardCharsets.ISO_8859_1);
    }

    @Test
    void getHasHostUserAgentAndNoBody() {
        assertThat(encode(LoadConfig.builder(URI.create("http://127.0.0.1:8080/a/b?x=1&y=%20"))))
                .isEqualTo("GET /a/b?x=1&y=%20 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: ficus-bench\r\n\r\n");
    }

    @Test
    void bodySizeSetsContentLengthAndUserHeadersWin() {
        String r = encode(LoadConfig.builder(URI.create("http://example.test")).method("put").bodySize(3)
                .header("Host", "svc.local").header("Content-Length", "999").header("X-A", "1"));
        assertThat(r).isEqualTo("PUT / HTTP/1.1\r\nUser-Agent: ficus-bench\r\nHost: svc.local\r\nX-A: 1\r\n"
                + "Content-Type: application/octet-stream\r\nContent-Length: 3\r\n\r\nxxx");
    }
}
