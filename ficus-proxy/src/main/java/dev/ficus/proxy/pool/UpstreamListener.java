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

    /**
     * The upstream reset the leased HTTP/2 stream (Envoy's remote reset) instead of closing it
     * after a response. {@code refused}: the server never processed the request, so it is safe to
     * send again (RST_STREAM with REFUSED_STREAM, or a GOAWAY whose last-stream-id is below the
     * stream, Envoy's {@code RemoteRefusedStreamReset}). Listeners that make no difference hear
     * {@link #onUpstreamClosed()}.
     */
    default void onUpstreamReset(boolean refused) { onUpstreamClosed(); }
}
