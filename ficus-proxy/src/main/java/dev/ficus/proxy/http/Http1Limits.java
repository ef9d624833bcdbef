package dev.ficus.proxy.http;

import java.time.Duration;

/**
 * Limits on downstream HTTP/1.1 requests.
 *
 * @param maxInitialLineLength   longest request line; longer gets 400
 * @param maxHeaderSize          total size of all header lines; larger gets 431 (Envoy's default: 60 KiB)
 * @param maxChunkSize           largest body piece handed on at once; bodies themselves are unlimited and streamed
 * @param requestHeadersTimeout  time to receive a complete request head, also the keep-alive idle time; 408 when exceeded
 */
public record Http1Limits(int maxInitialLineLength, int maxHeaderSize, int maxChunkSize, Duration requestHeadersTimeout) {
    public static final Http1Limits DEFAULT = new Http1Limits(8 * 1024, 60 * 1024, 16 * 1024, Duration.ofSeconds(60));

    public Http1Limits withRequestHeadersTimeout(Duration d) { return new Http1Limits(maxInitialLineLength, maxHeaderSize, maxChunkSize, d); }
}
