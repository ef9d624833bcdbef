package dev.ficus.bench.load;

import java.util.Locale;

/**
 * What one exchange of a run is: an HTTP/1.1 request and response, an HTTP/2 stream (prior
 * knowledge, no TLS), a gRPC unary call over such a stream, or a TCP echo of the request bytes.
 */
public enum Protocol {
    /** HTTP/1.1 keep-alive, one request in flight per connection. */
    HTTP1("http1"),
    /** HTTP/2 over cleartext with prior knowledge; several streams in flight per connection. */
    H2C("h2c"),
    /** gRPC unary calls over h2c: a length-prefixed raw message, the status from the trailers. */
    GRPC("grpc"),
    /** A TCP connection that sends the body bytes and waits for the same number back. */
    TCP("tcp");

    private final String label;

    Protocol(String label) {
        this.label = label;
    }

    /** The name used on the command line and in reports. */
    public String label() {
        return label;
    }

    /** Whether several requests share a connection at once (HTTP/2 streams). */
    public boolean multiplexed() {
        return this == H2C || this == GRPC;
    }

    /** The protocol named {@code text} ({@code http1}, {@code h2c}, {@code grpc}, {@code tcp}). */
    public static Protocol parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        for (Protocol p : values()) {
            if (p.label.equals(t)) return p;
        }
        if (t.equals("http") || t.equals("http/1.1")) return HTTP1;
        if (t.equals("h2") || t.equals("http2")) return H2C;
        throw new IllegalArgumentException("unknown protocol '" + text + "': expected http1, h2c, grpc or tcp");
    }
}
