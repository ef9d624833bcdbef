package dev.ficus.xds.snapshot;

/**
 * The protocol a listener speaks. {@code HTTP} serves HTTP/1.1 and HTTP/2 (h2c prior knowledge);
 * {@code TCP} splices bytes by the listener's TCP routes; {@code AUTO} sniffs the first bytes of
 * each connection (TLS, HTTP/2, HTTP/1.x, else opaque TCP), as Istio's protocol sniffing.
 */
public enum ListenerProtocol { HTTP, TCP, AUTO }
