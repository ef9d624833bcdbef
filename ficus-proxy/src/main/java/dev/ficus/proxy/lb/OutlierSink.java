package dev.ficus.proxy.lb;

/**
 * Where an endpoint reports the outcome of its requests when its cluster has outlier detection.
 * Called on the event loop that served the request; implementations count with atomics and hand
 * ejection decisions to their own thread, never blocking the caller.
 */
public interface OutlierSink {
    /** A response head arrived from the endpoint with {@code status}. */
    void onStatus(EndpointRef endpoint, int status);

    /** The proxy could not get an answer: connect failure, reset before a response, or timeout. */
    void onLocalOriginFailure(EndpointRef endpoint);
}
