package dev.ficus.bench.load;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Encodes the one request a run sends, once: every send writes a duplicate of the same bytes, so
 * the request path spends nothing on encoding.
 */
final class RequestEncoder {
    private RequestEncoder() {
    }

    static byte[] encode(LoadConfig config) {
        URI uri = config.target();
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        if (uri.getRawQuery() != null) path += "?" + uri.getRawQuery();
        StringBuilder sb = new StringBuilder(256);
        sb.append(config.method()).append(' ').append(path).append(" HTTP/1.1\r\n");
        boolean hasHost = false;
        boolean hasUserAgent = false;
        boolean hasContentType = false;
        for (Map.Entry<String, String> h : config.headers()) {
            hasHost |= h.getKey().equalsIgnoreCase("host");
            hasUserAgent |= h.getKey().equalsIgnoreCase("user-agent");
            hasContentType |= h.getKey().equalsIgnoreCase("content-type");
        }
        if (!hasHost) {
            sb.append("Host: ").append(uri.getHost());
            if (uri.getPort() != -1) sb.append(':').append(uri.getPort());
            sb.append("\r\n");
        }
        if (!hasUserAgent) sb.append("User-Agent: ficus-bench\r\n");
        for (Map.Entry<String, String> h : config.headers()) {
            if (h.getKey().equalsIgnoreCase("content-length")) continue; // the body size decides it
            sb.append(h.getKey()).append(": ").append(h.getValue()).append("\r\n");
        }
        if (config.bodySize() > 0) {
            if (!hasContentType) sb.append("Content-Type: application/octet-stream\r\n");
            sb.append("Content-Length: ").append(config.bodySize()).append("\r\n");
        }
        sb.append("\r\n");
        byte[] head = sb.toString().getBytes(StandardCharsets.ISO_8859_1);
        byte[] all = new byte[head.length + config.bodySize()];
        System.arraycopy(head, 0, all, 0, head.length);
        java.util.Arrays.fill(all, head.length, all.length, (byte) 'x');
        return all;
    }

    /**
     * The request in direct memory (no copy on each write). The caller owns the returned buffer and
     * releases it after the run; writes take duplicates of {@link #unreleasable} views of it.
     */
    static ByteBuf direct(LoadConfig config) {
        byte[] bytes = encode(config);
        return Unpooled.directBuffer(bytes.length).writeBytes(bytes);
    }

    /** A read-only view that writes cannot free: each send writes a {@link ByteBuf#duplicate()}. */
    static ByteBuf unreleasable(ByteBuf request) {
        return Unpooled.unreleasableBuffer(request.asReadOnly());
    }
}
