package dev.ficus.api.networking;

import dev.ficus.api.bind.Required;

/**
 * The port of a Gateway server.
 *
 * @param protocol case-insensitive: HTTP, HTTPS, GRPC, HTTP2, MONGO, TCP, TLS ...
 */
public record Port(@Required Integer number, @Required String protocol, String name, Integer targetPort) {
}
