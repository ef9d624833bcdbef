/** Mutual TLS between proxies: what a peer proved ({@link dev.ficus.proxy.tls.PeerAuth}), contexts and handshakes. */
package dev.ficus.proxy.tls;
