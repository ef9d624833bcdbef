package dev.ficus.bench.load;

/** Why a request did not get a successful answer; each kind is counted on its own. */
public enum ErrorKind {
    /** The TCP connection could not be opened (refused, unreachable, connect timeout). */
    CONNECT("connect"),
    /** No complete response within the request timeout; the connection is closed and reopened. */
    TIMEOUT("timeout"),
    /** The connection closed or was reset while a request was in flight. */
    RESET("reset"),
    /**
     * The response broke the protocol: not parseable HTTP/1.1, an HTTP/2 stream without a
     * {@code :status}, a gRPC response without a {@code grpc-status}, more echo bytes than sent.
     */
    PROTOCOL("protocol"),
    /** The server reset the HTTP/2 stream (RST_STREAM) before its response ended. */
    STREAM_RESET("rst_stream"),
    /** The server sent GOAWAY before this stream (its id above the last one the server took). */
    GOAWAY("goaway"),
    /** A 4xx status. */
    STATUS_4XX("4xx"),
    /** A 5xx status. */
    STATUS_5XX("5xx"),
    /** A gRPC call that ended with a status other than 0 (OK); the status codes tell which. */
    GRPC_STATUS("grpc_status");

    private final String label;

    ErrorKind(String label) {
        this.label = label;
    }

    /** Whether a request with this error still got a complete response (and so has a latency). */
    public boolean withResponse() {
        return this == STATUS_4XX || this == STATUS_5XX || this == GRPC_STATUS;
    }

    /** The short name used in reports and on the command line. */
    public String label() {
        return label;
    }
}
