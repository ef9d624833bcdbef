package dev.ficus.proxy.lb;

import io.netty.handler.codec.http.HttpRequest;

/**
 * What a picker may look at in the request it picks for (the key of a consistent hash), and
 * what it may ask the router to add to the response (a generated affinity cookie). One instance
 * per downstream connection, reset for each request, so that picking allocates nothing; only the
 * connection's event loop touches it.
 */
public final class PickContext {
    private HttpRequest request;
    private String sourceIp;
    private String peer;
    private String setCookie;

    /** Starts a request: {@code sourceIp} is the peer's address, {@code peer} its address and port. */
    public PickContext reset(HttpRequest request, String sourceIp, String peer) {
        this.request = request;
        this.sourceIp = sourceIp;
        this.peer = peer;
        this.setCookie = null;
        return this;
    }

    public HttpRequest request() { return request; }

    /** The downstream peer's IP address, or null when unknown. */
    public String sourceIp() { return sourceIp; }

    /** The downstream peer as {@code ip:port}, or null when unknown. */
    public String peer() { return peer; }

    /** A {@code Set-Cookie} value the router adds to the response, or null. */
    public String setCookie() { return setCookie; }

    void setCookie(String value) { this.setCookie = value; }
}
