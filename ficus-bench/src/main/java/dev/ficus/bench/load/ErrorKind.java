package dev.ficus.bench.load;

/** Why a request did not get a successful answer; each kind is counted on its own. */
public enum ErrorKind {
    /** The TCP connection could not be opened (refused, unreachable, connect timeout). */
    CONNECT("connect"),
    /** No complete response within the request timeout; the connection is closed and reopened. */
    TIMEOUT("timeout"),
    /** The connection closed or was reset while a request was in flight. */
    RESET("reset"),
    /** The response could not be parsed as HTTP/1.1. */
    PROTOCOL("protocol"),
    /** A 4xx status. */
    STATUS_4XX("4xx"),
    /** A 5xx status. */
    STATUS_5XX("5xx");

    private final String label;

    ErrorKind(String label) {
        this.label = label;
    }

    /** The short name used in reports and on the command line. */
    public String label() {
        return label;
    }
}
