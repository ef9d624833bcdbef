package dev.ficus.proxy.pool;

/**
 * What an upstream connection reports to the exchange that currently leases it. Every call
 * happens on the event loop shared by the upstream and the downstream channel.
 */
public interface UpstreamListener {
    void onUpstreamConnected(UpstreamConnection connection);

    void onUpstreamConnectFailed(Throwable cause);

    /** A response part from the codec ({@code HttpResponse}, {@code HttpContent}); ownership passes to the listener. */
    void onUpstreamRead(Object msg);

    void onUpstreamReadComplete();

    void onUpstreamWritabilityChanged(boolean writable);

    /** The connection closed while leased. */
    void onUpstreamClosed();
}
