package dev.ficus.proxy.parallelrun;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Keeps what a comparison needs of one answer while it streams by: status, compared headers and
 * the body up to a limit, copied into a plain array so that no buffer of the exchange is held
 * (the caller keeps ownership of every {@link ByteBuf} it shows). One instance per answer, only
 * used on the event loop of the exchange.
 */
public final class AnswerCapture {
    private final List<String> compared;
    private final int limit;
    private int status;
    private Map<String, String> headers = Map.of();
    private String contentType;
    private byte[] body = new byte[0];
    private int size;
    private boolean tooLarge;
    private boolean headSeen;

    /** @param compared the header names compared (lower-case); @param limit the most body bytes kept */
    public AnswerCapture(List<String> compared, int limit) {
        this.compared = compared;
        this.limit = limit;
    }

    /** The answer's head, before the proxy edits it for the client. */
    public void head(HttpResponse r) {
        headSeen = true;
        status = r.status().code();
        HttpHeaders h = r.headers();
        contentType = h.get(HttpHeaderNames.CONTENT_TYPE);
        if (!compared.isEmpty()) {
            Map<String, String> m = new HashMap<>();
            for (String name : compared) {
                List<String> values = h.getAll(name);
                if (!values.isEmpty()) m.put(name, String.join(",", values));
            }
            headers = m;
        }
    }

    /** Body bytes; copied while the body fits in the limit. {@code b} is not retained. */
    public void content(ByteBuf b) {
        int n = b.readableBytes();
        if (tooLarge || n == 0) return;
        if ((long) size + n > limit) {
            tooLarge = true;
            body = null;
            return;
        }
        if (size + n > body.length) body = Arrays.copyOf(body, Math.min(limit, Math.max(size + n, Math.max(256, body.length * 2))));
        b.getBytes(b.readerIndex(), body, size, n);
        size += n;
    }

    /** Whether a head was seen (an answer, as opposed to a failure before one). */
    public boolean answered() { return headSeen; }

    /** The kept answer; call once the answer ended. */
    public Answer answer() {
        return new Answer(status, headers, contentType, tooLarge ? null : size == body.length ? body : Arrays.copyOf(body, size));
    }
}
