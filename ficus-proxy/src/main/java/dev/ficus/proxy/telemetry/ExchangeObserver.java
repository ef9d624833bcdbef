package dev.ficus.proxy.telemetry;

import io.netty.handler.codec.http.HttpHeaders;

/**
 * Sees the exchanges of one listener: tracing and access logging implement it. Called on the
 * exchange's event loop, so an observer never blocks and hands anything slow to another thread.
 */
public interface ExchangeObserver {
    /** The request head arrived; nothing was decided yet. */
    default void onRequest(Exchange ex) {}

    /** The request is about to go upstream with {@code headers} (once per exchange; retries resend them). */
    default void onUpstreamRequest(Exchange ex, HttpHeaders headers) {}

    /** The exchange ended (a response was sent, or the exchange failed); called once per exchange. */
    default void onEnd(Exchange ex) {}

    /**
     * Makes the observer of one listener; returns null when the listener's policy turns it off.
     * Called off the event loop, once per listener per snapshot.
     */
    interface Factory {
        ExchangeObserver forListener(dev.ficus.xds.snapshot.ListenerConfig listener);
    }
}
