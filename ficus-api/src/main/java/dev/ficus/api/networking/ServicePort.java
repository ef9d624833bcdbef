package dev.ficus.api.networking;

import dev.ficus.api.bind.Required;

/**
 * A port of a ServiceEntry.
 *
 * @param protocol   case-insensitive: HTTP, HTTPS, GRPC, HTTP2, MONGO, MYSQL, REDIS, TCP, TLS, UDP ...
 * @param targetPort port the endpoints listen on, when different from {@code number}
 */
public record ServicePort(@Required Integer number, String protocol, @Required String name, Integer targetPort) {

    /** The protocol, upper-cased; TCP when unset. */
    public String protocolOrTcp() {
        return protocol == null ? "TCP" : protocol.toUpperCase(java.util.Locale.ROOT);
    }
}
