package dev.ficus.proxy.http;

/**
 * Pipeline user events about the request cycle, fired by the terminal stage from the pipeline's
 * head so that earlier handlers (header deadline, drain) learn where a connection stands without
 * looking each other up.
 */
public enum ExchangeEvent {
    /** The last response finished and the connection waits for the next request head. */
    IDLE,
    /** The proxy is draining: finish the exchange in flight, answer with {@code Connection: close}, then close. */
    DRAIN
}
