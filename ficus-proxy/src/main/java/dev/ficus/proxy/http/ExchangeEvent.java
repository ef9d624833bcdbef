package dev.ficus.proxy.http;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;

/**
 * Pipeline user events about the request cycle, fired by the terminal stage from the pipeline's
 * head so that earlier handlers (header deadline, drain) learn where a connection stands without
 * looking each other up.
 */
public enum ExchangeEvent {
    /** The last response finished and the connection waits for the next request head. */
    IDLE,
    /** The proxy is draining: finish the exchange in flight, answer with {@code Connection: close}, then close. */
    DRAIN;

    private static final AttributeKey<Boolean> DRAINING = AttributeKey.valueOf("ficus.draining");

    /**
     * Tells a downstream connection that the proxy drains: marks it, for the handlers it gets
     * later (a connection still detecting its protocol, or in its TLS handshake, has no router
     * yet), then fires {@link #DRAIN} to the handlers it has now.
     */
    public static void drain(Channel ch) {
        ch.attr(DRAINING).set(Boolean.TRUE);
        ch.pipeline().fireUserEventTriggered(DRAIN);
    }

    /**
     * Whether {@link #drain} reached the downstream connection {@code ch}. An HTTP/2 stream's
     * channel is never marked: its connection drains with GOAWAY, and its streams finish as usual.
     */
    public static boolean draining(Channel ch) { return ch.hasAttr(DRAINING); }
}
