/** Stage 9 (TCP): opaque and TLS-passthrough connections, routed by port or SNI and spliced byte for byte to an endpoint. */
package dev.ficus.proxy.tcp;
